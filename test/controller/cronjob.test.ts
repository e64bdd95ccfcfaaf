/**
 * The CronJob controller (syncCronJob, cleanupFinishedJobs) as a table: a state, the triggers of
 * one pass, and what it decides. Cases name the upstream behaviour they reproduce.
 */
import { describe, expect, it } from 'vitest';
import { initialCronJobState, syncCronJob, renderCronJob, type CronJobAction, type CronJobState, type CronJobTrigger } from '../../src/controller/cronjob/index.js';
import { prepareCronJobForCreate } from '../../src/k8s/cronjob-strategy.js';
import type { CronJobSpec, StoredCronJob } from '../../src/k8s/cronjob-types.js';

const CREATED = Date.UTC(2025, 0, 1, 0, 0, 0);
const T = Date.UTC(2025, 0, 1, 10, 0, 0); // a due time
const MIN = 60_000;
const SETTINGS = { backoffBaseMs: 10, backoffMaxMs: 100, restartBackoffMaxMs: 100, heartbeatTimeoutMs: 1000 };

function aCronJob(spec: Partial<CronJobSpec> = {}, jobSpec: Record<string, unknown> = {}): StoredCronJob {
  return prepareCronJobForCreate(
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj' },
      spec: {
        schedule: '0 * * * *',
        ...spec,
        jobTemplate: {
          metadata: { labels: { app: 'a' } },
          spec: { ...jobSpec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', command: ['true'] }] } } },
        },
      } as CronJobSpec,
    },
    { namespace: 'ns', uid: 'cj-uid', now: new Date(CREATED) },
  );
}

/** A state whose Schedule is in sync; overrides show the smoking gun. */
function aState(spec: Partial<CronJobSpec> = {}, overrides: Partial<CronJobState> = {}, jobSpec: Record<string, unknown> = {}): CronJobState {
  const s = initialCronJobState(aCronJob(spec, jobSpec), SETTINGS, false);
  const first = syncCronJob(s, [{ type: 'started' }], env(CREATED));
  const sync = first.actions.find((a) => a.type === 'syncSchedule');
  const synced = sync?.type === 'syncSchedule' ? syncCronJob(first.state, [{ type: 'scheduleSynced', key: sync.key }], env(CREATED)).state : first.state;
  return Object.freeze({ ...synced, ...overrides }) as CronJobState;
}

let uids = 0;
function env(now: number) {
  return { now, newUid: () => `job-uid-${++uids}` };
}

const scheduled = (t: number): CronJobTrigger => ({ type: 'scheduled', scheduledTime: t });
const finished = (name: string, condition: 'Complete' | 'Failed' | 'Deleted', startTime: number | null = null, completionTime: number | null = null): CronJobTrigger => ({
  type: 'jobFinished',
  name,
  uid: `${name}-uid`,
  condition,
  startTime,
  completionTime,
});
const jobName = (t: number) => `cj-${t / MIN}`;
const job = (t: number) => ({ name: jobName(t), uid: `${jobName(t)}-uid` });
const fin = (t: number, type: 'Complete' | 'Failed', startTime: number) => ({ ...job(t), type, startTime, completionTime: type === 'Complete' ? startTime + 1000 : null });

function summary(actions: CronJobAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'createJob':
        return `create ${a.job.metadata.name}`;
      case 'deleteJob':
        return `delete ${a.name}`;
      case 'recordEvent':
        return `${a.event.type} ${a.event.reason}: ${a.event.message}`;
      case 'syncSchedule':
        return `syncSchedule paused=${a.options.paused}`;
      default:
        return a.type;
    }
  });
}

interface Case {
  name: string;
  state: CronJobState;
  triggers: CronJobTrigger[];
  now?: number;
  want: string[];
  check?: (s: CronJobState) => void;
}

describe('syncCronJob', () => {
  const cases: Case[] = [
    {
      name: 'writes the Schedule when the workflow starts',
      state: initialCronJobState(aCronJob(), SETTINGS, false),
      triggers: [{ type: 'started' }],
      want: ['syncSchedule paused=false'],
    },
    {
      name: 'creates the Job <name>-<minutes> at a due time (Allow)',
      state: aState(),
      triggers: [scheduled(T)],
      want: [`create ${jobName(T)}`],
      check: (s) => expect(s.creating).toEqual([{ name: jobName(T), uid: expect.any(String), scheduledTime: T }]),
    },
    {
      name: 'counts the Job as active once its start is confirmed: SuccessfulCreate, lastScheduleTime',
      state: aState({}, { creating: [{ ...job(T), scheduledTime: T }] }),
      triggers: [{ type: 'jobCreated', name: jobName(T) }],
      want: [`Normal SuccessfulCreate: Created job ${jobName(T)}`],
      check: (s) => {
        expect(s.active).toEqual([job(T)]);
        expect(s.lastScheduleTime).toBe(T);
      },
    },
    {
      name: 'starts only the most recent of several due times (mostRecentScheduleTime)',
      state: aState(),
      triggers: [scheduled(T), scheduled(T + 2 * MIN), scheduled(T + MIN)],
      want: [`create ${jobName(T + 2 * MIN)}`],
    },
    { name: 'does nothing while suspended', state: aState({ suspend: true }), triggers: [scheduled(T)], want: [] },
    {
      name: 'does not process a time at or before lastScheduleTime again',
      state: aState({}, { lastScheduleTime: T }),
      triggers: [scheduled(T)],
      want: [],
    },
    {
      name: 'misses a time later than startingDeadlineSeconds (MissSchedule)',
      state: aState({ startingDeadlineSeconds: 10 }),
      triggers: [scheduled(T)],
      now: T + 11_000,
      want: ['Warning MissSchedule: Missed scheduled time to start a job: Wed, 01 Jan 2025 10:00:00 +0000'],
    },
    {
      name: 'starts a late time within startingDeadlineSeconds',
      state: aState({ startingDeadlineSeconds: 10 }),
      triggers: [scheduled(T)],
      now: T + 9_000,
      want: [`create ${jobName(T)}`],
    },
    {
      name: 'skips a run while a Job is active with Forbid (JobAlreadyActive)',
      state: aState({ concurrencyPolicy: 'Forbid' }, { active: [job(T)], lastScheduleTime: T }),
      triggers: [scheduled(T + MIN)],
      want: ['Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid'],
    },
    {
      name: 'counts a Job being started as active for Forbid',
      state: aState({ concurrencyPolicy: 'Forbid' }, { creating: [{ ...job(T), scheduledTime: T }] }),
      triggers: [scheduled(T + MIN)],
      want: ['Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid'],
    },
    {
      name: 'runs concurrently with Allow',
      state: aState({ concurrencyPolicy: 'Allow' }, { active: [job(T)], lastScheduleTime: T }),
      triggers: [scheduled(T + MIN)],
      want: [`create ${jobName(T + MIN)}`],
    },
    {
      name: 'deletes the active Job before creating the next with Replace (SuccessfulDelete)',
      state: aState({ concurrencyPolicy: 'Replace' }, { active: [job(T)], lastScheduleTime: T }),
      triggers: [scheduled(T + MIN)],
      want: [`delete ${jobName(T)}`, `Normal SuccessfulDelete: Deleted job ${jobName(T)}`, `create ${jobName(T + MIN)}`],
      check: (s) => expect(s.deleting).toEqual([job(T)]),
    },
    {
      name: 'notices a finished active Job: SawCompletedJob, lastSuccessfulTime',
      state: aState({}, { active: [job(T)], lastScheduleTime: T }),
      triggers: [finished(jobName(T), 'Complete', T, T + 5000)],
      want: [`Normal SawCompletedJob: Saw completed job: ${jobName(T)}, condition: Complete`],
      check: (s) => {
        expect(s.active).toEqual([]);
        expect(s.lastSuccessfulTime).toBe(T + 5000);
        expect(s.finished).toEqual([{ ...job(T), type: 'Complete', startTime: T, completionTime: T + 5000 }]);
      },
    },
    {
      name: 'counts a finished Job it did not create (kubectl create job --from) toward history and lastSuccessfulTime',
      state: aState(),
      triggers: [finished('manual', 'Complete', T, T + 1000)],
      want: [],
      check: (s) => {
        expect(s.finished.map((j) => j.name)).toEqual(['manual']);
        expect(s.lastSuccessfulTime).toBe(T + 1000);
      },
    },
    {
      name: 'reports an active Job deleted by someone else (MissingJob)',
      state: aState({}, { active: [job(T)] }),
      triggers: [finished(jobName(T), 'Deleted')],
      want: [`Normal MissingJob: Active job went missing: ${jobName(T)}`],
    },
    {
      name: 'forgets a Job it deleted itself without an event',
      state: aState({}, { deleting: [job(T)] }),
      triggers: [finished(jobName(T), 'Deleted')],
      want: [],
      check: (s) => expect(s.deleting).toEqual([]),
    },
    {
      name: 'deletes the oldest successful Jobs beyond successfulJobsHistoryLimit',
      state: aState({ successfulJobsHistoryLimit: 1 }, { finished: [fin(T + MIN, 'Complete', T + MIN), fin(T, 'Complete', T)] }),
      triggers: [finished(jobName(T + 2 * MIN), 'Complete', T + 2 * MIN, T + 2 * MIN + 1)],
      want: [`delete ${jobName(T)}`, `Normal SuccessfulDelete: Deleted job ${jobName(T)}`, `delete ${jobName(T + MIN)}`, `Normal SuccessfulDelete: Deleted job ${jobName(T + MIN)}`],
      check: (s) => expect(s.finished.map((j) => j.name)).toEqual([jobName(T + 2 * MIN)]),
    },
    {
      name: 'keeps failed Jobs up to failedJobsHistoryLimit, separately from successful ones',
      state: aState({ failedJobsHistoryLimit: 1 }, { finished: [fin(T, 'Failed', T), fin(T + MIN, 'Complete', T + MIN)] }),
      triggers: [finished(jobName(T + 2 * MIN), 'Failed', T + 2 * MIN)],
      want: [`delete ${jobName(T)}`, `Normal SuccessfulDelete: Deleted job ${jobName(T)}`],
    },
    {
      name: 'deletes every finished Job with a history limit of 0',
      state: aState({ successfulJobsHistoryLimit: 0 }, { active: [job(T)] }),
      triggers: [finished(jobName(T), 'Complete', T, T + 1)],
      want: [`Normal SawCompletedJob: Saw completed job: ${jobName(T)}, condition: Complete`, `delete ${jobName(T)}`, `Normal SuccessfulDelete: Deleted job ${jobName(T)}`],
    },
    {
      name: 'pauses the Schedule when suspended by an update',
      state: aState(),
      triggers: [{ type: 'updated', cronJob: { ...aCronJob({ suspend: true }) } }],
      want: ['syncSchedule paused=true'],
    },
    {
      name: 'says nothing when the Job already exists (created by another actor)',
      state: aState({}, { creating: [{ ...job(T), scheduledTime: T }] }),
      triggers: [{ type: 'jobCreateFailed', name: jobName(T), alreadyExists: true, message: 'exists' }],
      want: [],
      check: (s) => expect(s.lastScheduleTime).toBeNull(),
    },
    {
      name: 'reports another failure to start a Job (FailedCreate)',
      state: aState({}, { creating: [{ ...job(T), scheduledTime: T }] }),
      triggers: [{ type: 'jobCreateFailed', name: jobName(T), alreadyExists: false, message: 'boom' }],
      want: ['Warning FailedCreate: Error creating job: boom'],
    },
    {
      name: 'deletes its Jobs and its Schedule when deleted (Background), then completes',
      state: aState({}, { active: [job(T + MIN)], finished: [fin(T, 'Complete', T)] }),
      triggers: [{ type: 'deleteRequested', propagationPolicy: 'Background' }, scheduled(T + 2 * MIN)],
      want: [`delete ${jobName(T + MIN)}`, `delete ${jobName(T)}`, 'deleteSchedule'],
    },
    {
      name: 'completes once the Schedule is deleted (Background)',
      state: aState({}, { deletion: { at: T, propagationPolicy: 'Background' }, deleting: [job(T)], schedule: { synced: 'k', syncing: null, failed: null, deleting: true, deleted: false } }),
      triggers: [{ type: 'scheduleDeleted' }],
      want: ['complete'],
    },
    {
      name: 'waits for its Jobs to be gone before completing (Foreground)',
      state: aState({}, { deletion: { at: T, propagationPolicy: 'Foreground' }, deleting: [job(T)], schedule: { synced: 'k', syncing: null, failed: null, deleting: true, deleted: false } }),
      triggers: [{ type: 'scheduleDeleted' }],
      want: [],
    },
    {
      name: 'completes when the last Job is gone (Foreground)',
      state: aState({}, { deletion: { at: T, propagationPolicy: 'Foreground' }, deleting: [job(T)], schedule: { synced: 'k', syncing: null, failed: null, deleting: false, deleted: true } }),
      triggers: [finished(jobName(T), 'Deleted')],
      want: ['complete'],
    },
    {
      name: 'leaves its Jobs alone when orphaning them',
      state: aState({}, { active: [job(T)] }),
      triggers: [{ type: 'deleteRequested', propagationPolicy: 'Orphan' }],
      want: ['deleteSchedule'],
    },
    {
      name: 'deletes a Job whose start is confirmed after the CronJob was deleted',
      state: aState({}, { creating: [{ ...job(T), scheduledTime: T }], deletion: { at: T, propagationPolicy: 'Background' }, schedule: { synced: 'k', syncing: null, failed: null, deleting: false, deleted: true } }),
      triggers: [{ type: 'jobCreated', name: jobName(T) }],
      want: [`Normal SuccessfulCreate: Created job ${jobName(T)}`, `delete ${jobName(T)}`, 'complete'],
    },
  ];

  it.each(cases)('$name', ({ state, triggers, now, want, check }) => {
    const result = syncCronJob(state, triggers, env(now ?? T));
    expect(summary(result.actions).filter((a) => !a.startsWith('syncSchedule') || want.some((w) => w.startsWith('syncSchedule')))).toEqual(want);
    check?.(result.state);
    // State is plain JSON (STYLE: no Map/Set/Date/undefined tricks).
    expect(JSON.parse(JSON.stringify(result.state))).toEqual(result.state);
  });

  it('reports a Job template the API server would refuse (FailedCreate)', () => {
    const long = aState({}, {}, { completionMode: 'Indexed', completions: 100000, parallelism: 1 });
    const renamed = { ...long, cronJob: { ...long.cronJob, metadata: { ...long.cronJob.metadata, name: 'c'.repeat(52) } } };
    const result = syncCronJob(renamed, [scheduled(T)], env(T));
    expect(summary(result.actions).filter((a) => !a.startsWith('syncSchedule'))).toEqual([
      expect.stringMatching(/^Warning FailedCreate: Error creating job: Job.batch "c{52}-\d+" is invalid: metadata.name: Invalid value: .*will not able to create pod with invalid DNS label/),
    ]);
  });

  it('creates the Job from the template with the scheduled-timestamp annotation and the controller ownerReference', () => {
    const result = syncCronJob(aState(), [scheduled(T)], env(T + 1000));
    const create = result.actions.find((a) => a.type === 'createJob');
    expect(create?.type === 'createJob' && create.job.metadata).toMatchObject({
      name: jobName(T),
      namespace: 'ns',
      labels: { app: 'a' },
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2025-01-01T10:00:00Z' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }],
      creationTimestamp: '2025-01-01T10:00:01Z',
    });
    expect(create?.type === 'createJob' && create.job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6 });
  });

  it('renders status.active as Job references, the times as RFC 3339, and a Foreground deletion with its finalizer', () => {
    const s = aState({}, { active: [job(T)], lastScheduleTime: T, lastSuccessfulTime: T - MIN, deletion: { at: T + MIN, propagationPolicy: 'Foreground' } });
    const cj = renderCronJob(s);
    expect(cj.status).toEqual({
      active: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName(T), namespace: 'ns', uid: `${jobName(T)}-uid` }],
      lastScheduleTime: '2025-01-01T10:00:00Z',
      lastSuccessfulTime: '2025-01-01T09:59:00Z',
    });
    expect(cj.metadata).toMatchObject({ deletionTimestamp: '2025-01-01T10:01:00Z', finalizers: ['foregroundDeletion'] });
  });

  it('writes the Schedule again only when its options change, one write at a time', () => {
    const s = aState();
    expect(syncCronJob(s, [{ type: 'updated', cronJob: { ...s.cronJob, metadata: { ...s.cronJob.metadata, labels: { x: 'y' } } } }], env(T)).actions).toEqual([]);
    const first = syncCronJob(s, [{ type: 'updated', cronJob: aCronJob({ suspend: true }) }], env(T));
    expect(summary(first.actions)).toEqual(['syncSchedule paused=true']);
    const second = syncCronJob(first.state, [{ type: 'updated', cronJob: aCronJob({ suspend: false, schedule: '@daily' }) }], env(T));
    expect(second.actions).toEqual([]);
  });
});
