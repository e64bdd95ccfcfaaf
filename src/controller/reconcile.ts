/**
 * The Job controller: `reconcile(state, event, env)` applies one event and then runs one pass in
 * syncJob's order (reference §16):
 *
 *   finished? → existing SuccessCriteriaMet / FailureTarget → FailJob rule → backoffLimit
 *   (incl. OnFailure restarts) → activeDeadlineSeconds → failed indexes → successPolicy →
 *   manage pods → completions → Suspended condition; with a decided fate: terminate the active
 *   pods and add the terminal condition once none is left.
 *
 * Pure and deterministic: time and pod-name suffixes come in through `env`; the input state is
 * never mutated.
 */
import { countIndexes } from '../spec/intervals.js';
import type { StoredJob } from '../spec/types.js';
import type { Action } from './actions.js';
import { applyEvent, deleteAfterTtl } from './apply-event.js';
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
import type { JobEvent } from './events.js';
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

/** Applies `event` and runs one controller pass. Keeps: the input state is not mutated. */
export function reconcile(state: JobState, event: JobEvent, env: ReconcileEnv): ReconcileResult {
  const ctx: Ctx = { s: copyState(state), env, actions: [], timers: {} };
  applyEvent(ctx, event);
  syncJob(ctx, state, event);
  syncTimers(ctx);
  forgetFinishedPods(ctx.s);

  const phase = jobPhase(ctx.s);
  if (event.type === 'jobStarted' || phase !== jobPhase(state)) ctx.actions.push({ type: 'setPhase', phase });

  // Continue-as-new once drained: no pod runs, so no activity result can be lost on the way.
  const s = ctx.s;
  if (s.draining && s.deletion === null && s.pods.every(isTerminal)) {
    s.draining = false;
    ctx.actions.push({ type: 'continueAsNew' });
  }
  return { state: s, actions: ctx.actions };
}

/** One pass of the Job controller (job_controller.go `syncJob`). */
function syncJob(ctx: Ctx, before: JobState, event: JobEvent): void {
  const { s, env } = ctx;

  if (s.deletion !== null) {
    syncDeletedJob(ctx, before, event);
    return;
  }

  // §16.1: a finished Job is never touched again — apart from its TTL.
  if (isFinished(s)) {
    s.pods = s.pods.map((p) => (p.counted === null && isTerminal(p) ? { ...p, counted: 'none' } : p));
    syncTtl(ctx);
    return;
  }

  if (s.startTime === null && !s.job.spec.suspend) s.startTime = env.now;

  const tracked = trackFinishedPods(ctx);
  const fate = existingFinishedCondition(s) ?? failureCondition(ctx, tracked.failJobMessage) ?? successPolicyCondition(ctx);

  if (fate !== null) {
    enactFate(ctx, fate);
    return;
  }

  const active = manageJob(ctx);
  const completions = s.job.spec.completions;
  const succeeded = succeededCount(ctx);
  const complete = completions === null || completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
  if (complete) {
    enactFate(ctx, successCriteriaMet(JobReason.CompletionsReached, JobMessage.CompletionsReached));
    return;
  }
  updateSuspendedCondition(ctx);

  const deadline = activeDeadlineAt(s);
  if (deadline !== null) wantTimer(ctx, 'deadline', deadline);
}

/**
 * §16 steps 5–8: the first failure criterion met decides (FailJob rule, backoffLimit,
 * activeDeadlineSeconds, maxFailedIndexes, failed indexes); null when none is.
 */
function failureCondition(ctx: Ctx, failJobMessage: string | null): FinishedCondition | null {
  const { s, env } = ctx;
  if (failJobMessage !== null) return failureTarget(JobReason.PodFailurePolicy, failJobMessage);
  if (s.failed > s.job.spec.backoffLimit || pastBackoffLimitOnFailure(s)) {
    return failureTarget(JobReason.BackoffLimitExceeded, JobMessage.BackoffLimitExceeded);
  }
  if (pastActiveDeadline(s, env.now)) return failureTarget(JobReason.DeadlineExceeded, JobMessage.DeadlineExceeded);
  if (hasBackoffLimitPerIndex(s)) {
    const failedIndexes = countIndexes(s.failedIndexes);
    const max = s.job.spec.maxFailedIndexes;
    if (max !== undefined && max !== null && failedIndexes > max) {
      return failureTarget(JobReason.MaxFailedIndexesExceeded, JobMessage.MaxFailedIndexesExceeded);
    }
    if (failedIndexes > 0 && failedIndexes + succeededCount(ctx) >= (s.job.spec.completions ?? 0)) {
      return failureTarget(JobReason.FailedIndexes, JobMessage.FailedIndexes);
    }
  }
  return null;
}

/**
 * `pastBackoffLimitOnFailure` (reference §8, issue #54870): with restartPolicy OnFailure the
 * restarts of the containers of unfinished pods count toward backoffLimit; the Job fails when
 * their sum reaches backoffLimit (or exceeds 0 when backoffLimit is 0).
 */
export function pastBackoffLimitOnFailure(s: JobState): boolean {
  if (s.job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let sum = 0;
  for (const p of s.pods) if (!isTerminal(p)) sum += restartCount(p);
  const limit = s.job.spec.backoffLimit;
  return limit === 0 ? sum > 0 : sum >= limit;
}

/** §16 step 9: an Indexed Job's successPolicy. */
function successPolicyCondition(ctx: Ctx): FinishedCondition | null {
  const { s } = ctx;
  if (!isIndexed(s)) return null;
  const message = matchSuccessPolicy(s.job.spec.successPolicy, s.job.spec.completions ?? 0, s.completedIndexes);
  return message === null ? null : successCriteriaMet(JobReason.SuccessPolicy, message);
}

/**
 * §16 step 11: record the interim condition, delete the active pods (counted as failed when the
 * Job failed), and add the terminal condition once no pod is left running.
 */
function enactFate(ctx: Ctx, fate: FinishedCondition): void {
  const { s, env } = ctx;
  ensureJobConditionStatus(s, fate.type, 'True', fate.reason, fate.message, env.now);
  const cause = fate.type === 'FailureTarget' ? 'JobFailed' : 'JobSucceeded';
  for (const p of activePods(s)) deletePod(ctx, p, cause);
  if (fate.type === 'FailureTarget') countUnfinishedAsFailed(ctx);
  if (!s.pods.every(isTerminal)) return;

  if (fate.type === 'FailureTarget') {
    ensureJobConditionStatus(s, 'Failed', 'True', fate.reason, fate.message, env.now);
    recordEvent(ctx, 'Warning', fate.reason, fate.message);
  } else {
    ensureJobConditionStatus(s, 'Complete', 'True', fate.reason, fate.message, env.now);
    s.completionTime = env.now;
    const completions = s.job.spec.completions;
    if (!isIndexed(s) && completions !== null && completions !== undefined && s.succeeded > completions) {
      recordEvent(ctx, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
    }
    recordEvent(ctx, 'Normal', 'Completed', 'Job completed');
  }
  s.finishedAt = env.now;
  syncTtl(ctx);
}

/**
 * "When the job is considered finished, every non-terminated pod is considered failed"
 * (trackJobStatusAndRemoveFinalizers): the pods just deleted, and pods a user deleted that are
 * still terminating under podReplacementPolicy Failed. Indexed pods out of range do not count.
 */
function countUnfinishedAsFailed(ctx: Ctx): void {
  const { s } = ctx;
  const completions = s.job.spec.completions ?? 0;
  s.pods = s.pods.map((p) => {
    if (isTerminal(p) || p.counted !== null) return p;
    if (isIndexed(s) && (p.index === null || p.index >= completions)) return { ...p, counted: 'none' };
    s.failed += 1;
    return { ...p, counted: 'failed' };
  });
}

/** The `Suspended` condition and the startTime rules of §10/§11. */
function updateSuspendedCondition(ctx: Ctx): void {
  const { s, env } = ctx;
  if (s.job.spec.suspend) {
    if (ensureJobConditionStatus(s, 'Suspended', 'True', JobReason.JobSuspended, JobMessage.JobSuspended, env.now)) {
      recordEvent(ctx, 'Normal', 'Suspended', JobMessage.JobSuspended);
      // Current upstream clears startTime on suspend (MutableSchedulingDirectivesForSuspendedJobs).
      s.startTime = null;
    }
  } else if (ensureJobConditionStatus(s, 'Suspended', 'False', JobReason.JobResumed, JobMessage.JobResumed, env.now)) {
    recordEvent(ctx, 'Normal', 'Resumed', JobMessage.JobResumed);
    // Kubernetes resets startTime on resume so activeDeadlineSeconds counts active time only.
    s.startTime = env.now;
  }
}

/** ttlSecondsAfterFinished: delete at finish time + ttl, at once when that has passed (§20). */
function syncTtl(ctx: Ctx): void {
  const { s, env } = ctx;
  const ttl = s.job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || s.finishedAt === null || s.deletion !== null) return;
  const at = s.finishedAt + ttl * 1000;
  if (env.now >= at) {
    deleteAfterTtl(ctx);
    syncDeletedJob(ctx, s, { type: 'jobStarted' });
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
function syncDeletedJob(ctx: Ctx, before: JobState, event: JobEvent): void {
  const { s } = ctx;
  const deletion = s.deletion;
  if (deletion === null) return;
  const newlyDeleted = before.deletion === null;
  s.pods = s.pods.map((p) => (p.counted === null && isTerminal(p) ? { ...p, counted: 'none' } : p));
  if (deletion.propagationPolicy !== 'Orphan') {
    for (const p of [...s.pods]) {
      if (!isTerminal(p) && p.deletion === null) deletePod(ctx, p, 'JobDeleted');
    }
  }
  const hadRunning = !before.pods.every(isTerminal);
  if (s.pods.every(isTerminal) && (newlyDeleted || hadRunning || event.type === 'jobStarted')) {
    ctx.actions.push({ type: 'removePodData', namespace: s.job.metadata.namespace, jobUid: s.job.metadata.uid });
    ctx.actions.push({ type: 'complete' });
  }
}

/** Arms the timers the pass wants and cancels the others (`state.timers` mirrors what is armed). */
function syncTimers(ctx: Ctx): void {
  const { s } = ctx;
  for (const id of Object.keys(s.timers)) {
    if (!(id in ctx.timers)) {
      delete s.timers[id];
      ctx.actions.push({ type: 'cancelTimer', timerId: id });
    }
  }
  for (const [id, fireAt] of Object.entries(ctx.timers)) {
    if (s.timers[id] !== fireAt) {
      s.timers[id] = fireAt;
      ctx.actions.push({ type: 'armTimer', timerId: id, fireAt });
    }
  }
}

/**
 * Keeps the state bounded: pods the Job deleted disappear once they have exited (as on a cluster),
 * and finished pods beyond MAX_FINISHED_PODS are forgotten oldest first (their counts stay).
 */
function forgetFinishedPods(s: JobState): void {
  s.pods = s.pods.filter((p) => !(isTerminal(p) && p.deletion !== null && p.counted !== null));
  const finished = s.pods.filter((p) => isTerminal(p) && p.counted !== null);
  const excess = finished.length - MAX_FINISHED_PODS;
  if (excess <= 0) return;
  const drop = new Set(
    [...finished]
      .sort((a, b) => (a.finishedAt ?? a.createdAt) - (b.finishedAt ?? b.createdAt) || a.createdAt - b.createdAt)
      .slice(0, excess)
      .map((p) => p.name),
  );
  s.pods = s.pods.filter((p) => !drop.has(p.name));
  s.podsForgotten += excess;
}
