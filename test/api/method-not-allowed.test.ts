/**
 * 405 answers name the methods a resource supports (RFC 9110 §15.5.6: the origin server MUST send
 * `Allow` with a 405), and that list is what the OpenAPI document says the path serves. Found by
 * schemathesis' unsupported_method check (scripts/fuzz-api.sh).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { CronJobsGateway } from '../../src/api/cronjobs-gateway.js';
import type { JobsGateway } from '../../src/api/jobs-gateway.js';
import { openApiDocument } from '../../src/api/openapi.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';

/** A 405 is decided by the route alone: every gateway call fails loudly. */
/** CronJob routes are not under test here: every call fails loudly. */
const unusedCronJobs = new Proxy({} as CronJobsGateway, {
  get: (_t, prop) => () => {
    throw new Error(`cronJobs.${String(prop)} must not be called here`);
  },
});

const unusedGateway = new Proxy({} as JobsGateway, {
  get: (_t, prop) => () => {
    throw new Error(`gateway.${String(prop)} must not be called for a 405`);
  },
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
const cases = Object.entries(doc.paths).map(([path, item]) => {
  const documented = Object.keys(item).filter((k) => HTTP_METHODS.includes(k)).map((m) => m.toUpperCase());
  // A method the path does not serve (PUT, except on a Job, which kubectl replace uses).
  const method = ['PUT', 'POST', 'DELETE'].find((m) => !documented.includes(m))!;
  return {
    name: path,
    method,
    url: path.replace(/\{namespace\}/g, 'default').replace(/\{name\}/g, 'pi').replace(/\{pod\}/g, 'pi-abcde'),
    allowed: [...documented, ...(documented.includes('GET') ? ['HEAD'] : [])].sort(),
  };
});

let server: ReturnType<ReturnType<typeof createApp>['listen']>;
let base: string;

beforeAll(async () => {
  const app = createApp({ config: loadConfig({}), jobs: unusedGateway, cronJobs: unusedCronJobs, log: silentLogger });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('405 MethodNotAllowed', () => {
  it('covers every documented path (only a Job serves PUT)', () => {
    expect(cases.length).toBeGreaterThan(10);
    expect(cases.filter((c) => c.allowed.includes('PUT')).map((c) => c.name)).toEqual(['/apis/batch/v1/namespaces/{namespace}/jobs/{name}']);
  });

  it.each(cases)('when $method is sent to $name, then 405 with Allow listing exactly the documented methods', async ({ url, method, allowed }) => {
    const res = await fetch(`${base}${url}`, { method });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim()).filter(Boolean).sort();
    expect(allow).toEqual(allowed);
  });
});
