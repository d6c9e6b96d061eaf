/**
 * The monitoring test runs Debian's exporters (redis_exporter 1.45, postgres_exporter 0.11) while
 * docker-compose.yml ships newer ones. docs/operations.md ("Versions: tested and shipped differ")
 * names every exporter series the dashboard and alerts.yml read, as checked against both versions,
 * and the shipped images: a new exporter series in a panel or rule, or an image bumped in compose,
 * fails here until someone has checked it and said so in that paragraph.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { ROOT_DIR } from "../support/node.ts";
import { dashboardQueries } from "./dashboard-queries.ts";
import { MONITORING_DIR } from "./prometheus-config.ts";

const EXPORTER_SERIES = /\b(?:redis|pg)_[a-z_]+\b/g;

/** The docs' paragraph, up to the next heading. */
function versionsParagraph(): string {
  const doc = fs.readFileSync(path.join(ROOT_DIR, "docs/operations.md"), "utf8");
  const start = doc.indexOf("**Versions: tested and shipped differ.**");
  expect(start, "the versions paragraph of docs/operations.md").to.be.greaterThan(0);
  return doc.slice(start, doc.indexOf("\n#", start));
}

describe("monitoring: the exporter versions tested and shipped", () => {
  it("docs/operations.md names every exporter series the dashboard and the alerts read", () => {
    const alerts = parse(fs.readFileSync(path.join(MONITORING_DIR, "alerts.yml"), "utf8")) as {
      groups: Array<{ rules: Array<{ expr: string }> }>;
    };
    const exprs = [
      ...dashboardQueries().map((q) => q.expr),
      ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    const series = new Set(exprs.flatMap((e) => e.match(EXPORTER_SERIES) ?? []));
    expect(series.size, "exporter series in use").to.be.at.least(10);
    const paragraph = versionsParagraph();
    for (const name of series) expect(paragraph, name).to.include(`\`${name}\``);
  });

  it("names the images docker-compose.yml ships", () => {
    const compose = fs.readFileSync(path.join(ROOT_DIR, "docker-compose.yml"), "utf8");
    const paragraph = versionsParagraph();
    for (const image of ["prom/prometheus", "oliver006/redis_exporter", "postgres-exporter"]) {
      const tag = new RegExp(`image: \\S*${image}:(v[\\d.]+)`).exec(compose)?.[1];
      expect(tag, `${image} in docker-compose.yml`).to.be.a("string");
      expect(paragraph, `${image}:${tag}`).to.include(`${image}:${tag}`);
    }
  });
});
