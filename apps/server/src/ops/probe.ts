/** A dependency probe bounded by a timeout: the console says "unreachable" rather than hang. */

export type Probe<T> = { ok: true; value: T; ms: number } | { ok: false; error: string };

/** Runs `task`; a rejection or no answer within `timeoutMs` becomes `{ok: false, error}`. */
export async function probe<T>(task: () => Promise<T>, timeoutMs: number): Promise<Probe<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Probe<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const run = task().then(
    (value): Probe<T> => ({ ok: true, value, ms: Math.round((performance.now() - started) * 100) / 100 }),
    (err: unknown): Probe<T> => ({ ok: false, error: describe(err) }),
  );
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, secret-free reason (an error's code or first line, never a connection string). */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && /^[A-Z0-9_]+$/.test(e.code)) return e.code;
  const line = String(e?.message ?? err).split("\n")[0];
  return line.replace(/\b\w+:\/\/\S+/g, "<url>").slice(0, 200);
}
