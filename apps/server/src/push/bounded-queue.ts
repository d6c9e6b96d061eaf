/**
 * Jobs run at most `concurrency` at a time; at most `maxQueued` wait, and a job beyond that is
 * dropped (counted and reported by `onDrop`): a slow push service must never grow memory without
 * bound nor hold back the send path, which only enqueues.
 */
export class BoundedQueue {
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  dropped = 0;

  constructor(private readonly opts: { concurrency: number; maxQueued: number; onDrop?: () => void }) {}

  /** Queues the job (never throws, never waits); answers false when it was dropped. */
  push(job: () => Promise<void>): boolean {
    if (this.waiting.length >= this.opts.maxQueued) {
      this.dropped++;
      this.opts.onDrop?.();
      return false;
    }
    this.waiting.push(job);
    this.next();
    return true;
  }

  get size(): number {
    return this.waiting.length + this.running;
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private next(): void {
    while (this.running < this.opts.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      // Jobs catch their own errors; one that does not must not stop the queue.
      void job()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.next();
          if (this.size === 0) for (const r of this.idleWaiters.splice(0)) r();
        });
    }
  }
}
