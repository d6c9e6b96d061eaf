import { expect } from "chai";
import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import request from "supertest";
import { AckError, type ChatSocket } from "@chat/client";
import { errorCodes, type ErrorBody } from "@chat/protocol";
import { tail, useCluster } from "./cluster-fixture.ts";
import { recordMessages } from "./devices.ts";
import { TEST_SECRET } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

/** Emits anything at all, as a hostile or buggy client would; answers the raw ack. */
function rawEmit(s: ChatSocket, event: string, ...args: unknown[]): Promise<unknown> {
  const loose = s.socket as unknown as {
    timeout(ms: number): { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> };
  };
  return loose.timeout(3000).emitWithAck(event, ...args);
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const nowS = () => Math.floor(Date.now() / 1000);

describe("cluster: hostile or broken clients", () => {
  const c = useCluster();
  const { devices } = c;
  afterEach(async function () {
    // Never a crash: every node is still up and answering.
    for (const n of c.nodes) {
      expect(n.proc.exitCode, `node on ${n.port} exited:\n${tail(n)}`).to.equal(null);
      await request(n.url).get("/healthz").expect(200);
    }
  });

  it("refuses a missing, forged, expired, alg:none or unknown-user token with a catalogued connect_error", async () => {
    const u = await createUser(c.urls[0], "U");
    const tokens: Record<string, { token: string; code: string }> = {
      missing: { token: "", code: "unauthorized" },
      garbage: { token: "not.a.jwt", code: "unauthorized" },
      forged: {
        token: jwt.sign({}, "some-other-secret-of-at-least-32-bytes!!", {
          subject: String(u.id),
          expiresIn: 60,
        }),
        code: "unauthorized",
      },
      expired: {
        token: jwt.sign({ exp: nowS() - 10 }, TEST_SECRET, { subject: String(u.id) }),
        code: "token_expired",
      },
      algNone: {
        token: `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: String(u.id), exp: nowS() + 600 })}.`,
        code: "unauthorized",
      },
      hs512: {
        token: jwt.sign({}, TEST_SECRET, { algorithm: "HS512", subject: String(u.id), expiresIn: 60 }),
        code: "unauthorized",
      },
      unknownUser: {
        token: jwt.sign({}, TEST_SECRET, { subject: "2147483000", expiresIn: 60 }),
        code: "unauthorized",
      },
      noSubject: { token: jwt.sign({}, TEST_SECRET, { expiresIn: 60 }), code: "unauthorized" },
    };
    for (const [name, t] of Object.entries(tokens)) {
      const s = devices.create(c.urls[1], { token: t.token });
      const err = await s.ready().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).to.be.instanceOf(AckError);
      const body = (err as AckError).error as ErrorBody;
      expect(body.code, name).to.equal(t.code);
      expect(errorCodes, name).to.include(body.code);
      expect(s.socket.connected, name).to.equal(false);
      expect(s.socket.active, `${name}: no reconnect loop after a refusal`).to.equal(false);
    }
  });

  it("answers bad events with an error ack and keeps the connection; nothing is delivered", async () => {
    const [n1, n2, n3] = c.urls;
    const u = await createUser(n1, "U");
    const v = await createUser(n2, "V");
    const m = await createUser(n3, "Mallory");
    const theirs = await createGroup(n1, u, [v], "theirs");
    const mine = await createGroup(n3, m, [v], "mine");
    const observer = await devices.connect(n2, v);
    const seen = recordMessages(observer);
    const su = await devices.connect(n1, u);
    const victim = (await su.send(theirs, "private")).message;
    const mal = await devices.connect(n3, m);
    const disconnects: string[] = [];
    mal.socket.on("disconnect", (reason) => disconnects.push(reason));

    const uuid = () => crypto.randomUUID();
    const cases: Array<[string, string, unknown[]]> = [
      ["not_a_member", "message:send", [{ chat_id: theirs, client_id: uuid(), text: "let me in" }]],
      ["not_a_member", "sync", [{ chats: [{ chat_id: theirs, after_seq: 0 }] }]],
      ["not_a_member", "message:read", [{ chat_id: theirs, seq: 1 }]],
      ["not_a_member", "message:read", [{ message_id: victim.id }]],
      ["not_a_member", "message:edit", [{ chat_id: theirs, message_id: victim.id, text: "pwned" }]],
      ["not_a_member", "message:delete", [{ chat_id: theirs, message_id: victim.id }]],
      ["not_a_member", "typing", [{ chat_id: theirs, is_typing: true }]],
      ["chat_not_found", "message:send", [{ chat_id: 2_000_000_000, client_id: uuid(), text: "hi" }]],
      ["message_not_found", "message:read", [{ message_id: 2_000_000_000 }]],
      ["validation_failed", "message:send", [{ chat_id: mine, client_id: uuid(), text: "x".repeat(10_240) }]],
      ["validation_failed", "message:send", [{ chat_id: mine, client_id: uuid(), text: "nul\u0000byte" }]],
      ["validation_failed", "message:send", [{ chat_id: mine, client_id: uuid(), text: "   " }]],
      ["validation_failed", "message:send", [{ chat_id: String(mine), client_id: 42, text: ["a"] }]],
      ["validation_failed", "message:send", [{ chat_id: mine, client_id: "not-a-uuid", text: "hi" }]],
      [
        "validation_failed",
        "message:send",
        [{ chat_id: mine, client_id: uuid(), text: "hi", sender_id: u.id }],
      ],
      ["validation_failed", "message:send", [{ chat_id: 2 ** 40, client_id: uuid(), text: "hi" }]],
      ["validation_failed", "message:send", [null]],
      ["validation_failed", "message:send", ["just a string"]],
      ["validation_failed", "message:send", [[mine, uuid(), "positional"]]],
      ["validation_failed", "message:send", [Buffer.from("binary frame")]],
      ["validation_failed", "message:send", []],
      ["validation_failed", "message:send", [{ chat_id: mine, client_id: uuid(), text: "two" }, "extra"]],
      ["validation_failed", "message:read", [{ chat_id: mine, seq: -1 }]],
      ["validation_failed", "sync", [{ chats: "all" }]],
      ["validation_failed", "sync", [{ limit: 1e9 }]],
      ["validation_failed", "typing", [{ chat_id: mine, is_typing: "yes" }]],
      ["validation_failed", "message:nuke", [{ chat_id: mine }]],
      ["validation_failed", "constructor", [{}]],
      ["validation_failed", "toString", [{}]],
      ["validation_failed", "__proto__", [{}]],
      ["validation_failed", "error", [{ chat_id: mine }]],
    ];
    for (const [code, event, args] of cases) {
      const label = `${event} ${JSON.stringify(args).slice(0, 80)}`;
      const res = (await rawEmit(mal, event, ...args).catch((e: Error) => ({ timeout: e.message }))) as {
        ok?: boolean;
        error?: ErrorBody;
      };
      expect(res, label).to.have.property("ok", false);
      expect(res.error?.code, label).to.equal(code);
      expect(res.error?.message, label).to.be.a("string");
    }
    // Events with no ack callback (nobody to answer) are dropped without harm.
    const loose = mal.socket as unknown as { emit(e: string, ...a: unknown[]): void };
    loose.emit("message:send", { chat_id: theirs, client_id: uuid(), text: "fire and forget" });
    loose.emit("message:nuke");
    loose.emit("error", new Error("boom"));

    // Still connected, still working, and only the legitimate messages were ever delivered.
    const ok = (await mal.send(mine, "a normal message")).message;
    await eventually(() => expect(seen.map((x) => x.id)).to.include(ok.id));
    expect(seen.map((x) => x.id)).to.deep.equal([victim.id, ok.id]);
    expect(disconnects).to.deep.equal([]);
    const hist = await request(n1).get(`/api/v1/chats/${theirs}/messages`).set(u.auth).expect(200);
    expect(hist.body.messages).to.have.length(1);
    expect(hist.body.messages[0]).to.include({ id: victim.id, text: "private", edited_at: null });
  });

  for (const transport of ["websocket", "polling"] as const) {
    it(`drops a ${transport} connection whose payload is over maxHttpBufferSize, and delivers nothing`, async () => {
      const [n1, n2] = c.urls;
      const u = await createUser(n1, "Big");
      const v = await createUser(n2, "Peer");
      const chatId = await createGroup(n1, u, [v]);
      const observer = await devices.connect(n2, v);
      const seen = recordMessages(observer);
      const big = await devices.connect(n1, u, {
        transports: [transport],
        ioOptions: { reconnection: false },
      });
      const reasons: string[] = [];
      big.socket.on("disconnect", (r) => reasons.push(r));
      const res = await rawEmit(big, "message:send", {
        chat_id: chatId,
        client_id: crypto.randomUUID(),
        text: "y".repeat(100 * 1024),
      }).catch((e: Error) => e);
      expect(res).to.be.instanceOf(Error); // no ack ever came
      await eventually(() => expect(reasons).to.have.length(1));
      expect(reasons[0]).to.match(/^transport (close|error)$/);
      // The node is fine: a fresh device of the same user connects and chats.
      const again = await devices.connect(n1, u);
      const ok = (await again.send(chatId, "small")).message;
      await eventually(() => expect(seen.map((x) => x.id)).to.include(ok.id));
      expect(seen.map((x) => x.id)).to.deep.equal([ok.id]);
    });
  }
});
