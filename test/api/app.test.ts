/**
 * The app's own plumbing over real HTTP on port 0, with a gateway that fails on purpose: an
 * unexpected error becomes a logged 500 Status with a request id. (Temporal-backed behaviour is
 * tested in the other files against the real server.)
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { CronJobsGateway } from '../../src/api/cronjobs-gateway.js';
import type { JobsGateway } from '../../src/api/jobs-gateway.js';
import { NotFound, JOBS } from '../../src/api/status.js';
import { PUBLISH_LAG_MS } from '../../src/api/watch.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

/** CronJob routes are not under test here: every call fails loudly. */
const unusedCronJobs = new Proxy({} as CronJobsGateway, {
  get: (_t, prop) => () => {
    throw new Error(`cronJobs.${String(prop)} must not be called here`);
  },
});

const lines: Array<Record<string, unknown>> = [];
const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });

/** get() fails unexpectedly for "boom", is NotFound otherwise; nothing else may be called. */
const gateway = new Proxy({} as JobsGateway, {
  get: (_t, prop) => {
    if (prop === 'get') {
      return async (_ns: string, name: string) => {
        if (name === 'boom') throw new TypeError('cannot read properties of undefined');
        throw new NotFound(JOBS, name);
      };
    }
    return () => {
      throw new Error(`gateway.${String(prop)} is not used by these tests`);
    };
  },
});

let server: ReturnType<ReturnType<typeof createApp>['listen']>;
let base: string;

beforeAll(async () => {
  const app = createApp({ config: loadConfig({}), jobs: gateway, cronJobs: unusedCronJobs, log });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('unexpected errors', () => {
  it('when a handler throws something that is not an ApiError, then 500 InternalError names a request id that the log has', async () => {
    const res = await fetch(`${base}/apis/batch/v1/namespaces/default/jobs/boom`);
    expect(res.status).toBe(500);
    const status = (await res.json()) as { reason: string; message: string; code: number };
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'InternalError', code: 500 });
    const id = /request id (\w+)/.exec(status.message)?.[1];
    expect(id).toBeDefined();
    const logged = lines.find((l) => l.msg === 'unexpected error' && l.requestId === id);
    expect(logged).toMatchObject({ level: 'error', method: 'GET', path: '/apis/batch/v1/namespaces/default/jobs/boom' });
    expect((logged?.err as { message: string }).message).toBe('cannot read properties of undefined');
  });

  it('when an ApiError is thrown, then it is rendered as is and not logged as unexpected', async () => {
    const before = lines.filter((l) => l.msg === 'unexpected error').length;
    const res = await fetch(`${base}/apis/batch/v1/namespaces/default/jobs/fine`);
    expect(res.status).toBe(404);
    expect(lines.filter((l) => l.msg === 'unexpected error').length).toBe(before);
  });

  it('when any request is served, then it is logged at debug with its status code', async () => {
    await fetch(`${base}/healthz`);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'GET', path: '/healthz', code: 200 }));
  });
});

describe('reading one Job by field selector (kubectl wait, kubectl get job NAME -w)', () => {
  let one: ReturnType<ReturnType<typeof createApp>['listen']>;
  let oneBase: string;
  const calls: string[] = [];
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x', namespace: 'default', uid: 'u', resourceVersion: '7' }, spec: {}, status: {} };
  const unused = new Proxy({} as CronJobsGateway, {
    get: (_t, prop) => () => {
      throw new Error(`cronJobs.${String(prop)} is not used by these tests`);
    },
  });
  /** find() knows Job "x"; list() is recorded, so the test sees which one a request used. */
  const reads = new Proxy({} as JobsGateway, {
    get: (_t, prop) => {
      if (prop === 'find') return async (_ns: string, name: string) => (calls.push(`find ${name}`), name === 'x' ? job : null);
      if (prop === 'list') return async () => (calls.push('list'), [job]);
      return () => {
        throw new Error(`gateway.${String(prop)} is not used by these tests`);
      };
    },
  });

  beforeAll(async () => {
    one = createApp({ config: loadConfig({}), jobs: reads, cronJobs: unused, log }).listen(0, '127.0.0.1');
    await new Promise((r) => one.once('listening', r));
    oneBase = `http://127.0.0.1:${(one.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => one.close(r));
  });

  it('when watching with fieldSelector metadata.name, then that Job is read directly, not the whole list', async () => {
    calls.length = 0;
    const res = await fetch(`${oneBase}/apis/batch/v1/namespaces/default/jobs?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dx`);
    const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'x']]);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c === 'find x')).toBe(true);
  });

  it('when listing with fieldSelector metadata.name of a Job that does not exist, then the list is empty', async () => {
    calls.length = 0;
    const res = await fetch(`${oneBase}/apis/batch/v1/namespaces/default/jobs?fieldSelector=metadata.name%3Dnope`);
    expect(((await res.json()) as { items: unknown[] }).items).toEqual([]);
    expect(calls).toEqual(['find nope']);
  });

  it('when listing without a name, then the list is read and its resourceVersion is current (the clock less the publication lag, or a newer item)', async () => {
    calls.length = 0;
    const before = Date.now();
    const res = (await (await fetch(`${oneBase}/apis/batch/v1/namespaces/default/jobs`)).json()) as { metadata: { resourceVersion: string } };
    expect(calls).toEqual(['list']);
    expect(Number(res.metadata.resourceVersion)).toBeGreaterThanOrEqual((before - PUBLISH_LAG_MS) * 1000);
  });
});
