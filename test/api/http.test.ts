/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON, inspected field by field */
/**
 * The HTTP surface itself over real HTTP: error codes for what clients can get wrong (400, 401,
 * 404, 405, 413, 415), Temporal or workers being away (503, never 500), probes and the OpenAPI
 * document.
 */
import { connectClient, type ClientHandle } from '../../src/temporal/connection.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobManifest, startTestApi, uniqueName, type TestApi } from '../support/api-env.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
let api: TestApi;
const NS = 'api-http';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;

beforeAll(async () => {
  stack = await startTestStack();
  api = await startTestApi(stack, { config: { maxBodyBytes: 4096 } });
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

function expectStatus(res: { status: number; json: any }, code: number, reason: string) {
  expect(res.status, JSON.stringify(res.json)).toBe(code);
  expect(res.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
}

describe('400 BadRequest', () => {
  const cases = [
    { name: 'unparseable JSON', body: '{"apiVersion": "batch/v1", ', contentType: 'application/json' },
    { name: 'unparseable YAML', body: 'apiVersion: batch/v1\nkind: [Job\n', contentType: 'application/yaml' },
    { name: 'a JSON list', body: '[]', contentType: 'application/json' },
    { name: 'a YAML scalar', body: '42\n', contentType: 'application/yaml' },
    { name: 'an empty body', body: '', contentType: 'application/json' },
    { name: 'two YAML documents', body: 'apiVersion: batch/v1\nkind: Job\n---\napiVersion: batch/v1\nkind: Job\n', contentType: 'application/yaml' },
    { name: 'a wrong apiVersion', body: JSON.stringify({ ...jobManifest({ name: 'x' }), apiVersion: 'batch/v2' }), contentType: 'application/json' },
    { name: 'a wrong kind', body: JSON.stringify({ ...jobManifest({ name: 'x' }), kind: 'Pod' }), contentType: 'application/json' },
    { name: 'a missing kind', body: JSON.stringify({ apiVersion: 'batch/v1', metadata: { name: 'x' } }), contentType: 'application/json' },
    { name: 'duplicate JSON keys', body: '{"apiVersion":"batch/v1","kind":"Job","kind":"Job"}', contentType: 'application/json' },
  ];
  it.each(cases)('when the body is $name, then 400 BadRequest', async ({ body, contentType }) => {
    expectStatus(await api.request('POST', JOBS, { body, contentType }), 400, 'BadRequest');
  });

  it('when the body nests absurdly deep, then 400 and the API keeps serving', async () => {
    let deep = '1';
    // Deep enough that recursive code (JSON.stringify, the merge patch) would overflow the stack.
    for (let i = 0; i < 100_000; i++) deep = `{"a":${deep}}`;
    const body = `{"apiVersion":"v1","kind":"Pod","x":${deep}}`;
    const big = await startTestApi(stack, { config: { maxBodyBytes: 4 * 1024 * 1024 } });
    try {
      expectStatus(await big.request('POST', JOBS, { body, contentType: 'application/json' }), 400, 'BadRequest');
      const name = uniqueName('deep');
      expect((await big.request('POST', JOBS, { body: jobManifest({ name, command: ['sleep', '30'] }) })).status).toBe(201);
      expectStatus(await big.request('PATCH', `${JOBS}/${name}`, { body: deep, contentType: 'application/merge-patch+json' }), 400, 'BadRequest');
      expect((await big.request('GET', '/healthz')).status).toBe(200);
    } finally {
      await big.close();
    }
  });

  it('when the body is not UTF-8, then 400 BadRequest', async () => {
    const res = await fetch(api.baseUrl + JOBS, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    const json = (await res.json()) as { message: string };
    expectStatus({ status: res.status, json }, 400, 'BadRequest');
    expect(json.message).toBe('the request body is not valid UTF-8');
  });

  const queries = [
    { name: 'dryRun=Some', path: `${JOBS}?dryRun=Some`, method: 'POST' },
    { name: 'fieldValidation=Loose', path: `${JOBS}?fieldValidation=Loose`, method: 'POST' },
    { name: 'an invalid namespace on create', path: '/apis/batch/v1/namespaces/Bad_NS/jobs', method: 'POST' },
  ];
  it.each(queries)('when the request has $name, then 400', async ({ path, method }) => {
    expectStatus(await api.request(method, path, { body: jobManifest({ name: uniqueName('q') }) }), 400, 'BadRequest');
  });
});

describe('404 NotFound', () => {
  const paths = [
    { name: 'an unknown path', method: 'GET', path: '/apis/nothing/here' },
    { name: 'a Job path without a namespace', method: 'GET', path: '/apis/batch/v1/jobs/pi' },
    { name: 'a pod path without a namespace', method: 'GET', path: '/api/v1/pods/pi-abcde' },
    { name: 'another API group', method: 'GET', path: '/apis/apps/v1/namespaces/default/deployments' },
    { name: 'a differently cased path', method: 'GET', path: `/APIS/batch/v1/namespaces/${NS}/jobs` },
    { name: 'an invalid namespace on read', method: 'GET', path: '/apis/batch/v1/namespaces/Bad_NS/jobs/pi' },
  ];
  it.each(paths)('when requesting $name, then 404 NotFound', async ({ method, path }) => {
    expectStatus(await api.request(method, path), 404, 'NotFound');
  });
});

describe('405 MethodNotAllowed', () => {
  const cases = [
    { name: 'PUT on the Job collection', method: 'PUT', path: JOBS },
    { name: 'POST on a Job', method: 'POST', path: `${JOBS}/pi` },
    { name: 'POST on the cluster-wide Job list', method: 'POST', path: '/apis/batch/v1/jobs' },
    { name: 'DELETE on the Job collection', method: 'DELETE', path: JOBS },
    { name: 'POST on pods', method: 'POST', path: `/api/v1/namespaces/${NS}/pods` },
    { name: 'DELETE on a log', method: 'DELETE', path: `/api/v1/namespaces/${NS}/pods/pi-abcde/log` },
    { name: 'POST on events', method: 'POST', path: `/api/v1/namespaces/${NS}/events` },
    { name: 'POST on /healthz', method: 'POST', path: '/healthz' },
  ];
  it.each(cases)('when sending $name, then 405 MethodNotAllowed', async ({ method, path }) => {
    expectStatus(await api.request(method, path), 405, 'MethodNotAllowed');
  });
});

describe('413 RequestEntityTooLarge', () => {
  it('when the body exceeds maxBodyBytes, then 413 and the client can read the Status', async () => {
    const manifest = jobManifest({ name: uniqueName('big') });
    manifest.metadata.annotations = { padding: 'x'.repeat(10_000) };
    expectStatus(await api.request('POST', JOBS, { body: manifest }), 413, 'RequestEntityTooLarge');
  });

  it('when a chunked body without Content-Length exceeds the limit, then 413 too', async () => {
    const big = 'x'.repeat(20_000);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"apiVersion":"batch/v1","kind":"Job","metadata":{"annotations":{"p":"${big}"}}}`));
        controller.close();
      },
    });
    const res = await fetch(api.baseUrl + JOBS, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expectStatus({ status: res.status, json: await res.json() }, 413, 'RequestEntityTooLarge');
  });
});

describe('415 UnsupportedMediaType', () => {
  const cases = [
    { name: 'text/plain', contentType: 'text/plain' },
    { name: 'form encoding (curl -d without -H)', contentType: 'application/x-www-form-urlencoded' },
  ];
  it.each(cases)('when a manifest is sent as $name, then 415', async ({ contentType }) => {
    const res = await api.request('POST', JOBS, { body: JSON.stringify(jobManifest({ name: uniqueName('m') })), contentType });
    expectStatus(res, 415, 'UnsupportedMediaType');
    expect(res.json.message).toContain('application/yaml');
  });

  it('when a JSON manifest is labelled protobuf (which kjob decodes, as kubectl sends it), then 400 names the missing envelope', async () => {
    const res = await api.request('POST', JOBS, { body: JSON.stringify(jobManifest({ name: uniqueName('pb') })), contentType: 'application/vnd.kubernetes.protobuf' });
    expectStatus(res, 400, 'BadRequest');
    expect(res.json.message).toContain('magic number');
  });

  it('when the YAML media type carries a charset, then it is accepted', async () => {
    const res = await api.request('POST', JOBS, { body: JSON.stringify(jobManifest({ name: uniqueName('cs') })), contentType: 'application/yaml; charset=utf-8' });
    expect(res.status, res.text).toBe(201);
  });
});

describe('401 Unauthorized (KJOB_API_TOKEN)', () => {
  let secured: TestApi;
  beforeAll(async () => {
    secured = await startTestApi(stack, { config: { apiToken: 's3cret-token' } });
  });
  afterAll(async () => {
    await secured?.close();
  });

  const cases: Array<{ name: string; headers: Record<string, string>; code: number }> = [
    { name: 'no Authorization header', headers: {}, code: 401 },
    { name: 'a wrong token', headers: { authorization: 'Bearer nope' }, code: 401 },
    { name: 'a token of another scheme', headers: { authorization: 'Basic s3cret-token' }, code: 401 },
    { name: 'the right token', headers: { authorization: 'Bearer s3cret-token' }, code: 200 },
  ];
  it.each(cases)('when listing Jobs with $name, then $code', async ({ headers, code }) => {
    const res = await secured.request('GET', JOBS, { headers });
    expect(res.status).toBe(code);
    if (code === 401) expect(res.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('when an unknown path is asked without a token, then 401 rather than revealing what exists', async () => {
    expect((await secured.request('GET', '/apis/nothing')).status).toBe(401);
  });

  it.each(['/healthz', '/readyz'])('when probing %s without a token, then it answers', async (path) => {
    expect((await secured.request('GET', path)).status).toBe(200);
  });
});

describe('probes', () => {
  it('when the process serves, then /healthz is 200 ok', async () => {
    const res = await api.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
  });

  it('when Temporal answers and a worker polls the task queue, then /readyz is 200 ok', async () => {
    const res = await api.request('GET', '/readyz');
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe('ok');
  });

  it('when no worker polls the task queue, then /readyz is 503 saying so', async () => {
    const idle = await startTestApi(stack, { config: { taskQueue: `nobody-${uniqueName('q')}` } });
    try {
      const res = await idle.request('GET', '/readyz');
      expectStatus(res, 503, 'ServiceUnavailable');
      expect(res.json.message).toMatch(/^no kjob worker polls task queue "nobody-/);
    } finally {
      await idle.close();
    }
  });

  describe('when Temporal is unreachable', () => {
    let dead: TestApi;
    let temporal: ClientHandle;
    beforeAll(async () => {
      // Nothing listens on port 1; the lazy connection fails on first use (as `npm run api` connects).
      temporal = await connectClient(stack.config, '127.0.0.1:1', { lazy: true, failFast: true });
      dead = await startTestApi(stack, { client: temporal.client, reachability: temporal.reachability });
    });
    afterAll(async () => {
      await dead?.close();
      await temporal?.close().catch(() => undefined);
    });

    it('then /readyz is 503 and /healthz still 200', async () => {
      const ready = await dead.request('GET', '/readyz');
      expectStatus(ready, 503, 'ServiceUnavailable');
      expect(ready.json.message).toMatch(/^Temporal is unreachable at 127\.0\.0\.1:1: /);
      expect((await dead.request('GET', '/healthz')).status).toBe(200);
    });

    const calls = [
      { name: 'GET a Job', method: 'GET', path: `${JOBS}/pi`, body: undefined },
      { name: 'list Jobs', method: 'GET', path: JOBS, body: undefined },
      { name: 'create a Job', method: 'POST', path: JOBS, body: jobManifest({ name: 'pi' }) },
    ];
    it.each(calls)('then $name answers 503 ServiceUnavailable with Retry-After, not 500', async ({ method, path, body }) => {
      const res = await dead.request(method, path, body ? { body } : {});
      expectStatus(res, 503, 'ServiceUnavailable');
      expect(res.json.message).toMatch(/^Temporal is unreachable at 127\.0\.0\.1:1: /);
      expect(res.headers.get('retry-after')).toBe('1');
    });
  });
});

describe('GET /openapi/v3', () => {
  it('when fetched, then it is the Kubernetes-style index of one document per group version', async () => {
    const res = await api.request('GET', '/openapi/v3');
    expect(res.status).toBe(200);
    expect(res.json.paths['apis/batch/v1']).toEqual({ serverRelativeURL: '/openapi/v3/apis/batch/v1' });
    expect(Object.keys(res.json.paths).sort()).toEqual(['api/v1', 'apis/batch/v1', 'kjob']);
  });

  it("when following the index, then each document is OpenAPI 3 and batch/v1's PATCH says it takes fieldValidation", async () => {
    const index = await api.request('GET', '/openapi/v3');
    for (const { serverRelativeURL } of Object.values(index.json.paths) as Array<{ serverRelativeURL: string }>) {
      const doc = await api.request('GET', serverRelativeURL);
      expect(doc.status).toBe(200);
      expect(doc.json.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.json.paths).length).toBeGreaterThan(0);
    }
    const batch = await api.request('GET', '/openapi/v3/apis/batch/v1');
    const patch = batch.json.paths['/apis/batch/v1/namespaces/{namespace}/jobs/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'batch', version: 'v1', kind: 'Job' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });
});

describe('discovery (what kubectl reads first)', () => {
  const cases = [
    { path: '/api', kind: 'APIVersions' },
    { path: '/apis', kind: 'APIGroupList' },
    { path: '/api/v1', kind: 'APIResourceList' },
    { path: '/apis/batch/v1', kind: 'APIResourceList' },
  ];
  it.each(cases)('when fetching $path, then it is an $kind', async ({ path, kind }) => {
    const res = await api.request('GET', path);
    expect(res.status).toBe(200);
    expect(res.json.kind).toBe(kind);
  });

  it('when fetching batch/v1 resources, then cronjobs and jobs are listed with exactly the verbs kjob serves', async () => {
    const res = await api.request('GET', '/apis/batch/v1');
    expect(res.json.resources).toEqual([
      expect.objectContaining({ name: 'cronjobs', kind: 'CronJob', namespaced: true, shortNames: ['cj'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'] }),
      expect.objectContaining({ name: 'jobs', kind: 'Job', namespaced: true, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
    ]);
  });

  it('when fetching /version, then it names kjob', async () => {
    const res = await api.request('GET', '/version');
    expect(res.json).toMatchObject({ major: '1', gitVersion: expect.stringContaining('kjob') });
  });
});
