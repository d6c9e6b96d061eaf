/**
 * Every query of the Grafana dashboard (deploy/monitoring/grafana/dashboards/chat-cluster.json),
 * with Grafana's variables replaced as Grafana would for a short range at a 1-s scrape interval.
 */
import fs from "node:fs";
import path from "node:path";
import { MONITORING_DIR } from "./prometheus-config.ts";

export interface PanelQuery {
  panelId: number;
  panel: string;
  /** The panel's unit (fieldConfig.defaults.unit), e.g. percentunit for a 0–1 ratio. */
  unit?: string;
  legend: string;
  /** As written in the dashboard. */
  expr: string;
  /** What the test sends to Prometheus. */
  query: string;
}

interface Panel {
  id: number;
  title: string;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Array<{ expr: string; legendFormat?: string }>;
}

export const DASHBOARD_FILE = path.join(MONITORING_DIR, "grafana/dashboards/chat-cluster.json");

export function dashboardPanels(): Panel[] {
  return (JSON.parse(fs.readFileSync(DASHBOARD_FILE, "utf8")) as { panels: Panel[] }).panels;
}

/**
 * $__rate_interval is max(4 × scrape interval, range step + scrape interval) in Grafana: with a
 * 1-s scrape, 10 s keeps a handful of samples in every window.
 */
export function dashboardQueries(rateInterval = "10s"): PanelQuery[] {
  return dashboardPanels().flatMap((p) =>
    (p.targets ?? []).map((t) => {
      const query = t.expr.replaceAll("$__rate_interval", rateInterval);
      if (query.includes("$"))
        throw new Error(`panel "${p.title}": a variable the test does not replace: ${t.expr}`);
      return {
        panelId: p.id,
        panel: p.title,
        unit: p.fieldConfig?.defaults?.unit,
        legend: t.legendFormat ?? "",
        expr: t.expr,
        query,
      };
    }),
  );
}
