/**
 * The CronJob controller as a pure function, following the Kubernetes CronJob controller
 * (pkg/controller/cronjob/cronjob_controllerv2.go: `syncCronJob`, `cleanupFinishedJobs`) step by
 * step. Where upstream lists a CronJob's Jobs on every sync, kjob hears about them: its Jobs tell it
 * when they finish or are deleted (`jobFinished`), and Temporal's Schedule tells it when a run is
 * due (`scheduled`). One pass drains every trigger of a workflow task:
 *
 *   1. apply what happened to the Jobs and the object (finished, deleted, created, updated);
 *   2. the latest due time, as `mostRecentScheduleTime` picks it: too late (MissSchedule), already
 *      processed, Forbid with an active Job (JobAlreadyActive), Replace (delete the active Jobs),
 *      then create the Job `<name>-<minutes>` (SuccessfulCreate once started);
 *   3. `cleanupFinishedJobs`: delete the oldest finished Jobs beyond the history limits;
 *   4. keep the Temporal Schedule in line with the spec (suspend pauses it);
 *   5. a deleted CronJob deletes its Jobs (unless Orphan) and its Schedule, then completes.
 */
import { cronJobScheduleOptions } from '../../k8s/cronjob-schedule.js';
import { getJobName, jobFromCronJob } from '../../k8s/cronjob-strategy.js';
import type { StoredCronJob } from '../../k8s/cronjob-types.js';
import { invalidMessage } from '../../k8s/field-errors.js';
import { prepareForCreate } from '../../k8s/job-strategy.js';
import { formatRFC1123ZUTC } from '../../k8s/timezone.js';
import { validateJob } from '../../k8s/validate.js';
import { clone } from '../clone.js';
import type { JobSettings } from '../state.js';
import {
  MAX_CRONJOB_EVENTS,
  MAX_TRACKED_FINISHED_JOBS,
  type ChildJob,
  type CronJobEventRecord,
  type CronJobState,
  type FinishedJob,
  type FinishedType,
} from './state.js';
import type { CronJobAction, CronJobTrigger } from './triggers.js';

export interface CronJobEnv {
  now: number;
  /** A fresh uid for a Job (the workflow's seeded uuid4). */
  newUid: () => string;
}

export interface CronJobSyncResult {
  state: CronJobState;
  actions: CronJobAction[];
}

interface Ctx {
  state: CronJobState;
  env: CronJobEnv;
  actions: CronJobAction[];
}

/** The state of a new CronJob: nothing scheduled yet, no Schedule written. */
export function initialCronJobState(cronJob: StoredCronJob, settings: JobSettings, testKnobs: boolean): CronJobState {
  return {
    cronJob,
    settings,
    testKnobs,
    creating: [],
    active: [],
    finished: [],
    deleting: [],
    lastScheduleTime: null,
    lastSuccessfulTime: null,
    schedule: { synced: null, syncing: null, failed: null, deleting: false, deleted: false },
    events: [],
    eventSeq: 0,
    deletion: null,
    completed: false,
  };
}

/** `recorder.Eventf(cronJob, …)`; a repeat of the latest event is aggregated into it (count). */
function recordEvent(ctx: Ctx, type: CronJobEventRecord['type'], reason: string, message: string): void {
  const { state, env } = ctx;
  const last = state.events[state.events.length - 1];
  if (last && last.type === type && last.reason === reason && last.message === message) {
    const updated = { ...last, count: last.count + 1, lastTimestamp: env.now };
    state.events[state.events.length - 1] = updated;
    ctx.actions.push({ type: 'recordEvent', event: { ...updated } });
    return;
  }
  state.eventSeq += 1;
  const ev: CronJobEventRecord = { seq: state.eventSeq, type, reason, message, firstTimestamp: env.now, lastTimestamp: env.now, count: 1 };
  state.events.push(ev);
  if (state.events.length > MAX_CRONJOB_EVENTS) state.events.splice(0, state.events.length - MAX_CRONJOB_EVENTS);
  ctx.actions.push({ type: 'recordEvent', event: { ...ev } });
}

/** Removes the Job named `name` from `list`; true when it was there. */
function take<T extends ChildJob>(list: T[], name: string): T | null {
  const i = list.findIndex((j) => j.name === name);
  if (i < 0) return null;
  return list.splice(i, 1)[0] ?? null;
}

/** Asks for a Job's deletion and remembers it until the Job is gone. */
function deleteJob(ctx: Ctx, job: ChildJob): void {
  ctx.actions.push({ type: 'deleteJob', name: job.name, uid: job.uid });
  if (!ctx.state.deleting.some((j) => j.name === job.name)) ctx.state.deleting.push({ name: job.name, uid: job.uid });
}

/** The controller's `deleteJob`: delete, drop from the active list, `SuccessfulDelete`. */
function deleteJobWithEvent(ctx: Ctx, job: ChildJob): void {
  deleteJob(ctx, job);
  take(ctx.state.active, job.name);
  recordEvent(ctx, 'Normal', 'SuccessfulDelete', `Deleted job ${job.name}`);
}

const knownName = (state: CronJobState, name: string): boolean =>
  [state.creating, state.active, state.finished, state.deleting].some((list) => list.some((j) => j.name === name));

// ---- 1: what happened --------------------------------------------------------------------------

function jobCreated(ctx: Ctx, name: string): void {
  const { state } = ctx;
  const creating = take(state.creating, name);
  if (!creating) return;
  recordEvent(ctx, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
  // The Job may have finished (and told us) before its start was confirmed.
  const done = state.finished.some((j) => j.name === name) || state.deleting.some((j) => j.name === name);
  if (state.deletion !== null) {
    if (state.deletion.propagationPolicy !== 'Orphan') deleteJob(ctx, creating);
  } else if (!done) {
    state.active.push({ name: creating.name, uid: creating.uid });
  }
  state.lastScheduleTime = Math.max(state.lastScheduleTime ?? 0, creating.scheduledTime);
}

function jobCreateFailed(ctx: Ctx, trigger: Extract<CronJobTrigger, { type: 'jobCreateFailed' }>): void {
  if (!take(ctx.state.creating, trigger.name)) return;
  // "If the job is created by other actor, assume it has updated the cronjob status accordingly."
  if (!trigger.alreadyExists) recordEvent(ctx, 'Warning', 'FailedCreate', `Error creating job: ${trigger.message}`);
}

/** The children loop of syncCronJob: SawCompletedJob, lastSuccessfulTime, MissingJob. */
function jobFinished(ctx: Ctx, t: Extract<CronJobTrigger, { type: 'jobFinished' }>): void {
  const { state } = ctx;
  const wasActive = take(state.active, t.name) ?? take(state.creating, t.name);
  if (t.condition === 'Deleted') {
    take(state.finished, t.name);
    const asked = take(state.deleting, t.name);
    if (wasActive && !asked) recordEvent(ctx, 'Normal', 'MissingJob', `Active job went missing: ${t.name}`);
    return;
  }
  if (wasActive) recordEvent(ctx, 'Normal', 'SawCompletedJob', `Saw completed job: ${t.name}, condition: ${t.condition}`);
  if (t.completionTime !== null) state.lastSuccessfulTime = Math.max(state.lastSuccessfulTime ?? 0, t.completionTime);
  if (state.deleting.some((j) => j.name === t.name) || state.finished.some((j) => j.name === t.name)) return;
  const finished: FinishedJob = { name: t.name, uid: t.uid, type: t.condition, startTime: t.startTime, completionTime: t.completionTime };
  if (state.deletion !== null) {
    if (state.deletion.propagationPolicy !== 'Orphan') deleteJob(ctx, finished);
    return;
  }
  state.finished.push(finished);
  if (state.finished.length > MAX_TRACKED_FINISHED_JOBS) state.finished.splice(0, state.finished.length - MAX_TRACKED_FINISHED_JOBS);
}

function jobGone(ctx: Ctx, name: string): void {
  const { state } = ctx;
  for (const list of [state.active, state.creating, state.finished, state.deleting]) take(list, name);
}

function deleteRequested(ctx: Ctx, t: Extract<CronJobTrigger, { type: 'deleteRequested' }>): void {
  const { state, env } = ctx;
  if (state.deletion !== null) return;
  state.deletion = { at: env.now, propagationPolicy: t.propagationPolicy };
  // The garbage collector's part: dependents go too, unless orphaned. Jobs still being started
  // are deleted once started (jobCreated).
  if (t.propagationPolicy !== 'Orphan') for (const job of [...state.active, ...state.finished]) deleteJob(ctx, job);
  state.active = [];
  state.finished = [];
}

function apply(ctx: Ctx, trigger: CronJobTrigger): void {
  const { state } = ctx;
  switch (trigger.type) {
    case 'started':
    case 'scheduled': // step 2
      return;
    case 'jobCreated':
      return jobCreated(ctx, trigger.name);
    case 'jobCreateFailed':
      return jobCreateFailed(ctx, trigger);
    case 'jobFinished':
      return jobFinished(ctx, trigger);
    case 'jobGone':
      return jobGone(ctx, trigger.name);
    case 'updated':
      if (state.deletion === null) state.cronJob = trigger.cronJob;
      return;
    case 'deleteRequested':
      return deleteRequested(ctx, trigger);
    case 'scheduleSynced':
      state.schedule.synced = trigger.key;
      if (state.schedule.syncing === trigger.key) state.schedule.syncing = null;
      state.schedule.failed = null;
      return;
    case 'scheduleSyncFailed':
      if (state.schedule.syncing === trigger.key) state.schedule.syncing = null;
      state.schedule.failed = trigger.key;
      recordEvent(ctx, 'Warning', 'FailedSchedule', `Error writing the Temporal Schedule: ${trigger.message}`);
      return;
    case 'scheduleDeleted':
      state.schedule.deleting = false;
      state.schedule.deleted = true;
      return;
    default: {
      const never: never = trigger;
      throw new Error(`unknown trigger ${JSON.stringify(never)}`);
    }
  }
}

// ---- 2: a due time -----------------------------------------------------------------------------

/** syncCronJob from "is it suspended" to the Job's creation, for one nominal time. */
function scheduled(ctx: Ctx, scheduledTime: number): void {
  const { state, env } = ctx;
  const { cronJob } = state;
  const spec = cronJob.spec;
  if (state.deletion !== null || spec.suspend) return;
  // mostRecentScheduleTime starts after lastScheduleTime: an earlier time was processed already.
  if (state.lastScheduleTime !== null && scheduledTime <= state.lastScheduleTime) return;
  if (spec.startingDeadlineSeconds !== undefined && env.now > scheduledTime + spec.startingDeadlineSeconds * 1000) {
    recordEvent(ctx, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123ZUTC(scheduledTime)}`);
    return;
  }
  const name = getJobName(cronJob.metadata.name, scheduledTime);
  // "Not starting job because the scheduled time is already processed."
  if (knownName(state, name)) return;
  if (spec.concurrencyPolicy === 'Forbid' && state.active.length + state.creating.length > 0) {
    recordEvent(ctx, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return;
  }
  if (spec.concurrencyPolicy === 'Replace') for (const job of [...state.active]) deleteJobWithEvent(ctx, job);

  const job = prepareForCreate(jobFromCronJob(cronJob, scheduledTime), { namespace: cronJob.metadata.namespace, uid: env.newUid(), now: new Date(env.now) });
  const errors = validateJob(job);
  if (errors.length > 0) {
    recordEvent(ctx, 'Warning', 'FailedCreate', `Error creating job: ${invalidMessage('Job.batch', name, errors)}`);
    return;
  }
  ctx.actions.push({ type: 'createJob', job });
  state.creating.push({ name, uid: job.metadata.uid, scheduledTime });
}

// ---- 3: history limits -------------------------------------------------------------------------

/** `byJobStartTime`: started Jobs first, oldest first, then by name. */
function byJobStartTime(a: FinishedJob, b: FinishedJob): number {
  if (a.startTime === null && b.startTime !== null) return 1;
  if (a.startTime !== null && b.startTime === null) return -1;
  if (a.startTime === b.startTime) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  return (a.startTime ?? 0) - (b.startTime ?? 0);
}

/** `cleanupFinishedJobs` + `removeOldestJobs`. */
function cleanupFinishedJobs(ctx: Ctx): void {
  const { state } = ctx;
  const limits: Array<[FinishedType, number]> = [
    ['Complete', state.cronJob.spec.successfulJobsHistoryLimit],
    ['Failed', state.cronJob.spec.failedJobsHistoryLimit],
  ];
  for (const [type, limit] of limits) {
    const jobs = state.finished.filter((j) => j.type === type).sort(byJobStartTime);
    const numToDelete = jobs.length - limit;
    for (const job of jobs.slice(0, Math.max(0, numToDelete))) {
      take(state.finished, job.name);
      deleteJobWithEvent(ctx, job);
    }
  }
}

// ---- 4 and 5: the Schedule, deletion -----------------------------------------------------------

function syncSchedule(ctx: Ctx): void {
  const { state } = ctx;
  const sched = state.schedule;
  if (sched.syncing !== null) return; // one write at a time; the next pass writes what changed meanwhile
  if (state.deletion !== null) {
    if (!sched.deleting && !sched.deleted) {
      sched.deleting = true;
      ctx.actions.push({ type: 'deleteSchedule' });
    }
    return;
  }
  const result = cronJobScheduleOptions(state.cronJob, state.testKnobs);
  if (!result.ok) {
    // Validation makes this unreachable for CronJobs created through the API.
    const key = `unparseable:${state.cronJob.spec.schedule}`;
    if (sched.failed !== key) {
      sched.failed = key;
      recordEvent(ctx, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${state.cronJob.spec.schedule}" : ${result.error}`);
    }
    return;
  }
  const key = JSON.stringify(result.options);
  if (key === sched.synced || key === sched.failed) return;
  sched.syncing = key;
  ctx.actions.push({ type: 'syncSchedule', key, options: result.options });
}

function completeIfDone(ctx: Ctx): void {
  const { state } = ctx;
  if (state.completed || state.deletion === null || !state.schedule.deleted || state.creating.length > 0) return;
  // Foreground: the CronJob stays (with its finalizer) until its Jobs are gone.
  if (state.deletion.propagationPolicy === 'Foreground' && state.deleting.length > 0) return;
  state.completed = true;
  ctx.actions.push({ type: 'complete' });
}

/**
 * One pass of the CronJob controller over everything that happened since the last one. The latest
 * due time wins: earlier ones in the same pass were superseded, as mostRecentScheduleTime starts
 * only the most recent missed run.
 */
export function syncCronJob(input: CronJobState, triggers: readonly CronJobTrigger[], env: CronJobEnv): CronJobSyncResult {
  const ctx: Ctx = { state: clone(input), env, actions: [] };
  if (input.completed) return { state: ctx.state, actions: [] };
  let due: number | null = null;
  for (const trigger of triggers) {
    apply(ctx, trigger);
    if (trigger.type === 'scheduled') due = Math.max(due ?? trigger.scheduledTime, trigger.scheduledTime);
  }
  if (due !== null) scheduled(ctx, due);
  if (ctx.state.deletion === null) cleanupFinishedJobs(ctx);
  syncSchedule(ctx);
  completeIfDone(ctx);
  return { state: ctx.state, actions: ctx.actions };
}
