/**
 * The Job workflow against a real dev server and a real worker running real processes: one test
 * per family of the controller issue, with backoff shrunk through the workflow input.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_WORKFLOW_TYPE, resumeSignal, scaleSignal, suspendSignal, deleteJobUpdate, deletePodUpdate, eventsQuery, updateJobUpdate, workflowIdFor } from '../../src/workflows/definitions.js';
import { alive, condition, hasCondition, manifest, startJob, storedJob, uniqueName } from '../support/jobs.js';
import { jobSettingsFrom } from '../../src/config.js';
import { poll } from '../support/poll.js';
import { readPodLog } from '../../src/storage/pod-logs.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
let scratch: string;

beforeAll(async () => {
  stack = await startTestStack();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'kjob-wf-'));
});
afterAll(async () => {
  await stack?.stop();
});

function scratchDir(name: string): string {
  return mkdtempSync(path.join(scratch, `${name}-`));
}

function readPids(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

describe('job workflow', () => {
  it('when a 1-completion Job prints and exits 0, then it is Complete with CompletionsReached and one succeeded pod', async () => {
    const name = uniqueName('hello');
    const started = await startJob(stack, manifest(name, 'echo hello from kjob'));
    const job = await started.waitForCondition('Complete');
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
    expect(job.status?.conditions?.map((c) => [c.type, c.reason])).toEqual([
      ['SuccessCriteriaMet', 'CompletionsReached'],
      ['Complete', 'CompletionsReached'],
    ]);
    expect(job.status?.completionTime).toBeTruthy();
    expect(Date.parse(job.status!.completionTime!)).toBeGreaterThanOrEqual(Date.parse(job.status!.startTime!));
    const pods = await started.pods();
    expect(pods).toHaveLength(1);
    expect(pods[0]!.status.phase).toBe('Succeeded');
    expect(pods[0]!.spec.nodeName).toMatch(/^\d+@.+/);
    expect(pods[0]!.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('when completions is 5 and parallelism 2, then five pods succeed and never more than two run at once', async () => {
    const dir = scratchDir('parallel');
    const name = uniqueName('parallel');
    const script = `touch "$D/run.$$$$"; ls "$D" | grep -c '^run\\.' >> "$D/counts"; sleep 0.3; rm "$D/run.$$$$"`;
    const m = manifest(name, script, { completions: 5, parallelism: 2 });
    m.spec.template.spec.containers[0]!.env = [{ name: 'D', value: dir }];
    const started = await startJob(stack, m);
    const job = await started.waitForCondition('Complete');
    expect(job.status).toMatchObject({ succeeded: 5, failed: 0, active: 0 });
    const counts = readFileSync(path.join(dir, 'counts'), 'utf8').split('\n').filter(Boolean).map(Number);
    expect(counts).toHaveLength(5);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(Math.max(...counts)).toBe(2);
  });

  it('when every pod exits 1 and backoffLimit is 2, then the Job fails with BackoffLimitExceeded after exactly 3 pods', async () => {
    const name = uniqueName('backoff');
    const started = await startJob(stack, manifest(name, 'echo failing >&2; exit 1', { backoffLimit: 2 }));
    const job = await started.waitForCondition('Failed');
    expect(job.status).toMatchObject({ failed: 3, succeeded: 0, active: 0 });
    expect(condition(job, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(hasCondition(job, 'FailureTarget')).toBe(true);
    expect(job.status?.completionTime).toBeUndefined();
    const pods = await started.pods();
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.status.phase === 'Failed')).toBe(true);
    expect(pods[0]!.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(pods[0]!.status.containerStatuses?.[0]?.state.terminated?.message).toContain('failing');
  });

  it('when an OnFailure container fails twice, then it is restarted in the same pod and the Job completes with restartCount 2', async () => {
    const name = uniqueName('onfailure');
    const script = 'n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; [ "$n" -ge 3 ]';
    const started = await startJob(stack, manifest(name, script, { backoffLimit: 4 }, { restartPolicy: 'OnFailure' }));
    const job = await started.waitForCondition('Complete');
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0 });
    const pods = await started.pods();
    expect(pods).toHaveLength(1);
    expect(pods[0]!.status.containerStatuses?.[0]?.restartCount).toBe(2);
    expect(pods[0]!.status.containerStatuses?.[0]?.lastState.terminated?.exitCode).toBe(1);
  });

  it('when an OnFailure container keeps failing with backoffLimit 2, then the Job fails with BackoffLimitExceeded and the pod is killed', async () => {
    const name = uniqueName('onfailure-limit');
    const started = await startJob(stack, manifest(name, 'exit 7', { backoffLimit: 2 }, { restartPolicy: 'OnFailure' }));
    const job = await started.waitForCondition('Failed');
    expect(condition(job, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    // Kubernetes counts the killed OnFailure pod as failed and deletes it (TestJobBackoffForOnFailure).
    expect(job.status).toMatchObject({ active: 0, failed: 1, succeeded: 0 });
    expect(await started.pods()).toHaveLength(0);
    const events = await started.handle.query(eventsQuery);
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['SuccessfulCreate', 'SuccessfulDelete', 'BackoffLimitExceeded']));
  });

  it('when activeDeadlineSeconds passes, then the running pod is terminated and the Job fails with DeadlineExceeded', async () => {
    const dir = scratchDir('deadline');
    const name = uniqueName('deadline');
    const m = manifest(name, `echo $$$$ >> "${dir}/pids"; exec sleep 600`, { activeDeadlineSeconds: 2 });
    const started = await startJob(stack, m);
    const job = await started.waitForCondition('Failed', 30_000);
    expect(condition(job, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(job.status).toMatchObject({ active: 0, failed: 1 });
    const pids = readPids(path.join(dir, 'pids'));
    expect(pids).toHaveLength(1);
    expect(alive(pids[0]!)).toBe(false);
  });

  it('when a running Job is suspended and resumed by signal, then its pods stop without counting as failed and new pods finish it', async () => {
    const dir = scratchDir('suspend');
    const name = uniqueName('suspend');
    const m = manifest(name, `echo $$$$ >> "${dir}/pids"; if [ -f "${dir}/go" ]; then exit 0; fi; exec sleep 600`, { completions: 2, parallelism: 2 });
    const started = await startJob(stack, m);
    await started.waitFor((j) => (j.status?.active ?? 0) === 2, 'two active pods');
    await started.handle.signal(suspendSignal);
    const suspended = await started.waitFor((j) => hasCondition(j, 'Suspended') && j.status?.active === 0 && (j.status?.terminating ?? 0) === 0, 'suspended with no pods');
    expect(condition(suspended, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(suspended.status).toMatchObject({ failed: 0, succeeded: 0 });
    expect(suspended.status?.startTime).toBeUndefined();
    for (const pid of readPids(path.join(dir, 'pids'))) expect(alive(pid)).toBe(false);

    await import('node:fs').then((fs) => fs.writeFileSync(path.join(dir, 'go'), ''));
    await started.handle.signal(resumeSignal);
    const done = await started.waitForCondition('Complete');
    expect(condition(done, 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed', message: 'Job resumed' });
    expect(done.status).toMatchObject({ succeeded: 2, failed: 0 });
    const events = await started.handle.query(eventsQuery);
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toContain('Suspended');
    expect(reasons).toContain('Resumed');
    expect(reasons).toContain('Completed');
  });

  it('when a Job is created suspended, then no pod starts until it is resumed', async () => {
    const name = uniqueName('created-suspended');
    const started = await startJob(stack, manifest(name, 'true', { suspend: true }));
    const job = await started.waitForCondition('Suspended');
    expect(job.status?.startTime).toBeUndefined();
    expect(await started.pods()).toHaveLength(0);
    await started.handle.signal(resumeSignal);
    const done = await started.waitForCondition('Complete');
    expect(done.status?.succeeded).toBe(1);
  });

  it('when the scale signal raises parallelism from 1 to 3, then three pods run at once', async () => {
    const dir = scratchDir('scale');
    const name = uniqueName('scale');
    const m = manifest(name, `while [ ! -f "${dir}/go" ]; do sleep 0.1; done`, { completions: 3, parallelism: 1 });
    const started = await startJob(stack, m);
    await started.waitFor((j) => j.status?.active === 1, 'one active pod');
    await started.handle.signal(scaleSignal, { parallelism: 3 });
    const scaled = await started.waitFor((j) => j.status?.active === 3, 'three active pods');
    expect(scaled.spec.parallelism).toBe(3);
    await import('node:fs').then((fs) => fs.writeFileSync(path.join(dir, 'go'), ''));
    const done = await started.waitForCondition('Complete');
    expect(done.status?.succeeded).toBe(3);
  });

  it('when an invalid scale signal arrives, then it is ignored and the Job keeps its parallelism', async () => {
    const dir = scratchDir('badscale');
    const name = uniqueName('bad-scale');
    const started = await startJob(stack, manifest(name, `while [ ! -f "${dir}/go" ]; do sleep 0.1; done`, { completions: 1 }));
    await started.waitFor((j) => j.status?.active === 1, 'one active pod');
    await started.handle.signal(scaleSignal, { parallelism: -4 });
    await started.handle.signal(scaleSignal, { parallelism: 'many' } as never);
    await import('node:fs').then((fs) => fs.writeFileSync(path.join(dir, 'go'), ''));
    const done = await started.waitForCondition('Complete');
    expect(done.spec.parallelism).toBe(1);
  });

  it('when a running Job is deleted, then its pods (and their children) are killed and the workflow ends', async () => {
    const dir = scratchDir('delete');
    const name = uniqueName('delete');
    const m = manifest(name, `sleep 600 & echo $! >> "${dir}/pids"; echo $$$$ >> "${dir}/pids"; wait`, { completions: 2, parallelism: 2 });
    const started = await startJob(stack, m);
    await started.waitFor((j) => j.status?.active === 2, 'two active pods');
    await poll(() => readPids(path.join(dir, 'pids')), (p) => p.length === 4, { what: 'four pids written' });
    await started.handle.executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy: 'Background' }] });
    await started.handle.result();
    for (const pid of readPids(path.join(dir, 'pids'))) expect(alive(pid)).toBe(false);
  });

  it('when an Indexed Job runs, then each index gets JOB_COMPLETION_INDEX and its hostname, and completedIndexes is an interval string', async () => {
    const name = uniqueName('indexed');
    const started = await startJob(stack, manifest(name, 'echo "index=$JOB_COMPLETION_INDEX"', { completionMode: 'Indexed', completions: 4, parallelism: 2 }));
    const job = await started.waitForCondition('Complete');
    expect(job.status).toMatchObject({ succeeded: 4, completedIndexes: '0-3' });
    const pods = await started.pods();
    const byIndex = new Map(pods.map((p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
    for (const i of ['0', '1', '2', '3']) {
      const pod = byIndex.get(i);
      expect(pod, `pod for index ${i}`).toBeDefined();
      expect(pod!.spec.hostname).toBe(`${name}-${i}`);
      expect(pod!.metadata.name).toMatch(new RegExp(`^${name}-${i}-[a-z0-9]{5}$`));
      expect(pod!.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
      const log = await readPodLog({ dataDir: stack.dataDir, namespace: 'default', jobUid: started.job.metadata.uid, podName: pod!.metadata.name!, container: 'main' });
      expect(log).toBe(`index=${i}\n`);
    }
  });

  it('when a work-queue Job (no completions) has a pod succeed, then it completes once no pod is active', async () => {
    const name = uniqueName('queue');
    const started = await startJob(stack, manifest(name, 'sleep 0.2', { parallelism: 2 }));
    const job = await started.waitForCondition('Complete');
    expect(job.spec.completions ?? null).toBeNull();
    expect(job.status?.succeeded).toBeGreaterThanOrEqual(1);
    expect(job.status?.active).toBe(0);
  });

  it('when the history grows past the continue-as-new threshold while pods run, then the Job continues as new and still completes exactly', async () => {
    const name = uniqueName('can');
    const started = await startJob(stack, manifest(name, 'sleep 0.2', { completions: 6, parallelism: 2 }), { continueAsNewAfterEvents: 25 });
    const job = await started.waitForCondition('Complete', 90_000);
    expect(job.status).toMatchObject({ succeeded: 6, failed: 0, active: 0 });
    const description = await started.handle.describe();
    expect(description.runId).not.toBe(started.handle.firstExecutionRunId);
  });

  it('when a user deletes a pod with gracePeriodSeconds 1, then a process that ignores SIGTERM is killed after 1 s, not the template 30 s', async () => {
    const name = uniqueName('pod-grace');
    const m = manifest(name, "trap '' TERM; while true; do sleep 0.1; done", { backoffLimit: 0 }, { terminationGracePeriodSeconds: 30 });
    const started = await startJob(stack, m);
    const running = await poll(() => started.pods(), (p) => p.length === 1 && p[0]!.status.phase === 'Running', { what: 'the pod to run' });
    const podName = running[0]!.metadata.name!;
    const deleting = await started.handle.executeUpdate(deletePodUpdate, { args: [{ podName, gracePeriodSeconds: 1 }] });
    expect(deleting.items[0]?.metadata.deletionGracePeriodSeconds).toBe(1);
    // Deleted by the user with the default podReplacementPolicy: counted as failed, backoffLimit 0 → Failed.
    const job = await started.waitForCondition('Failed', 15_000);
    expect(condition(job, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    const events = await started.handle.query(eventsQuery);
    expect(events.items.map((e) => e.reason)).toContain('BackoffLimitExceeded');
  }, 20_000);

  it('when a running Job is deleted with Orphan, then its pod runs to its own end untouched and the workflow ends after it', async () => {
    const dir = scratchDir('orphan');
    const name = uniqueName('orphan');
    const started = await startJob(stack, manifest(name, `while [ ! -f "${dir}/go" ]; do sleep 0.05; done; touch "${dir}/finished"`));
    await started.waitFor((j) => j.status?.active === 1, 'one active pod');
    const deleted = await started.handle.executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy: 'Orphan' }] });
    expect(deleted.metadata.deletionTimestamp).toBeTruthy();
    expect((await started.handle.describe()).status.name).toBe('RUNNING');
    await import('node:fs').then((fs) => fs.writeFileSync(path.join(dir, 'go'), ''));
    await started.handle.result();
    expect(existsSync(path.join(dir, 'finished'))).toBe(true);
  });

  it('when an operator sends malformed updates from the Temporal UI, then they are rejected and the Job runs on', async () => {
    const dir = scratchDir('bad-update');
    const name = uniqueName('bad-update');
    const started = await startJob(stack, manifest(name, `while [ ! -f "${dir}/go" ]; do sleep 0.05; done`));
    await started.waitFor((j) => j.status?.active === 1, 'one active pod');
    await expect(started.handle.executeUpdate(updateJobUpdate, { args: [{} as never] })).rejects.toThrow();
    await expect(started.handle.executeUpdate(deletePodUpdate, { args: [{ podName: 'nope', gracePeriodSeconds: null }] })).rejects.toThrow();
    await expect(started.handle.executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy: 'Sideways' } as never] })).rejects.toThrow();
    await import('node:fs').then((fs) => fs.writeFileSync(path.join(dir, 'go'), ''));
    const done = await started.waitForCondition('Complete');
    expect(done.status?.succeeded).toBe(1);
  });

  it('when a job workflow is started by hand with an invalid Job, then it fails at once with the field errors', async () => {
    const valid = storedJob(manifest(uniqueName('by-hand'), 'true'));
    const bad = { ...valid, spec: { ...valid.spec, completions: -1 } };
    const handle = await stack.client.workflow.start(JOB_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: workflowIdFor('default', valid.metadata.name),
      args: [{ job: bad, settings: jobSettingsFrom(stack.config) }],
    });
    const failure = await handle.result().then(
      () => null,
      (err: unknown) => err as { cause?: { message?: string; type?: string } },
    );
    expect(failure?.cause?.type).toBe('Invalid');
    expect(failure?.cause?.message).toContain('spec.completions: Invalid value: -1: must be greater than or equal to 0');
  });
});
