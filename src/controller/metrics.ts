/**
 * What one controller pass did, in the terms of the Kubernetes job controller's metrics
 * (pkg/controller/job/metrics): `job_sync_total{action}`, `job_pods_finished_total{result}`,
 * `pod_failures_handled_by_failure_policy_total{action}` and `job_finished_total{result,reason}`.
 * Pure: the workflow shell hands the report to the worker (a sink, not called on replay), which
 * counts it.
 */
import type { Action } from './actions.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { isIndexed, isTerminal } from './pods.js';
import { countCompleted } from './render.js';
import type { JobState } from './state.js';

export type FailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface SyncReport {
  completionMode: 'Indexed' | 'NonIndexed';
  /** upstream's sync action: pods_created, pods_deleted, tracking (pods finished) or reconciling. */
  action: 'pods_created' | 'pods_deleted' | 'tracking' | 'reconciling';
  podsCreated: number;
  /** Pods newly counted in status.succeeded / status.failed in this pass. */
  podsSucceeded: number;
  podsFailed: number;
  /** Newly finished failed pods a podFailurePolicy rule matched, by the rule's action. */
  failurePolicy: Partial<Record<FailurePolicyAction, number>>;
  /** The Job became Complete or Failed in this pass (the condition's reason). */
  finished: { result: 'succeeded' | 'failed'; reason: string } | null;
}

const succeededOf = (s: JobState) => (isIndexed(s) ? countCompleted(s) : s.succeeded);
const trueCondition = (s: JobState, type: 'Complete' | 'Failed') => s.conditions.find((c) => c.type === type && c.status === 'True');

/** The metrics report of the pass that turned `before` into `after` with `actions`. */
export function syncReport(before: JobState, after: JobState, actions: readonly Action[]): SyncReport {
  const podsCreated = actions.filter((a) => a.type === 'startPod').length;
  const podsDeleted = actions.some((a) => a.type === 'terminatePod');
  const podsSucceeded = Math.max(0, succeededOf(after) - succeededOf(before));
  const podsFailed = Math.max(0, after.failed - before.failed);

  // Failed pods accounted in this pass (counted was null before) that a rule matched.
  const failurePolicy: Partial<Record<FailurePolicyAction, number>> = {};
  const policy = after.job.spec.podFailurePolicy;
  if (policy) {
    const countedBefore = new Map(before.pods.map((p) => [p.name, p.counted]));
    for (const p of after.pods) {
      if (p.phase !== 'Failed' || !isTerminal(p) || (p.counted !== 'failed' && p.counted !== 'ignored') || (countedBefore.get(p.name) ?? null) !== null) continue;
      const match = matchPodFailurePolicy(policy, p, after.job.metadata.namespace);
      if (match.action !== null) failurePolicy[match.action] = (failurePolicy[match.action] ?? 0) + 1;
    }
  }

  let finished: SyncReport['finished'] = null;
  const complete = trueCondition(after, 'Complete');
  const failed = trueCondition(after, 'Failed');
  if (complete && !trueCondition(before, 'Complete')) finished = { result: 'succeeded', reason: complete.reason };
  else if (failed && !trueCondition(before, 'Failed')) finished = { result: 'failed', reason: failed.reason };

  const action = podsCreated > 0 ? 'pods_created' : podsDeleted ? 'pods_deleted' : podsSucceeded + podsFailed > 0 ? 'tracking' : 'reconciling';
  return {
    completionMode: isIndexed(after) ? 'Indexed' : 'NonIndexed',
    action,
    podsCreated,
    podsSucceeded,
    podsFailed,
    failurePolicy,
    finished,
  };
}
