/**
 * How many `sync` answers of one user this node builds at once. An answer is up to
 * ANSWER_MAX_BYTES of rows to decode and JSON to encode: built all at once for a flood of
 * syncs, they stall the event loop (every other user's acks wait) and the memory they hold adds
 * up. Further syncs of that user wait their turn here, holding nothing but a callback; a
 * socket's own cap (in the handler) bounds how many can wait.
 */
export class SyncGate {
  private readonly running = new Map<number, number>();
  private readonly waiting = new Map<number, Array<() => void>>();

  constructor(private readonly perUser: number) {}

  async run<T>(userId: number, task: () => Promise<T>): Promise<T> {
    if ((this.running.get(userId) ?? 0) >= this.perUser) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(userId) ?? [];
        queue.push(resolve);
        this.waiting.set(userId, queue);
      });
    } else {
      this.running.set(userId, (this.running.get(userId) ?? 0) + 1);
    }
    try {
      return await task();
    } finally {
      this.release(userId);
    }
  }

  /** Hands the slot to the next waiter (the running count stays), or frees it. */
  private release(userId: number) {
    const queue = this.waiting.get(userId);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(userId);
    if (next) return next();
    const n = (this.running.get(userId) ?? 1) - 1;
    if (n <= 0) this.running.delete(userId);
    else this.running.set(userId, n);
  }
}

// One gate per Socket.IO server (several in-process nodes in tests keep apart).
const gates = new WeakMap<object, SyncGate>();

export function syncGateOf(io: object, perUser: number): SyncGate {
  let gate = gates.get(io);
  if (!gate) gates.set(io, (gate = new SyncGate(perUser)));
  return gate;
}
