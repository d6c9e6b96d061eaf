/** The run's plots as plain SVG (polylines on axes): latency over time, throughput over time, latency CDF. */
import type { BenchResult } from "./result.ts";

interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Custom x tick labels (e.g. percentiles on the CDF's "nines" axis). */
  xTicks?: Array<[number, string]>;
  /** A shaded x range (the measured window). */
  band?: [number, number];
}

const W = 760;
const H = 360;
const M = { left: 70, right: 20, top: 40, bottom: 50 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** 1, 2, 5 × 10^n steps giving about `n` ticks. */
function niceTicks(max: number, n = 5): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.001; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < max) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

const fmt = (v: number) =>
  Math.abs(v) >= 10_000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(4)));

export function svgChart(c: Chart): string {
  const all = c.series.flatMap((s) => s.points);
  const xMax = Math.max(1e-9, ...all.map((p) => p[0]), ...(c.xTicks ?? []).map((t) => t[0]));
  const yTicks = niceTicks(Math.max(0, ...all.map((p) => p[1])));
  const yMax = yTicks[yTicks.length - 1] || 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + (v / xMax) * pw;
  const y = (v: number) => M.top + ph - (v / yMax) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`,
  ];
  if (c.band && c.band[0] < xMax) {
    const end = Math.min(c.band[1], xMax);
    out.push(
      `<rect x="${x(c.band[0]).toFixed(1)}" y="${M.top}" width="${(x(end) - x(c.band[0])).toFixed(1)}" height="${ph}" fill="#f0f4ff"/>`,
    );
  }
  for (const t of yTicks) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e3e3e3"/>`,
      `<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  const xTicks = c.xTicks ?? niceTicks(xMax, 8).map((t) => [t, fmt(t)] as [number, string]);
  for (const [v, label] of xTicks) {
    if (v > xMax * 1.0001) continue;
    out.push(
      `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#444"/>`,
      `<text x="${x(v).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${esc(label)}</text>`,
    );
  }
  out.push(
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#444"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#444"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(c.xLabel)}</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`,
  );
  c.series.forEach((s, i) => {
    if (s.points.length > 0) {
      const pts = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(" ");
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    }
    const lx = M.left + 10 + i * 150;
    out.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${M.top - 8}" y2="${M.top - 8}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${lx + 25}" y="${M.top - 4}">${esc(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/** x position of a percentile on a "nines" axis: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3 … */
const nines = (p: number) => (p >= 100 ? 5.6 : Math.min(5.3, -Math.log10(1 - p / 100)));

export function plots(r: BenchResult): Record<string, string> {
  const s = r.series;
  const band: [number, number] = [r.windowStart, r.windowEnd];
  return {
    "latency-over-time.svg": svgChart({
      title: "Latency per second (ms)",
      xLabel: "seconds since load start (shaded: measured window)",
      yLabel: "ms",
      band,
      series: [
        { name: "ack p50", color: "#7fb3ff", points: s.map((i) => [i.t, i.ackP50]) },
        { name: "ack p99", color: "#1f5fd1", points: s.map((i) => [i.t, i.ackP99]) },
        { name: "delivery p50", color: "#ffb070", points: s.map((i) => [i.t, i.deliveryP50]) },
        { name: "delivery p99", color: "#d1521f", points: s.map((i) => [i.t, i.deliveryP99]) },
      ],
    }),
    "throughput-over-time.svg": svgChart({
      title: "Throughput (messages/s)",
      xLabel: "seconds since load start (shaded: measured window)",
      yLabel: "messages/s",
      band,
      series: [
        { name: "acked sends/s", color: "#1f5fd1", points: s.map((i) => [i.t, i.sent]) },
        { name: "deliveries/s", color: "#d1521f", points: s.map((i) => [i.t, i.delivered]) },
      ],
    }),
    "latency-cdf.svg": svgChart({
      title: "Latency by percentile (measured window)",
      xLabel: "percentile",
      yLabel: "ms",
      xTicks: [
        [0, "0"],
        [1, "90"],
        [2, "99"],
        [3, "99.9"],
        [4, "99.99"],
        [5, "99.999"],
        [5.6, "max"],
      ],
      series: [
        { name: "ack", color: "#1f5fd1", points: r.cdf.ack.map(([p, v]) => [nines(p), v]) },
        { name: "delivery", color: "#d1521f", points: r.cdf.delivery.map(([p, v]) => [nines(p), v]) },
      ],
    }),
  };
}
