/**
 * The monitoring profile run for real (issue 19, items 1–3): two nodes as child processes, a
 * private redis-server, the run's PostgreSQL, Debian's Prometheus with the project's
 * prometheus.yml and alerts.yml (rendered for the test's ports: prometheus-config.ts),
 * redis_exporter and postgres_exporter. Traffic runs (sends on both nodes, reads, typing, error
 * acks, a login storm past a rate limit, reconnects) while EVERY query of the Grafana dashboard is
 * evaluated through Prometheus's HTTP API; then a node is SIGKILLed and its alert must fire.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Redis } from "ioredis";
import request from "supertest";
import type { ChatSocket } from "@chat/client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freePort } from "../../src/store/free-port.ts";
import { Devices } from "../cluster/devices.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually, sleep } from "../support/wait.ts";
import { dashboardQueries, type PanelQuery } from "./dashboard-queries.ts";
import { startProgram, type Program } from "./programs.ts";
import { renderAlerts, renderPrometheusConfig } from "./prometheus-config.ts";

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query; throws on an error answer (a bad query is a failure of its panel). */
async function query(prom: Program, q: string): Promise<Sample[]> {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] | [number, string] };
  };
  if (body.status !== "success") throw new Error(`${q}: ${body.error}`);
  if (body.data!.resultType === "scalar")
    return [{ metric: {}, value: body.data!.result as [number, string] }];
  return body.data!.result as Sample[];
}

/** Counters that may stand still in a healthy run: their rate is checked for sanity, not for > 0. */
const MAY_BE_ZERO = /errors|reconnects|slow_consumers|rollback|waiting/;

/** Panels whose value the test knows exactly: 2 nodes, 3 devices, Redis and PostgreSQL up. */
const EXACT: Record<string, number> = {
  "Nodes up": 2,
  "Connected sockets": 3,
  "Redis up": 1,
  "PostgreSQL up": 1,
};

/** What is wrong with a panel query's answer, or undefined when it is sane. */
function judge(q: PanelQuery, samples: Sample[]): string | undefined {
  if (samples.length === 0) return "no series";
  const values = samples.map((s) => Number(s.value[1]));
  const bad = values.find((v) => !Number.isFinite(v) || v < 0);
  if (bad !== undefined) return `value ${bad}`;
  const exact = EXACT[q.panel];
  if (exact !== undefined && values.some((v) => v !== exact)) return `${values.join(", ")}, not ${exact}`;
  if (q.unit === "percentunit" && values.some((v) => v > 1)) return `ratio above 1: ${values.join(", ")}`;
  const traffic = /\brate\(/.test(q.expr) && !MAY_BE_ZERO.test(q.expr);
  if ((traffic || q.expr.startsWith("histogram_quantile")) && Math.max(...values) <= 0)
    return `0 under traffic: ${values.join(", ")}`;
  return undefined;
}

describe("monitoring profile: Prometheus, exporters, the dashboard's queries and the alerts, run for real", function () {
  this.timeout(60_000);
  const prefix = `mon-${crypto.randomUUID().slice(0, 8)}`;
  const token = crypto.randomBytes(24).toString("hex");
  const devices = new Devices();
  const programs: Program[] = [];
  const nodes: NodeProcess[] = [];
  let dir: string;
  let redis: RedisProcess;
  let prom: Program;
  let metricsTargets: string[];
  let traffic: { stop(): Promise<number> } | undefined;

  before(async function () {
    this.timeout(90_000);
    const started = Date.now();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-monitoring-"));
    redis = await startRedis();
    // A maxmemory, as compose sets, so "Redis memory of maxmemory" has something to divide by.
    const admin = new Redis(redis.url);
    await admin.config("SET", "maxmemory", String(256 * 1024 * 1024));
    await admin.quit();
    const databaseUrl = await freshDatabase();
    const metricsPorts = [await freePort(), await freePort()];
    metricsTargets = metricsPorts.map((p) => `127.0.0.1:${p}`);
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      PORT: "0",
      METRICS_TOKEN: token,
      // The test plays the proxy: each user's setup comes from its own address (users.ts).
      TRUST_PROXY_HOPS: "1",
      // One limit on, low, for the rate-limit panel and the storm of failed logins below (each
      // user's setup, a register and a login, fits from its own address).
      RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "2",
    };
    // One after the other: two starting at once on a busy 2-core machine can pass spawnNode's 30 s.
    for (const [i, id] of ["n1", "n2"].entries())
      nodes.push(await spawnTestNode({ ...env, NODE_ID: id, METRICS_PORT: String(metricsPorts[i]) }));
    const pgUrl = new URL(databaseUrl);
    pgUrl.searchParams.set("sslmode", "disable");
    const [redisExporter, pgExporter] = await Promise.all([
      startProgram({
        name: "redis_exporter",
        command: "prometheus-redis-exporter",
        args: (port) => ["-web.listen-address", `127.0.0.1:${port}`, "-redis.addr", redis.url],
        readyPath: "/metrics",
      }),
      startProgram({
        name: "postgres_exporter",
        command: "prometheus-postgres-exporter",
        args: (port) => [`--web.listen-address=127.0.0.1:${port}`],
        env: { DATA_SOURCE_NAME: pgUrl.toString() },
        readyPath: "/metrics",
      }),
    ]);
    programs.push(redisExporter, pgExporter);
    const tokenFile = path.join(dir, "metrics_token");
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    const rulesFile = path.join(dir, "alerts.yml");
    fs.writeFileSync(rulesFile, renderAlerts("2s"));
    const configFile = path.join(dir, "prometheus.yml");
    prom = await startProgram({
      name: "prometheus",
      command: "prometheus",
      args: (port) => {
        fs.writeFileSync(
          configFile,
          renderPrometheusConfig({
            chat: metricsTargets,
            redis: `127.0.0.1:${redisExporter.port}`,
            postgres: `127.0.0.1:${pgExporter.port}`,
            prometheus: `127.0.0.1:${port}`,
            tokenFile,
            rulesFile,
          }),
        );
        return [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${path.join(dir, "tsdb")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ];
      },
      readyPath: "/-/ready",
    });
    programs.push(prom);
    console.log(`      (cluster, exporters and Prometheus up in ${Date.now() - started} ms)`);
  });

  after(async function () {
    this.timeout(30_000);
    await traffic?.stop();
    devices.closeAll();
    for (const p of programs.reverse()) await p.stop();
    await Promise.all(nodes.map((n) => n.kill("SIGKILL")));
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Sends, reads, typing, error acks, failed logins past the limit and reconnects, until stopped. */
  function startTraffic(a: ChatSocket, b: ChatSocket, chatId: number, users: TestUser[], urls: string[]) {
    let running = true;
    let rounds = 0;
    const loop = (async () => {
      while (running) {
        rounds++;
        const [, sb] = await Promise.all([
          a.send(chatId, `from a ${rounds}`),
          b.send(chatId, `from b ${rounds}`),
        ]);
        await a.read(chatId, sb.message.seq).catch(() => undefined);
        await a.request("typing", { chat_id: chatId, is_typing: rounds % 2 === 0 }).catch(() => undefined);
        if (rounds % 5 === 0) {
          // An error ack (not a member of chat 2^31-1): the ack-errors panel.
          await a.send(2_147_483_000, "nowhere").catch(() => undefined);
          // A wrong password from one address: past 2 a minute the auth-ip limit refuses.
          await request(urls[rounds % 2])
            .post("/api/v1/token")
            .set("X-Forwarded-For", "198.51.100.7")
            .type("form")
            .send({ username: users[0].email, password: "wrong" });
        }
        if (rounds % 40 === 0) {
          // A reconnect: the device comes back and syncs (connections, sync events).
          b.socket.disconnect();
          b.socket.connect();
        }
        await sleep(50);
      }
    })();
    return {
      async stop() {
        running = false;
        await loop.catch(() => undefined);
        return rounds;
      },
    };
  }

  it("every panel query of the Grafana dashboard returns sane series under traffic", async function () {
    this.timeout(90_000);
    const urls = nodes.map((n) => n.url);
    const ua = await createUser(urls[0], "Ann", { ip: "192.0.2.1" });
    const ub = await createUser(urls[1], "Bob", { ip: "192.0.2.2" });
    const uc = await createUser(urls[1], "Cid", { ip: "192.0.2.3" });
    const chatId = await createGroup(urls[0], ua, [ub, uc]);
    const a = await devices.connect(urls[0], ua);
    const b = await devices.connect(urls[1], ub);
    await devices.connect(urls[1], uc);
    a.track(chatId, 0);
    b.track(chatId, 0);
    traffic = startTraffic(a, b, chatId, [ua, ub], urls);

    // Both nodes and both exporters scraped, and traffic in the windows of every rate.
    await eventually(
      async () => {
        expect((await query(prom, 'up{job=~"chat|redis|postgres"} == 1')).length).to.equal(4);
        expect(
          await query(prom, 'sum(rate(chat_events_in_total{event="message:send"}[10s])) > 0'),
        ).to.have.length(1);
      },
      40_000,
      500,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\ntargets: ${prom.output().slice(-2000)}`);
    });
    await sleep(4000); // a few more scrapes of traffic in every 10-s window

    const queries = dashboardQueries("10s");
    const verdicts = new Map<string, { problem?: string; series: number }>();
    const deadline = Date.now() + 20_000;
    for (const q of queries) {
      // A query may meet a quiet moment of the traffic: it gets a few tries within the deadline.
      let problem: string | undefined;
      let series = 0;
      do {
        try {
          const samples = await query(prom, q.query);
          series = samples.length;
          problem = judge(q, samples);
        } catch (err) {
          problem = (err as Error).message;
        }
        if (problem) await sleep(500);
      } while (problem && Date.now() < deadline);
      verdicts.set(`${q.panelId}\t${q.panel}\t${q.legend}`, { problem, series });
    }
    const rounds = await traffic.stop();
    traffic = undefined;

    // The table for the closing note: panel → returned data yes/no.
    const panels = new Map<string, { title: string; ok: boolean; notes: string[] }>();
    for (const [key, v] of verdicts) {
      const [id, title, legend] = key.split("\t");
      const p = panels.get(id) ?? { title, ok: true, notes: [] };
      p.ok &&= !v.problem;
      p.notes.push(`${legend || "(no legend)"}: ${v.problem ? `NO (${v.problem})` : `${v.series} series`}`);
      panels.set(id, p);
    }
    console.log(
      `      ${queries.length} queries of ${panels.size} panels, after ${rounds} rounds of traffic:`,
    );
    for (const [id, p] of panels)
      console.log(
        `      ${id.padStart(2)} ${p.title.padEnd(72)} ${p.ok ? "yes" : "NO "}  ${p.notes.join("; ")}`,
      );
    const failed = [...verdicts]
      .filter(([, v]) => v.problem)
      .map(([k, v]) => `${k.replaceAll("\t", " | ")}: ${v.problem}`);
    expect(failed, "panels without sane data").to.deep.equal([]);

    // Item 3's figures, beyond "some data": each node reports its own adapter traffic, and
    // Redis knows the cluster's presence entries and rate-limit windows.
    const published = await query(prom, 'chat_adapter_messages_total{direction="published"} > 0');
    expect(published.map((s) => s.metric.node).sort()).to.deep.equal(["n1", "n2"]);
    const received = await query(prom, 'chat_adapter_bytes_total{direction="received"} > 0');
    expect(received.map((s) => s.metric.node).sort()).to.deep.equal(["n1", "n2"]);
    const presence = await query(prom, 'max(chat_redis_keys{kind="presence"})');
    expect(Number(presence[0].value[1])).to.be.at.least(3);
    const windows = await query(prom, 'max(chat_redis_keys{kind="rate_limit"})');
    expect(Number(windows[0].value[1])).to.be.at.least(1);
  });

  it("a SIGKILLed node's ChatNodeDown alert goes to firing (and only that node's)", async function () {
    this.timeout(40_000);
    const alerts = async () =>
      (
        (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as {
          data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
        }
      ).data.alerts.filter((a) => a.labels.alertname === "ChatNodeDown");
    expect(await alerts(), "no node is down yet").to.deep.equal([]);
    const killedAt = Date.now();
    expect(await nodes[1].kill("SIGKILL")).to.equal(null);
    const firing = await eventually(
      async () => {
        const all = await alerts();
        expect(all.map((x) => x.state)).to.deep.equal(["firing"]);
        return all[0];
      },
      25_000,
      250,
    );
    expect(firing.labels).to.include({ instance: metricsTargets[1], job: "chat", severity: "page" });
    console.log(
      `      (ChatNodeDown firing ${Date.now() - killedAt} ms after the SIGKILL; for: 2s, 1-s scrapes)`,
    );
    // The surviving node still answers its scrape.
    expect((await query(prom, 'up{job="chat"} == 1')).map((s) => s.metric.instance)).to.deep.equal([
      metricsTargets[0],
    ]);
  });
});
