/**
 * Quantiles of a prom-client histogram over a window: the difference of its cumulative bucket
 * counts between two reads, interpolated inside the bucket as Prometheus's histogram_quantile does.
 * The admin console reads the node's own Prometheus series this way rather than keeping a second set.
 */
import type client from "prom-client";

/** Cumulative counts by upper bound (le), `+Inf` last, of the series whose labels match. */
export type Buckets = Array<[le: number, count: number]>;

export async function readBuckets(
  registry: client.Registry,
  name: string,
  match: Record<string, string> = {},
): Promise<Buckets> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const { values } = await metric.get();
  const byLe = new Map<number, number>();
  for (const v of values) {
    // prom-client's histogram values carry the series name (…_bucket, …_sum, …_count).
    if ((v as { metricName?: string }).metricName !== `${name}_bucket`) continue;
    const labels = v.labels as Record<string, string | number>;
    if (Object.entries(match).some(([k, want]) => String(labels[k]) !== want)) continue;
    const le = labels.le === "+Inf" ? Infinity : Number(labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + v.value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]);
}

/** later − earlier, bucket by bucket (a bucket missing earlier counts from 0). */
export function bucketDelta(earlier: Buckets, later: Buckets): Buckets {
  const before = new Map(earlier);
  return later.map(([le, n]) => [le, Math.max(0, n - (before.get(le) ?? 0))]);
}

/** Observations in the buckets (the +Inf bucket's count). */
export function bucketTotal(b: Buckets): number {
  return b.length === 0 ? 0 : b[b.length - 1][1];
}

/**
 * The q-quantile (0..1) of cumulative buckets, or null when empty. Inside a bucket the value is
 * interpolated linearly; in the +Inf bucket it is the highest finite bound.
 */
export function bucketQuantile(q: number, b: Buckets): number | null {
  const total = bucketTotal(b);
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of b) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = count - prevCount;
      return inBucket === 0 ? le : prevLe + (le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
