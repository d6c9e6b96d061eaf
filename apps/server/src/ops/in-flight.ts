/**
 * Client events received and not yet answered, for graceful shutdown: before a closing node
 * disconnects its sockets it waits until every event that arrived before the shutdown began has
 * had its ack (a message:send is acked only once committed), within a bound. Events that arrive
 * later may lose their ack with the socket; the client retries with the same client_id on
 * another node and gets the stored message back, so nothing acked is lost either way.
 */
import type { HandlerObserver } from "../realtime/handlers/validated-event.ts";

export class InFlightEvents implements HandlerObserver {
  private seq = 0;
  /** Arrival numbers of the events not answered yet (a Set keeps insertion order: oldest first). */
  private readonly pending = new Set<number>();
  private waiters: Array<{ upTo: number; done: () => void }> = [];

  get count(): number {
    return this.pending.size;
  }

  received(): () => void {
    const id = ++this.seq;
    this.pending.add(id);
    return () => {
      this.pending.delete(id);
      this.wake();
    };
  }

  private oldest(): number {
    for (const id of this.pending) return id;
    return Infinity;
  }

  private wake(): void {
    const oldest = this.oldest();
    const ready = this.waiters.filter((w) => oldest > w.upTo);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => oldest <= w.upTo);
    for (const w of ready) w.done();
  }

  /** Resolves once every event received so far is answered, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    const upTo = this.seq;
    if (this.oldest() > upTo) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.waiters.push({
        upTo,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}
