/**
 * Issue 12, item 11: wrong passwords from many addresses must not lock the owner out. Real
 * clients with distinct loopback source addresses (127.0.0.x) through the real nginx (which
 * overwrites X-Forwarded-For, so the address it sees is the client's); the node believes one hop.
 */
import { expect } from "chai";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { PASSWORD, createUser, type TestUser } from "../support/users.ts";
import { login } from "./support/from-address.ts";

const PER_ACCOUNT = 10;
const MAX_DELAY_MS = 600;

describe("login: brute force is stopped without locking the owner out", function () {
  this.timeout(60_000);
  let node: TestNode;
  let nginx: NginxProcess;
  let victim: TestUser;

  before(async () => {
    node = await startTestNode({
      TRUST_PROXY_HOPS: "1",
      RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "60",
      RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: String(PER_ACCOUNT),
      LOGIN_SLOWDOWN_MAX_MS: String(MAX_DELAY_MS),
      LOGIN_SLOWDOWN_MAX_WAITING: "3",
    });
    nginx = await startNginx([node.port]);
  });
  after(async () => {
    await nginx?.stop();
    await node?.close();
  });

  beforeEach(async () => {
    victim = await createUser(node.url, "Victim", { ip: "198.51.100.1" });
  });

  it("12 wrong passwords from 12 addresses: the owner's right password from their own address still logs in, within the delay cap", async () => {
    for (let i = 0; i < 12; i++) {
      const res = await login(nginx.url, victim.email, `guess-${i}`, { from: `127.0.0.${20 + i}` });
      expect(res.status, JSON.stringify(res.body)).to.equal(401);
    }
    const mine = await login(nginx.url, victim.email, PASSWORD, { from: "127.0.0.2" });
    expect(mine.status, JSON.stringify(mine.body)).to.equal(200);
    expect(mine.body.access_token).to.be.a("string");
    // Slowed (past the account's 10 free attempts), but by at most the cap.
    expect(mine.ms).to.be.below(MAX_DELAY_MS + 1500);
  });

  it("one address: 429 after the per-(account, address) limit, even with the right password", async () => {
    for (let i = 0; i < PER_ACCOUNT; i++) {
      const res = await login(nginx.url, victim.email, `guess-${i}`, { from: "127.0.0.40" });
      expect(res.status).to.equal(401);
    }
    const limited = await login(nginx.url, victim.email, PASSWORD, { from: "127.0.0.40" });
    expect(limited.status).to.equal(429);
    expect(limited.body.error?.code).to.equal("rate_limited");
    expect(limited.body.error?.details?.retry_after).to.be.within(1, 60);
    // The owner, elsewhere, is not affected.
    expect((await login(nginx.url, victim.email, PASSWORD, { from: "127.0.0.41" })).status).to.equal(200);
  });

  it("an account-wide flood is slowed with bounded waiting: past LOGIN_SLOWDOWN_MAX_WAITING, 429 at once", async () => {
    for (let i = 0; i < PER_ACCOUNT; i++)
      await login(nginx.url, victim.email, "x", { from: `127.0.0.${50 + i}` });
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) => login(nginx.url, victim.email, "x", { from: `127.0.0.${70 + i}` })),
    );
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).to.have.length(3); // the 3 that waited
    expect(statuses.filter((s) => s === 429)).to.have.length(5);
    for (const r of burst.filter((x) => x.status === 429)) {
      expect(r.ms).to.be.below(MAX_DELAY_MS); // refused at once, not held
      expect(r.body.error?.details?.retry_after).to.equal(1);
    }
  });
});
