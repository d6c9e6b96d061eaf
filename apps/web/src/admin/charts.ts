/**
 * One live chart of the console (uPlot, bundled): a metric of every live node over the history, and
 * the line of a node that has gone (still in the history) in grey, dashed, until it scrolls out.
 * Colours come from the page's CSS variables (--chart-1…, --muted, --line), read when the chart
 * is built, so a theme that redefines them restyles the charts too.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "../dom.ts";
import type { History, Metric } from "./history.ts";

const PALETTE = 6;
const HEIGHT = 150;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export class NodeChart {
  readonly element: HTMLElement;
  private readonly plotHost: HTMLElement;
  private plot: uPlot | undefined;
  private key = "";

  constructor(
    readonly title: string,
    private readonly metric: Metric,
    private readonly unit: string,
  ) {
    this.plotHost = h("div", { class: "admin-plot" });
    this.element = h(
      "figure",
      { class: "admin-chart", "data-metric": metric },
      h("figcaption", null, title, h("span", { class: "unit" }, ` (${unit})`)),
      this.plotHost,
    );
  }

  /** Redraws from the history; a change of the live or gone nodes rebuilds the chart's series. */
  update(history: History, live: string[]): void {
    const gone = history.nodeIds().filter((id) => !live.includes(id));
    const data = history.series(this.metric, [...live, ...gone]) as uPlot.AlignedData;
    // What the chart holds, readable without pixels (tests; a screen reader's summary).
    const ys = data.slice(1).flatMap((s) => [...(s as Array<number | null>)]);
    this.element.dataset.points = String(history.length);
    this.element.dataset.max = String(Math.max(0, ...ys.filter((v): v is number => v !== null)));
    this.element.dataset.nodes = live.join(" ");
    this.element.dataset.gone = gone.join(" ");
    const key = `${live.join(" ")}|${gone.join(" ")}`;
    if (!this.plot || key !== this.key) {
      this.plot?.destroy();
      this.key = key;
      this.plot = new uPlot(this.options(live, gone), data, this.plotHost);
    } else {
      this.plot.setData(data);
    }
  }

  resize(): void {
    this.plot?.setSize({ width: this.width(), height: HEIGHT });
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  private width(): number {
    return Math.max(240, this.plotHost.clientWidth || 320);
  }

  private options(live: string[], gone: string[]): uPlot.Options {
    const axis = {
      stroke: cssVar("--muted", "#667085"),
      grid: { stroke: cssVar("--line", "#e2e5ea"), width: 1 },
    };
    const unit = this.unit;
    const value = (_u: uPlot, v: number | null) => (v === null ? "–" : `${+v.toFixed(2)} ${unit}`);
    return {
      width: this.width(),
      height: HEIGHT,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...axis, ticks: axis.grid },
        { ...axis, ticks: axis.grid, size: 50, values: (_u, vals) => vals.map((v) => `${+v.toFixed(2)}`) },
      ],
      series: [
        {},
        ...live.map((id, i) => ({
          label: id,
          stroke: cssVar(`--chart-${(i % PALETTE) + 1}`, "#2f6fed"),
          width: 2,
          value,
        })),
        ...gone.map((id) => ({
          label: `${id} (gone)`,
          stroke: cssVar("--muted", "#667085"),
          width: 1.5,
          dash: [4, 4],
          points: { show: false },
          value,
        })),
      ],
    };
  }
}
