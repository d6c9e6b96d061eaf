/** Retries an assertion until it passes or the deadline passes (no fixed sleeps in tests). */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5000, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
