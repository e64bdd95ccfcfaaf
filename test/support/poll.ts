/**
 * Waiting without fixed sleeps: poll until a predicate holds, failing with a message that names
 * what was awaited and the last value seen.
 */
export interface PollOptions {
  /** What we are waiting for, for the failure message. */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

export async function poll<T>(fn: () => Promise<T> | T, until: (value: T) => boolean, options: PollOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await fn();
      lastError = undefined;
      if (until(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastError ? `last error: ${String(lastError)}` : `last value: ${JSON.stringify(last)?.slice(0, 2000)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}; ${seen}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
