/**
 * Walks the whole route table: from one valid request per route (helpers/route-samples.ts), break
 * one thing at a time and expect the catalogue's 4xx, never a 500; every error answered must be
 * documented in the OpenAPI document, and none may log a stack.
 */
import { expect } from "chai";
import request from "supertest";
import { MAX_ID, servedPath, type ErrorCode, type RouteName } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";
import { memoryLogger } from "./helpers/logs.ts";
import { badTokens } from "./helpers/tokens.ts";
import { def, fillPath, pathParams, routeNames } from "./helpers/paths.ts";
import { randomSignatureKey, samples, sendSample, type WalkFixture } from "./helpers/route-samples.ts";
import { readyFile } from "../support/attachments.ts";
import { tinyPng } from "../support/images.ts";

const withBody = routeNames.filter((n) => def(n).body);
const withParams = routeNames.filter((n) => pathParams(n).length > 0);
const withQuery = routeNames.filter((n) => def(n).query);
const memberOnly = routeNames.filter((n) => def(n).errors.includes("not_a_member"));
const label = (n: RouteName) => `${def(n).method.toUpperCase()} ${servedPath(def(n))}`;

/** A new login of `u`: its own session, with the same user. */
async function loginAgain(url: string, u: TestUser): Promise<TestUser> {
  const res = await request(url)
    .post("/api/v1/token")
    .send({ username: u.email, password: u.password })
    .expect(200);
  return { ...u, token: res.body.access_token, auth: { Authorization: `Bearer ${res.body.access_token}` } };
}

/** A second session of `u`: its refresh token and id, for the refresh and endSession samples. */
async function spareSession(
  url: string,
  u: TestUser,
): Promise<{ refreshToken: string; spareSessionId: string }> {
  const res = await request(url)
    .post("/api/v1/token")
    .send({ username: u.email, password: u.password })
    .expect(200);
  return { refreshToken: res.body.refresh_token, spareSessionId: res.body.session_id };
}

/** An encrypted group and two devices of `u` (issue 17's routes). */
async function encryptionFixture(url: string, u: TestUser, member: TestUser) {
  const chat = await request(url)
    .post("/api/v1/chats")
    .set(u.auth)
    .send({ name: "e2e", chat_type: "group", member_ids: [member.id], encrypted: true })
    .expect(201);
  const device = async () =>
    (
      await request(url)
        .post("/api/v1/devices")
        .set(u.auth)
        .send({ name: "walk", signature_key: randomSignatureKey() })
        .expect(201)
    ).body.id as string;
  return {
    encryptedChatId: chat.body.chat_id as number,
    deviceId: await device(),
    spareDeviceId: await device(),
  };
}

describe("REST: errors across the route table", () => {
  const log = memoryLogger("debug");
  const node = useNode({}, log.logger);
  let f: WalkFixture;
  /** Every (route, status, code) an error answered, to check against the OpenAPI document at the end. */
  const answered = new Map<RouteName, Map<number, Set<string>>>();
  const note = (name: RouteName, res: { status: number; body: { error?: { code?: string } } }) => {
    const byStatus = answered.get(name) ?? new Map<number, Set<string>>();
    byStatus.set(res.status, (byStatus.get(res.status) ?? new Set()).add(String(res.body?.error?.code)));
    answered.set(name, byStatus);
  };

  before(async () => {
    // The owner registers first: the first user is also the cluster admin (GET /api/v1/admin/cluster).
    const owner = await createUser(node.url, "Owner");
    const [member, outsider] = await Promise.all(["Member", "Outsider"].map((n) => createUser(node.url, n)));
    const chatId = await createGroup(node.url, owner, [member]);
    const messageId = (await sendText(node.url, owner, chatId)).id;
    const attachmentId = await readyFile(node.url, owner, {
      name: "walk.png",
      mime: "image/png",
      bytes: await tinyPng(),
    });
    f = {
      owner,
      member,
      outsider,
      chatId,
      messageId,
      attachmentId,
      ...(await spareSession(node.url, owner)),
      ...(await encryptionFixture(node.url, owner, member)),
    };
  });

  it("every route's sample succeeds (so the walks below break exactly one thing)", async () => {
    // On a chat and message of their own: the samples remove a member and delete a message.
    const chatId = await createGroup(node.url, f.owner, [f.member]);
    const messageId = (await sendText(node.url, f.owner, chatId)).id;
    const own: WalkFixture = {
      ...f,
      chatId,
      messageId,
      ...(await spareSession(node.url, f.owner)),
      ...(await encryptionFixture(node.url, f.owner, f.member)),
    };
    for (const name of routeNames) {
      // Logout and "sign out the others" from a session of their own, so f.owner's token lives on.
      const caller =
        name === "logout"
          ? await loginAgain(node.url, f.owner)
          : name === "deleteAccount"
            ? await createUser(node.url, "Leaving")
            : f.owner;
      const res = await sendSample(node.url, name, samples[name](own), def(name).auth ? caller : undefined);
      expectOk(name, res, res.status === 200 && def(name).alsoStatus?.includes(200) ? 200 : undefined);
    }
  });

  describe("403 for a non-member", () => {
    for (const name of memberOnly) {
      it(label(name), async () => {
        const res = await sendSample(node.url, name, samples[name](f), f.outsider);
        note(name, res);
        expectError(res, 403, "not_a_member");
      });
    }
  });

  describe("404 for unknown ids", () => {
    const codeFor: Record<string, ErrorCode> = {
      chat_id: "chat_not_found",
      message_id: "message_not_found",
      user_id: "user_not_found",
      session_id: "not_found",
      device_id: "not_found",
      attachment_id: "not_found",
    };
    const uuidParams = new Set(["session_id", "attachment_id", "device_id"]);
    for (const name of withParams) {
      for (const p of pathParams(name)) {
        it(`${label(name)} with an unknown ${p}`, async () => {
          const s = samples[name](f);
          const res = await sendSample(
            node.url,
            name,
            { ...s, params: { ...s.params, [p]: uuidParams.has(p) ? crypto.randomUUID() : MAX_ID } },
            f.owner,
          );
          note(name, res);
          expectError(res, 404, codeFor[p]);
        });
      }
    }
  });

  describe("400 for ids that are not ids (never a 500)", () => {
    const bad = [
      "abc",
      "0",
      "-1",
      "1.5",
      "1e3",
      "0x10",
      " 7",
      "٣",
      String(MAX_ID + 1),
      "99999999999999999999",
    ];
    for (const name of withParams) {
      for (const p of pathParams(name)) {
        it(`${label(name)}: ${p} = ${bad.map((b) => JSON.stringify(b)).join(", ")}`, async () => {
          const s = samples[name](f);
          const answers = await Promise.all(
            bad.map((v) => sendSample(node.url, name, { ...s, params: { ...s.params, [p]: v } }, f.owner)),
          );
          answers.forEach((res) => {
            note(name, res);
            expectInvalid(res, p);
          });
        });
      }
    }
  });

  describe("400 for bad query strings", () => {
    for (const name of withQuery) {
      it(`${label(name)}: an unknown parameter, a repeated one, a NUL byte`, async () => {
        const s = samples[name](f);
        const unknown = await sendSample(
          node.url,
          name,
          { ...s, query: { ...s.query, bogus: "1" } },
          f.owner,
        );
        note(name, unknown);
        expectError(unknown, 400, "validation_failed");
        const [key, value] = Object.entries(s.query ?? { user_id: String(f.member.id) })[0];
        const once = `${key}=${encodeURIComponent(value)}`;
        const repeated = await request(node.url)
          [def(name).method](`${fillPath(name, s.params)}?${once}&${once}`)
          .set(f.owner.auth);
        note(name, repeated);
        expectInvalid(repeated, key);
        for (const [k, v] of Object.entries(s.query ?? {})) {
          const nul = await request(node.url)
            [def(name).method](`${fillPath(name, s.params)}?${k}=${encodeURIComponent(v)}%00`)
            .set(f.owner.auth);
          note(name, nul);
          expectInvalid(nul, k);
        }
      });
    }
  });

  describe("bodies", () => {
    for (const name of withBody) {
      const who = () => (def(name).auth ? f.owner : undefined);
      describe(label(name), () => {
        it("400 for an unknown field, also one named __proto__", async () => {
          const s = samples[name](f);
          for (const raw of [
            JSON.stringify({ ...s.body, surprise: 1 }),
            `{${JSON.stringify(s.body).slice(1, -1)},"__proto__":{"admin":true}}`,
          ]) {
            const res = await sendSample(node.url, name, s, who(), { body: raw, type: "application/json" });
            note(name, res);
            expectError(res, 400, "validation_failed");
          }
        });

        it("400 naming each missing required field", async () => {
          const s = samples[name](f);
          for (const field of s.required ?? []) {
            const { [field]: _, ...rest } = s.body!;
            const res = await sendSample(node.url, name, { ...s, body: rest }, who());
            note(name, res);
            expectInvalid(res, field);
          }
        });

        it("400 naming each field of the wrong type", async () => {
          const s = samples[name](f);
          for (const [field, value] of Object.entries(s.body!)) {
            const wrong = typeof value === "string" ? 12345 : typeof value === "number" ? String(value) : "x";
            // An array field wrapped in an array is wrong item by item (`field.0`): not this walk's case.
            const nulls = s.nullable?.includes(field) ? [] : [null];
            for (const v of [wrong, ...nulls, ...(Array.isArray(value) ? [] : [[value]]), { value }]) {
              const res = await sendSample(node.url, name, { ...s, body: { ...s.body, [field]: v } }, who());
              note(name, res);
              expectInvalid(res, field);
            }
          }
        });

        it("400 for a NUL byte or a lone surrogate in any text field (PostgreSQL cannot store them)", async () => {
          const s = samples[name](f);
          for (const [field, value] of Object.entries(s.body!)) {
            if (typeof value !== "string" || field === "password") continue;
            for (const v of [`${value}\u0000`, `\u0000`, `${value}\ud800`, `\udc00${value}`]) {
              const res = await sendSample(node.url, name, { ...s, body: { ...s.body, [field]: v } }, who());
              note(name, res);
              expectInvalid(res, field);
            }
          }
        });

        it("400 for a body that is not an object: an array, or none at all", async () => {
          const s = samples[name](f);
          const arr = await sendSample(node.url, name, s, who(), { body: "[]", type: "application/json" });
          note(name, arr);
          expectError(arr, 400, "validation_failed");
          const none = await sendSample(node.url, name, { ...s, body: undefined }, who());
          note(name, none);
          expectError(none, 400, "validation_failed");
          const text = await sendSample(node.url, name, s, who(), { body: "hello", type: "text/plain" });
          note(name, text);
          expectError(text, 400, "validation_failed");
        });

        it("400 invalid_json for malformed JSON, and for JSON that is not an object or array", async () => {
          const s = samples[name](f);
          for (const raw of ['{"text": "a",', "{'a': 1}", "null", '"text"', "42", "\u0000"]) {
            const res = await sendSample(node.url, name, s, who(), { body: raw, type: "application/json" });
            note(name, res);
            expectError(res, 400, "invalid_json");
          }
        });

        it("413 for a body over 64 KB, as JSON or as a form", async () => {
          const s = samples[name](f);
          const big = "x".repeat(65 * 1024);
          const json = await sendSample(node.url, name, { ...s, body: { ...s.body, padding: big } }, who());
          note(name, json);
          expectError(json, 413, "payload_too_large");
          const form = await sendSample(node.url, name, s, who(), {
            body: `padding=${big}`,
            type: "application/x-www-form-urlencoded",
          });
          note(name, form);
          expectError(form, 413, "payload_too_large");
        });
      });
    }

    it("400, not 413, for a text over 4,000 characters in a body under 64 KB", async () => {
      const s = samples.sendMessage(f);
      const res = await sendSample(
        node.url,
        "sendMessage",
        { ...s, body: { ...s.body, text: "x".repeat(5000) } },
        f.owner,
      );
      expectInvalid(res, "text");
    });
  });

  describe("anything else", () => {
    it("answers an unknown path or method with a JSON 404 (at the root in the origin's shape)", async () => {
      const root = await request(node.url).get("/nowhere").set(f.owner.auth);
      expect(root.status).to.equal(404);
      expect(root.body).to.deep.equal({ detail: "Not Found" });
      for (const res of [
        await request(node.url).put("/api/v1/chats").set(f.owner.auth),
        await request(node.url).get("/api/v1/chats/1/nowhere"),
      ]) {
        expectError(res, 404, "not_found");
      }
    });

    it("documents in /openapi.json every error status the walks above were answered", async () => {
      const doc = (await request(node.url).get("/openapi.json").expect(200)).body as {
        paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
      };
      const missing: string[] = [];
      for (const [name, statuses] of answered) {
        const op = doc.paths[servedPath(def(name))][def(name).method];
        for (const [status, codes] of statuses) {
          const documented = op.responses[String(status)]?.description ?? "";
          for (const code of codes) {
            if (!documented.includes(code)) missing.push(`${label(name)} ${status} ${code}`);
          }
        }
      }
      expect(answered.size).to.be.greaterThan(10);
      expect(missing, "error statuses answered but not documented").to.deep.equal([]);
    });

    it("answers 401 for a missing or bad token (here so the log check below sees 401s too)", async () => {
      const tokens = badTokens(f.owner.id);
      for (const auth of [undefined, tokens.expired, tokens["wrong key"], tokens["alg none"]]) {
        let t = request(node.url).get(`/api/v1/chats/${f.chatId}/messages`);
        if (auth) t = t.set("Authorization", `Bearer ${auth}`);
        const res = await t;
        expect(res.status).to.equal(401);
      }
    });

    it("logged every 4xx above without an error object or a stack", () => {
      const clientErrors = log.lines.filter((l) => (l.res?.statusCode ?? 0) >= 400);
      expect(clientErrors.length).to.be.greaterThan(100);
      const statuses = new Set(clientErrors.map((l) => l.res!.statusCode));
      expect([...statuses]).to.include.members([400, 401, 403, 404, 413]);
      for (const l of clientErrors) expect(l.res!.statusCode).to.be.below(500);
      const withStack = log.raw.filter((l) => /"stack"|"err"/.test(l));
      expect(withStack, "log lines with an error or a stack").to.deep.equal([]);
    });

    // Last: it breaks this node's database on purpose.
    it("answers an unexpected failure with a bare 500 (logged with its stack) and readyz with 503", async () => {
      await node.db.pool.end();
      const res = await request(node.url).get(`/api/v1/chats/${f.chatId}`).set(f.owner.auth);
      const err = expectError(res, 500, "internal");
      expect(err).to.deep.equal({ code: "internal", message: "Internal server error" });
      expect(res.text).not.to.match(/pool|stack|Error:/i);
      const errors = log.lines.filter((l) => l.err?.stack);
      expect(errors.length, "the 500 is logged with its stack").to.be.greaterThan(0);
      const ready = await request(node.url).get("/readyz");
      expect(ready.status).to.equal(503);
      expect(ready.body).to.deep.include({ status: "unavailable" });
      expect(ready.body.checks.database).to.equal("down");
    });
  });
});
