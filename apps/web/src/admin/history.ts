/**
 * The console's memory of the last minutes: a ring buffer of polled points, each the figures of
 * every node live at that time. Kept in the page only (a reload starts afresh); what the charts draw.
 */

/** The per-node figures a chart can draw (null: not known at that time). */
export interface NodePoint {
  messagesPerSecond: number | null;
  deliveriesPerSecond: number | null;
  ackP99Ms: number | null;
  eventLoopLagMs: number | null;
  cpuCores: number | null;
}

export type Metric = keyof NodePoint;

interface Point {
  /** Seconds since the epoch (uPlot's x). */
  t: number;
  nodes: Map<string, NodePoint>;
}

export class History {
  private readonly points: Array<Point | undefined>;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new Error("History needs a positive capacity");
    this.points = new Array<Point | undefined>(capacity);
  }

  /** Adds a point; past the capacity the oldest is overwritten. A point not after the last is ignored. */
  push(p: Point): void {
    const last = this.at(this.size - 1);
    if (last && p.t <= last.t) return;
    this.points[this.next] = p;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  get length(): number {
    return this.size;
  }

  /** The i-th point, oldest first. */
  at(i: number): Point | undefined {
    if (i < 0 || i >= this.size) return undefined;
    return this.points[(this.next - this.size + i + this.capacity) % this.capacity];
  }

  /** Every node with a point still in the history, in the order they first appear (the charts keep a gone node's line). */
  nodeIds(): string[] {
    const ids = new Set<string>();
    for (let i = 0; i < this.size; i++) for (const id of this.at(i)!.nodes.keys()) ids.add(id);
    return [...ids];
  }

  /**
   * uPlot's data for one metric: the times, then one series per node of `nodes` (in that order),
   * null where a node was not live or had no figure.
   */
  series(metric: Metric, nodes: string[]): [number[], ...Array<Array<number | null>>] {
    const xs: number[] = [];
    const ys = nodes.map(() => [] as Array<number | null>);
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i)!;
      xs.push(p.t);
      nodes.forEach((id, k) => ys[k].push(p.nodes.get(id)?.[metric] ?? null));
    }
    return [xs, ...ys];
  }
}
