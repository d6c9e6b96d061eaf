/**
 * Issue 12, item 6: the client address of the per-IP limits cannot be chosen by the client. The
 * shipped nginx.conf (a real nginx, rendered for the test's ports) overwrites X-Forwarded-For; the
 * node believes TRUST_PROXY_HOPS hops of it, and only IP addresses, for HTTP and handshakes alike.
 */
import { expect } from "chai";
import request from "supertest";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { clientIp } from "../../src/security/client-ip.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, uniqueEmail, type TestUser } from "../support/users.ts";
import { handshake } from "./support/sockets.ts";
import { login } from "./support/from-address.ts";

const PER_IP = 60;

describe("client address: X-Forwarded-For cannot be spoofed", function () {
  this.timeout(60_000);
  let behind: TestNode;
  let nginx: NginxProcess;
  let direct: TestNode;
  let user: TestUser;

  before(async () => {
    behind = await startTestNode({
      TRUST_PROXY_HOPS: "1",
      RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: String(PER_IP),
      RATE_LIMIT_CONNECTIONS_PER_IP_PER_MINUTE: "3",
    });
    nginx = await startNginx([behind.port]);
    direct = await startTestNode({ RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "5" });
    user = await createUser(behind.url, "Sock", { ip: "198.51.100.200" });
  });
  after(async () => {
    await nginx?.stop();
    await behind?.close();
    await direct?.close();
  });

  it("through nginx: 70 failed logins with rotating spoofed X-Forwarded-For → 429 after the per-IP limit", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      const res = await login(nginx.url, uniqueEmail("nobody"), "wrong-password", {
        from: "127.0.0.61",
        headers: { "X-Forwarded-For": i % 2 ? `10.0.${i}.7` : `203.0.113.${i}, 10.1.1.${i}` },
      });
      statuses.push(res.status);
    }
    expect(
      statuses.slice(0, PER_IP).every((s) => s === 401),
      statuses.join(" "),
    ).to.equal(true);
    expect(
      statuses.slice(PER_IP).every((s) => s === 429),
      statuses.join(" "),
    ).to.equal(true);
    // Another real client (another source address) is not affected.
    expect((await login(nginx.url, uniqueEmail("nobody"), "x", { from: "127.0.0.62" })).status).to.equal(401);
  });

  it("through nginx: socket handshakes with spoofed X-Forwarded-For share one per-IP budget", async () => {
    // The test's own address (127.0.0.1 to nginx): 3 per minute, whatever the header claims.
    const codes: string[] = [];
    for (let i = 0; i < 4; i++)
      codes.push(await handshake(nginx.url, user.token, { ip: `203.0.113.${100 + i}` }));
    expect(codes).to.deep.equal(["connected", "connected", "connected", "rate_limited"]);
  });

  it("direct (TRUST_PROXY_HOPS=0, the default): X-Forwarded-For is ignored", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(direct.url)
        .post("/api/v1/token")
        .set("X-Forwarded-For", `203.0.113.${i}`)
        .type("form")
        .send({ username: uniqueEmail("nobody"), password: "wrong-password" });
      statuses.push(res.status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429]);
  });

  it("values that are not IP addresses are ignored (the nearest trusted address counts)", async () => {
    // The test talks to `behind` directly, as its one trusted hop would: garbage in the header
    // falls back to the peer, so rotating garbage shares the peer's budget.
    const statuses: number[] = [];
    for (let i = 0; i < PER_IP + 2; i++) {
      const res = await login(behind.url, uniqueEmail("nobody"), "wrong-password", {
        from: "127.0.0.63",
        headers: { "X-Forwarded-For": [`not-an-ip-${i}`, `<script>${i}`, `999.1.1.${i}`, `unknown`][i % 4] },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(PER_IP)).to.deep.equal([429, 429]);
    expect(clientIp("127.0.0.1", "1.2.3.4, garbage", 1)).to.equal("127.0.0.1");
    expect(clientIp("::ffff:127.0.0.1", "9.9.9.9, 1.2.3.4", 1)).to.equal("1.2.3.4");
    expect(clientIp("10.0.0.1", "9.9.9.9, 1.2.3.4", 2)).to.equal("9.9.9.9");
    expect(clientIp("10.0.0.1", "9.9.9.9, 1.2.3.4", 0)).to.equal("10.0.0.1");
    expect(clientIp("10.0.0.1", undefined, 1)).to.equal("10.0.0.1");
    expect(clientIp("10.0.0.1", "2001:db8::1", 1)).to.equal("2001:db8::1");
  });
});
