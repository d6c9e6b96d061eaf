/**
 * `auth:renew` (issue 15, item 2's server part): an open Socket.IO connection takes a fresh access
 * token of the same user and session without reconnecting, and then outlives the old token's
 * expiry; another user's or another session's token is refused and changes nothing.
 */
import { expect } from "chai";
import request from "supertest";
import { ChatSocket } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { sleep } from "../support/wait.ts";

const login = async (url: string, u: TestUser) =>
  (await request(url).post("/api/v1/token").send({ username: u.email, password: u.password }).expect(200))
    .body as { access_token: string; refresh_token: string; session_id: string };
const refresh = async (url: string, refreshToken: string) =>
  (await request(url).post("/api/v1/auth/refresh").send({ refresh_token: refreshToken }).expect(200))
    .body as {
    access_token: string;
    refresh_token: string;
  };

describe("sessions: auth:renew on an open socket", function () {
  this.timeout(20_000);
  let node: TestNode;
  let user: TestUser;
  const open: ChatSocket[] = [];
  const socket = async (token: string) => {
    const s = new ChatSocket(node.url, {
      token,
      transports: ["websocket"],
      ioOptions: { reconnection: false },
    });
    open.push(s);
    await s.ready();
    return s;
  };

  before(async () => {
    // Tokens of one minute; the test makes the socket's expiry close by renewing with a short one.
    node = await startTestNode({ ACCESS_TOKEN_EXPIRE_MINUTES: "1" });
    user = await createUser(node.url, "Renewer");
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  after(() => node?.close());

  it("takes a token of the same session: same connection, expiry moved, reconnects use the new token", async () => {
    const s0 = await login(node.url, user);
    const s = await socket(s0.access_token);
    const id = s.socket.id;
    const next = await refresh(node.url, s0.refresh_token);
    const out = await s.renew(next.access_token);
    expect(out.expires_in).to.be.within(55, 60);
    expect(s.socket.id).to.equal(id);
    expect(s.socket.connected).to.equal(true);
    expect((s.socket.auth as { token: string }).token).to.equal(next.access_token);
    await s.request("sync", {});
  });

  it("refuses another user's token and another session's token; the socket stays as it was", async () => {
    const other = await createUser(node.url, "Other");
    const mine = await login(node.url, user);
    const s = await socket(mine.access_token);
    const ack = (t: string) =>
      (
        s.socket.timeout(2000).emitWithAck as (
          e: string,
          p: unknown,
        ) => Promise<{ ok: boolean; error?: { code: string } }>
      )("auth:renew", { token: t });
    expect((await ack(other.token)).error?.code).to.equal("forbidden");
    const anotherSession = await login(node.url, user);
    expect((await ack(anotherSession.access_token)).error?.code).to.equal("forbidden");
    expect((await ack("not a token")).error?.code).to.equal("unauthorized");
    expect(s.socket.connected).to.equal(true);
  });

  it("the renewed socket outlives the old token; a socket that does not renew is cut at expiry", async () => {
    // Two sockets of one session on tokens that expire in ~2 s (signed as the node signs them).
    const { TokenService } = await import("../../src/auth/tokens.ts");
    const { TEST_SECRET } = await import("../support/node.ts");
    const mine = await login(node.url, user);
    const short = new TokenService(TEST_SECRET, 2).sign(user.id, mine.session_id).token;
    const renewed = await socket(short);
    const idle = await socket(short);
    let told: string | undefined;
    idle.socket.on("session:expired", (p) => (told = p.reason));
    const idleGone = new Promise<void>((r) => idle.socket.once("disconnect", () => r()));
    await renewed.renew(mine.access_token);
    await idleGone;
    expect(told).to.equal("token expired");
    await sleep(300); // past the old expiry by a margin: the renewed one is still there
    expect(renewed.socket.connected).to.equal(true);
    await renewed.request("sync", {});
  });
});
