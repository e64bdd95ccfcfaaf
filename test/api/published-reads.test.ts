/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON, inspected field by field */
/**
 * Reads never wait on a worker: GET, list, pods and events of Jobs answer from the state the Job
 * and shard workflows publish, also while no worker runs at all (the strongest proof). A Job
 * created a moment ago is readable and listed at once. Jobs whose workflow publishes nothing (the
 * v1 shell, started before wave 2) are still read, through their queries.
 */
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSettingsFrom } from '../../src/config.js';
import { createKjobWorker } from '../../src/temporal/worker.js';
import { connectNative } from '../../src/temporal/connection.js';
import { silentLogger } from '../../src/log.js';
import { JOB_WORKFLOW_TYPE, SA_LABELS, SA_NAME, SA_NAMESPACE, SA_PHASE, labelSearchTerms, workflowIdFor } from '../../src/workflows/definitions.js';
import { jobManifest, startTestApi, uniqueName, type TestApi } from '../support/api-env.js';
import { aJob } from '../support/builders.js';
import { initialJobMemo } from '../../src/api/published.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

const NS = 'api-reads';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const PODS = `/api/v1/namespaces/${NS}/pods`;
const hasCondition = (job: any, type: string) => (job?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe('reads while no worker runs', () => {
  let stack: TestStack;
  let api: TestApi;
  let worker: { stop(): Promise<void> };
  const done = uniqueName('done');
  const busy = uniqueName('busy');

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
    worker = await stack.addWorker();
    api = await startTestApi(stack);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('when a Job is created, then GET and list find it right after the 201', async () => {
    const created = await api.request('POST', JOBS, { body: jobManifest({ name: done }) });
    expect(created.status, created.text).toBe(201);
    const got = await api.request('GET', `${JOBS}/${done}`);
    expect(got.status, got.text).toBe(200);
    expect(got.json.metadata.uid).toBe(created.json.metadata.uid);
    expect(Number(got.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.json.metadata.resourceVersion));
    const listed = await api.request('GET', JOBS);
    expect(listed.json.items.map((j: any) => j.metadata.name)).toContain(done);
  });

  it('when the worker is stopped, then GET, list, pods and events still answer at once from what was published', async () => {
    await poll(() => api.request('GET', `${JOBS}/${done}`), (r) => hasCondition(r.json, 'Complete'), { what: `${done} Complete` });
    expect((await api.request('POST', JOBS, { body: jobManifest({ name: busy, command: ['sleep', '60'] }) })).status).toBe(201);
    await poll(() => api.request('GET', `${PODS}?labelSelector=job-name%3D${busy}`), (r) => r.json?.items?.length === 1, { what: `${busy}'s pod published` });

    await worker.stop();

    const reads = [
      { what: 'GET the finished Job', path: `${JOBS}/${done}`, check: (j: any) => expect(hasCondition(j, 'Complete')).toBe(true) },
      { what: 'GET the running Job', path: `${JOBS}/${busy}`, check: (j: any) => expect(j.status.active).toBe(1) },
      { what: 'list Jobs', path: JOBS, check: (l: any) => expect(l.items.map((j: any) => j.metadata.name)).toEqual(expect.arrayContaining([done, busy])) },
      { what: "list a Job's pods", path: `${PODS}?labelSelector=job-name%3D${done}`, check: (l: any) => expect(l.items.map((p: any) => p.status.phase)).toEqual(['Succeeded']) },
      { what: 'list pods of all Jobs', path: PODS, check: (l: any) => expect(l.items.length).toBeGreaterThanOrEqual(2) },
      { what: "a Job's events", path: `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3D${done}`, check: (l: any) => expect(l.items.map((e: any) => e.reason)).toContain('Completed') },
    ];
    for (const { what, path: p, check } of reads) {
      const { value: res, ms } = await timed(() => api.request('GET', p));
      expect(res.status, `${what}: ${res.text}`).toBe(200);
      check(res.json);
      // No worker: nothing here could have waited for one. Generous for a loaded machine.
      expect(ms, what).toBeLessThan(2_000);
    }
    const pods = await api.request('GET', `${PODS}?labelSelector=job-name%3D${done}`);
    expect(pods.json.items[0].metadata.resourceVersion).toMatch(/^\d+$/);
    expect(Number(pods.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(pods.json.items[0].metadata.resourceVersion));
  });
});

describe('published state across continue-as-new', () => {
  let stack: TestStack;
  let api: TestApi;
  const name = uniqueName('can');

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startTestApi(stack);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('when the Job and its shards continue as new, then GET and the pods list still show what they published', async () => {
    // Started as the API starts a Job, plus the test hook that continues as new after a few events.
    const created = await api.request('POST', JOBS, { body: jobManifest({ name: `${name}-probe` }) });
    expect(created.status).toBe(201);
    const job = aJob({ name, namespace: NS, uid: crypto.randomUUID(), completions: 6, parallelism: 2, completionMode: 'Indexed', template: { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep 0.2'] }] } });
    await stack.client.workflow.start(JOB_WORKFLOW_TYPE, {
      workflowId: workflowIdFor(NS, name),
      taskQueue: stack.taskQueue,
      args: [{ job, settings: jobSettingsFrom(stack.config), continueAsNewAfterEvents: 40 }],
      typedSearchAttributes: [
        { key: SA_NAMESPACE, value: NS },
        { key: SA_NAME, value: name },
        { key: SA_PHASE, value: 'Pending' },
        { key: SA_LABELS, value: labelSearchTerms(job.metadata.labels) },
      ],
      memo: initialJobMemo(job, Date.now() * 1000),
    });
    const done = await poll(() => api.request('GET', `${JOBS}/${name}`), (r) => hasCondition(r.json, 'Complete'), { what: `${name} Complete across continue-as-new`, timeoutMs: 60_000 });
    expect(done.json.status.succeeded).toBe(6);
    const runs = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdFor(NS, name)}'` })) runs.push(run.runId);
    expect(runs.length, 'the Job continued as new').toBeGreaterThan(1);
    const pods = await api.request('GET', `${PODS}?labelSelector=job-name%3D${name}`);
    expect(pods.json.items.filter((p: any) => p.status.phase === 'Succeeded')).toHaveLength(6);
  });
});

describe('a Job whose workflow publishes nothing (started before wave 2)', () => {
  let stack: TestStack;
  let api: TestApi;
  const name = uniqueName('v1');

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
    api = await startTestApi(stack);
    // A worker running the v1 shell as `job`, and the Job started as the v1 API started it: no memo.
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: path.join(import.meta.dirname, 'fixtures/v1-workflows.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
    const connection = await connectNative(stack.config, stack.address);
    const worker = await createKjobWorker({ config: stack.config, connection, client: stack.client, log: silentLogger, workflowBundle });
    const running = worker.run();
    stopV1Worker = async () => {
      worker.shutdown();
      await running;
      await connection.close();
    };
    const job = aJob({ name, namespace: NS, uid: crypto.randomUUID() });
    await stack.client.workflow.start(JOB_WORKFLOW_TYPE, {
      workflowId: workflowIdFor(NS, name),
      taskQueue: stack.taskQueue,
      args: [{ job, settings: jobSettingsFrom(stack.config) }],
      typedSearchAttributes: [
        { key: SA_NAMESPACE, value: NS },
        { key: SA_NAME, value: name },
        { key: SA_PHASE, value: 'Pending' },
        { key: SA_LABELS, value: labelSearchTerms(job.metadata.labels) },
      ],
    });
  });
  let stopV1Worker: () => Promise<void> = async () => undefined;
  afterAll(async () => {
    await stopV1Worker();
    await api?.close();
    await stack?.stop();
  });

  it('then GET answers through the job query, and the Job runs to Complete', async () => {
    const res = await poll(() => api.request('GET', `${JOBS}/${name}`), (r) => r.status === 200 && hasCondition(r.json, 'Complete'), { what: `${name} Complete` });
    expect(res.json.status.succeeded).toBe(1);
  });

  it('then list, pods and events answer through the queries too', async () => {
    const list = await poll(() => api.request('GET', JOBS), (r) => (r.json?.items ?? []).some((j: any) => j.metadata.name === name), { what: `${name} listed` });
    expect(hasCondition(list.json.items.find((j: any) => j.metadata.name === name), 'Complete')).toBe(true);
    const pods = await api.request('GET', `${PODS}?labelSelector=job-name%3D${name}`);
    expect(pods.json.items.map((p: any) => p.status.phase)).toEqual(['Succeeded']);
    const events = await api.request('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3D${name}`);
    expect(events.json.items.map((e: any) => e.reason)).toContain('Completed');
  });
});
