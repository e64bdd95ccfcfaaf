/**
 * Shard hand-over at small sizes (docs/architecture.md): with two pods per slice, a Job of six
 * running pods runs two itself and four on two pod shards. What the Job decides (suspend, scale,
 * deadline, delete) must reach every shard's pods, and a worker lost with shards and pods on it
 * must not lose a pod or count one twice. Continue-as-new of Job and shards is in shards.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteJobUpdate,
  resumeSignal,
  scaleSignal,
  shardIdFor,
  suspendSignal,
  workflowIdFor,
} from '../../src/workflows/definitions.js';
import { alive, hasCondition, manifest, startJob, uniqueName, type StartedJob } from '../support/jobs.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

const root = path.resolve(import.meta.dirname, '../..');
const PODS_PER_SHARD = 2;
let stack: TestStack;
let scratch: string;

beforeAll(async () => {
  stack = await startTestStack({ podsPerShard: PODS_PER_SHARD });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'kjob-handover-'));
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * An Indexed Job whose pods leave `run.<index>.<pid>` and wait for `go` (then leave
 * `done.<index>.<pid>` and exit 0). `running()` is the pids of pod processes alive now.
 */
function waitingJob(name: string, spec: Record<string, unknown>) {
  const dir = mkdtempSync(path.join(scratch, `${name}-`));
  const script = `echo > "$D/run.$JOB_COMPLETION_INDEX.$$$$"; while [ ! -e "$D/go" ]; do sleep 0.1; done; touch "$D/done.$JOB_COMPLETION_INDEX.$$$$"`;
  const m = manifest(name, script, { completionMode: 'Indexed', backoffLimit: 20, ...spec });
  m.spec.template.spec.containers[0]!.env = [{ name: 'D', value: dir }];
  m.spec.template.spec.terminationGracePeriodSeconds = 2;
  const files = (prefix: string) => readdirSync(dir).filter((f) => f.startsWith(`${prefix}.`)).map((f) => f.split('.').map(Number));
  return {
    m,
    running: () => files('run').map(([, , pid]) => pid!).filter((pid) => alive(pid)),
    /** Indexes that ran to the end, one entry per finished run. */
    finished: () => files('done').map(([, index]) => index!).sort((a, b) => a - b),
    go: () => writeFileSync(path.join(dir, 'go'), ''),
  };
}

async function runningPods(job: ReturnType<typeof waitingJob>, n: number): Promise<number[]> {
  return poll(() => job.running(), (pids) => pids.length === n, { what: `${n} pod processes`, timeoutMs: 60_000 });
}

async function noneRunning(job: ReturnType<typeof waitingJob>, timeoutMs = 15_000): Promise<void> {
  await poll(() => job.running(), (pids) => pids.length === 0, { what: 'every pod process to exit', timeoutMs });
}

async function statusOf(workflowId: string): Promise<string> {
  return (await stack.client.workflow.getHandle(workflowId).describe()).status.name;
}

const shardsOf = (started: StartedJob) => [1, 2].map((k) => shardIdFor(started.handle.workflowId, k));

describe('shard hand-over', () => {
  it('when a Job with pods on two shards is suspended, then every shard stops its pods, and resumed it finishes each index once', async () => {
    const job = waitingJob(uniqueName('ho-suspend'), { completions: 6, parallelism: 6 });
    const started = await startJob(stack, job.m);
    await runningPods(job, 6);
    for (const shard of shardsOf(started)) expect(await statusOf(shard)).toBe('RUNNING');

    await started.handle.signal(suspendSignal);
    await noneRunning(job);
    await started.waitFor((j) => (j.status?.active ?? 1) === 0 && (j.status?.terminating ?? 1) === 0 && hasCondition(j, 'Suspended'), 'suspended, no pod left');

    job.go();
    await started.handle.signal(resumeSignal);
    const done = await started.waitForCondition('Complete');
    expect(done.status).toMatchObject({ succeeded: 6, completedIndexes: '0-5', active: 0 });
    expect(job.finished()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('when parallelism goes from 6 to 2 and back, then the shards stop and start pods to match and each index finishes once', async () => {
    const job = waitingJob(uniqueName('ho-scale'), { completions: 6, parallelism: 6 });
    const started = await startJob(stack, job.m);
    await runningPods(job, 6);

    await started.handle.signal(scaleSignal, { parallelism: 2 });
    await runningPods(job, 2);
    await started.waitFor((j) => j.status?.active === 2 && (j.status?.terminating ?? 0) === 0, 'two active pods');

    await started.handle.signal(scaleSignal, { parallelism: 6 });
    await runningPods(job, 6);

    job.go();
    const done = await started.waitForCondition('Complete');
    expect(done.status).toMatchObject({ succeeded: 6, completedIndexes: '0-5', active: 0 });
    expect(job.finished()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('when the deadline passes with pods on every shard, then all of them are stopped and the Job fails with DeadlineExceeded', async () => {
    const job = waitingJob(uniqueName('ho-deadline'), { completions: 6, parallelism: 6, activeDeadlineSeconds: 4 });
    const started = await startJob(stack, job.m);
    await runningPods(job, 6);
    const failed = await started.waitForCondition('Failed', 30_000);
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('DeadlineExceeded');
    await noneRunning(job);
    await started.waitFor((j) => (j.status?.active ?? 1) === 0 && (j.status?.terminating ?? 1) === 0, 'no pod left');
    expect(job.finished()).toEqual([]);
  });

  it('when a Job with running pods on two shards is deleted, then every pod process exits and the Job and its shards complete', async () => {
    const job = waitingJob(uniqueName('ho-delete'), { completions: 6, parallelism: 6 });
    const started = await startJob(stack, job.m);
    await runningPods(job, 6);
    await started.handle.executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy: 'Foreground' }] });
    await noneRunning(job);
    await started.handle.result();
    expect(await statusOf(started.handle.workflowId)).toBe('COMPLETED');
    for (const shard of shardsOf(started)) {
      await poll(() => statusOf(shard), (s) => s !== 'RUNNING', { what: `${shard} to close` });
      expect(await statusOf(shard)).toBe('COMPLETED');
    }
  });
});

describe('shard hand-over when a worker is lost', () => {
  let lossy: TestStack;
  let child: ChildProcess | null = null;
  beforeAll(async () => {
    lossy = await startTestStack({ podsPerShard: PODS_PER_SHARD, podHeartbeatTimeoutSeconds: 2 }, { worker: false });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await lossy?.stop();
  });

  it('when the only worker dies with the Job, its shards and their pods on it, then another worker takes them over and every index succeeds once', async () => {
    const output: string[] = [];
    // `node --import tsx` (not the tsx launcher) so that the pid we SIGKILL is the worker itself.
    child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
      cwd: root,
      env: { ...process.env, TEMPORAL_ADDRESS: lossy.address, KJOB_TASK_QUEUE: lossy.taskQueue, KJOB_DATA_DIR: lossy.dataDir, KJOB_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
    child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
    await poll(() => output.join(''), (o) => o.includes('worker started') || child!.exitCode !== null, { what: 'the child worker to start', timeoutMs: 60_000 });
    expect(child.exitCode).toBeNull();

    const name = uniqueName('ho-loss');
    const job = waitingJob(name, {
      completions: 6,
      parallelism: 6,
      backoffLimit: 0,
      // A lost node's pods are DisruptionTargets: replaced without spending the backoff budget.
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
    });
    const started = await startJob(lossy, job.m);
    const first = await runningPods(job, 6);
    for (const shard of shardsOf(started)) expect(await lossy.client.workflow.getHandle(shard).describe().then((d) => d.status.name)).toBe('RUNNING');

    child.kill('SIGKILL');
    await poll(() => first.filter((pid) => alive(pid)), (pids) => pids.length === 0, { what: "the lost worker's pods to die with it", timeoutMs: 10_000 });

    job.go();
    const second = await lossy.addWorker('second-worker@test');
    try {
      const done = await poll(() => lossy.client.workflow.getHandle(workflowIdFor('default', name)).query<{ status?: { conditions?: Array<{ type: string; status: string }>; succeeded?: number; failed?: number } }>('job'), (j) => (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True'), {
        what: `${name} to complete on the second worker`,
        timeoutMs: 120_000,
      });
      expect(done.status).toMatchObject({ succeeded: 6, failed: 0 });
      expect(job.finished()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await second.stop();
    }
  });
});
