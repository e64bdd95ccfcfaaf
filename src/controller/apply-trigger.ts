/**
 * Applies one trigger to the state before the sync pass: pod bookkeeping (what the informer would
 * show the controller) and spec changes (what the API server would store).
 */
import { truncateIndexes } from '../k8s/intervals.js';
import { prepareForUpdate, updateSpec } from '../k8s/job-strategy.js';
import type { PodStatusReport } from '../k8s/pod-run.js';
import type { StoredJob } from '../k8s/types.js';
import { clone, ownPod } from './clone.js';
import { isFinished } from './conditions.js';
import { deletePod, recordEvent, type Ctx } from './context.js';
import { assertNever } from './assert-never.js';
import type { Trigger } from './triggers.js';
import { isIndexed, isTerminal } from './pods.js';
import { applyResult, applyStatusReport, failPod, markLost, NOT_STARTED_MESSAGE, START_ERROR_REASON, WORKER_LOST_MESSAGE, WORKER_LOST_REASON } from './pod-record.js';
import type { JobState, PodRecord } from './state.js';

/** The pod named `name` if it is still Pending/Running, as a record this pass may change. */
function findLivePod(state: JobState, name: string): PodRecord | undefined {
  const p = state.pods.find((x) => x.name === name);
  return p && !isTerminal(p) ? ownPod(state, p) : undefined;
}

function applyPodStatus(state: JobState, report: PodStatusReport): void {
  const p = findLivePod(state, report.podName);
  // Reports for unknown or already finished pods are stale (at-least-once signals): ignore.
  if (p) applyStatusReport(p, report);
}

function applyJobUpdated(state: JobState, job: StoredJob): void {
  const oldCompletions = state.job.spec.completions;
  // The API prepared the update already; preparing it again against the Job as the workflow has
  // it keeps generation exact if a signal changed the spec in between.
  state.job = prepareForUpdate(state.job, clone(job));
  if (isIndexed(state) && job.spec.completions !== oldCompletions && job.spec.completions !== null) {
    // Elastic Indexed Jobs: indexes outside the new range no longer count (TestElasticIndexedJob);
    // failures already counted stay in status.failed.
    state.completedIndexes = truncateIndexes(state.completedIndexes, job.spec.completions);
    if (state.failedIndexes !== null) state.failedIndexes = truncateIndexes(state.failedIndexes, job.spec.completions);
  }
}

/** Applies `trigger` to `ctx.state` (the copy being reconciled). */
export function applyTrigger(ctx: Ctx, trigger: Trigger): void {
  const { state, env } = ctx;
  switch (trigger.type) {
    case 'jobStarted':
      // A new run (first start or continue-as-new) has no timers yet: forget the armed ones so
      // the pass arms every timer it still wants.
      state.timers = {};
      return;
    case 'podStatus':
      applyPodStatus(state, trigger.report);
      return;
    case 'podExited': {
      const p = findLivePod(state, trigger.result.podName);
      if (!p) return;
      applyResult(p, trigger.result);
      // The worker's own trouble with the pod (its log could not be written, …): said on the pod,
      // as the kubelet reports node-side problems as Warning Events about the pod.
      for (const w of trigger.result.warnings ?? []) recordEvent(ctx, 'Warning', w.reason, w.message, { kind: 'Pod', name: p.name });
      return;
    }
    case 'podNotStarted': {
      const p = findLivePod(state, trigger.podName);
      if (p) failPod(p, env.now, null, NOT_STARTED_MESSAGE);
      return;
    }
    case 'podLost': {
      const p = findLivePod(state, trigger.podName);
      if (!p) return;
      const message = trigger.message || WORKER_LOST_MESSAGE;
      markLost(p, env.now, message);
      // What the node controller's taint manager reports for a pod on a lost node, about the pod.
      recordEvent(ctx, 'Warning', WORKER_LOST_REASON, `Worker ${p.nodeName ?? '(not yet known)'} lost: ${message}`, { kind: 'Pod', name: p.name });
      return;
    }
    case 'podStartFailed': {
      const p = findLivePod(state, trigger.podName);
      if (p) failPod(p, env.now, START_ERROR_REASON, trigger.message);
      return;
    }
    case 'timerFired':
      delete state.timers[trigger.timerId];
      if (trigger.timerId === 'ttl' && isFinished(state) && state.deletion === null) deleteAfterTtl(ctx);
      return;
    case 'suspendRequested':
      if (isFinished(state) || state.deletion) return;
      state.job = updateSpec(state.job, (spec) => {
        spec.suspend = true;
      });
      return;
    case 'resumeRequested':
      if (isFinished(state) || state.deletion) return;
      state.job = updateSpec(state.job, (spec) => {
        spec.suspend = false;
      });
      return;
    case 'scaleRequested':
      if (state.deletion) return;
      state.job = updateSpec(state.job, (spec) => {
        spec.parallelism = trigger.parallelism;
      });
      return;
    case 'jobUpdated':
      if (state.deletion) return;
      applyJobUpdated(state, trigger.job);
      return;
    case 'jobDeleteRequested':
      if (state.deletion) return;
      state.deletion = { at: env.now, propagationPolicy: trigger.propagationPolicy };
      return;
    case 'podDeleteRequested': {
      const p = state.pods.find((x) => x.name === trigger.podName);
      if (!p) return;
      if (isTerminal(p)) {
        // Deleting a finished pod removes it; its outcome is already in the Job status.
        if (p.counted !== null) {
          state.pods = state.pods.filter((x) => x !== p);
          ctx.actions.push({ type: 'forgetPod', podName: p.name });
        }
        return;
      }
      if (p.deletion) return;
      deletePod(ctx, p, 'User', trigger.gracePeriodSeconds);
      return;
    }
    case 'continueAsNewSuggested':
      state.draining = true;
      return;
    default:
      assertNever(trigger);
  }
}

/** ttlSecondsAfterFinished expired: delete the Job like a Background DELETE (job-semantics §20). */
export function deleteAfterTtl(ctx: Ctx): void {
  const { state, env } = ctx;
  recordEvent(ctx, 'Normal', 'TTLExpired', `Job deleted after ttlSecondsAfterFinished (${state.job.spec.ttlSecondsAfterFinished ?? 0}s)`);
  state.deletion = { at: env.now, propagationPolicy: 'Background' };
}

