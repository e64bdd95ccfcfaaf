/**
 * Job conditions with Kubernetes' exact types, reasons and messages (job-semantics §17;
 * job_controller.go `newCondition`, `ensureJobConditionStatus`, batch/v1 `JobReason*`).
 */
import type { ConditionStatus, JobConditionType } from '../k8s/types.js';
import type { ConditionRecord, JobState } from './state.js';

export const JobReason = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  PodFailurePolicy: 'PodFailurePolicy',
  MaxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  FailedIndexes: 'FailedIndexes',
  CompletionsReached: 'CompletionsReached',
  SuccessPolicy: 'SuccessPolicy',
  JobSuspended: 'JobSuspended',
  JobResumed: 'JobResumed',
} as const;

export const JobMessage = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
  MaxFailedIndexesExceeded: 'Job has exceeded the specified maximal number of failed indexes',
  FailedIndexes: 'Job has failed indexes',
  CompletionsReached: 'Reached expected number of succeeded pods',
  JobSuspended: 'Job suspended',
  JobResumed: 'Job resumed',
} as const;

/** The fate a pass decided: the interim condition to add (FailureTarget or SuccessCriteriaMet). */
export interface FinishedCondition {
  type: 'FailureTarget' | 'SuccessCriteriaMet';
  reason: string;
  message: string;
}

export function failureTarget(reason: string, message: string): FinishedCondition {
  return { type: 'FailureTarget', reason, message };
}

export function successCriteriaMet(reason: string, message: string): FinishedCondition {
  return { type: 'SuccessCriteriaMet', reason, message };
}

export function findCondition(state: JobState, type: JobConditionType): ConditionRecord | undefined {
  return state.conditions.find((c) => c.type === type);
}

export function hasTrueCondition(state: JobState, type: JobConditionType): boolean {
  return findCondition(state, type)?.status === 'True';
}

/** A Job is finished iff `Complete=True` or `Failed=True` (job-semantics §17, `IsJobFinished`). */
export function isFinished(state: JobState): boolean {
  return hasTrueCondition(state, 'Complete') || hasTrueCondition(state, 'Failed');
}

/** The fate already recorded by an interim condition (job-semantics §16 steps 3 and 4), if any. */
export function existingFinishedCondition(state: JobState): FinishedCondition | null {
  for (const type of ['SuccessCriteriaMet', 'FailureTarget'] as const) {
    const c = findCondition(state, type);
    if (c?.status === 'True') return { type, reason: c.reason, message: c.message };
  }
  return null;
}

/**
 * `ensureJobConditionStatus`: replaces an existing condition of that type with a fresh one (both
 * times = now) when its status, reason or message differ; appends a new one only when `status`
 * is True (a False condition is never appended, only updated — job-semantics §11). Returns whether anything
 * changed.
 */
export function ensureJobConditionStatus(
  state: JobState,
  type: JobConditionType,
  status: ConditionStatus,
  reason: string,
  message: string,
  now: number,
): boolean {
  const existing = state.conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status === status && existing.reason === reason && existing.message === message) return false;
    Object.assign(existing, { status, reason, message, lastProbeTime: now, lastTransitionTime: now });
    return true;
  }
  if (status !== 'True') return false;
  state.conditions.push({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now });
  return true;
}
