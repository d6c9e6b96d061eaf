/** Latency recording in microseconds with HDR histograms (3 significant digits, up to 10 minutes). */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

export function histogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records a duration given in milliseconds. */
export function record(h: Histogram, ms: number): void {
  h.recordValue(Math.min(Math.max(1, Math.round(ms * 1000)), 600_000_000));
}

export interface LatencySummary {
  count: number;
  /** All in milliseconds. */
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

const ms = (us: number) => Math.round(us) / 1000;

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** [percentile, ms] points for a CDF plot, denser towards the tail (0 … 99.999). */
export function cdf(h: Histogram): Array<[number, number]> {
  if (h.totalCount === 0) return [];
  const points: Array<[number, number]> = [];
  for (const p of [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 97, 98, 99, 99.5, 99.7, 99.9]) {
    points.push([p, ms(h.getValueAtPercentile(p))]);
  }
  for (const p of [99.95, 99.99, 99.995, 99.999]) points.push([p, ms(h.getValueAtPercentile(p))]);
  points.push([100, ms(h.maxValue)]);
  return points;
}
