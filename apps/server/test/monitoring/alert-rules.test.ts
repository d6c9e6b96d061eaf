/**
 * deploy/monitoring/alerts.yml through Prometheus's own tool (Debian's promtool, installed by
 * scripts/system-deps.sh): the rules check, their unit tests (alerts.test.yml), and the config
 * the live test renders from prometheus.yml. Every alert has a unit test and a runbook in
 * docs/operations.md.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { parse } from "yaml";
import { ROOT_DIR } from "../support/node.ts";
import { MONITORING_DIR, renderAlerts, renderPrometheusConfig } from "./prometheus-config.ts";

const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run("promtool", args, { cwd: MONITORING_DIR });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

const alertNames = () =>
  (
    parse(fs.readFileSync(path.join(MONITORING_DIR, "alerts.yml"), "utf8")) as {
      groups: Array<{ rules: Array<{ alert?: string; annotations?: Record<string, string> }> }>;
    }
  ).groups.flatMap((g) => g.rules.filter((r) => r.alert));

describe("monitoring: the alert rules (promtool)", () => {
  it("alerts.yml passes `promtool check rules`, with the alerts issue 19 asks for", async () => {
    expect(await promtool("check", "rules", "alerts.yml")).to.match(/SUCCESS: \d+ rules found/);
    expect(alertNames().map((r) => r.alert)).to.include.members([
      "ChatNodeDown",
      "RedisDown",
      "RedisDegraded",
      "PostgresUnreachable",
      "AckLatencyHigh",
      "SlowConsumersDropped",
      "DbPoolSaturated",
      "RateLimitStorm",
      "RedisMemoryNearLimit",
    ]);
  });

  it("alerts.test.yml passes `promtool test rules`, and tests every alert firing and staying quiet", async () => {
    expect(await promtool("test", "rules", "alerts.test.yml")).to.include("SUCCESS");
    const { tests } = parse(fs.readFileSync(path.join(MONITORING_DIR, "alerts.test.yml"), "utf8")) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alertNames()) {
      const own = cases.filter((c) => c.alertname === alert);
      expect(
        own.some((c) => (c.exp_alerts ?? []).length > 0),
        `a unit test of ${alert} firing`,
      ).to.equal(true);
      // Below the threshold or before `for:` has passed: a rule that fires too eagerly fails here.
      expect(
        own.some((c) => (c.exp_alerts ?? []).length === 0),
        `a unit test of ${alert} staying quiet`,
      ).to.equal(true);
    }
  });

  it("promtool refuses a broken rule (the check is real)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-rules-"));
    try {
      const broken = path.join(dir, "broken.yml");
      fs.writeFileSync(
        broken,
        "groups:\n  - name: x\n    rules:\n      - alert: Bad\n        expr: sum(rate(x[5m])\n",
      );
      let failed = false;
      await promtool("check", "rules", broken).catch(() => (failed = true));
      expect(failed).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every alert links its runbook, a section of docs/operations.md", () => {
    const docs = fs.readFileSync(path.join(ROOT_DIR, "docs/operations.md"), "utf8");
    const anchors = new Set(
      [...docs.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    for (const r of alertNames()) {
      const link = r.annotations?.runbook ?? "";
      expect(link, r.alert).to.match(/^docs\/operations\.md#/);
      expect(anchors.has(link.split("#")[1]), `${r.alert}: no heading for ${link}`).to.equal(true);
    }
  });

  it("the config the live test renders from prometheus.yml passes `promtool check config`", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-promconfig-"));
    try {
      const tokenFile = path.join(dir, "token");
      fs.writeFileSync(tokenFile, "t");
      const rulesFile = path.join(dir, "alerts.yml");
      fs.writeFileSync(rulesFile, renderAlerts("2s"));
      const config = path.join(dir, "prometheus.yml");
      fs.writeFileSync(
        config,
        renderPrometheusConfig({
          chat: ["127.0.0.1:1", "127.0.0.1:2"],
          redis: "127.0.0.1:3",
          postgres: "127.0.0.1:4",
          prometheus: "127.0.0.1:5",
          tokenFile,
          rulesFile,
        }),
      );
      expect(await promtool("check", "config", config)).to.match(/SUCCESS: 1 rule files found/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
