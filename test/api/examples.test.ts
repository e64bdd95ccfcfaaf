/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * The README's promise: every manifest in examples/ runs as POSTed with curl, to the outcome its
 * comment describes. All of them at once, over real HTTP, against a real worker.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api-env.js';
import { cronJobScheduleIdFor } from '../../src/workflows/definitions.js';
import { poll } from '../support/poll.js';

const NS = 'examples';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const dir = path.resolve(import.meta.dirname, '../../examples');
const env = useTestApi();

const cond = (job: any, type: string) => (job?.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True');

async function post(file: string): Promise<string> {
  const res = await env.api.request('POST', JOBS, { body: readFileSync(path.join(dir, file), 'utf8'), contentType: 'application/yaml' });
  expect(res.status, `${file}: ${res.text}`).toBe(201);
  return res.json.metadata.name;
}

async function until(name: string, what: string, check: (job: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const res = await poll(() => env.api.request('GET', `${JOBS}/${name}`), (r) => r.status === 200 && check(r.json), { what: `${name}: ${what}`, timeoutMs });
  return res.json;
}

const finished = (type: 'Complete' | 'Failed') => (job: any) => cond(job, type) !== undefined;

describe('examples/', () => {
  it('each example, POSTed as the README shows, ends as its comment says', async () => {
    const checks: Record<string, (name: string) => Promise<void>> = {
      'pi.yaml': async (n) => {
        expect((await until(n, 'Complete', finished('Complete'))).status.succeeded).toBe(1);
      },
      'parallel.yaml': async (n) => {
        expect((await until(n, 'Complete', finished('Complete'))).status.succeeded).toBe(5);
      },
      'indexed.yaml': async (n) => {
        expect((await until(n, 'Complete', finished('Complete'))).status.completedIndexes).toBe('0-4');
      },
      'work-queue.yaml': async (n) => {
        expect((await until(n, 'Complete', finished('Complete'))).status.active).toBe(0);
      },
      'backoff.yaml': async (n) => {
        const job = await until(n, 'Failed', finished('Failed'));
        expect([cond(job, 'Failed').reason, job.status.failed]).toEqual(['BackoffLimitExceeded', 3]);
      },
      'on-failure.yaml': async (n) => {
        await until(n, 'Complete', finished('Complete'));
        const pods = await env.api.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=job-name%3D${n}`);
        expect(pods.json.items[0].status.containerStatuses[0].restartCount).toBe(2);
      },
      'deadline.yaml': async (n) => {
        expect(cond(await until(n, 'Failed', finished('Failed')), 'Failed').reason).toBe('DeadlineExceeded');
      },
      'suspended.yaml': async (n) => {
        const job = await until(n, 'Suspended', (j) => cond(j, 'Suspended') !== undefined);
        expect(job.status.startTime).toBeUndefined();
        const resumed = await env.api.request('PATCH', `${JOBS}/${n}`, { body: { spec: { suspend: false } }, contentType: 'application/merge-patch+json' });
        expect(resumed.status).toBe(200);
        expect((await until(n, 'Complete', finished('Complete'))).status.succeeded).toBe(3);
      },
      'pod-failure-policy.yaml': async (n) => {
        expect(cond(await until(n, 'Failed', finished('Failed')), 'Failed').reason).toBe('PodFailurePolicy');
      },
      'backoff-per-index.yaml': async (n) => {
        const job = await until(n, 'Failed', finished('Failed'));
        expect([cond(job, 'Failed').reason, job.status.completedIndexes, job.status.failedIndexes]).toEqual(['FailedIndexes', '1,3,5,7,9', '0,2,4,6,8']);
      },
      'success-policy.yaml': async (n) => {
        const job = await until(n, 'Complete', finished('Complete'));
        expect([cond(job, 'Complete').reason, job.status.failed]).toEqual(['SuccessPolicy', 0]);
      },
      'ttl.yaml': async (n) => {
        await until(n, 'Complete', finished('Complete'));
        await poll(() => env.api.request('GET', `${JOBS}/${n}`), (r) => r.status === 404, { what: `${n} to be deleted by its TTL`, timeoutMs: 30_000 });
      },
    };
    await Promise.all(
      Object.entries(checks).map(async ([file, check]) => {
        await check(await post(file));
      }),
    );
  }, 120_000);

  it('cronjob.yaml, POSTed to cronjobs, is on a Temporal Schedule firing every five minutes', async () => {
    const CRONJOBS = `/apis/batch/v1/namespaces/${NS}/cronjobs`;
    const res = await env.api.request('POST', CRONJOBS, { body: readFileSync(path.join(dir, 'cronjob.yaml'), 'utf8'), contentType: 'application/yaml' });
    expect(res.status, res.text).toBe(201);
    const d = await poll(() => env.stack.client.schedule.getHandle(cronJobScheduleIdFor(NS, 'cronjob')).describe(), () => true, { what: 'the Schedule' });
    expect(d.spec.timezone).toBe('Etc/UTC');
    expect(d.info.nextActionTimes.every((t) => t.getUTCMinutes() % 5 === 0 && t.getUTCSeconds() === 0)).toBe(true);
    expect((await env.api.request('DELETE', `${CRONJOBS}/cronjob`)).status).toBe(200);
  });
});
