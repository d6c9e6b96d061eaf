/**
 * ChatSocket renews its access token before expiry (issue 15, item 2): on a node whose tokens live
 * 4 seconds, a socket given `renewToken` keeps one connection across several lifetimes (renewing
 * over `auth:renew`), retries a transient failure, reconnects with the latest token, and reports
 * `session:expired` only when the refresh is refused.
 */
import { expect } from "chai";
import { ApiClient, ApiError, ChatSocket, type RenewedToken } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { eventually, sleep } from "../support/wait.ts";

describe("sessions: ChatSocket renews before expiry", function () {
  this.timeout(40_000);
  let node: TestNode;
  let user: TestUser;
  const open: ChatSocket[] = [];

  /** A login of `user`, and a renewToken that rotates its refresh token over REST (counting calls). */
  async function session() {
    const api = new ApiClient(node.url);
    const first = await api.call("token", { body: { username: user.email, password: user.password } });
    let refresh = first.refresh_token!;
    const calls = { n: 0 };
    const renewToken = async (): Promise<RenewedToken> => {
      calls.n++;
      const next = await api.call("refresh", { body: { refresh_token: refresh } });
      refresh = next.refresh_token!;
      return next;
    };
    return {
      api,
      first,
      calls,
      renewToken,
      logout: () => new ApiClient(node.url, { token: first.access_token }).call("logout"),
    };
  }
  function socket(token: string, renewToken: () => Promise<RenewedToken>, renewAt?: number) {
    const s = new ChatSocket(node.url, { token, transports: ["websocket"], renewToken, renewAt });
    open.push(s);
    return s;
  }
  const countDisconnects = (s: ChatSocket) => {
    const c = { n: 0 };
    s.socket.on("disconnect", () => c.n++);
    return c;
  };

  before(async () => {
    node = await startTestNode({ TEST_ACCESS_TOKEN_SECONDS: "4" });
    user = await createUser(node.url, "Renewing");
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  after(() => node?.close());

  it("keeps one connection over three token lifetimes, renewing at ~75 % over auth:renew", async () => {
    const s0 = await session();
    expect(s0.first.expires_in).to.equal(4);
    const s = socket(s0.first.access_token, s0.renewToken);
    await s.ready();
    const id = s.socket.id;
    const drops = countDisconnects(s);
    await sleep(12_500);
    expect(drops.n).to.equal(0);
    expect(s.socket.id).to.equal(id);
    expect(s0.calls.n).to.be.within(3, 5); // at 3 s, 6 s, 9 s, 12 s
    expect(s.token).not.to.equal(s0.first.access_token);
    await s.request("sync", {});
  });

  it("retries a transient failure with backoff before the token runs out", async () => {
    const s0 = await session();
    let failures = 1;
    const flaky = async () => {
      if (failures-- > 0) throw new TypeError("fetch failed"); // as a network error looks
      return s0.renewToken();
    };
    // Renew at half life (2 s): the retry one second later still beats the expiry at 4 s.
    const s = socket(s0.first.access_token, flaky, 0.5);
    await s.ready();
    const drops = countDisconnects(s);
    await sleep(5_000);
    expect(failures).to.be.below(0);
    expect(drops.n).to.equal(0);
    await s.request("sync", {});
  });

  it("reconnects with the latest token after the first one has expired", async () => {
    const s0 = await session();
    const s = socket(s0.first.access_token, s0.renewToken);
    await s.ready();
    await sleep(5_000); // the first token is expired now, the socket holds a renewed one
    const id = s.socket.id;
    s.socket.io.engine.close(); // a network cut: socket.io reconnects by itself
    await eventually(() => expect(s.socket.connected && s.socket.id !== id).to.equal(true), 8000);
    await s.request("sync", {});
  });

  it("when the session ended, says session:expired once and stops renewing", async () => {
    const s0 = await session();
    const s = socket(s0.first.access_token, s0.renewToken);
    await s.ready();
    const told: string[] = [];
    s.on("session:expired", (p) => told.push(p.reason));
    await s0.logout();
    // The server drops the ended session's socket at once ("session ended").
    await eventually(() => expect(told).to.deep.equal(["session ended"]), 5000);
    const calls = s0.calls.n;
    await sleep(4_000);
    expect(s0.calls.n).to.equal(calls);
    expect(told).to.have.length(1);
  });

  it("a refused refresh (not the server's cut) is session:expired too, not retried", async () => {
    const s0 = await session();
    let asked = 0;
    const refused = async (): Promise<RenewedToken> => {
      asked++;
      throw new ApiError(401, { code: "session_revoked", message: "gone" });
    };
    const s = socket(s0.first.access_token, refused);
    await s.ready();
    const told: string[] = [];
    s.on("session:expired", (p) => told.push(p.reason));
    await eventually(() => expect(told).to.deep.equal(["renewal refused"]), 6000);
    await sleep(1500);
    expect(asked).to.equal(1);
  });
});
