/** A dependency probe bounded by a timeout: the console says "unreachable" rather than hang. */

export type Probe<T> = { ok: true; value: T; ms: number } | { ok: false; error: string };

/** What a probe (or a check standing in for one) without an answer reports. */
export const noAnswerWithin = (timeoutMs: number) => `no answer within ${timeoutMs} ms`;

/**
 * `task`'s outcome if it settles within `timeoutMs` (its rejection is thrown), else `{done: false}`:
 * the task runs on and whatever it ends with later is ignored.
 */
export async function within<T>(
  task: Promise<T>,
  timeoutMs: number,
): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), timeoutMs);
  });
  try {
    return await Promise.race([task.then((value) => ({ done: true as const, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `task`; a rejection or no answer within `timeoutMs` becomes `{ok: false, error}`. */
export async function probe<T>(task: () => Promise<T>, timeoutMs: number): Promise<Probe<T>> {
  const started = performance.now();
  const run = task().then(
    (value): Probe<T> => ({ ok: true, value, ms: Math.round((performance.now() - started) * 100) / 100 }),
    (err: unknown): Probe<T> => ({ ok: false, error: describe(err) }),
  );
  const settled = await within(run, timeoutMs);
  return settled.done ? settled.value : { ok: false, error: noAnswerWithin(timeoutMs) };
}

/** A short, secret-free reason (an error's code or first line, never a connection string). */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && /^[A-Z0-9_]+$/.test(e.code)) return e.code;
  const line = String(e?.message ?? err).split("\n")[0];
  return line.replace(/\b\w+:\/\/\S+/g, "<url>").slice(0, 200);
}
