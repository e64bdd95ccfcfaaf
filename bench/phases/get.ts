/**
 * GET under load: while a big Job runs, that Job is read at a fixed rate (200/s by default) and
 * /healthz at a lower one, both open-loop, for a fixed time. Users polling a Job is the normal
 * case; a Job that cannot be read while it runs is a broken API.
 */
import { attempt, failed, type BenchContext, type Failure } from '../lib/context.js';
import { finishedCondition, type Job } from '../lib/kjob-client.js';
import { openLoop, type LoadResult } from '../lib/load.js';
import { sleep } from '../lib/stats.js';
import type { Size } from '../lib/args.js';
import { runKjobJob, type KjobRun } from './kjob-run.js';

export interface GetUnderLoad {
  job: string;
  /** Seconds from the Job's creation until the load started (it waits for running pods). */
  startedAfterSeconds: number;
  /** … until the last request was sent (replies may come much later). */
  endedAfterSeconds: number;
  getJob: LoadResult;
  healthz: LoadResult;
  /** The Job was seen finished before the last request was sent: the tail measured a finished Job. */
  jobFinishedBeforeLoadEnded: boolean | null;
}

/** A request left unanswered this long counts as an error. */
const REQUEST_TIMEOUT_MS = 30_000;

async function waitUntilRunning(ctx: BenchContext, name: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const res = await ctx.kjob.request<Job>('GET', ctx.kjob.jobsPath(name));
    if (res.status === 200 && ((res.body?.status?.active ?? 0) > 0 || finishedCondition(res.body))) return;
    await sleep(100);
  }
}

/**
 * Runs the load against Job `name`, created at `createdAt` (performance.now()). Whether the Job
 * finished before the load ended is for the caller to fill in, from when it saw the Job finish.
 */
export async function loadDuringJob(ctx: BenchContext, name: string, createdAt: number): Promise<GetUnderLoad> {
  await waitUntilRunning(ctx, name, 60_000);
  const startedAfterSeconds = (performance.now() - createdAt) / 1000;
  ctx.progress(`GET load: ${ctx.args.getRate}/s on ${name} and ${ctx.args.healthRate}/s on /healthz for ${ctx.args.getSeconds} s`);
  const durationMs = ctx.args.getSeconds * 1000;
  const [getJob, healthz] = await Promise.all([
    openLoop({ url: ctx.kjob.baseUrl + ctx.kjob.jobsPath(name), ratePerSecond: ctx.args.getRate, durationMs, timeoutMs: REQUEST_TIMEOUT_MS }),
    openLoop({ url: `${ctx.kjob.baseUrl}/healthz`, ratePerSecond: ctx.args.healthRate, durationMs, timeoutMs: REQUEST_TIMEOUT_MS }),
  ]);
  const endedAfterSeconds = startedAfterSeconds + durationMs / 1000;
  return { job: name, startedAfterSeconds, endedAfterSeconds, getJob, healthz, jobFinishedBeforeLoadEnded: null };
}

/** Fills in whether the Job (seen finished `seconds` after creation) finished before the load ended. */
export function withJobEnd(load: GetUnderLoad | Failure, kjob: KjobRun | Failure): GetUnderLoad | Failure {
  if (failed(load) || failed(kjob)) return load;
  return { ...load, jobFinishedBeforeLoadEnded: kjob.outcome !== 'timeout' && kjob.outcome !== 'aborted' && kjob.seconds < load.endedAfterSeconds };
}

/** The get phase on its own, when the throughput phase did not run the get size. */
export async function standaloneGetPhase(ctx: BenchContext, size: Size): Promise<{ load: GetUnderLoad | Failure | null; kjob: KjobRun }> {
  let load: GetUnderLoad | Failure | null = null;
  const kjob = await runKjobJob(ctx, size, 'get', async (name, createdAt) => {
    load = await attempt(ctx, 'GET load', () => loadDuringJob(ctx, name, createdAt));
  });
  return { load: load === null ? null : withJobEnd(load, kjob), kjob };
}
