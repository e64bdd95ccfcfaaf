/**
 * List latency: N one-pod Jobs (created 20 at a time), all waited to a finish, then the full list
 * of the namespace and the list by a label selector matching all N, each timed five times.
 */
import type { BenchContext } from '../lib/context.js';
import { createJobRetrying, finishedCondition, type Job } from '../lib/kjob-client.js';
import { mapLimit, median, percentile, round, sleep } from '../lib/stats.js';

export interface ListTiming {
  query: string;
  medianMs: number | null;
  timesMs: number[];
  /** Items in each answer (the full list also holds the other phases' Jobs). */
  items: number[];
  statuses: number[];
}

export interface ListResult {
  jobs: number;
  created: number;
  createErrors: Record<string, number>;
  createRetries: number;
  createSeconds: number;
  /** Response time of one POST (a create answers once the Job's workflow has started). */
  createP50Ms: number | null;
  createP99Ms: number | null;
  /** From the first create until a list showed every Job finished. */
  untilAllFinishedSeconds: number | null;
  complete: number;
  failed: number;
  full: ListTiming;
  byLabel: ListTiming;
}

const CREATE_CONCURRENCY = 20;
const REPEATS = 5;
const LIST_TIMEOUT_MS = 120_000;

interface JobList {
  items: Job[];
}

async function timeList(ctx: BenchContext, query: string): Promise<ListTiming> {
  const t: ListTiming = { query, medianMs: null, timesMs: [], items: [], statuses: [] };
  for (let i = 0; i < REPEATS; i++) {
    const res = await ctx.kjob.request<JobList>('GET', ctx.kjob.jobsPath() + query, undefined, undefined, LIST_TIMEOUT_MS);
    t.timesMs.push(round(res.ms)!);
    t.items.push(res.body?.items?.length ?? 0);
    t.statuses.push(res.status);
  }
  t.medianMs = median(t.timesMs);
  return t;
}

/** Lists by label until every Job is finished (or time is up); answers the last finished counts. */
async function waitAllFinished(ctx: BenchContext, selector: string, n: number, timeoutMs: number): Promise<{ complete: number; failed: number; all: boolean }> {
  const deadline = performance.now() + timeoutMs;
  let last = { complete: 0, failed: 0 };
  while (performance.now() < deadline && ctx.kjobGone() === null) {
    const res = await ctx.kjob.request<JobList>('GET', ctx.kjob.jobsPath() + selector, undefined, undefined, LIST_TIMEOUT_MS);
    if (res.status === 200 && res.body) {
      const done = res.body.items.map(finishedCondition);
      last = { complete: done.filter((d) => d?.type === 'Complete').length, failed: done.filter((d) => d?.type === 'Failed').length };
      if (last.complete + last.failed >= n) return { ...last, all: true };
      ctx.progress(`list: ${last.complete + last.failed}/${n} Jobs finished`);
    }
    await sleep(2_000);
  }
  return { ...last, all: false };
}

export async function listPhase(ctx: BenchContext): Promise<ListResult> {
  const n = ctx.args.list;
  const label = `kjob-bench-list=${ctx.runId}`;
  const selector = `?labelSelector=${encodeURIComponent(label)}`;
  const names = Array.from({ length: n }, (_, i) => `ls-${ctx.runId}-${i}`);
  ctx.progress(`list: creating ${n} Jobs`);
  const t0 = performance.now();
  const created = await mapLimit(names, CREATE_CONCURRENCY, (name) =>
    createJobRetrying(ctx.kjob, name, { completions: 1, parallelism: 1, command: ['true'], labels: { 'kjob-bench-list': ctx.runId } }),
  );
  const createSeconds = (performance.now() - t0) / 1000;
  const createErrors: Record<string, number> = {};
  for (const { res } of created) if (res.status !== 201) createErrors[String(res.error ?? res.status)] = (createErrors[String(res.error ?? res.status)] ?? 0) + 1;
  const ok = created.filter((c) => c.res.status === 201).length;

  const finished = await waitAllFinished(ctx, selector, ok, ctx.args.jobTimeoutSeconds * 1000);
  const untilAllFinishedSeconds = finished.all ? (performance.now() - t0) / 1000 : null;
  ctx.progress('list: timing lists');
  return {
    jobs: n,
    created: ok,
    createErrors,
    createRetries: created.reduce((a, c) => a + c.retries, 0),
    createSeconds: round(createSeconds, 2)!,
    createP50Ms: round(percentile(created.map((c) => c.res.ms), 50)),
    createP99Ms: round(percentile(created.map((c) => c.res.ms), 99)),
    untilAllFinishedSeconds: round(untilAllFinishedSeconds, 2),
    complete: finished.complete,
    failed: finished.failed,
    full: await timeList(ctx, ''),
    byLabel: await timeList(ctx, selector),
  };
}
