/**
 * deploy/monitoring/prometheus.yml and alerts.yml as a test runs them: the project's files are the
 * one source of truth, and only what cannot hold outside compose is rewritten — the targets (the
 * test's ports instead of compose's service names), the token file, the rule file's path, and the
 * intervals (1 s instead of 15 s) and alerts' `for:` (seconds instead of minutes) so the test takes
 * seconds. A scrape job the renderer does not know stops the test: a new job in prometheus.yml
 * must be given a target here too.
 */
import fs from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { ROOT_DIR } from "../support/node.ts";

export const MONITORING_DIR = path.join(ROOT_DIR, "deploy/monitoring");

interface ScrapeConfig {
  job_name: string;
  dns_sd_configs?: unknown;
  static_configs?: Array<{ targets: string[] }>;
  authorization?: { type: string; credentials_file: string };
  [k: string]: unknown;
}

interface PrometheusConfig {
  global: Record<string, string>;
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
}

export interface TestTargets {
  /** host:port of each node's METRICS_PORT. */
  chat: string[];
  redis: string;
  postgres: string;
  prometheus: string;
  /** A file holding the nodes' METRICS_TOKEN. */
  tokenFile: string;
  /** The rendered alerts file (absolute). */
  rulesFile: string;
  /** scrape and evaluation interval. @default "1s" */
  interval?: string;
}

export function renderPrometheusConfig(t: TestTargets): string {
  const config = parse(
    fs.readFileSync(path.join(MONITORING_DIR, "prometheus.yml"), "utf8"),
  ) as PrometheusConfig;
  const interval = t.interval ?? "1s";
  config.global = { ...config.global, scrape_interval: interval, evaluation_interval: interval };
  if (!config.rule_files?.includes("alerts.yml")) throw new Error("prometheus.yml does not load alerts.yml");
  config.rule_files = [t.rulesFile];
  const targets: Record<string, string[]> = {
    chat: t.chat,
    redis: [t.redis],
    postgres: [t.postgres],
    prometheus: [t.prometheus],
  };
  for (const job of config.scrape_configs) {
    const mine = targets[job.job_name];
    if (!mine) throw new Error(`prometheus.yml has a job "${job.job_name}" the test cannot point anywhere`);
    delete job.dns_sd_configs;
    job.static_configs = [{ targets: mine }];
    if (job.authorization?.credentials_file) job.authorization.credentials_file = t.tokenFile;
  }
  return stringify(config);
}

interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<{ alert?: string; for?: string; [k: string]: unknown }>;
}

/** alerts.yml with every `for:` set to `forDuration` (alerts fire in seconds). */
export function renderAlerts(forDuration = "2s"): string {
  const rules = parse(fs.readFileSync(path.join(MONITORING_DIR, "alerts.yml"), "utf8")) as {
    groups: RuleGroup[];
  };
  for (const g of rules.groups) for (const r of g.rules) if (r.alert) r.for = forDuration;
  return stringify(rules);
}
