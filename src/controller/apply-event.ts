/**
 * Applies one event to the state before the sync pass: pod bookkeeping (what the informer would
 * show the controller) and spec changes (what the API server would store).
 */
import { truncateIndexes } from '../spec/intervals.js';
import type { PodResult, PodStatusReport } from '../spec/pod-run.js';
import type { StoredJob } from '../spec/types.js';
import { clone, ownPod } from './clone.js';
import { isFinished } from './conditions.js';
import { deletePod, recordEvent, type Ctx } from './context.js';
import type { JobEvent } from './events.js';
import { isIndexed, isTerminal } from './pods.js';
import type { JobState, PodRecord } from './state.js';

/** The reason and message kjob puts on a pod whose worker stopped heartbeating (like a lost node). */
export const WORKER_LOST_REASON = 'WorkerLost';
export const WORKER_LOST_MESSAGE = 'The worker running the pod stopped heartbeating';
export const START_ERROR_REASON = 'StartError';

/** The pod named `name` if it is still Pending/Running, as a record this pass may change. */
function findLivePod(s: JobState, name: string): PodRecord | undefined {
  const p = s.pods.find((x) => x.name === name);
  return p && !isTerminal(p) ? ownPod(s, p) : undefined;
}

function applyPodStatus(s: JobState, report: PodStatusReport): void {
  const p = findLivePod(s, report.podName);
  // Reports for unknown or already finished pods are stale (at-least-once signals): ignore.
  if (!p) return;
  p.phase = 'Running';
  p.nodeName = report.nodeName;
  p.startedAt = p.startedAt ?? report.startedAt;
  p.ready = report.ready;
  p.initContainerStatuses = report.initContainerStatuses;
  p.containerStatuses = report.containerStatuses;
}

function applyPodExited(s: JobState, result: PodResult): void {
  const p = findLivePod(s, result.podName);
  if (!p) return;
  p.phase = result.phase;
  p.nodeName = result.nodeName || p.nodeName;
  p.startedAt = p.startedAt ?? result.startedAt;
  p.finishedAt = result.finishedAt;
  p.ready = false;
  p.reason = result.reason ?? null;
  p.message = result.message ?? null;
  p.initContainerStatuses = result.initContainerStatuses;
  p.containerStatuses = result.containerStatuses;
}

/** A pod that ends without an exit of its own (never started, lost, start error) is Failed. */
function failPod(p: PodRecord, now: number, reason: string | null, message: string | null): void {
  p.phase = 'Failed';
  p.finishedAt = now;
  p.ready = false;
  p.reason = reason;
  p.message = message;
  p.containerStatuses = p.containerStatuses.map((cs) => ({ ...cs, ready: false }));
}

/** Changes the stored spec as the API server would, bumping metadata.generation. */
function setSpec(s: JobState, change: (spec: StoredJob['spec']) => void): void {
  const before = JSON.stringify(s.job.spec);
  // Copy on write: the Job object is shared with the input state.
  s.job = clone(s.job);
  change(s.job.spec);
  if (JSON.stringify(s.job.spec) !== before) s.job.metadata.generation = (s.job.metadata.generation ?? 1) + 1;
}

function applyJobUpdated(s: JobState, job: StoredJob): void {
  const oldGeneration = s.job.metadata.generation ?? 1;
  const specChanged = JSON.stringify(job.spec) !== JSON.stringify(s.job.spec);
  const oldCompletions = s.job.spec.completions;
  s.job = clone(job);
  if (specChanged && (job.metadata.generation ?? 1) <= oldGeneration) s.job.metadata.generation = oldGeneration + 1;
  if (isIndexed(s) && job.spec.completions !== oldCompletions && job.spec.completions !== null) {
    // Elastic Indexed Jobs: indexes outside the new range no longer count (TestElasticIndexedJob);
    // failures already counted stay in status.failed.
    s.completedIndexes = truncateIndexes(s.completedIndexes, job.spec.completions);
    if (s.failedIndexes !== null) s.failedIndexes = truncateIndexes(s.failedIndexes, job.spec.completions);
  }
}

/** Applies `event` to `ctx.s` (the copy being reconciled). */
export function applyEvent(ctx: Ctx, event: JobEvent): void {
  const { s, env } = ctx;
  switch (event.type) {
    case 'jobStarted':
      // A new run (first start or continue-as-new) has no timers yet: forget the armed ones so
      // the pass arms every timer it still wants.
      s.timers = {};
      return;
    case 'podStatus':
      applyPodStatus(s, event.report);
      return;
    case 'podExited':
      applyPodExited(s, event.result);
      return;
    case 'podNotStarted': {
      const p = findLivePod(s, event.podName);
      if (p) failPod(p, env.now, null, 'The pod was stopped before it started');
      return;
    }
    case 'podLost': {
      const p = findLivePod(s, event.podName);
      if (!p) return;
      const message = event.message || WORKER_LOST_MESSAGE;
      failPod(p, env.now, null, null);
      // Like a pod on a lost node: Failed with a DisruptionTarget condition (reference §24).
      p.conditions = p.conditions.filter((c) => c.type !== 'DisruptionTarget');
      p.conditions.push({ type: 'DisruptionTarget', status: 'True', reason: WORKER_LOST_REASON, message, lastTransitionTime: env.now });
      // What the node controller's taint manager reports for a pod on a lost node, about the pod.
      recordEvent(ctx, 'Warning', WORKER_LOST_REASON, `Worker ${p.nodeName ?? '(not yet known)'} lost: ${message}`, { kind: 'Pod', name: p.name });
      return;
    }
    case 'podStartFailed': {
      const p = findLivePod(s, event.podName);
      if (p) failPod(p, env.now, START_ERROR_REASON, event.message);
      return;
    }
    case 'timerFired':
      delete s.timers[event.timerId];
      if (event.timerId === 'ttl' && isFinished(s) && s.deletion === null) deleteAfterTtl(ctx);
      return;
    case 'suspendRequested':
      if (isFinished(s) || s.deletion) return;
      setSpec(s, (spec) => {
        spec.suspend = true;
      });
      return;
    case 'resumeRequested':
      if (isFinished(s) || s.deletion) return;
      setSpec(s, (spec) => {
        spec.suspend = false;
      });
      return;
    case 'scaleRequested':
      if (s.deletion) return;
      setSpec(s, (spec) => {
        spec.parallelism = event.parallelism;
      });
      return;
    case 'jobUpdated':
      if (s.deletion) return;
      applyJobUpdated(s, event.job);
      return;
    case 'jobDeleteRequested':
      if (s.deletion) return;
      s.deletion = { at: env.now, propagationPolicy: event.propagationPolicy };
      return;
    case 'podDeleteRequested': {
      const p = s.pods.find((x) => x.name === event.podName);
      if (!p) return;
      if (isTerminal(p)) {
        // Deleting a finished pod removes it; its outcome is already in the Job status.
        if (p.counted !== null) s.pods = s.pods.filter((x) => x !== p);
        return;
      }
      if (p.deletion) return;
      deletePod(ctx, p, 'User', event.gracePeriodSeconds);
      return;
    }
    case 'continueAsNewSuggested':
      s.draining = true;
      return;
    default:
      assertNever(event);
  }
}

/** ttlSecondsAfterFinished expired: delete the Job like a Background DELETE (reference §20). */
export function deleteAfterTtl(ctx: Ctx): void {
  const { s, env } = ctx;
  recordEvent(ctx, 'Normal', 'TTLExpired', `Job deleted after ttlSecondsAfterFinished (${s.job.spec.ttlSecondsAfterFinished ?? 0}s)`);
  s.deletion = { at: env.now, propagationPolicy: 'Background' };
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
