/**
 * A label-free Prometheus histogram whose `observe` takes a count: the n deliveries of one broadcast
 * on one node share one latency, so they cost one call instead of n. prom-client's Histogram has no
 * weighted observe, and per recipient its observe (label hashing, bound search) plus our timestamp
 * parse were a quarter of a node's CPU in a 500-member group (docs/performance.md, "Big groups").
 * It registers itself like prom-client's own metrics and answers `get()` in their shape (cumulative
 * `_bucket` series with `le`, then `_sum` and `_count`), so the exposition and readers of the
 * registry (ops/histogram-window.ts) see no difference.
 */
import type client from "prom-client";

export class CountedHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: client.Registry,
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
    registry.registerMetric(this as unknown as client.Metric);
  }

  /** `n` observations of `value`. */
  observe(value: number, n = 1): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i] += n;
    this.sum += value * n;
    this.count += n;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  async get() {
    let acc = 0;
    const bucket = `${this.name}_bucket`;
    const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> =
      this.bounds.map((le, i) => ({ value: (acc += this.counts[i]), labels: { le }, metricName: bucket }));
    values.push({ value: this.count, labels: { le: "+Inf" }, metricName: bucket });
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
