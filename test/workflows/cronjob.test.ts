/**
 * The CronJob workflow against a real dev server: its Temporal Schedule (created, ticking within
 * seconds through the test knob, paused by suspend, deleted with the CronJob), the Jobs it starts
 * as children, what those Jobs report back, and continue-as-new. Jobs here run no pods
 * (`completions: 0` finishes at once, `suspend: true` stays active), so only the CronJob's own
 * behaviour is under test.
 */
import { ScheduleNotFoundError, WorkflowIdReusePolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSettingsFrom } from '../../src/config.js';
import { prepareCronJobForCreate } from '../../src/k8s/cronjob-strategy.js';
import type { CronJob, CronJobSpec, StoredCronJob } from '../../src/k8s/cronjob-types.js';
import type { Job } from '../../src/k8s/types.js';
import {
  CRONJOB_WORKFLOW_TYPE,
  cronJobQuery,
  cronJobScheduleIdFor,
  cronJobScheduledSignal,
  cronJobWorkflowIdFor,
  deleteCronJobUpdate,
  eventsQuery,
  jobQuery,
  updateCronJobUpdate,
  workflowIdFor,
  type CronJobWorkflowInput,
} from '../../src/workflows/definitions.js';
import { uniqueName } from '../support/jobs.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const NS = 'wf-cron';
const MIN = 60_000;

function aCronJob(name: string, spec: Partial<CronJobSpec> = {}, jobSpec: Record<string, unknown> = { completions: 0 }, annotations?: Record<string, string>): StoredCronJob {
  const cj: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      schedule: '0 0 1 1 *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { from: 'cron' } },
        spec: { ...jobSpec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', command: ['true'] }] } } },
      },
    } as CronJobSpec,
  };
  return prepareCronJobForCreate(cj, { namespace: NS, uid: crypto.randomUUID(), now: new Date() });
}

async function start(cronJob: StoredCronJob, extra: Partial<CronJobWorkflowInput> = {}) {
  const input: CronJobWorkflowInput = { cronJob, settings: jobSettingsFrom(stack.config), testKnobs: true, ...extra };
  return stack.client.workflow.start(CRONJOB_WORKFLOW_TYPE, {
    workflowId: cronJobWorkflowIdFor(NS, cronJob.metadata.name),
    taskQueue: stack.taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
}

const schedule = (name: string) => stack.client.schedule.getHandle(cronJobScheduleIdFor(NS, name));
const cronJobOf = (name: string) => stack.client.workflow.getHandle(cronJobWorkflowIdFor(NS, name)).query(cronJobQuery);
const jobOf = (name: string): Promise<Job | null> =>
  stack.client.workflow
    .getHandle(workflowIdFor(NS, name))
    .query(jobQuery)
    .then((j) => (j.metadata.deletionTimestamp ? null : j))
    .catch(() => null);
const tell = (name: string, at: number) => stack.client.workflow.getHandle(cronJobWorkflowIdFor(NS, name)).signal(cronJobScheduledSignal, { scheduledTime: new Date(at).toISOString() });
const jobName = (cj: string, at: number) => `${cj}-${Math.floor(at / MIN)}`;
/** Distinct whole minutes in the recent past (each a different Job name), fixed when a test starts. */
function recentMinutes(): (k: number) => number {
  const now = Math.floor(Date.now() / MIN);
  return (k) => (now - k) * MIN;
}

async function eventReasons(name: string): Promise<string[]> {
  const list = await stack.client.workflow.getHandle(cronJobWorkflowIdFor(NS, name)).query(eventsQuery);
  return list.items.map((e) => e.reason);
}

describe('cronJob workflow', () => {
  it('when started, then its Schedule exists with the cron spec, ALLOW_ALL overlap and the tick as action', async () => {
    const name = uniqueName('sched');
    await start(aCronJob(name, { schedule: '30 4 * * 1-5', timeZone: 'Europe/Paris', startingDeadlineSeconds: 45 }));
    const d = await poll(() => schedule(name).describe(), () => true, { what: 'the Schedule to exist' });
    expect(d.spec.timezone).toBe('Europe/Paris');
    expect(d.spec.calendars).toHaveLength(1);
    expect(d.policies).toMatchObject({ overlap: 'ALLOW_ALL', catchupWindow: 45_000 });
    expect(d.state.paused).toBe(false);
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'cronJobTick', taskQueue: stack.taskQueue });
    const next = d.info.nextActionTimes.map((t) => t.toISOString());
    expect(next.length).toBeGreaterThan(0);
    // 04:30 in Paris on weekdays.
    for (const t of d.info.nextActionTimes) {
      const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(t);
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 04:30$/);
    }
  });

  it('when both day fields are restricted, then the Schedule fires on either (cron OR), as Kubernetes does', async () => {
    const name = uniqueName('dayor');
    await start(aCronJob(name, { schedule: '0 12 13 * 5' }));
    const d = await poll(() => schedule(name).describe(), () => true, { what: 'the Schedule to exist' });
    const days = d.info.nextActionTimes.map((t) => [t.getUTCDate(), t.getUTCDay()]);
    expect(days.length).toBeGreaterThan(3);
    expect(days.every(([date, dow]) => date === 13 || dow === 5)).toBe(true);
    expect(days.some(([date, dow]) => date !== 13 && dow === 5)).toBe(true);
  });

  it('when the test knob makes the Schedule tick every 2s, then it creates the Job <name>-<minutes> with the annotation and ownerReference', async () => {
    const name = uniqueName('tick');
    const cj = aCronJob(name, {}, { completions: 0 }, { 'kjob.dev/test-schedule-every': '2s' });
    await start(cj);
    const status = await poll(() => cronJobOf(name), (c) => c.status?.lastScheduleTime !== undefined, { what: 'a first scheduled Job', timeoutMs: 20_000 });
    const at = Date.parse(status.status!.lastScheduleTime!);
    const job = await poll(() => jobOf(jobName(name, at)), (j) => j !== null, { what: 'the Job' });
    expect(job!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(at).toISOString().replace('.000', ''));
    expect(job!.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name, uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(job!.metadata.labels).toMatchObject({ from: 'cron' });
    // completions 0: Complete at once; the Job tells its CronJob.
    const done = await poll(() => cronJobOf(name), (c) => c.status?.lastSuccessfulTime !== undefined, { what: 'lastSuccessfulTime' });
    expect(done.status?.active ?? []).toEqual([]);
    expect(await eventReasons(name)).toEqual(expect.arrayContaining(['SuccessfulCreate', 'SawCompletedJob']));
    await stack.client.workflow.getHandle(cronJobWorkflowIdFor(NS, name)).executeUpdate(deleteCronJobUpdate, { args: [{ propagationPolicy: 'Background' }] });
  });

  it('when the Schedule is triggered by hand (Temporal UI "Trigger"), then a run starts now', async () => {
    const name = uniqueName('trigger');
    await start(aCronJob(name));
    await poll(() => schedule(name).describe(), () => true, { what: 'the Schedule' });
    const before = Date.now();
    await schedule(name).trigger();
    const c = await poll(() => cronJobOf(name), (x) => x.status?.lastScheduleTime !== undefined, { what: 'the triggered run' });
    const at = Date.parse(c.status!.lastScheduleTime!);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(await poll(() => jobOf(jobName(name, at)), (j) => j !== null, { what: 'the Job' })).not.toBeNull();
  });

  it('when suspended by an update, then the Schedule is paused by the time the update answers', async () => {
    const name = uniqueName('pause');
    const cj = aCronJob(name);
    await start(cj);
    await poll(() => schedule(name).describe(), () => true, { what: 'the Schedule' });
    const updated = { ...cj, metadata: { ...cj.metadata, generation: 2 }, spec: { ...cj.spec, suspend: true } };
    const answer = await stack.client.workflow.getHandle(cronJobWorkflowIdFor(NS, name)).executeUpdate(updateCronJobUpdate, { args: [updated] });
    expect(answer.spec.suspend).toBe(true);
    const d = await schedule(name).describe();
    expect(d.state).toMatchObject({ paused: true, note: expect.stringContaining('suspended') });
  });

  it('when a Job is active and concurrencyPolicy is Forbid, then a due time is skipped (JobAlreadyActive); with Replace the active Job is deleted', async () => {
    const name = uniqueName('forbid');
    const minutesAgo = recentMinutes();
    const cj = aCronJob(name, { concurrencyPolicy: 'Forbid' }, { suspend: true });
    await start(cj);
    await tell(name, minutesAgo(3));
    await poll(() => cronJobOf(name), (c) => (c.status?.active ?? []).length === 1, { what: 'one active Job' });
    await tell(name, minutesAgo(2));
    await poll(() => eventReasons(name), (r) => r.includes('JobAlreadyActive'), { what: 'JobAlreadyActive' });
    expect(await jobOf(jobName(name, minutesAgo(2)))).toBeNull();

    const handle = stack.client.workflow.getHandle(cronJobWorkflowIdFor(NS, name));
    await handle.executeUpdate(updateCronJobUpdate, { args: [{ ...cj, spec: { ...cj.spec, concurrencyPolicy: 'Replace' } }] });
    await tell(name, minutesAgo(1));
    const c = await poll(() => cronJobOf(name), (x) => x.status?.active?.[0]?.name === jobName(name, minutesAgo(1)), { what: 'the replacement Job to be active' });
    expect(c.status?.active).toHaveLength(1);
    await poll(() => jobOf(jobName(name, minutesAgo(3))), (j) => j === null, { what: 'the replaced Job to be deleted' });
    expect(await eventReasons(name)).toEqual(expect.arrayContaining(['SuccessfulDelete']));
  });

  it('when more Jobs finish than successfulJobsHistoryLimit keeps, then the oldest are deleted', async () => {
    const name = uniqueName('hist');
    const minutesAgo = recentMinutes();
    await start(aCronJob(name, { successfulJobsHistoryLimit: 1 }));
    for (const k of [4, 3, 2]) {
      await tell(name, minutesAgo(k));
      await poll(() => jobOf(jobName(name, minutesAgo(k))), (j) => j !== null, { what: `Job ${k}` }).catch(() => null);
    }
    await poll(
      async () => Promise.all([4, 3, 2].map((k) => jobOf(jobName(name, minutesAgo(k))))),
      (jobs) => jobs[0] === null && jobs[1] === null && jobs[2] !== null,
      { what: 'only the newest Job kept' },
    );
  });

  it('when deleted (Background), then its Jobs and its Schedule are deleted and the workflow ends', async () => {
    const name = uniqueName('del');
    const minutesAgo = recentMinutes();
    await start(aCronJob(name, {}, { suspend: true }));
    await tell(name, minutesAgo(1));
    await poll(() => cronJobOf(name), (c) => (c.status?.active ?? []).length === 1, { what: 'an active Job' });
    const handle = stack.client.workflow.getHandle(cronJobWorkflowIdFor(NS, name));
    const deleted = await handle.executeUpdate(deleteCronJobUpdate, { args: [{ propagationPolicy: 'Background' }] });
    expect(deleted.metadata.deletionTimestamp).toBeDefined();
    await handle.result();
    await expect(schedule(name).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await poll(() => jobOf(jobName(name, minutesAgo(1))), (j) => j === null, { what: 'the Job to be deleted' });
  });

  it('when its history is large, then it continues as new and keeps its Jobs and Schedule', async () => {
    const name = uniqueName('can');
    const minutesAgo = recentMinutes();
    const handle = await start(aCronJob(name), { continueAsNewAfterEvents: 40 });
    // One due time at a time (due times arriving together are coalesced into one run).
    for (const k of [6, 5, 4, 3, 2]) {
      await tell(name, minutesAgo(k));
      const at = new Date(minutesAgo(k)).toISOString().replace('.000', '');
      await poll(() => cronJobOf(name), (x) => x.status?.lastScheduleTime === at && (x.status.active ?? []).length === 0, { what: `run ${k} finished` });
    }
    await poll(() => handle.describe(), (d) => d.runId !== handle.firstExecutionRunId, { what: 'a continued run' });
    // The continued run carries on: a next due time starts a Job; the history limit (3) still holds.
    await tell(name, minutesAgo(1));
    const after = new Date(minutesAgo(1)).toISOString().replace('.000', '');
    await poll(() => cronJobOf(name), (x) => x.status?.lastScheduleTime === after, { what: 'a run after continue-as-new' });
    await poll(() => Promise.all([6, 5, 4].map((k) => jobOf(jobName(name, minutesAgo(k))))), (jobs) => jobs.every((j) => j === null), { what: 'the oldest Jobs deleted' });
    expect((await schedule(name).describe()).state.paused).toBe(false);
  });
});
