/**
 * Pods run by pod shards (docs/architecture.md) against a real dev server and real processes:
 * several shards per Job, continue-as-new of shards and Job with pods running (re-attached, each
 * index run exactly once), prompt termination at the default heartbeat timeout, the published
 * memo, and clean-up when the Job is deleted.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JOB_MEMO,
  POD_MEMO_PREFIX,
  deleteJobUpdate,
  shardIdFor,
  suspendSignal,
  workflowIdFor,
  type JobMemo,
} from '../../src/workflows/definitions.js';
import { alive, manifest, startJob, uniqueName, type StartedJob } from '../support/jobs.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
let scratch: string;

beforeAll(async () => {
  stack = await startTestStack({ podsPerShard: 3 });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'kjob-shards-'));
});
afterAll(async () => {
  await stack?.stop();
});

/** An Indexed Job whose pods leave `<index>.<pid>` in a fresh directory and sleep a while. */
function indexedJob(name: string, completions: number, parallelism: number, sleep: number) {
  const dir = mkdtempSync(path.join(scratch, `${name}-`));
  const m = manifest(name, `touch "$D/$JOB_COMPLETION_INDEX.$$$$"; sleep ${sleep}`, { completionMode: 'Indexed', completions, parallelism, backoffLimit: 0 });
  m.spec.template.spec.containers[0]!.env = [{ name: 'D', value: dir }];
  return { m, runsOf: () => readdirSync(dir).map((f) => Number(f.split('.')[0])) };
}

async function memoOf(workflowId: string): Promise<Record<string, unknown>> {
  return ((await stack.client.workflow.getHandle(workflowId).describe()).memo ?? {}) as Record<string, unknown>;
}

async function runsOf(workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n++;
  return n;
}

describe('pod shards', () => {
  it('when parallelism exceeds one shard, then the pods run on several shards and every index runs exactly once', async () => {
    const name = uniqueName('wide');
    const { m, runsOf: runs } = indexedJob(name, 12, 7, 0.2);
    const started = await startJob(stack, m);
    const job = await started.waitForCondition('Complete');
    expect(job.status).toMatchObject({ succeeded: 12, failed: 0, active: 0, completedIndexes: '0-11' });
    expect(runs().sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    const memo = (await memoOf(workflowIdFor('default', name))) as unknown as JobMemo;
    // 7 running at most, 3 per shard: the Job's own three, then two pod shards.
    const jobId = workflowIdFor('default', name);
    expect(memo.shards).toEqual([jobId, shardIdFor(jobId, 1), shardIdFor(jobId, 2)]);
  });

  it('when shards and the Job continue as new while pods run, then the pods are re-attached and the counts are exact', async () => {
    const name = uniqueName('relay');
    // Six at a time, three per slice: the Job's own three and three on shard 1, which runs about
    // eight pods (ten history events or more each), so both pass 40 events with pods running.
    const { m, runsOf: runs } = indexedJob(name, 16, 6, 1);
    const started = await startJob(stack, m, { continueAsNewAfterEvents: 40 });
    const job = await started.waitForCondition('Complete', 120_000);
    expect(job.status).toMatchObject({ succeeded: 16, failed: 0, active: 0, completedIndexes: '0-15' });
    expect(runs().sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    const jobId = workflowIdFor('default', name);
    expect(await runsOf(jobId)).toBeGreaterThan(1);
    expect(await runsOf(shardIdFor(jobId, 1))).toBeGreaterThan(1);
    // Temporal does not carry a memo across continue-as-new: the runs must hand theirs on.
    const memo = (await memoOf(jobId)) as unknown as JobMemo;
    expect(memo.status.succeeded).toBe(16);
    expect(memo.shards.length).toBeGreaterThan(0);
    const shardMemo = await memoOf(shardIdFor(jobId, 1));
    expect(Object.keys(shardMemo).filter((k) => k.startsWith(POD_MEMO_PREFIX) && shardMemo[k] !== null).length).toBeGreaterThan(0);
  });

  it('publishes the Job (job, status, events, shards, rv) and every pod on its shard', async () => {
    const name = uniqueName('memo');
    const started = await startJob(stack, manifest(name, 'exit 0', { completions: 2, parallelism: 2 }));
    await started.waitForCondition('Complete');
    const jobId = workflowIdFor('default', name);
    const memo = await poll(() => memoOf(jobId), (x) => ((x[JOB_MEMO.status] as JobMemo['status'] | undefined)?.succeeded ?? 0) === 2, { what: 'published status' });
    const published = memo as unknown as JobMemo;
    expect(published.job.metadata.name).toBe(name);
    expect(published.status.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(published.events.map((e) => e.reason)).toContain('Completed');
    expect(published.rv).toBeGreaterThan(0);
    // Two pods fit the Job's own slice: it publishes them itself.
    expect(published.shards).toEqual([jobId]);
    const pods = Object.entries(memo).filter(([k, v]) => k.startsWith(POD_MEMO_PREFIX) && v !== null);
    expect(pods).toHaveLength(2);
    expect(pods.map(([, v]) => (v as { phase: string }).phase)).toEqual(['Succeeded', 'Succeeded']);
  });
});

describe("the Temporal UI tells each Job's story", () => {
  /** The Markdown a workflow shows as its current details (the SDK's metadata query). */
  async function currentDetails(workflowId: string): Promise<string> {
    const meta = (await stack.client.workflow.getHandle(workflowId).query('__temporal_workflow_metadata')) as { currentDetails?: string };
    return meta.currentDetails ?? '';
  }

  it("shows the Job's phase and counts, each shard's pods and how each ended, and a summary on every pod attempt", async () => {
    const name = uniqueName('story');
    // Indexes 0-2 run in the Job's own slice (3 per shard here), index 3 on pod shard 1.
    const script = '[ $JOB_COMPLETION_INDEX -lt 3 ] || { sleep 1; exit 1; }';
    const started = await startJob(stack, manifest(name, script, { completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 }));
    await started.waitForCondition('Failed');
    const jobId = workflowIdFor('default', name);
    // What the Job is: its static summary (the one line above its page) and details (spec table).
    const description = await stack.client.workflow.getHandle(jobId).describe();
    expect(await description.staticSummary()).toBe(`Job default/${name} · Indexed · completions 4 · parallelism 4`);
    const staticDetails = await description.staticDetails();
    expect(staticDetails).toContain(`- name: default/${name}\n`);
    expect(staticDetails).toContain('- completionMode: Indexed\n');
    expect(staticDetails).toContain('- completions: 4\n');
    expect(staticDetails).toContain('- backoffLimit: 0\n');
    // Markdown's special characters are escaped (the UI renders the details as Markdown).
    expect(staticDetails).toContain(`- container main: sh -c ${script.replace(/([\\`*_[\]<>|#])/g, '\\$1')}`);
    const details = await poll(() => currentDetails(jobId), (d) => d.includes('**Failed**'), { what: 'Job details' });
    expect(details).toContain('**Failed** (BackoffLimitExceeded)');
    expect(details).toMatch(/1 failed/);
    expect(details).toContain('- FailureTarget=True · BackoffLimitExceeded · since ');
    expect(details).toContain('- Warning BackoffLimitExceeded: Job has reached the specified backoff limit');
    for (const i of [0, 1, 2]) expect(details).toMatch(new RegExp(`^- ${name}-${i}-\\w{5} · index ${i} · Succeeded \\(exit 0\\)$`, 'm'));

    const shardId = shardIdFor(jobId, 1);
    const shard = stack.client.workflow.getHandle(shardId);
    expect(await (await shard.describe()).staticSummary()).toBe(`Pods of Job ${jobId} (shard 1)`);
    expect(await currentDetails(shardId)).toMatch(new RegExp(`^- ${name}-3-\\w{5} · index 3 · Failed \\(exit 1\\)$`, 'm'));

    const summaries: string[] = [];
    for (const id of [jobId, shardId]) {
      const history = await stack.client.workflow.getHandle(id).fetchHistory();
      for (const e of history.events ?? []) {
        if (e.activityTaskScheduledEventAttributes?.activityType?.name !== 'runPod') continue;
        summaries.push(JSON.parse(Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8')) as string);
      }
    }
    expect(summaries.sort()).toHaveLength(4);
    summaries.forEach((summary, i) => expect(summary).toMatch(new RegExp(`^pod ${name}-${i}-\\w{5} · index ${i}$`)));
  });
});

describe('prompt termination at the default heartbeat timeout (30 s)', () => {
  let slow: TestStack;
  beforeAll(async () => {
    slow = await startTestStack({ podHeartbeatTimeoutSeconds: 30 });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  /** A Job of one long pod that records its pid; resolves once the pod runs. */
  async function runningPod(prefix: string): Promise<{ started: StartedJob; pid: number }> {
    const dir = mkdtempSync(path.join(scratch, `${prefix}-`));
    const m = manifest(uniqueName(prefix), `echo $$$$ > "$D/pid"; exec sleep 300`);
    m.spec.template.spec.containers[0]!.env = [{ name: 'D', value: dir }];
    const started = await startJob(slow, m);
    const file = path.join(dir, 'pid');
    const pid = await poll(() => (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0), (p) => p > 0, { what: 'the pod to start' });
    // The node must know the pod for termination to go there (its first report).
    await started.waitFor((j) => (j.status?.ready ?? 0) === 1, 'pod ready');
    return { started, pid };
  }

  async function goneWithin(pid: number, ms: number): Promise<number> {
    const t0 = Date.now();
    await poll(() => alive(pid), (a) => !a, { what: `process ${pid} to exit`, timeoutMs: ms });
    return Date.now() - t0;
  }

  it('when the Job is suspended, then its pod process is gone in seconds, not a heartbeat later', async () => {
    const { started, pid } = await runningPod('suspend');
    await started.handle.signal(suspendSignal);
    expect(await goneWithin(pid, 10_000)).toBeLessThan(10_000);
    await started.waitFor((j) => (j.status?.active ?? 1) === 0 && (j.status?.terminating ?? 1) === 0, 'no pod left');
  });

  it('when the Job is deleted, then its pod process is gone in seconds and its workflow completes', async () => {
    const { started, pid } = await runningPod('delete');
    await started.handle.executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy: 'Background' }] });
    expect(await goneWithin(pid, 10_000)).toBeLessThan(10_000);
    await started.handle.result();
    const description = await slow.client.workflow.getHandle(started.handle.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
  });
});
