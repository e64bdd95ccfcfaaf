/**
 * One kjob Indexed Job of `true` pods, timed from POST until a GET shows it Complete or Failed,
 * with its final counts: speed and correctness are reported together.
 */
import type { BenchContext } from '../lib/context.js';
import { counts, createJobRetrying, waitForJob } from '../lib/kjob-client.js';
import type { Size } from '../lib/args.js';

export interface KjobRun {
  name: string;
  outcome: string;
  reason: string | null;
  seconds: number;
  /**
   * completionTime − startTime from the Job's status (1 s resolution, Complete only): a cross-check
   * of `seconds` that no slow GET can stretch.
   */
  statusSeconds: number | null;
  /** succeeded / seconds (C / elapsed when the Job completed). */
  podsPerSecond: number;
  succeeded: number;
  failed: number;
  polls: number;
  pollErrors: number;
}

/** How often the Job is polled: fine enough for runs of seconds, light enough not to load kjob. */
const POLL_MS = 250;

export async function runKjobJob(ctx: BenchContext, size: Size, prefix: string, during?: (name: string, createdAt: number) => Promise<void>): Promise<KjobRun> {
  const name = `${prefix}-${size.completions}x${size.parallelism}-${ctx.runId}`;
  const t0 = performance.now();
  const { res } = await createJobRetrying(ctx.kjob, name, { indexed: true, completions: size.completions, parallelism: size.parallelism, command: ['true'] });
  if (res.status !== 201) throw new Error(`POST ${name} answered ${res.status} ${res.error ?? JSON.stringify(res.body).slice(0, 300)}`);
  // The side task (the GET load) must never end the Job's measurement; its own errors are its to record.
  const sideTask = during?.(name, t0).catch((err: unknown) => ctx.progress(`side task on ${name} failed: ${String(err)}`));
  const wait = await waitForJob(ctx.kjob, name, { intervalMs: POLL_MS, timeoutMs: ctx.args.jobTimeoutSeconds * 1000, abort: ctx.kjobGone });
  await sideTask;
  const seconds = (wait.seenAt - t0) / 1000;
  const c = counts(wait.job);
  const { startTime, completionTime } = wait.job?.status ?? {};
  const statusSeconds = startTime && completionTime ? (Date.parse(completionTime) - Date.parse(startTime)) / 1000 : null;
  return { name, outcome: wait.outcome, reason: wait.reason, seconds, statusSeconds, podsPerSecond: c.succeeded / seconds, succeeded: c.succeeded, failed: c.failed, polls: wait.polls, pollErrors: wait.pollErrors };
}
