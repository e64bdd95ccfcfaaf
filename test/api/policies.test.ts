/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * Issue 5 over real HTTP against a real worker: pod failure policy (FailJob on an exit code,
 * FailIndex), backoffLimitPerIndex with failedIndexes/completedIndexes, maxFailedIndexes,
 * successPolicy, TTL deletion, and the visible-backoff annotation.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobManifest, startTestApi, useTestApi } from '../support/api-env.js';
import { uniqueName } from '../support/jobs.js';
import { poll } from '../support/poll.js';

const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const env = useTestApi();

const sh = (script: string) => ['sh', '-c', script];

async function create(manifest: Record<string, any>): Promise<any> {
  const res = await env.api.request('POST', JOBS, { body: manifest });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

function cond(job: any, type: string): any {
  return (job?.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True');
}

async function waitFor(name: string, type: string, timeoutMs = 60_000): Promise<any> {
  const res = await poll(
    () => env.api.request('GET', `${JOBS}/${name}`),
    (r) => cond(r.json, type) !== undefined,
    { what: `${name} to get condition ${type}`, timeoutMs },
  );
  return res.json;
}

async function pods(name: string): Promise<any[]> {
  const res = await env.api.request('GET', `/api/v1/namespaces/default/pods?labelSelector=job-name%3D${name}`);
  expect(res.status).toBe(200);
  return res.json.items;
}

describe('pod failure policy', () => {
  it('when a container exits with a FailJob exit code, then the Job fails at once with reason PodFailurePolicy naming container, code and rule', async () => {
    const name = uniqueName('failjob');
    await create(
      jobManifest({
        name,
        command: sh('exit 42'),
        spec: {
          backoffLimit: 6,
          podFailurePolicy: {
            rules: [
              { action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } },
              { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
            ],
          },
        },
      }),
    );
    const job = await waitFor(name, 'Failed');
    const podName = (await pods(name))[0].metadata.name;
    expect(cond(job, 'Failed')).toMatchObject({
      reason: 'PodFailurePolicy',
      message: `Container main for pod default/${podName} failed with exit code 42 matching FailJob rule at index 1`,
    });
    expect(cond(job, 'FailureTarget')?.reason).toBe('PodFailurePolicy');
    expect(job.status).toMatchObject({ failed: 1, succeeded: 0, active: 0 });
    expect(job.spec.podReplacementPolicy).toBe('Failed');
  });

  it('when an exit code matches Ignore, then the failure is not counted and the pod is replaced', async () => {
    const name = uniqueName('ignore');
    // First attempt exits 3 (ignored), the second succeeds.
    await create(
      jobManifest({
        name,
        spec: { backoffLimit: 0, podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }] } },
        podSpec: {
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sh', '-c', 'if [ -f "$MARK" ]; then exit 0; fi; touch "$MARK"; exit 3'],
              env: [{ name: 'MARK', value: path.join(env.stack.dataDir, `${name}.mark`) }],
            },
          ],
        },
      }),
    );
    const job = await waitFor(name, 'Complete');
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0 });
    expect(await pods(name)).toHaveLength(2);
  });

  it('when a FailIndex rule matches, then only that index fails at once and the others complete', async () => {
    const name = uniqueName('failindex');
    await create(
      jobManifest({
        name,
        command: sh('if [ "$JOB_COMPLETION_INDEX" = 1 ]; then exit 3; fi'),
        spec: {
          completionMode: 'Indexed',
          completions: 3,
          parallelism: 3,
          backoffLimitPerIndex: 5,
          podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] },
        },
      }),
    );
    const job = await waitFor(name, 'Failed');
    expect(cond(job, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' });
    expect(job.status).toMatchObject({ completedIndexes: '0,2', failedIndexes: '1', succeeded: 2, failed: 1 });
  });
});

describe('backoffLimitPerIndex', () => {
  it('when even indexes always fail with backoffLimitPerIndex 1, then they fail after 2 attempts each and odd ones complete (docs example)', async () => {
    const name = uniqueName('blpi');
    await create(
      jobManifest({
        name,
        command: sh('if [ $((JOB_COMPLETION_INDEX % 2)) -eq 0 ]; then exit 1; fi'),
        // No explicit backoffLimit: it defaults to MaxInt32 with backoffLimitPerIndex (an explicit one is checked first, job-semantics §12).
        spec: { backoffLimit: undefined, completionMode: 'Indexed', completions: 6, parallelism: 3, backoffLimitPerIndex: 1, maxFailedIndexes: 5 },
      }),
    );
    const job = await waitFor(name, 'Failed');
    expect(cond(job, 'Failed')?.reason).toBe('FailedIndexes');
    expect(cond(job, 'FailureTarget')?.reason).toBe('FailedIndexes');
    expect(job.status).toMatchObject({ completedIndexes: '1,3,5', failedIndexes: '0,2,4', succeeded: 3, failed: 6 });
    expect(job.spec.backoffLimit).toBe(2147483647);
    const failedPods = (await pods(name)).filter((p) => p.status.phase === 'Failed');
    const counts = failedPods.map((p) => p.metadata.annotations['batch.kubernetes.io/job-index-failure-count']).sort();
    expect(counts).toEqual(['0', '0', '0', '1', '1', '1']);
  });

  it('when more indexes fail than maxFailedIndexes, then the Job fails with MaxFailedIndexesExceeded and running pods are terminated', async () => {
    const name = uniqueName('maxfailed');
    await create(
      jobManifest({
        name,
        command: sh('if [ "$JOB_COMPLETION_INDEX" -lt 2 ]; then exit 1; fi; exec sleep 600'),
        spec: { completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimitPerIndex: 0, maxFailedIndexes: 1 },
      }),
    );
    const job = await waitFor(name, 'Failed');
    expect(cond(job, 'Failed')).toMatchObject({
      reason: 'MaxFailedIndexesExceeded',
      message: 'Job has exceeded the specified maximal number of failed indexes',
    });
    expect(job.status.failedIndexes).toBe('0,1');
    expect(job.status.active).toBe(0);
    // The two sleeping pods were terminated because the Job failed: they count as failed (job-semantics §8).
    expect(job.status.failed).toBe(4);
  });
});

describe('success policy', () => {
  it('when the succeededIndexes rule is met, then the Job completes with SuccessPolicy and lingering pods are terminated, not counted as failed', async () => {
    const name = uniqueName('success');
    await create(
      jobManifest({
        name,
        command: sh('if [ "$JOB_COMPLETION_INDEX" = 0 ]; then exit 0; fi; exec sleep 600'),
        spec: { completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } },
      }),
    );
    const job = await waitFor(name, 'Complete');
    expect(cond(job, 'SuccessCriteriaMet')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(cond(job, 'Complete')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(job.status).toMatchObject({ completedIndexes: '0', succeeded: 1, failed: 0, active: 0 });
    expect(job.status.completionTime).toBeTruthy();
  });
});

describe('ttlSecondsAfterFinished', () => {
  it('when a finished Job has ttlSecondsAfterFinished 1, then it, its pods and their logs are deleted a second later', async () => {
    const name = uniqueName('ttl');
    const created = await create(jobManifest({ name, command: sh('echo bye'), spec: { ttlSecondsAfterFinished: 1 } }));
    const job = await waitFor(name, 'Complete');
    expect(job.metadata.uid).toBe(created.metadata.uid);
    const gone = await poll(() => env.api.request('GET', `${JOBS}/${name}`), (r) => r.status === 404, {
      what: `${name} to be deleted by its TTL`,
      timeoutMs: 30_000,
    });
    expect(gone.json).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const list = await env.api.request('GET', JOBS);
    expect(list.json.items.map((j: any) => j.metadata.name)).not.toContain(name);
    expect(await pods(name)).toEqual([]);
    await poll(() => existsSync(path.join(env.stack.dataDir, 'pods', 'default', created.metadata.uid)), (e) => !e, {
      what: 'the pod data directory to be removed',
    });
  });

  it('when a finished Job has no ttlSecondsAfterFinished, then it stays', async () => {
    const name = uniqueName('no-ttl');
    await create(jobManifest({ name, command: sh('true') }));
    await waitFor(name, 'Complete');
    const again = await env.api.request('GET', `${JOBS}/${name}`);
    expect(again.status).toBe(200);
  });
});

describe('visible backoff', () => {
  it('when a failed pod waits out its backoff, then the Job says when the next attempt starts', async () => {
    const slow = await startTestApi(env.stack, { config: { backoffBaseSeconds: 30, backoffMaxSeconds: 360 } });
    try {
      const name = uniqueName('visible-backoff');
      const res = await slow.request('POST', JOBS, { body: jobManifest({ name, command: sh('exit 1'), spec: { backoffLimit: 3 } }) });
      expect(res.status).toBe(201);
      const waiting = await poll(
        () => slow.request('GET', `${JOBS}/${name}`),
        (r) => r.json?.status?.failed === 1,
        { what: `${name} to record its first failure` },
      );
      const next = waiting.json.metadata.annotations?.['kjob.dev/next-attempt-time'];
      expect(next, 'annotation kjob.dev/next-attempt-time').toBeTruthy();
      const podFinished = Date.parse((await pods(name))[0].status.containerStatuses[0].state.terminated.finishedAt);
      expect(Date.parse(next) - podFinished).toBeGreaterThanOrEqual(29_000);
      expect(Date.parse(next) - podFinished).toBeLessThanOrEqual(31_000);
      expect(waiting.json.status.active).toBe(0);
      expect((await slow.request('DELETE', `${JOBS}/${name}`)).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});
