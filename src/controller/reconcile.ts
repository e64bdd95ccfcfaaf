/**
 * The Job controller: `reconcile(state, triggers, env)` applies what happened since the last pass
 * (one trigger or many: pod outcomes that arrived together are reconciled together, as the
 * informer's changes are by one syncJob) and then runs one pass in syncJob's order (job-semantics §16):
 *
 *   finished? → existing SuccessCriteriaMet / FailureTarget → FailJob rule → backoffLimit
 *   (incl. OnFailure restarts) → activeDeadlineSeconds → failed indexes → successPolicy →
 *   manage pods → completions → Suspended condition; with a decided fate: terminate the active
 *   pods and add the terminal condition once none is left.
 *
 * Pure and deterministic: time and pod-name suffixes come in through `env`; the input state is
 * never mutated.
 */
import { countIndexes } from '../k8s/intervals.js';
import type { StoredJob } from '../k8s/types.js';
import type { Action } from './actions.js';
import { applyTrigger, deleteAfterTtl } from './apply-trigger.js';
import { clone, copyState } from './clone.js';
import {
  JobMessage,
  JobReason,
  ensureJobConditionStatus,
  existingFinishedCondition,
  failureTarget,
  isFinished,
  successCriteriaMet,
  type FinishedCondition,
} from './conditions.js';
import { deletePod, recordEvent, wantTimer, type Ctx, type ReconcileEnv } from './context.js';
import { activeDeadlineAt, pastActiveDeadline } from './deadline.js';
import type { Trigger } from './triggers.js';
import { manageJob, succeededCount } from './manage-job.js';
import { activePods, hasBackoffLimitPerIndex, isIndexed, isTerminal, restartCount } from './pods.js';
import { jobPhase } from './render.js';
import { MAX_FINISHED_PODS, type JobSettings, type JobState } from './state.js';
import { matchSuccessPolicy } from './success-policy.js';
import { trackFinishedPods } from './track-finished-pods.js';

export type { ReconcileEnv } from './context.js';
export { podRunInput } from './pods.js';

export interface ReconcileResult {
  state: JobState;
  actions: Action[];
}

/** The state of a Job that has just been created: nothing has run yet. */
export function initialState(job: StoredJob, settings: JobSettings, now: number): JobState {
  void now;
  const j = clone(job);
  if (j.metadata.generation === undefined) j.metadata.generation = 1;
  return {
    job: j,
    settings: { ...settings },
    startTime: null,
    completionTime: null,
    conditions: [],
    succeeded: 0,
    failed: 0,
    completedIndexes: '',
    failedIndexes: j.spec.completionMode === 'Indexed' && j.spec.backoffLimitPerIndex !== undefined && j.spec.backoffLimitPerIndex !== null ? '' : null,
    pods: [],
    podsForgotten: 0,
    backoff: { failuresAfterLastSuccess: 0, lastFailureTime: null },
    indexFailures: {},
    timers: {},
    events: [],
    eventSeq: 0,
    finishedAt: null,
    deletion: null,
    draining: false,
  };
}

/**
 * Applies `triggers` in order and runs one controller pass. Keeps: the input state is not mutated;
 * reconciling a batch gives the state that one pass after all of them gives.
 */
export function reconcile(before: JobState, triggers: Trigger | readonly Trigger[], env: ReconcileEnv): ReconcileResult {
  const batch: readonly Trigger[] = Array.isArray(triggers) ? triggers : [triggers as Trigger];
  const ctx: Ctx = { state: copyState(before), env, actions: [], timers: {} };
  for (const trigger of batch) applyTrigger(ctx, trigger);
  const resync = batch.some((t) => t.type === 'jobStarted');
  syncJob(ctx, before, resync);
  syncTimers(ctx);
  forgetFinishedPods(ctx);

  const phase = jobPhase(ctx.state);
  if (resync || phase !== jobPhase(before)) ctx.actions.push({ type: 'setPhase', phase });

  // Continue-as-new once drained: no pod runs, so no activity result can be lost on the way.
  const state = ctx.state;
  if (state.draining && state.deletion === null && state.pods.every(isTerminal)) {
    state.draining = false;
    ctx.actions.push({ type: 'continueAsNew' });
  }
  return { state, actions: ctx.actions };
}

/** One pass of the Job controller (job_controller.go `syncJob`). */
function syncJob(ctx: Ctx, before: JobState, resync: boolean): void {
  const { state, env } = ctx;

  if (state.deletion !== null) {
    syncDeletedJob(ctx, before, resync);
    return;
  }

  // job-semantics §16.1: a finished Job is never touched again — apart from its TTL.
  if (isFinished(state)) {
    state.pods = state.pods.map((p) => (p.counted === null && isTerminal(p) ? { ...p, counted: 'none' } : p));
    syncTtl(ctx);
    return;
  }

  if (state.startTime === null && !state.job.spec.suspend) state.startTime = env.now;

  const tracked = trackFinishedPods(ctx);
  const fate = existingFinishedCondition(state) ?? failureCondition(ctx, tracked.failJobMessage) ?? successPolicyCondition(ctx);

  if (fate !== null) {
    enactFate(ctx, fate);
    return;
  }

  const active = manageJob(ctx);
  const completions = state.job.spec.completions;
  const succeeded = succeededCount(ctx);
  const complete = completions === null || completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
  if (complete) {
    enactFate(ctx, successCriteriaMet(JobReason.CompletionsReached, JobMessage.CompletionsReached));
    return;
  }
  updateSuspendedCondition(ctx);

  const deadline = activeDeadlineAt(state);
  if (deadline !== null) wantTimer(ctx, 'deadline', deadline);
}

/**
 * job-semantics §16 steps 5–8: the first failure criterion met decides (FailJob rule, backoffLimit,
 * activeDeadlineSeconds, maxFailedIndexes, failed indexes); null when none is.
 */
function failureCondition(ctx: Ctx, failJobMessage: string | null): FinishedCondition | null {
  const { state, env } = ctx;
  if (failJobMessage !== null) return failureTarget(JobReason.PodFailurePolicy, failJobMessage);
  if (state.failed > state.job.spec.backoffLimit || pastBackoffLimitOnFailure(state)) {
    return failureTarget(JobReason.BackoffLimitExceeded, JobMessage.BackoffLimitExceeded);
  }
  if (pastActiveDeadline(state, env.now)) return failureTarget(JobReason.DeadlineExceeded, JobMessage.DeadlineExceeded);
  if (hasBackoffLimitPerIndex(state)) {
    const failedIndexes = countIndexes(state.failedIndexes);
    const max = state.job.spec.maxFailedIndexes;
    if (max !== undefined && max !== null && failedIndexes > max) {
      return failureTarget(JobReason.MaxFailedIndexesExceeded, JobMessage.MaxFailedIndexesExceeded);
    }
    if (failedIndexes > 0 && failedIndexes + succeededCount(ctx) >= (state.job.spec.completions ?? 0)) {
      return failureTarget(JobReason.FailedIndexes, JobMessage.FailedIndexes);
    }
  }
  return null;
}

/**
 * `pastBackoffLimitOnFailure` (job-semantics §8, issue #54870): with restartPolicy OnFailure the
 * restarts of the containers of unfinished pods count toward backoffLimit; the Job fails when
 * their sum reaches backoffLimit (or exceeds 0 when backoffLimit is 0).
 */
export function pastBackoffLimitOnFailure(state: JobState): boolean {
  if (state.job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let sum = 0;
  for (const p of state.pods) if (!isTerminal(p)) sum += restartCount(p);
  const limit = state.job.spec.backoffLimit;
  return limit === 0 ? sum > 0 : sum >= limit;
}

/** job-semantics §16 step 9: an Indexed Job's successPolicy. */
function successPolicyCondition(ctx: Ctx): FinishedCondition | null {
  const { state } = ctx;
  if (!isIndexed(state)) return null;
  const message = matchSuccessPolicy(state.job.spec.successPolicy, state.job.spec.completions ?? 0, state.completedIndexes);
  return message === null ? null : successCriteriaMet(JobReason.SuccessPolicy, message);
}

/**
 * job-semantics §16 step 11: record the interim condition, delete the active pods (counted as failed when the
 * Job failed), and add the terminal condition once no pod is left running.
 */
function enactFate(ctx: Ctx, fate: FinishedCondition): void {
  const { state, env } = ctx;
  ensureJobConditionStatus(state, fate.type, 'True', fate.reason, fate.message, env.now);
  const cause = fate.type === 'FailureTarget' ? 'JobFailed' : 'JobSucceeded';
  for (const p of activePods(state)) deletePod(ctx, p, cause);
  if (fate.type === 'FailureTarget') countUnfinishedAsFailed(ctx);
  if (!state.pods.every(isTerminal)) return;

  if (fate.type === 'FailureTarget') {
    ensureJobConditionStatus(state, 'Failed', 'True', fate.reason, fate.message, env.now);
    recordEvent(ctx, 'Warning', fate.reason, fate.message);
  } else {
    ensureJobConditionStatus(state, 'Complete', 'True', fate.reason, fate.message, env.now);
    state.completionTime = env.now;
    const completions = state.job.spec.completions;
    if (!isIndexed(state) && completions !== null && completions !== undefined && state.succeeded > completions) {
      recordEvent(ctx, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
    }
    recordEvent(ctx, 'Normal', 'Completed', 'Job completed');
  }
  state.finishedAt = env.now;
  syncTtl(ctx);
}

/**
 * "When the job is considered finished, every non-terminated pod is considered failed"
 * (trackJobStatusAndRemoveFinalizers): the pods just deleted, and pods a user deleted that are
 * still terminating under podReplacementPolicy Failed. Indexed pods out of range do not count.
 */
function countUnfinishedAsFailed(ctx: Ctx): void {
  const { state } = ctx;
  const completions = state.job.spec.completions ?? 0;
  state.pods = state.pods.map((p) => {
    if (isTerminal(p) || p.counted !== null) return p;
    if (isIndexed(state) && (p.index === null || p.index >= completions)) return { ...p, counted: 'none' };
    state.failed += 1;
    return { ...p, counted: 'failed' };
  });
}

/** The `Suspended` condition and the startTime rules of §10/job-semantics §11. */
function updateSuspendedCondition(ctx: Ctx): void {
  const { state, env } = ctx;
  if (state.job.spec.suspend) {
    if (ensureJobConditionStatus(state, 'Suspended', 'True', JobReason.JobSuspended, JobMessage.JobSuspended, env.now)) {
      recordEvent(ctx, 'Normal', 'Suspended', JobMessage.JobSuspended);
      // Current upstream clears startTime on suspend (MutableSchedulingDirectivesForSuspendedJobs).
      state.startTime = null;
    }
  } else if (ensureJobConditionStatus(state, 'Suspended', 'False', JobReason.JobResumed, JobMessage.JobResumed, env.now)) {
    recordEvent(ctx, 'Normal', 'Resumed', JobMessage.JobResumed);
    // Kubernetes resets startTime on resume so activeDeadlineSeconds counts active time only.
    state.startTime = env.now;
  }
}

/** ttlSecondsAfterFinished: delete at finish time + ttl, at once when that has passed (job-semantics §20). */
function syncTtl(ctx: Ctx): void {
  const { state, env } = ctx;
  const ttl = state.job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || state.finishedAt === null || state.deletion !== null) return;
  const at = state.finishedAt + ttl * 1000;
  if (env.now >= at) {
    deleteAfterTtl(ctx);
    syncDeletedJob(ctx, state, true);
    return;
  }
  wantTimer(ctx, 'ttl', at);
}

/**
 * A deleted Job. Background/Foreground: its running pods are terminated (not counted: the Job is
 * going away); once none runs, the pods' data is removed and the workflow completes.
 * Orphan: as upstream, the pods are left to run to their end with no owner: the Job is gone for
 * the API at once, but the workflow stays until they exit on their own (ending it earlier would
 * cancel their attempts, which notice a closed workflow on their next heartbeat), then removes
 * their data (no Job is left to serve their logs) and completes. No new pod starts.
 */
function syncDeletedJob(ctx: Ctx, before: JobState, resync: boolean): void {
  const { state } = ctx;
  const deletion = state.deletion;
  if (deletion === null) return;
  const newlyDeleted = before.deletion === null;
  state.pods = state.pods.map((p) => (p.counted === null && isTerminal(p) ? { ...p, counted: 'none' } : p));
  if (deletion.propagationPolicy !== 'Orphan') {
    for (const p of [...state.pods]) {
      if (!isTerminal(p) && p.deletion === null) deletePod(ctx, p, 'JobDeleted');
    }
  }
  const hadRunning = !before.pods.every(isTerminal);
  if (state.pods.every(isTerminal) && (newlyDeleted || hadRunning || resync)) {
    ctx.actions.push({ type: 'removePodData', namespace: state.job.metadata.namespace, jobUid: state.job.metadata.uid });
    ctx.actions.push({ type: 'complete' });
  }
}

/** Arms the timers the pass wants and cancels the others (`state.timers` mirrors what is armed). */
function syncTimers(ctx: Ctx): void {
  const { state } = ctx;
  for (const id of Object.keys(state.timers)) {
    if (!(id in ctx.timers)) {
      delete state.timers[id];
      ctx.actions.push({ type: 'cancelTimer', timerId: id });
    }
  }
  for (const [id, fireAt] of Object.entries(ctx.timers)) {
    if (state.timers[id] !== fireAt) {
      state.timers[id] = fireAt;
      ctx.actions.push({ type: 'armTimer', timerId: id, fireAt });
    }
  }
}

/**
 * Keeps the state bounded: pods the Job deleted disappear once they have exited (as on a cluster),
 * and finished pods beyond MAX_FINISHED_PODS are forgotten oldest first (their counts stay).
 */
function forgetFinishedPods(ctx: Ctx): void {
  const { state } = ctx;
  const before = state.pods;
  state.pods = state.pods.filter((p) => !(isTerminal(p) && p.deletion !== null && p.counted !== null));
  const finished = state.pods.filter((p) => isTerminal(p) && p.counted !== null);
  const excess = finished.length - MAX_FINISHED_PODS;
  if (excess > 0) {
    const drop = new Set(
      [...finished]
        .sort((a, b) => (a.finishedAt ?? a.createdAt) - (b.finishedAt ?? b.createdAt) || a.createdAt - b.createdAt)
        .slice(0, excess)
        .map((p) => p.name),
    );
    state.pods = state.pods.filter((p) => !drop.has(p.name));
    state.podsForgotten += excess;
  }
  if (state.pods.length === before.length) return;
  const kept = new Set(state.pods.map((p) => p.name));
  for (const p of before) if (!kept.has(p.name)) ctx.actions.push({ type: 'forgetPod', podName: p.name });
}
