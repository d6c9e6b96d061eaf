/**
 * Issue 12, item 9: /metrics cannot be reached through the proxy by another spelling, and with
 * METRICS_PORT it lives on its own port only. The real nginx with the project's nginx.conf.
 */
import { expect } from "chai";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { startTestNode, type TestNode } from "../support/node.ts";

const VARIANTS = ["/metrics", "/metrics/", "/METRICS", "/Metrics/", "/mEtRiCs", "//metrics", "/metrics/x"];
const status = (url: string) => fetch(url).then((r) => r.status);

describe("metrics: never through the proxy, on their own port", function () {
  this.timeout(30_000);
  let open: TestNode; // metrics on the main port (no METRICS_PORT), no token: the worst case behind nginx
  let split: TestNode; // METRICS_PORT=0 (a free port)
  let nginx: NginxProcess;

  before(async () => {
    open = await startTestNode();
    split = await startTestNode({ METRICS_PORT: "0" });
    nginx = await startNginx([open.port]);
  });
  after(async () => {
    await nginx?.stop();
    await open?.close();
    await split?.close();
  });

  it("nginx answers 404 for every case and slash variant of /metrics", async () => {
    // The node itself would serve some of them (Express routes /METRICS and /metrics/ to /metrics).
    expect(await status(`${open.url}/METRICS`)).to.equal(200);
    expect(await status(`${open.url}/metrics/`)).to.equal(200);
    for (const v of VARIANTS) expect(await status(`${nginx.url}${v}`), v).to.equal(404);
    expect(await status(`${nginx.url}/healthz`)).to.equal(200);
  });

  it("with METRICS_PORT the metrics port serves them and the main port answers 404 for every variant", async () => {
    expect(split.metricsPort).to.be.a("number").and.not.equal(split.port);
    const metricsUrl = `http://127.0.0.1:${split.metricsPort}`;
    for (const v of ["/metrics", "/metrics/", "/METRICS", "/Metrics/"]) {
      const res = await fetch(`${metricsUrl}${v}`);
      expect(res.status, v).to.equal(200);
      expect(await res.text()).to.match(/chat_sockets_connected/);
    }
    for (const v of VARIANTS) {
      const res = await fetch(`${split.url}${v}`);
      expect(res.status, v).to.equal(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal("not_found");
    }
    // Only metrics there: the API stays on the main port.
    expect(await status(`${metricsUrl}/healthz`)).to.equal(404);
    expect(await status(`${split.url}/healthz`)).to.equal(200);
  });
});
