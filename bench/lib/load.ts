/**
 * Open-loop load: requests fire on a fixed schedule whether or not earlier ones were answered, as
 * many independent users would. Latency is measured from each request's *scheduled* time, so a
 * stalled server (or a stalled event loop here) cannot hide its delay by slowing the sender down
 * ("coordinated omission"). Global fetch (undici) keeps connections alive and reuses them.
 */
import { percentile, round, sleep } from './stats.js';

export interface LoadOptions {
  url: string;
  ratePerSecond: number;
  durationMs: number;
  /** A request unanswered this long counts as an error with this latency. */
  timeoutMs: number;
}

export interface LoadResult {
  url: string;
  ratePerSecond: number;
  seconds: number;
  sent: number;
  ok: number;
  /** Everything but a 200: HTTP statuses by code, `timeout`, or the network error's code. */
  errors: number;
  errorsBy: Record<string, number>;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** How often the sender wakes to catch up with the schedule. */
const TICK_MS = 2;

async function timedRequest(url: string, scheduledAt: number, timeoutMs: number): Promise<{ ms: number; outcome: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    // Reading the body to the end returns the connection to the pool.
    await res.arrayBuffer();
    return { ms: performance.now() - scheduledAt, outcome: String(res.status) };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const outcome = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name ?? 'error');
    return { ms: performance.now() - scheduledAt, outcome };
  }
}

/** The first fetch of a process loads undici and opens connections; keep that out of the numbers. */
async function warmUp(url: string): Promise<void> {
  await Promise.all(Array.from({ length: 5 }, () => timedRequest(url, performance.now(), 5_000)));
}

export async function openLoop(options: LoadOptions): Promise<LoadResult> {
  await warmUp(options.url);
  const period = 1000 / options.ratePerSecond;
  const total = Math.round((options.durationMs / 1000) * options.ratePerSecond);
  const inFlight: Array<Promise<{ ms: number; outcome: string }>> = [];
  const t0 = performance.now();
  while (inFlight.length < total) {
    // Fire every request whose time has come, then sleep a tick: late ticks catch up, never skip.
    while (inFlight.length < total && t0 + inFlight.length * period <= performance.now()) {
      inFlight.push(timedRequest(options.url, t0 + inFlight.length * period, options.timeoutMs));
    }
    await sleep(TICK_MS);
  }
  const results = await Promise.all(inFlight);
  const errorsBy: Record<string, number> = {};
  for (const r of results) if (r.outcome !== '200') errorsBy[r.outcome] = (errorsBy[r.outcome] ?? 0) + 1;
  const latencies = results.map((r) => r.ms);
  const errors = Object.values(errorsBy).reduce((a, b) => a + b, 0);
  return {
    url: options.url,
    ratePerSecond: options.ratePerSecond,
    seconds: round((performance.now() - t0) / 1000, 2)!,
    sent: results.length,
    ok: results.length - errors,
    errors,
    errorsBy,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
  };
}
