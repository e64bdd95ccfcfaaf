/**
 * Latency at kjob's default settings: a one-pod Job from POST to Complete, and how long a running
 * pod's process survives a suspend (PATCH spec.suspend=true) or a DELETE of its Job. The pod is
 * found in /proc by a unique marker in its command line, so "gone" means the process really exited,
 * whatever the API already says.
 */
import { randomUUID } from 'node:crypto';
import { attempt, type BenchContext, type Failure } from '../lib/context.js';
import { createJobRetrying, finishedCondition, type Job } from '../lib/kjob-client.js';
import { findByMarker, isRunning } from '../lib/proc.js';
import { percentile, round, sleep } from '../lib/stats.js';

export interface OnePodLatency {
  runs: number;
  medianMs: number | null;
  p90Ms: number | null;
  timesMs: number[];
  outcomes: Record<string, number>;
}

export interface KillLatency {
  action: 'suspend' | 'delete';
  /** Status and response time of the PATCH or DELETE itself. */
  requestStatus: number;
  requestMs: number;
  /** From sending the request until the pod's command process exited. */
  processGoneMs: number | null;
  /** … until it and every process it had started (the pod's whole tree) exited. */
  treeGoneMs: number | null;
}

export interface LatencyResult {
  onePod: OnePodLatency;
  suspend: Array<KillLatency | Failure>;
  delete: Array<KillLatency | Failure>;
}

/** Poll interval of the create→Complete timing: its resolution. */
const POLL_MS = 20;
const FIND_TIMEOUT_MS = 60_000;
const GONE_TIMEOUT_MS = 120_000;

async function onePodOnce(ctx: BenchContext, name: string): Promise<{ ms: number; outcome: string }> {
  const t0 = performance.now();
  const { res } = await createJobRetrying(ctx.kjob, name, { completions: 1, parallelism: 1, command: ['true'] });
  if (res.status !== 201) return { ms: performance.now() - t0, outcome: `POST ${res.status}` };
  const deadline = t0 + 60_000;
  while (performance.now() < deadline) {
    const get = await ctx.kjob.request<Job>('GET', ctx.kjob.jobsPath(name));
    const done = get.status === 200 ? finishedCondition(get.body) : null;
    if (done) return { ms: performance.now() - t0, outcome: done.type };
    await sleep(POLL_MS);
  }
  return { ms: performance.now() - t0, outcome: 'timeout' };
}

async function onePodLatency(ctx: BenchContext): Promise<OnePodLatency> {
  const timesMs: number[] = [];
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < ctx.args.latencyRuns; i++) {
    const r = await onePodOnce(ctx, `lat-${ctx.runId}-${i}`);
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    if (r.outcome === 'Complete') timesMs.push(round(r.ms)!);
  }
  return { runs: ctx.args.latencyRuns, medianMs: percentile(timesMs, 50), p90Ms: percentile(timesMs, 90), timesMs, outcomes };
}

async function waitFor<T>(what: string, timeoutMs: number, fn: () => T | null): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== null) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Starts a one-pod Job whose process sleeps 300 s, acts on it, and times until the process is gone. */
async function killLatency(ctx: BenchContext, action: 'suspend' | 'delete', i: number): Promise<KillLatency> {
  const name = `${action}-${ctx.runId}-${i}`;
  const marker = `kjob-bench-${randomUUID()}`;
  const { res } = await createJobRetrying(ctx.kjob, name, { completions: 1, parallelism: 1, command: ['sh', '-c', `sleep 300; : ${marker}`] });
  if (res.status !== 201) throw new Error(`POST ${name} answered ${res.status}`);
  const what = `the pod process of ${name} (marker ${marker}) on this machine`;
  await waitFor(what, FIND_TIMEOUT_MS, () => findByMarker(marker));
  // The shell forks `sleep` right after it starts: look again once it has, to know the whole tree.
  await sleep(200);
  const { root: main, all: tree } = await waitFor(what, FIND_TIMEOUT_MS, () => findByMarker(marker));

  const t0 = performance.now();
  const request =
    action === 'suspend'
      ? ctx.kjob.request('PATCH', ctx.kjob.jobsPath(name), { spec: { suspend: true } }, 'application/merge-patch+json')
      : ctx.kjob.request('DELETE', ctx.kjob.jobsPath(name));
  let processGoneMs: number | null = null;
  const treeGone = waitFor(`${what} to exit`, GONE_TIMEOUT_MS, () => {
    if (processGoneMs === null && !isRunning(main)) processGoneMs = performance.now() - t0;
    return tree.every((pid) => !isRunning(pid)) ? performance.now() - t0 : null;
  }).catch(() => null);
  const [answer, treeGoneMs] = await Promise.all([request, treeGone]);
  // A suspended Job keeps existing; remove it so its (now idle) workflow does not linger.
  if (action === 'suspend') await ctx.kjob.request('DELETE', ctx.kjob.jobsPath(name));
  return { action, requestStatus: answer.status, requestMs: round(answer.ms)!, processGoneMs: round(processGoneMs), treeGoneMs: round(treeGoneMs) };
}

export async function latencyPhase(ctx: BenchContext): Promise<LatencyResult> {
  ctx.progress(`latency: ${ctx.args.latencyRuns} one-pod Jobs`);
  const onePod = await onePodLatency(ctx);
  const result: LatencyResult = { onePod, suspend: [], delete: [] };
  for (const action of ['suspend', 'delete'] as const) {
    for (let i = 0; i < ctx.args.killRepeats; i++) {
      ctx.progress(`latency: ${action} → pod process gone (${i + 1}/${ctx.args.killRepeats})`);
      result[action].push(await attempt(ctx, `${action} latency`, () => killLatency(ctx, action, i)));
    }
  }
  return result;
}
