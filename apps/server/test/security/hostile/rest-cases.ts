/**
 * Hostile requests for every route of packages/protocol's table: a valid request for the route
 * (real chat, real message, the caller's own token) with one or more parts broken. Each case
 * also carries what the server will make of it, so the test can tell a case that happens to be
 * valid (same zod schemas, same query parser) and leave it out.
 */
import querystring from "node:querystring";
import fc from "fast-check";
import { routes, servedPath, type RouteDef, type RouteName } from "@chat/protocol";
import {
  badIdText,
  badString,
  extraKey,
  hostileJson,
  malformedEscape,
  protoObject,
  PROTO_KEYS,
} from "./values.ts";

/** Real ids and credentials the valid baseline of each route points at. */
export interface RestWorld {
  token: string;
  email: string;
  chatId: number;
  messageId: number;
  /** A member of the chat (not the caller). */
  memberId: number;
  /** A user outside the chat. */
  strangerId: number;
  /** A ready upload of the caller. */
  attachmentId: string;
}

type Json = unknown;

export interface RestCase {
  route: RouteName;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was broken, for failure messages. */
  what: string[];
  /** True when the server would accept it (then it is not hostile and is skipped). */
  valid: boolean;
}

interface Draft {
  params: Record<string, { text: string; raw?: boolean }>;
  query: Array<[string, string, boolean?]>;
  /** JSON text, or bytes, of the body; undefined: no body. */
  body?: { json: Json } | { text: string } | { bytes: Buffer };
  contentType?: string;
  authorization?: string;
  what: string[];
}

const MAX_BODY = 64 * 1024;

function baseline(name: RouteName, w: RestWorld): Draft {
  const id = (n: number) => ({ text: String(n) });
  const d: Draft = { params: {}, query: [], what: [] };
  const def: RouteDef = routes[name];
  if (def.auth) d.authorization = `Bearer ${w.token}`;
  switch (name) {
    case "register":
      d.body = { json: { name: "Fuzz", email: "fuzz-new@example.test", password: "password123" } };
      break;
    case "token":
      d.body = { json: { username: w.email, password: "not the password" } };
      break;
    case "searchUsers":
      d.query = [
        ["query", "a"],
        ["limit", "5"],
      ];
      break;
    case "presence":
      d.params = { user_id: id(w.memberId) };
      break;
    case "createChat":
      d.body = { json: { name: "g", chat_type: "group", member_ids: [w.memberId] } };
      break;
    case "getChat":
    case "listMembers":
      d.params = { chat_id: id(w.chatId) };
      break;
    case "addMember":
      d.params = { chat_id: id(w.chatId) };
      d.query = [["user_id", String(w.strangerId)]];
      d.body = { json: { role: "member" } };
      break;
    case "removeMember":
      d.params = { chat_id: id(w.chatId), user_id: id(w.memberId) };
      break;
    case "toggleReaction":
      d.params = { chat_id: id(w.chatId), message_id: id(w.messageId) };
      d.body = { json: { emoji: "👍" } };
      break;
    case "searchMessages":
      d.query = [
        ["q", "hostile"],
        ["chat_id", String(w.chatId)],
        ["limit", "5"],
      ];
      break;
    case "listMessages":
      d.params = { chat_id: id(w.chatId) };
      d.query = [
        ["after_seq", "0"],
        ["limit", "10"],
      ];
      break;
    case "sendMessage":
      d.params = { chat_id: id(w.chatId) };
      d.body = { json: { client_id: crypto.randomUUID(), text: "hello" } };
      break;
    case "editMessage":
      d.params = { chat_id: id(w.chatId), message_id: id(w.messageId) };
      d.body = { json: { text: "edited" } };
      break;
    case "deleteMessage":
      d.params = { chat_id: id(w.chatId), message_id: id(w.messageId) };
      break;
    case "readChat":
      d.params = { chat_id: id(w.chatId) };
      d.body = { json: { seq: 1 } };
      break;
    case "listChats":
      d.query = [["offset", "0"]];
      break;
    case "refresh":
      // Not a live token: a mutation that slips through validation is still refused (401).
      d.body = { json: { refresh_token: "not-a-refresh-token" } };
      break;
    case "updateMe":
      d.body = { json: { name: "Hostile" } };
      break;
    case "deleteAccount":
      d.body = { json: { password: "not the password" } };
      break;
    case "changePassword":
      // Not the password: a mutation that slips through validation is still refused (403).
      d.body = { json: { current_password: "not the password", new_password: "password123" } };
      break;
    case "endSession":
      d.params = { session_id: { text: crypto.randomUUID() } };
      break;
    case "createUpload":
      // Too large for the server: a mutation that slips through validation is still refused (413).
      d.body = { json: { name: "fuzz.png", size: 10 * 1024 ** 4, mime: "image/png" } };
      break;
    case "completeUpload":
    case "getAttachment":
    case "getAttachmentThumbnail":
      d.params = { attachment_id: { text: w.attachmentId } };
      break;
    case "getAttachmentLink":
      d.params = { attachment_id: { text: w.attachmentId } };
      d.query = [["variant", "thumbnail"]];
      break;
    case "registerDevice":
      d.body = { json: { name: "fuzz", signature_key: Buffer.alloc(32, 7).toString("base64") } };
      break;
    case "renameDevice":
      d.params = { device_id: { text: crypto.randomUUID() } };
      d.body = { json: { name: "renamed" } };
      break;
    case "removeDevice":
    case "keyPackageStock":
      d.params = { device_id: { text: crypto.randomUUID() } };
      break;
    case "uploadKeyPackages":
      d.params = { device_id: { text: crypto.randomUUID() } };
      d.body = { json: { key_packages: [Buffer.from("not a key package").toString("base64")] } };
      break;
    case "claimKeyPackages":
      d.body = { json: { device_ids: [crypto.randomUUID()] } };
      break;
    case "userDevices":
      d.params = { user_id: id(w.memberId) };
      break;
    case "groupInfo":
      d.params = { chat_id: id(w.chatId) };
      break;
    case "subscribePush":
      // A key too short: a mutation that slips through validation is still refused (400), and no
      // fuzzed endpoint is ever kept (nor pushed to).
      d.body = {
        json: {
          endpoint: "http://127.0.0.1:9/push/fuzz",
          keys: { p256dh: "AAAA", auth: "AAAAAAAAAAAAAAAAAAAAAA" },
        },
      };
      break;
    case "unsubscribePush":
      d.query = [["endpoint", "http://127.0.0.1:9/push/fuzz"]];
      break;
    case "muteChat":
      d.params = { chat_id: id(w.chatId) };
      d.body = { json: { until: "forever" } };
      break;
    case "vapidPublicKey":
    case "listDevices":
    case "externalSender":
    case "logout":
    case "listSessions":
    case "endOtherSessions":
    case "me":
    case "healthz":
    case "readyz":
    case "adminCluster":
    case "adminOverview":
      break;
    default: {
      const never: never = name;
      throw new Error(`no baseline for route ${String(never)}`);
    }
  }
  if (d.body) d.contentType = "application/json";
  return d;
}

type Mutation = (d: Draft) => Draft;

const clone = (d: Draft): Draft => ({
  ...d,
  params: { ...d.params },
  query: [...d.query],
  what: [...d.what],
});

function jsonBody(d: Draft): Record<string, Json> | undefined {
  if (!d.body || !("json" in d.body)) return undefined;
  const j = d.body.json;
  return j !== null && typeof j === "object" && !Array.isArray(j) ? (j as Record<string, Json>) : undefined;
}

/** Mutations of the path parameters. */
function paramMutations(d: Draft): fc.Arbitrary<Mutation>[] {
  const keys = Object.keys(d.params);
  if (keys.length === 0) return [];
  const key = fc.constantFrom(...keys);
  return [
    // Not empty: "/api/v1/chats/" is another route (the list), not a bad chat id.
    fc
      .tuple(
        key,
        badIdText.filter((v) => v !== ""),
      )
      .map(([k, v]) => (x: Draft) => {
        const y = clone(x);
        y.params[k] = { text: v };
        y.what.push(`path ${k}=${JSON.stringify(v.slice(0, 40))}`);
        return y;
      }),
    fc.tuple(key, malformedEscape).map(([k, v]) => (x: Draft) => {
      const y = clone(x);
      y.params[k] = { text: v, raw: true };
      y.what.push(`path ${k} raw ${v}`);
      return y;
    }),
  ];
}

/** Mutations of the query string. */
function queryMutations(d: Draft, def: RouteDef): fc.Arbitrary<Mutation>[] {
  const known = def.query ? Object.keys((def.query as unknown as { shape?: object }).shape ?? {}) : [];
  const keyArb = known.length > 0 ? fc.constantFrom(...known) : fc.constantFrom("x");
  const valueArb = fc.oneof(
    badIdText,
    badString.filter((s) => s.length < 3000),
  );
  const muts: fc.Arbitrary<Mutation>[] = [
    fc.tuple(keyArb, valueArb).map(([k, v]) => (x: Draft) => {
      const y = clone(x);
      y.query = y.query.filter(([q]) => q !== k).concat([[k, v]]);
      y.what.push(`query ${k}=${JSON.stringify(v.slice(0, 40))}`);
      return y;
    }),
    fc
      .tuple(
        fc.oneof(
          extraKey,
          fc.constantFrom(
            ...PROTO_KEYS.map((p) => `${p}[pwned_by_fuzz]`),
            "constructor[prototype][pwned_by_fuzz]",
            "a[b]",
            "a[]",
          ),
        ),
        fc.string({ maxLength: 8 }),
      )
      .map(([k, v]) => (x: Draft) => {
        const y = clone(x);
        y.query = y.query.concat([[k, v]]);
        y.what.push(`query extra ${JSON.stringify(k)}`);
        return y;
      }),
    keyArb.map((k) => (x: Draft) => {
      const y = clone(x);
      y.query = y.query.concat([
        [k, "1"],
        [k, "2"],
      ]);
      y.what.push(`query ${k} twice`);
      return y;
    }),
    fc.tuple(keyArb, malformedEscape).map(([k, v]) => (x: Draft) => {
      const y = clone(x);
      y.query = y.query.filter(([q]) => q !== k).concat([[k, v, true]]);
      y.what.push(`query ${k} raw ${v}`);
      return y;
    }),
  ];
  if (known.length > 0) {
    muts.push(
      keyArb.map((k) => (x: Draft) => {
        const y = clone(x);
        y.query = y.query.filter(([q]) => q !== k);
        y.what.push(`query without ${k}`);
        return y;
      }),
    );
  }
  return muts;
}

/** Mutations of the body: its fields, its shape, its bytes, its content type. */
function bodyMutations(d: Draft, def: RouteDef): fc.Arbitrary<Mutation>[] {
  const fields = Object.keys(jsonBody(d) ?? {});
  const muts: fc.Arbitrary<Mutation>[] = [];
  const setJson = (x: Draft, json: Json, what: string) => {
    const y = clone(x);
    y.body = { json };
    y.contentType ??= "application/json";
    y.what.push(what);
    return y;
  };
  if (fields.length > 0) {
    const field = fc.constantFrom(...fields);
    muts.push(
      fc.tuple(field, hostileJson).map(([f, v]) => (x: Draft) => {
        const b = { ...jsonBody(x) };
        b[f] = v;
        return setJson(x, b, `body ${f}=${preview(v)}`);
      }),
      field.map((f) => (x: Draft) => {
        const b = { ...jsonBody(x) };
        delete b[f];
        return setJson(x, b, `body without ${f}`);
      }),
      // A string field's value with bytes that are not UTF-8.
      fc
        .tuple(
          field,
          fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a)),
        )
        .map(([f, junk]) => (x: Draft) => {
          const y = clone(x);
          const b = { ...jsonBody(x), [f]: "\u0001MARK\u0001" };
          const [pre, post] = JSON.stringify(b).split("\\u0001MARK\\u0001");
          y.body = { bytes: Buffer.concat([Buffer.from(pre), Buffer.from([0xff]), junk, Buffer.from(post)]) };
          y.what.push(`body ${f} with invalid UTF-8`);
          return y;
        }),
    );
  }
  muts.push(
    fc.tuple(extraKey, hostileJson).map(([k, v]) => (x: Draft) => {
      const b = { ...jsonBody(x) };
      Object.defineProperty(b, k, { value: v, enumerable: true, configurable: true, writable: true });
      return setJson(x, b, `body extra ${JSON.stringify(k)}`);
    }),
    protoObject.map((p) => (x: Draft) => setJson(x, { ...jsonBody(x), ...p }, `body ${JSON.stringify(p)}`)),
    hostileJson.map((v) => (x: Draft) => setJson(x, v, `body is ${preview(v)}`)),
    fc
      .tuple(fc.integer({ min: 100, max: 30_000 }), fc.constantFrom("[", '{"a":'))
      .map(([depth, open]) => (x: Draft) => {
        const y = clone(x);
        const close = open === "[" ? "]" : "}";
        y.body = { text: open.repeat(depth) + (open === "[" ? "" : "1") + close.repeat(depth) };
        y.contentType = "application/json";
        y.what.push(`body nested ${depth} deep`);
        return y;
      }),
    fc
      .constantFrom(
        "{",
        '{"a":}',
        "{'a':1}",
        '{"a":1,}',
        "[1,]",
        "nul",
        '{"a":1}garbage',
        '"just a string"',
        "123",
        "null",
        "true",
        "\u0000",
        '{"a":"\u0000',
      )
      .map((text) => (x: Draft) => {
        const y = clone(x);
        y.body = { text };
        y.contentType = "application/json";
        y.what.push(`body text ${JSON.stringify(text)}`);
        return y;
      }),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => (x: Draft) => {
      const y = clone(x);
      y.body = { bytes: Buffer.concat([Buffer.from('{"'), Buffer.from([0xc3, 0x28]), Buffer.from(a)]) };
      y.contentType = "application/json";
      y.what.push("body raw bytes");
      return y;
    }),
    fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 3 }).map((n) => (x: Draft) => {
      const y = clone(x);
      y.body = { text: JSON.stringify({ text: "x".repeat(n) }) };
      y.contentType = "application/json";
      y.what.push(`body of ${n} bytes`);
      return y;
    }),
    fc
      .constantFrom(
        "text/plain",
        "application/json; charset=latin1",
        "application/json; charset=utf-7",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/merge-patch+json",
      )
      .map((ct) => (x: Draft) => {
        const y = clone(x);
        y.contentType = ct;
        y.body ??= { json: {} };
        y.what.push(`content-type ${ct}`);
        return y;
      }),
  );
  if (def.form) {
    muts.push(
      fc
        .dictionary(fc.oneof(extraKey, fc.constantFrom("username", "password", "grant_type")), fc.string(), {
          maxKeys: 4,
        })
        .map((dict) => (x: Draft) => {
          const y = clone(x);
          y.body = { text: querystring.stringify(dict) };
          y.contentType = "application/x-www-form-urlencoded";
          y.what.push(`form ${JSON.stringify(dict).slice(0, 60)}`);
          return y;
        }),
    );
  }
  return muts;
}

/** A hostile bearer header on a route that needs one. */
const authMutation: fc.Arbitrary<Mutation> = fc
  .oneof(
    fc.constantFrom("", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer a.b.c", "Bearer null"),
    fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
    fc.integer({ min: 5_000, max: 12_000 }).map((n) => `Bearer ${"A".repeat(n)}`),
  )
  .map((h) => (x: Draft) => {
    const y = clone(x);
    y.authorization = h;
    y.what.push(`authorization ${JSON.stringify(h.slice(0, 30))}`);
    return y;
  });

function preview(v: unknown): string {
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 40 ? `${s.slice(0, 37)}…(${s.length})` : s;
  } catch {
    return typeof v;
  }
}

/** The server's view of a draft: path params, parsed query, parsed body (or why it fails). */
function build(name: RouteName, w: RestWorld, d: Draft): RestCase {
  const def: RouteDef = routes[name];
  let malformed = false;
  const params: Record<string, string> = {};
  const path = servedPath(def).replace(/\{(\w+)\}/g, (_, k: string) => {
    const p = d.params[k];
    if (p.raw) {
      malformed = true;
      return p.text;
    }
    params[k] = p.text;
    return encodeURIComponent(p.text);
  });
  const qs = d.query
    .map(([k, v, raw]) => {
      if (raw) malformed = true;
      return `${encodeURIComponent(k)}=${raw ? v : encodeURIComponent(v)}`;
    })
    .join("&");
  const url = qs ? `${path}?${qs}` : path;
  if (url.length > 8_000) malformed = true; // Node refuses headers past 16 KB with a 431
  const headers: Record<string, string> = {};
  if (d.authorization !== undefined) headers.authorization = d.authorization;
  if (d.authorization !== undefined && d.authorization !== `Bearer ${w.token}`) malformed = true;
  let body: Buffer | undefined;
  let seenBody: unknown = undefined;
  if (d.body) {
    body =
      "bytes" in d.body
        ? d.body.bytes
        : Buffer.from("text" in d.body ? d.body.text : (JSON.stringify(d.body.json) ?? "null"));
    if (d.contentType) headers["content-type"] = d.contentType;
    const ct = (d.contentType ?? "").toLowerCase();
    const isJson = ct === "application/json" || ct.startsWith("application/json;");
    const isForm = ct === "application/x-www-form-urlencoded";
    if (isJson || isForm) {
      if (body.length > MAX_BODY || !Buffer.from(body.toString("utf8")).equals(body)) malformed = true;
      else if (ct.includes("charset=") && !/charset=utf-?8/.test(ct)) malformed = true;
      else if (isJson) {
        const text = body.toString("utf8");
        if (text.length > 0 && !/^[\x20\x09\x0a\x0d]*[[{]/.test(text)) malformed = true;
        else {
          try {
            seenBody = text.length === 0 ? {} : JSON.parse(text);
          } catch {
            malformed = true;
          }
        }
      } else seenBody = querystring.parse(body.toString("utf8"));
    }
  }
  let valid = !malformed;
  if (valid) {
    const query = querystring.parse(qs);
    const check = (schema: unknown, value: unknown) =>
      !schema || (schema as { safeParse(v: unknown): { success: boolean } }).safeParse(value ?? {}).success;
    valid = check(def.params, params) && check(def.query, query) && check(def.body, seenBody);
    if (valid && name === "addMember") {
      const q = query.user_id;
      const b = (seenBody as { user_id?: unknown } | undefined)?.user_id;
      valid = q !== undefined || b !== undefined;
    }
  }
  return { route: name, method: def.method.toUpperCase(), path: url, headers, body, what: d.what, valid };
}

/** Hostile requests for one route: one to three mutations of its valid baseline. */
export function restCases(name: RouteName, w: RestWorld): fc.Arbitrary<RestCase> {
  const def: RouteDef = routes[name];
  const base = baseline(name, w);
  const muts = [
    ...paramMutations(base),
    ...queryMutations(base, def),
    ...bodyMutations(base, def),
    ...(def.auth ? [authMutation] : []),
  ];
  return fc.array(fc.oneof(...muts), { minLength: 1, maxLength: 3 }).map((ms) =>
    build(
      name,
      w,
      ms.reduce((d, m) => m(d), base),
    ),
  );
}
