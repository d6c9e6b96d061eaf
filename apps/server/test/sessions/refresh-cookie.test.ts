/**
 * The web app's refresh cookie (issue 15): a login or refresh sent with `X-Refresh-Cookie: 1`
 * gets its refresh token as an `HttpOnly; Secure; SameSite=Strict` cookie scoped to /api/v1/auth
 * and not in the body; a refresh without a body token reads the cookie, rotates it, and a replayed
 * old cookie ends the session. The cookie is used only with the header and from this site's
 * Origin (or a CORS_ORIGINS one); logout clears it. API clients keep the token in the body.
 */
import { expect } from "chai";
import request from "supertest";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";

const WANT = { "X-Refresh-Cookie": "1" };
const ALLOWED = "https://app.example.test";

/** The `chat_refresh` Set-Cookie line of an answer, with its attributes parsed. */
function refreshCookie(res: request.Response) {
  const lines = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  const line = lines.find((l) => l.startsWith("chat_refresh="));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(";").map((s) => s.trim());
  const a = new Map(attrs.map((x) => [x.split("=")[0].toLowerCase(), x.split("=")[1] ?? true] as const));
  return { value: pair.slice("chat_refresh=".length), line, attrs: a };
}

describe("sessions: the web app's refresh cookie", function () {
  this.timeout(30_000);
  let node: TestNode;
  let user: TestUser;
  const host = () => new URL(node.url).host;

  before(async () => {
    node = await startTestNode({ CORS_ORIGINS: ALLOWED, SESSION_IDLE_DAYS: "2" });
    user = await createUser(node.url, "Cookie");
  });
  after(() => node?.close());

  const login = (headers: Record<string, string> = WANT) =>
    request(node.url)
      .post("/api/v1/token")
      .set(headers)
      .send({ username: user.email, password: user.password });
  const refresh = (cookie: string | undefined, headers: Record<string, string> = WANT) =>
    request(node.url)
      .post("/api/v1/auth/refresh")
      .set({ ...headers, ...(cookie === undefined ? {} : { Cookie: `chat_refresh=${cookie}` }) })
      .send({});

  it("a login that asks gets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie, not in the body", async () => {
    const res = await login({ ...WANT, Origin: `http://${host()}` });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.have.property("access_token");
    expect(res.body).to.have.property("session_id");
    expect(res.body).not.to.have.property("refresh_token");
    const c = refreshCookie(res)!;
    expect(c.value).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(c.attrs.get("httponly")).to.equal(true);
    expect(c.attrs.get("secure")).to.equal(true);
    expect(c.attrs.get("samesite")).to.equal("Strict");
    expect(c.attrs.get("path")).to.equal("/api/v1/auth");
    expect(c.attrs.get("max-age")).to.equal(String(2 * 86_400));
    // An API client that does not ask keeps getting the token in the body, and no cookie.
    const api = await login({});
    expect(api.body.refresh_token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(refreshCookie(api)).to.equal(undefined);
  });

  it("refresh by cookie rotates it; the replayed old cookie ends the session and clears the cookie", async () => {
    const first = refreshCookie(await login())!.value;
    const r1 = await refresh(first, { ...WANT, Origin: `http://${host()}` });
    expect(r1.status, r1.text).to.equal(200);
    expect(r1.body).not.to.have.property("refresh_token");
    const second = refreshCookie(r1)!.value;
    expect(second)
      .to.match(/^[A-Za-z0-9_-]{43}$/)
      .and.not.equal(first);
    await request(node.url)
      .get("/api/v1/me")
      .set({ Authorization: `Bearer ${r1.body.access_token}` })
      .expect(200);

    const replay = await refresh(first);
    expect(replay.status).to.equal(401);
    expect(replay.body.error.code).to.equal("session_revoked");
    const cleared = refreshCookie(replay)!;
    expect(cleared.value).to.equal("");
    expect(new Date(String(cleared.attrs.get("expires"))).getTime()).to.be.below(Date.now());
    // The thief's use ended the session: the current cookie and access token are refused too.
    expect((await refresh(second)).status).to.equal(401);
    const me = await request(node.url)
      .get("/api/v1/me")
      .set({ Authorization: `Bearer ${r1.body.access_token}` });
    expect(me.body.error.code).to.equal("session_revoked");
  });

  it("refuses the cookie without the header, or from a foreign Origin (403 cross_site_refused)", async () => {
    const cookie = refreshCookie(await login())!.value;
    // What a cross-site form could send: the cookie, no header.
    const noHeader = await refresh(cookie, {});
    expect(noHeader.status).to.equal(403);
    expect(noHeader.body.error.code).to.equal("cross_site_refused");
    const foreign = await refresh(cookie, { ...WANT, Origin: "https://evil.example" });
    expect(foreign.status).to.equal(403);
    expect(foreign.body.error.code).to.equal("cross_site_refused");
    // A login from a foreign page may not plant a cookie either.
    const foreignLogin = await login({ ...WANT, Origin: "https://evil.example" });
    expect(foreignLogin.status).to.equal(403);
    expect(refreshCookie(foreignLogin)).to.equal(undefined);
    // Neither refusal spent the token: this site (or an allowed origin) still refreshes with it.
    const ok = await refresh(cookie, { ...WANT, Origin: ALLOWED });
    expect(ok.status, ok.text).to.equal(200);
    // Nothing at all: the body token is missing (400), as before cookies existed.
    const none = await refresh(undefined, {});
    expect(none.status).to.equal(400);
    expect(none.body.error.details[0].path).to.equal("refresh_token");
    // The header without a cookie: nothing to refresh, log in again.
    expect((await refresh(undefined)).body.error.code).to.equal("session_revoked");
  });

  it("the cross-site header is not allowed by CORS: a foreign page's preflight gets no permission", async () => {
    const pre = await request(node.url).options("/api/v1/auth/refresh").set({
      Origin: ALLOWED,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "x-refresh-cookie",
    });
    expect(String(pre.headers["access-control-allow-headers"] ?? "").toLowerCase()).not.to.include(
      "x-refresh-cookie",
    );
    expect(pre.headers["access-control-allow-credentials"]).to.equal(undefined);
  });

  it("logout ends the session and clears the cookie", async () => {
    const res = await login();
    const cookie = refreshCookie(res)!.value;
    const out = await request(node.url)
      .post("/api/v1/auth/logout")
      .set({ Authorization: `Bearer ${res.body.access_token}`, Cookie: `chat_refresh=${cookie}` });
    expect(out.status, out.text).to.equal(200);
    expect(out.body.ended).to.equal(1);
    const cleared = refreshCookie(out)!;
    expect(cleared.value).to.equal("");
    expect(cleared.attrs.get("path")).to.equal("/api/v1/auth");
    expect((await refresh(cookie)).status).to.equal(401);
  });
});
