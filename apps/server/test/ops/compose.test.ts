/**
 * docker-compose.yml, its monitoring files and deploy/Dockerfile, checked without a Docker engine:
 * dclint validates the compose file against the compose spec (and its own rules), then the parsed
 * files are compared with what the app really reads and serves (envSpec, PORT, routes, metrics).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { DCLinter } from "dclint";
import { validate as validateDockerfile } from "dockerfile-utils";
import type { Redis } from "ioredis";
import type pg from "pg";
import { parse } from "yaml";
import { routes } from "@chat/protocol";
import { envSpec, parseEnv } from "../../src/config/env.ts";
import { NodeMetrics } from "../../src/ops/metrics.ts";
import { ROOT_DIR } from "../support/node.ts";
import { composeVars } from "../../scripts/env-example.ts";

type LintMessage = { line: number; rule: string; message: string };

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  secrets?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  deploy?: { replicas?: number };
  profiles?: string[];
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { environment?: string }>;
}

const read = (p: string) => fs.readFileSync(path.join(ROOT_DIR, p), "utf8");
const composeText = read("docker-compose.yml");
const compose = parse(composeText) as Compose;
const svc = (name: string) => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
};

/** What compose would pass: `${X:-d}` → d (the .env may change it), `${X:?…}` → a sample value. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_, name: string, def?: string) =>
    def !== undefined ? def : name === "JWT_SECRET" ? "x".repeat(40) : `sample-${name.toLowerCase()}`,
  );
}

/** Environment keys the app service leaves to the node's own default, on purpose. */
const NOT_PASSED = {
  NODE_ID: "the default host:port is the container's id, unique per replica",
  DATA_DIR: "unused with DATABASE_URL and JWT_SECRET set",
  MIGRATE_ONLY: "the migrate service sets it, never the app",
  TEST_ACCESS_TOKEN_SECONDS: "tests only: the node refuses it outside NODE_ENV=test",
  REDIS_CLUSTER_NODES:
    "the compose file runs one redis (REDIS_URL); a Redis Cluster replaces it (commented in the file)",
};

const seconds = (d: string) => {
  const m = /^(\d+)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2] as "ms" | "s" | "m"];
};

describe("docker-compose.yml", () => {
  it("passes dclint (the compose spec's JSON schema and dclint's rules)", () => {
    // Quotes as prettier writes them (double); every other rule at its default level.
    const linter = new DCLinter({
      rules: { "require-quotes-in-ports": [2, { quoteType: "double" }] },
      quiet: false,
      debug: false,
      exclude: [],
    });
    const [result] = linter.lintFiles([path.join(ROOT_DIR, "docker-compose.yml")], false);
    const messages = result.messages.map((m: LintMessage) => `${m.line}: ${m.rule}: ${m.message}`);
    expect(messages).to.deep.equal([]);
  });

  it("the linter is real: it refuses a file that breaks the spec", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dclint-"));
    try {
      const bad = path.join(dir, "docker-compose.yml");
      fs.writeFileSync(bad, composeText.replace("replicas: 3", 'replicas: "three"\n      replicaz: 3'));
      const linter = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] });
      const [result] = linter.lintFiles([bad], false);
      expect(result.messages.map((m: LintMessage) => m.rule)).to.include("invalid-schema");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has the planned services; the monitoring ones only under the profile", () => {
    expect(Object.keys(compose.services).sort()).to.deep.equal(
      [
        "app",
        "grafana",
        "migrate",
        "minio",
        "minio_init",
        "nginx",
        "postgres",
        "prometheus",
        "redis",
        "redis_exporter",
        "postgres_exporter",
      ].sort(),
    );
    for (const [name, s] of Object.entries(compose.services)) {
      const monitoring = ["prometheus", "redis_exporter", "postgres_exporter", "grafana"].includes(name);
      expect(s.profiles ?? [], name).to.deep.equal(monitoring ? ["monitoring"] : []);
      if (s.image) expect(s.image, `${name} pins its image`).to.match(/:[\w.-]*\d[\w.-]*$/);
    }
  });

  it("postgres keeps its data in a named volume and reports health; redis has persistence off", () => {
    const pg = svc("postgres");
    const dataVolume = pg.volumes?.find((v) => v.endsWith(":/var/lib/postgresql/data"));
    expect(dataVolume, "postgres data volume").to.be.a("string");
    expect(Object.keys(compose.volumes ?? {})).to.include(dataVolume!.split(":")[0]);
    expect(pg.healthcheck?.test.join(" ")).to.include("pg_isready");
    const redis = svc("redis");
    expect(redis.healthcheck?.test).to.deep.equal(["CMD", "redis-cli", "ping"]);
    expect(redis.command).to.include.members(["--save", "", "--appendonly", "no"]);
    expect(redis.volumes ?? []).to.deep.equal([]);
  });

  it("app: stateless, 3 replicas, no host port, after a successful migrate and healthy stores", () => {
    const app = svc("app");
    expect(app.deploy?.replicas).to.equal(3);
    expect(app.ports ?? [], "a fixed host port would stop --scale app=N").to.deep.equal([]);
    expect(app.volumes ?? []).to.deep.equal([]);
    expect(app.depends_on).to.deep.equal({
      migrate: { condition: "service_completed_successfully" },
      minio_init: { condition: "service_completed_successfully" },
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    expect(app.build).to.deep.equal({ context: ".", dockerfile: "deploy/Dockerfile" });
    // The node gets SHUTDOWN_TIMEOUT_MS to close before Docker's SIGKILL.
    const timeout = parseEnv({}, ROOT_DIR).SHUTDOWN_TIMEOUT_MS / 1000;
    expect(seconds(app.stop_grace_period ?? "10s")).to.be.greaterThan(timeout);
  });

  it("app: passes every variable the node reads (envSpec), and nothing else", () => {
    const env = svc("app").environment ?? {};
    const unknown = Object.keys(env).filter((k) => !(k in envSpec));
    expect(unknown, "not read by the node").to.deep.equal([]);
    const missing = Object.keys(envSpec).filter((k) => !(k in env) && !(k in NOT_PASSED));
    expect(missing, "add them to the app service's environment (${X:-} keeps the default)").to.deep.equal([]);
    const config = parseEnv(
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v))])),
      ROOT_DIR,
    );
    expect(config.NODE_ENV).to.equal("production");
    expect(config.PORT).to.equal(3000);
    expect(config.HOST).to.equal("0.0.0.0");
    expect(config.METRICS_PORT).to.be.a("number").and.not.equal(config.PORT);
    expect(config.TRUST_PROXY_HOPS, "behind nginx").to.equal(1);
    expect(svc("app").expose).to.deep.equal([String(config.PORT), String(config.METRICS_PORT)]);
    // The stores it names are services of this file, on their default ports.
    expect(new URL(config.DATABASE_URL!).host).to.equal("postgres:5432");
    expect(new URL(config.REDIS_URL!).host).to.equal("redis:6379");
    // Secrets come from .env and are required (`${X:?…}`), never a default in the file.
    for (const key of ["JWT_SECRET", "METRICS_TOKEN", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"])
      expect(env[key]).to.match(new RegExp(`^\\$\\{${key}:\\?`));
    expect(env.DATABASE_URL).to.include("${POSTGRES_PASSWORD:?");
  });

  it("migrate: a one-shot run of the same image with MIGRATE_ONLY, after postgres is healthy", () => {
    const m = svc("migrate");
    expect(m.build).to.deep.equal(svc("app").build);
    expect(m.restart).to.equal("no");
    expect(m.depends_on).to.deep.equal({ postgres: { condition: "service_healthy" } });
    const config = parseEnv(
      Object.fromEntries(Object.entries(m.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))])),
      ROOT_DIR,
    );
    expect(config.MIGRATE_ONLY).to.equal(true);
    expect(m.environment?.DATABASE_URL).to.equal(svc("app").environment?.DATABASE_URL);
  });

  it("minio: the app's S3 storage, its bucket made by a one-shot mc before the app starts", () => {
    const app = parseEnv(
      Object.fromEntries(
        Object.entries(svc("app").environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
      ),
      ROOT_DIR,
    );
    expect(app.STORAGE_DRIVER).to.equal("s3");
    expect(app.S3_ENDPOINT).to.equal("http://minio:9000");
    expect(app.S3_FORCE_PATH_STYLE).to.equal(true);
    const minio = svc("minio");
    const port = (minio.ports ?? [])[0];
    expect(port).to.equal("0.0.0.0:${MINIO_PORT:-9000}:9000");
    // Browsers reach the published port: the default public endpoint names it.
    expect(svc("app").environment?.S3_PUBLIC_ENDPOINT).to.equal(
      "${S3_PUBLIC_ENDPOINT:-http://localhost:9000}",
    );
    const data = minio.volumes?.find((v) => v.endsWith(":/data"));
    expect(Object.keys(compose.volumes ?? {})).to.include(data!.split(":")[0]);
    expect(minio.healthcheck?.test).to.deep.equal(["CMD", "mc", "ready", "local"]);
    // MinIO's root user is the app's key pair: one pair, from .env.
    expect(minio.environment?.MINIO_ROOT_USER).to.equal(svc("app").environment?.S3_ACCESS_KEY_ID);
    expect(minio.environment?.MINIO_ROOT_PASSWORD).to.equal(svc("app").environment?.S3_SECRET_ACCESS_KEY);
    const init = svc("minio_init") as Service & { entrypoint?: string[] };
    expect(init.restart).to.equal("no");
    expect(init.depends_on).to.deep.equal({ minio: { condition: "service_healthy" } });
    expect(init.image).to.match(/^minio\/mc:/);
    expect(init.environment?.S3_BUCKET).to.equal(svc("app").environment?.S3_BUCKET);
    expect(init.command?.join(" ")).to.include('mc mb --ignore-existing "local/$$S3_BUCKET"');
  });

  it("nginx: the top-level nginx.conf, whose upstream is app on the app's PORT", () => {
    const n = svc("nginx");
    expect(n.volumes).to.include("./nginx.conf:/etc/nginx/nginx.conf:ro");
    // The certificate folder where nginx.conf reads it (`pnpm dev-cert` writes the default one).
    expect(n.volumes).to.include("${TLS_CERT_DIR:-./.data/tls}:/etc/nginx/tls:ro");
    expect(n.depends_on).to.deep.equal({ app: { condition: "service_healthy" } });
    const conf = read("nginx.conf");
    const upstream = [...conf.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((m) => [m[1], Number(m[2])]);
    expect(upstream).to.deep.equal([["app", parseEnv({}, ROOT_DIR).PORT]]);
    expect(conf).to.match(/hash \$remote_addr consistent;/);
    const listen = Number(/^\s*listen (\d+);/m.exec(conf)?.[1]);
    const listenTls = Number(/^\s*listen (\d+) ssl\b[^;]*;/m.exec(conf)?.[1]);
    expect(n.ports).to.deep.equal([
      `0.0.0.0:\${NGINX_HTTPS_PORT:-8443}:${listenTls}`,
      `0.0.0.0:\${NGINX_PORT:-8080}:${listen}`,
    ]);
    expect(conf).to.include("ssl_certificate /etc/nginx/tls/tls.crt;");
    expect(conf).to.include("ssl_certificate_key /etc/nginx/tls/tls.key;");
    // The healthcheck stays on plain HTTP, which nginx.conf keeps for /healthz.
    expect(n.healthcheck?.test).to.include("http://127.0.0.1/healthz");
    // Long enough for Socket.IO's pingInterval + pingTimeout (45 s).
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(conf)?.[1])).to.be.greaterThan(45);
  });

  it("every ${VAR} in the file is documented in .env.example; every bind mount exists", () => {
    const vars = new Set([...composeText.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    const example = read(".env.example");
    for (const v of vars) {
      expect(v in envSpec || v in composeVars, `${v} is neither the node's nor compose's`).to.equal(true);
      expect(example, v).to.match(new RegExp(`^(# )?${v}=`, "m"));
    }
    for (const s of Object.values(compose.services))
      for (const v of s.volumes ?? [])
        if (v.startsWith("./")) expect(fs.existsSync(path.join(ROOT_DIR, v.split(":")[0])), v).to.equal(true);
  });
});

/** The app service's METRICS_PORT (Prometheus scrapes it; nginx never proxies it). */
const appMetricsPort = () => Number(svc("app").environment?.METRICS_PORT);

describe("monitoring profile", () => {
  const prometheus = parse(read("deploy/monitoring/prometheus.yml")) as {
    rule_files: string[];
    scrape_configs: Array<{
      job_name: string;
      metrics_path?: string;
      dns_sd_configs?: Array<{ names: string[]; type: string; port: number }>;
      static_configs?: Array<{ targets: string[] }>;
      authorization?: { type: string; credentials_file: string };
    }>;
  };
  const dashboard = JSON.parse(read("deploy/monitoring/grafana/dashboards/chat-cluster.json")) as {
    uid: string;
    panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
  };

  it("Prometheus discovers every app replica through DNS and sends the METRICS_TOKEN", () => {
    const chat = prometheus.scrape_configs.find((j) => j.job_name === "chat")!;
    expect(chat.dns_sd_configs).to.deep.equal([
      { names: ["app"], type: "A", port: appMetricsPort(), refresh_interval: "15s" },
    ]);
    expect(chat.metrics_path).to.equal("/metrics");
    expect(chat.authorization).to.deep.equal({
      type: "Bearer",
      credentials_file: "/run/secrets/metrics_token",
    });
    expect(svc("prometheus").secrets).to.deep.equal(["metrics_token"]);
    expect(compose.secrets?.metrics_token).to.deep.equal({ environment: "METRICS_TOKEN" });
    expect(svc("prometheus").volumes).to.include(
      "./deploy/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
    );
  });

  it("Prometheus scrapes redis_exporter, which watches the compose redis", () => {
    const redis = prometheus.scrape_configs.find((j) => j.job_name === "redis")!;
    expect(redis.static_configs).to.deep.equal([{ targets: ["redis_exporter:9121"] }]);
    expect(svc("redis_exporter").environment?.REDIS_ADDR).to.equal("redis://redis:6379");
    expect(svc("redis_exporter").image).to.match(/^oliver006\/redis_exporter:/);
  });

  it("Prometheus scrapes postgres_exporter, which watches the compose postgres, and loads the alerts", () => {
    const pgJob = prometheus.scrape_configs.find((j) => j.job_name === "postgres")!;
    expect(pgJob.static_configs).to.deep.equal([{ targets: ["postgres_exporter:9187"] }]);
    expect(svc("postgres_exporter").environment?.DATA_SOURCE_NAME).to.match(/@postgres:5432\//);
    expect(prometheus.rule_files).to.deep.equal(["alerts.yml"]);
    // rule_files is relative to prometheus.yml: both are mounted in /etc/prometheus/.
    expect(svc("prometheus").volumes).to.include(
      "./deploy/monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro",
    );
  });

  it("Grafana is provisioned with the Prometheus datasource the dashboard uses", () => {
    const ds = parse(read("deploy/monitoring/grafana/provisioning/datasources/prometheus.yml")) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    expect(ds.datasources).to.have.length(1);
    expect(ds.datasources[0]).to.include({ type: "prometheus", url: "http://prometheus:9090" });
    const providers = parse(read("deploy/monitoring/grafana/provisioning/dashboards/chat.yml")) as {
      providers: Array<{ options: { path: string } }>;
    };
    const mount = svc("grafana").volumes!.find((v) =>
      v.startsWith("./deploy/monitoring/grafana/dashboards:"),
    );
    expect(mount?.split(":")[1]).to.equal(providers.providers[0].options.path);
    for (const p of dashboard.panels) expect(p.datasource.uid, p.title).to.equal(ds.datasources[0].uid);
  });

  it("the dashboard has the panels operators need, over series that exist", () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join("\n");
    for (const want of [
      "connections per node",
      "messages/s in and out",
      "ack latency",
      "delivery latency",
      "batch size",
      "redis ops/s",
      "memory",
      "pub/sub channels",
      "connected clients",
    ])
      expect(titles).to.include(want);
    // Every chat_/nodejs_/process_ series a panel reads is one the node registers (histograms
    // through _bucket/_sum/_count), the Redis and pool watchers included. The exporters' series
    // (redis_, pg_) are checked live: test/monitoring evaluates every panel through Prometheus.
    const metrics = new NodeMetrics("test");
    metrics.watchPool({ totalCount: 0, idleCount: 0, waitingCount: 0 } as pg.Pool, 20);
    metrics.watchRedisFigures({} as Redis, "chat");
    const ours = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
    const used = new Set(
      dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) => [...t.expr.matchAll(/\b((?:chat|nodejs|process)_\w+)/g)].map((m) => m[1])),
      ),
    );
    expect(used.size).to.be.greaterThan(10);
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, "");
      expect(ours.has(name) || ours.has(base), name).to.equal(true);
    }
  });
});

describe("deploy/Dockerfile", () => {
  const text = read("deploy/Dockerfile");
  const instructions = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("#"))
    .map((l) => l.trim());

  it("is valid Dockerfile syntax (dockerfile-utils)", () => {
    expect(validateDockerfile(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).to.deep.equal([]);
    expect(validateDockerfile("FROM x\nEXPOSE abc\nRUNN y\n")).to.have.length(2); // the validator is real
  });

  it("builds with pnpm from the lockfile, generates the Prisma client, keeps production deps only", () => {
    expect(instructions.filter((l) => l.startsWith("FROM ")).length).to.be.at.least(2);
    const pin = (JSON.parse(read("package.json")) as { packageManager?: string }).packageManager;
    const version = /npm i -g pnpm@([\d.]+)/.exec(text)?.[1];
    expect(version).to.equal(pin ? pin.replace(/^pnpm@/, "") : "12.21.0");
    expect(text).to.include("pnpm install --frozen-lockfile");
    expect(text).to.include("pnpm run generate");
    expect(text).to.match(/deploy --prod/);
  });

  it("runs as a non-root user in production, serving the app's PORT, health-checked on /healthz", () => {
    const runtime = instructions.slice(instructions.findLastIndex((l) => l.startsWith("FROM ")));
    const user = runtime.find((l) => l.startsWith("USER "))?.split(/\s+/)[1];
    expect(user).to.be.a("string");
    expect(user).to.not.match(/^(root|0)$/);
    expect(runtime.join("\n")).to.match(/NODE_ENV=production/);
    expect(runtime.find((l) => l.startsWith("EXPOSE "))).to.equal(`EXPOSE ${parseEnv({}, ROOT_DIR).PORT}`);
    const health = runtime.find((l) => l.startsWith("HEALTHCHECK "));
    expect(health).to.include(routes.healthz.path);
    // The same entry point as `pnpm start`.
    const start = (JSON.parse(read("apps/server/package.json")) as { scripts: { start: string } }).scripts
      .start;
    const cmd = JSON.parse(runtime.find((l) => l.startsWith("CMD "))!.slice(4)) as string[];
    expect(cmd.join(" ")).to.equal(start);
  });

  it(".dockerignore keeps dependencies, build output and secrets out of the context", () => {
    const ignore = read(".dockerignore").split("\n");
    for (const p of ["**/node_modules", ".env", ".git", ".data"]) expect(ignore).to.include(p);
  });
});
