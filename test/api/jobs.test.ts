/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON, inspected field by field */
/**
 * The Jobs routes over real HTTP, against a real worker and the run's dev server: create (JSON,
 * YAML, generateName, dryRun), get, list with selectors, patch and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobManifest, startTestApi, uniqueName, type TestApi } from '../support/api-env.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
let api: TestApi;
const NS = 'api-jobs';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;

beforeAll(async () => {
  stack = await startTestStack();
  api = await startTestApi(stack);
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const hasCondition = (job: any, type: string) => (job?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');

async function createJob(manifest: Record<string, unknown>) {
  const res = await api.request('POST', JOBS, { body: manifest });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

async function waitFor(name: string, what: string, until: (job: any) => boolean) {
  const res = await poll(() => api.request('GET', `${JOBS}/${name}`), (r) => r.status === 200 && until(r.json), { what: `${name}: ${what}`, timeoutMs: 30_000 });
  return res.json;
}

const sleeper = (name: string, extra: Parameters<typeof jobManifest>[0] = {}) => jobManifest({ name, command: ['sleep', '30'], ...extra });

describe('POST /apis/batch/v1/namespaces/{ns}/jobs', () => {
  it('when a JSON manifest is posted, then 201 returns the defaulted Job and it runs to Complete', async () => {
    const name = uniqueName('json');
    const job = await createJob(jobManifest({ name }));
    expect(job.metadata).toMatchObject({ name, namespace: NS, generation: 1 });
    expect(job.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 2, completionMode: 'NonIndexed', suspend: false });
    expect(job.spec.template.metadata.labels).toMatchObject({ 'job-name': name, 'controller-uid': job.metadata.uid });
    expect(job.spec.selector.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': job.metadata.uid });
    const done = await waitFor(name, 'Complete', (j) => hasCondition(j, 'Complete'));
    expect(done.metadata.uid).toBe(job.metadata.uid);
    expect(done.status.succeeded).toBe(1);
  });

  it('when a YAML manifest with a block-scalar command is posted, then the script runs as written', async () => {
    const name = uniqueName('yaml');
    const yaml = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      `  name: ${name}`,
      'spec:',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      containers:',
      '        - name: main',
      '          image: busybox',
      '          command:',
      '            - sh',
      '            - -c',
      '            - |',
      '              a=21',
      '              echo "answer $((a * 2))"',
      '',
    ].join('\n');
    const res = await api.request('POST', JOBS, { body: yaml, contentType: 'application/yaml' });
    expect(res.status, res.text).toBe(201);
    expect(res.json.spec.template.spec.containers[0].command[2]).toBe('a=21\necho "answer $((a * 2))"\n');
    await waitFor(name, 'Complete', (j) => hasCondition(j, 'Complete'));
    const pods = await api.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=job-name%3D${name}`);
    const log = await api.request('GET', `/api/v1/namespaces/${NS}/pods/${pods.json.items[0].metadata.name}/log`);
    expect(log.text).toBe('answer 42\n');
  });

  it('when only generateName is given, then the Job gets that prefix and a five-character suffix', async () => {
    const job = await createJob(jobManifest({ generateName: 'gen-' }));
    expect(job.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const got = await api.request('GET', `${JOBS}/${job.metadata.name}`);
    expect(got.status).toBe(200);
  });

  it('when dryRun=All, then 201 shows the defaulted Job and nothing is created', async () => {
    const name = uniqueName('dry');
    const res = await api.request('POST', `${JOBS}?dryRun=All`, { body: jobManifest({ name }) });
    expect(res.status).toBe(201);
    expect(res.json.spec.backoffLimit).toBe(2);
    expect(res.json.metadata.uid).toBeTruthy();
    expect((await api.request('GET', `${JOBS}/${name}`)).status).toBe(404);
  });

  it('when the name is taken by a live Job, then 409 AlreadyExists', async () => {
    const name = uniqueName('dup');
    await createJob(sleeper(name));
    const res = await api.request('POST', JOBS, { body: sleeper(name) });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      message: `jobs.batch "${name}" already exists`,
      details: { name, group: 'batch', kind: 'jobs' },
      code: 409,
    });
  });

  it('when the manifest has unknown fields, then they are dropped and named in Warning headers', async () => {
    const name = uniqueName('warn');
    const manifest = jobManifest({ name });
    manifest.spec.foo = 1;
    manifest.spec.template.spec.containers[0].colour = 'blue';
    const res = await api.request('POST', JOBS, { body: manifest });
    expect(res.status).toBe(201);
    expect(res.warnings).toEqual(expect.arrayContaining(['unknown field "spec.foo"', 'unknown field "spec.template.spec.containers[0].colour"']));
    expect(res.json.spec).not.toHaveProperty('foo');
  });

  it('when the pod template uses what the process runtime ignores, then create warnings come back as Warning headers', async () => {
    const name = uniqueName('cwarn');
    const manifest = jobManifest({ name, podSpec: { volumes: [{ name: 'data', emptyDir: {} }] } });
    manifest.spec.template.spec.containers[0].resources = { limits: { cpu: '1' } };
    const res = await api.request('POST', JOBS, { body: manifest });
    expect(res.status, res.text).toBe(201);
    expect(res.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^spec\.template\.spec\.volumes: /),
        expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.resources: /),
      ]),
    );
  });

  it('when fieldValidation=Strict and there is an unknown field, then 400 and nothing is created', async () => {
    const name = uniqueName('strict');
    const manifest = jobManifest({ name });
    manifest.spec.foo = 1;
    const res = await api.request('POST', `${JOBS}?fieldValidation=Strict`, { body: manifest });
    expect(res.status).toBe(400);
    expect(res.json.message).toBe('strict decoding error: unknown field "spec.foo"');
    expect((await api.request('GET', `${JOBS}/${name}`)).status).toBe(404);
  });

  const invalidCases = [
    { name: 'negative completions', spec: { completions: -1 }, field: 'spec.completions', message: 'Invalid value: -1: must be greater than or equal to 0' },
    { name: 'negative backoffLimit', spec: { backoffLimit: -3 }, field: 'spec.backoffLimit', message: 'Invalid value: -3: must be greater than or equal to 0' },
    { name: 'restartPolicy Always', restartPolicy: 'Always' as const, field: 'spec.template.spec.restartPolicy', message: undefined },
    { name: 'a string where an integer belongs', spec: { parallelism: 'two' }, field: 'spec.parallelism', message: undefined },
  ];
  it.each(invalidCases)('when the spec has $name, then 422 Invalid names the field', async ({ spec, restartPolicy, field, message }) => {
    const name = uniqueName('bad');
    const res = await api.request('POST', JOBS, { body: jobManifest({ name, ...(spec ? { spec } : {}), ...(restartPolicy ? { restartPolicy } : {}) }) });
    expect(res.status, res.text).toBe(422);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name, group: 'batch', kind: 'Job' } });
    expect(res.json.message).toMatch(new RegExp(`^Job\\.batch "${name}" is invalid: `));
    const cause = res.json.details.causes.find((c: any) => c.field === field);
    expect(cause, JSON.stringify(res.json.details.causes)).toBeDefined();
    if (message) expect(cause.message).toBe(message);
    expect((await api.request('GET', `${JOBS}/${name}`)).status).toBe(404);
  });

  it('when neither name nor generateName is given, then 422 with a metadata.name cause', async () => {
    const res = await api.request('POST', JOBS, { body: jobManifest() });
    expect(res.status).toBe(422);
    expect(res.json.details.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
  });

  it('when the body names another namespace, then 400 BadRequest', async () => {
    const res = await api.request('POST', JOBS, { body: jobManifest({ name: uniqueName('ns'), namespace: 'elsewhere' }) });
    expect(res.status).toBe(400);
    expect(res.json.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });

  it('when the body names the same namespace, then the create succeeds', async () => {
    const job = await createJob(jobManifest({ name: uniqueName('samens'), namespace: NS }));
    expect(job.metadata.namespace).toBe(NS);
  });
});

describe('GET /apis/batch/v1/namespaces/{ns}/jobs/{name}', () => {
  it('when the Job does not exist, then 404 NotFound names it', async () => {
    const res = await api.request('GET', `${JOBS}/nope-${Date.now()}`);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ reason: 'NotFound', details: { group: 'batch', kind: 'jobs' }, code: 404 });
    expect(res.json.message).toMatch(/^jobs\.batch "nope-\d+" not found$/);
  });

  it('when the name cannot be a Job name, then 404 without asking Temporal', async () => {
    const res = await api.request('GET', `${JOBS}/Not_A_Name`);
    expect(res.status).toBe(404);
    expect(res.json.message).toBe('jobs.batch "Not_A_Name" not found');
  });

  it('when the Job lives in another namespace, then it is not found here', async () => {
    const name = uniqueName('other');
    await createJob(sleeper(name));
    expect((await api.request('GET', `/apis/batch/v1/namespaces/other-ns/jobs/${name}`)).status).toBe(404);
  });
});

describe('GET jobs (list)', () => {
  const a = uniqueName('list-a');
  const b = uniqueName('list-b');
  const c = uniqueName('list-c');
  beforeAll(async () => {
    await createJob(sleeper(a, { labels: { app: 'web', tier: 'front' } }));
    await createJob(sleeper(b, { labels: { app: 'batch' } }));
    await createJob(sleeper(c, { labels: { app: 'web', tier: 'back' } }));
  });
  const names = (res: any) => res.json.items.map((j: any) => j.metadata.name).filter((n: string) => [a, b, c].includes(n));

  it('when Jobs were just created, then the list already contains them, sorted by name', async () => {
    const res = await api.request('GET', JOBS);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ apiVersion: 'batch/v1', kind: 'JobList' });
    expect(names(res)).toEqual([a, b, c]);
  });

  it('when another API process lists (no memory of the creates), then Visibility catches up and shows them', async () => {
    const other = await startTestApi(stack);
    try {
      const res = await poll(() => other.request('GET', JOBS), (r) => names(r).length === 3, { what: 'the three Jobs in a fresh API process', timeoutMs: 15_000 });
      expect(names(res)).toEqual([a, b, c]);
    } finally {
      await other.close();
    }
  });

  const selectorCases = [
    { name: 'equality', selector: 'app=web', want: ['a', 'c'] },
    { name: 'double-equals', selector: 'app==batch', want: ['b'] },
    { name: 'inequality', selector: 'app!=web', want: ['b'] },
    { name: 'set membership', selector: 'tier in (front,back)', want: ['a', 'c'] },
    { name: 'set exclusion', selector: 'tier notin (front)', want: ['b', 'c'] },
    { name: 'existence', selector: 'tier', want: ['a', 'c'] },
    { name: 'non-existence', selector: '!tier', want: ['b'] },
    { name: 'a conjunction', selector: 'app=web,tier=back', want: ['c'] },
  ];
  it.each(selectorCases)('when labelSelector uses $name, then only matching Jobs are listed', async ({ selector, want }) => {
    const res = await api.request('GET', `${JOBS}?labelSelector=${encodeURIComponent(selector)}`);
    expect(res.status).toBe(200);
    const byLetter: Record<string, string> = { a, b, c };
    expect(names(res)).toEqual(want.map((l) => byLetter[l]));
  });

  it('when kubectl asks for a Table, then rows carry the printer columns and the object metadata', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const res = await api.request('GET', `${JOBS}?labelSelector=app%3Dbatch`, { headers: { accept } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(res.json.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age']);
    expect(res.json.rows).toHaveLength(1);
    expect(res.json.rows[0].cells.slice(0, 3)).toEqual([b, 'Running', '0/1']);
    expect(res.json.rows[0].object.metadata).toMatchObject({ name: b, namespace: NS });
  });

  it('when fieldSelector names one Job, then only that Job is listed', async () => {
    const res = await api.request('GET', `${JOBS}?fieldSelector=metadata.name%3D${b}`);
    expect(res.json.items.map((j: any) => j.metadata.name)).toEqual([b]);
  });

  it('when listing all namespaces, then Jobs of this namespace are among them', async () => {
    const res = await api.request('GET', '/apis/batch/v1/jobs?labelSelector=app%3Dbatch');
    expect(res.status).toBe(200);
    expect(names(res)).toEqual([b]);
  });

  const badSelectors = [
    { name: 'a malformed labelSelector', query: 'labelSelector=app%3D%3D%3D' },
    { name: 'an invalid label value', query: 'labelSelector=app%3D-bad-' },
    { name: 'an unsupported field', query: 'fieldSelector=spec.parallelism%3D1' },
    { name: 'a malformed fieldSelector', query: 'fieldSelector=nonsense' },
    { name: 'a negative timeoutSeconds on a watch', query: 'watch=true&timeoutSeconds=-1' },
  ];
  it.each(badSelectors)('when the list has $name, then 400 BadRequest', async ({ query }) => {
    const res = await api.request('GET', `${JOBS}?${query}`);
    expect(res.status, res.text).toBe(400);
    expect(res.json.reason).toBe('BadRequest');
  });
});

describe('GET jobs?watch=true', () => {
  /** Reads newline-delimited watch events until `until` holds for the events so far. */
  async function watchUntil(path: string, accept: string | undefined, until: (events: any[]) => boolean) {
    const abort = new AbortController();
    const res = await fetch(api.baseUrl + path, { signal: abort.signal, headers: accept ? { accept } : {} });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const events: any[] = [];
    let buffered = '';
    try {
      while (!until(events)) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffered.slice(0, nl)));
          buffered = buffered.slice(nl + 1);
        }
      }
    } finally {
      abort.abort();
    }
    return events;
  }

  it('when a watched Job runs, completes and is deleted, then ADDED, MODIFIED and DELETED events arrive', async () => {
    const name = uniqueName('watched');
    await createJob(jobManifest({ name, command: ['sleep', '1'] }));
    const path = `${JOBS}?watch=true&timeoutSeconds=30&fieldSelector=metadata.name%3D${name}`;
    let deleted = false;
    const events = await watchUntil(path, undefined, (evs) => {
      const complete = evs.some((e) => e.type === 'MODIFIED' && hasCondition(e.object, 'Complete'));
      if (complete && !deleted) {
        deleted = true;
        void api.request('DELETE', `${JOBS}/${name}`);
      }
      return evs.some((e) => e.type === 'DELETED');
    });
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'Job', metadata: { name } } });
    expect(events.some((e) => e.type === 'MODIFIED' && hasCondition(e.object, 'Complete'))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'DELETED', object: { metadata: { name } } });
    expect(events.every((e) => e.object.metadata.name === name)).toBe(true);
  });

  it('when kubectl watches with a Table Accept header, then each event carries a one-row Table', async () => {
    const name = uniqueName('wtable');
    await createJob(sleeper(name));
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const [first] = await watchUntil(`${JOBS}?watch=true&fieldSelector=metadata.name%3D${name}`, accept, (evs) => evs.length > 0);
    expect(first).toMatchObject({ type: 'ADDED', object: { kind: 'Table', apiVersion: 'meta.k8s.io/v1' } });
    expect(first.object.rows).toHaveLength(1);
    expect(first.object.rows[0].cells.slice(0, 3)).toEqual([name, 'Running', '0/1']);
  });

  it('when timeoutSeconds passes, then the server ends the watch', async () => {
    const started = Date.now();
    const res = await fetch(`${api.baseUrl}${JOBS}?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dnobody`);
    expect(await res.text()).toBe('');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('PATCH /apis/batch/v1/namespaces/{ns}/jobs/{name}', () => {
  it('when a merge patch suspends a running Job, then it reports Suspended and no active pods', async () => {
    const name = uniqueName('suspend');
    await createJob(sleeper(name));
    await waitFor(name, 'an active pod', (j) => j.status?.active === 1);
    const res = await api.request('PATCH', `${JOBS}/${name}`, { body: { spec: { suspend: true } }, contentType: 'application/merge-patch+json' });
    expect(res.status, res.text).toBe(200);
    expect(res.json.spec.suspend).toBe(true);
    expect(res.json.metadata.generation).toBe(2);
    const suspended = await waitFor(name, 'Suspended with no active pods', (j) => hasCondition(j, 'Suspended') && j.status.active === 0);
    expect(suspended.status.conditions.find((c: any) => c.type === 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
  });

  it('when a strategic merge patch raises parallelism, then more pods run', async () => {
    const name = uniqueName('scale');
    await createJob(sleeper(name, { spec: { completions: 3, parallelism: 1 } }));
    const res = await api.request('PATCH', `${JOBS}/${name}`, { body: { spec: { parallelism: 3 } }, contentType: 'application/strategic-merge-patch+json' });
    expect(res.status, res.text).toBe(200);
    expect(res.json.spec.parallelism).toBe(3);
    await waitFor(name, 'three active pods', (j) => j.status?.active === 3);
  });

  it('when a JSON patch changes labels, then the label selector finds the Job by its new labels', async () => {
    const name = uniqueName('relabel');
    await createJob(sleeper(name, { labels: { stage: 'one' } }));
    const res = await api.request('PATCH', `${JOBS}/${name}`, {
      body: [{ op: 'replace', path: '/metadata/labels/stage', value: 'two' }],
      contentType: 'application/json-patch+json',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.metadata.labels.stage).toBe('two');
    const list = await api.request('GET', `${JOBS}?labelSelector=stage%3Dtwo`);
    expect(list.json.items.map((j: any) => j.metadata.name)).toEqual([name]);
  });

  it('when a patch changes an immutable field, then 422 names it and the Job is unchanged', async () => {
    const name = uniqueName('immut');
    await createJob(sleeper(name));
    const res = await api.request('PATCH', `${JOBS}/${name}`, { body: { spec: { completions: 5 } }, contentType: 'application/merge-patch+json' });
    expect(res.status, res.text).toBe(422);
    expect(res.json.reason).toBe('Invalid');
    expect(res.json.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'spec.completions', message: 'Invalid value: 5: field is immutable' });
    expect((await api.request('GET', `${JOBS}/${name}`)).json.spec.completions).toBe(1);
  });

  it('when a patch makes a mutable field invalid, then 422 names it', async () => {
    const name = uniqueName('negpar');
    await createJob(sleeper(name));
    const res = await api.request('PATCH', `${JOBS}/${name}`, { body: { spec: { parallelism: -1 } }, contentType: 'application/merge-patch+json' });
    expect(res.status).toBe(422);
    expect(res.json.details.causes.map((c: any) => c.field)).toContain('spec.parallelism');
  });

  it('when a patch renames the Job, then 400 BadRequest', async () => {
    const name = uniqueName('rename');
    await createJob(sleeper(name));
    const res = await api.request('PATCH', `${JOBS}/${name}`, { body: { metadata: { name: 'other' } }, contentType: 'application/merge-patch+json' });
    expect(res.status).toBe(400);
    expect(res.json.message).toBe(`the name of the object (other) does not match the name on the URL (${name})`);
  });

  it('when a patch carries an unknown field, then it is dropped with a Warning header', async () => {
    const name = uniqueName('pwarn');
    await createJob(sleeper(name));
    const res = await api.request('PATCH', `${JOBS}/${name}`, { body: { spec: { paralelism: 2 } }, contentType: 'application/merge-patch+json' });
    expect(res.status, res.text).toBe(200);
    expect(res.warnings).toEqual(['unknown field "spec.paralelism"']);
    expect(res.json.spec.parallelism).toBe(1);
  });

  it('when dryRun=All, then the patched Job is shown but not applied', async () => {
    const name = uniqueName('drypatch');
    await createJob(sleeper(name));
    const res = await api.request('PATCH', `${JOBS}/${name}?dryRun=All`, { body: { spec: { activeDeadlineSeconds: 100 } }, contentType: 'application/merge-patch+json' });
    expect(res.status).toBe(200);
    expect(res.json.spec.activeDeadlineSeconds).toBe(100);
    expect((await api.request('GET', `${JOBS}/${name}`)).json.spec).not.toHaveProperty('activeDeadlineSeconds');
  });

  const badPatches = [
    { name: 'an unknown patch type', contentType: 'application/apply-patch+json', body: '{}', code: 415 },
    { name: 'a server-side apply without fieldManager', contentType: 'application/apply-patch+yaml', body: '{}', code: 422 },
    { name: 'a plain JSON body', contentType: 'application/json', body: '{}', code: 415 },
    { name: 'unparseable JSON', contentType: 'application/merge-patch+json', body: '{"spec":', code: 400 },
    { name: 'a merge patch that is an array', contentType: 'application/merge-patch+json', body: '[]', code: 400 },
    { name: 'an unknown strategic directive', contentType: 'application/strategic-merge-patch+json', body: '{"spec":{"$frobnicate":"x"}}', code: 400 },
  ];
  it.each(badPatches)('when the PATCH has $name, then $code', async ({ contentType, body, code }) => {
    const name = uniqueName('badpatch');
    await createJob(sleeper(name));
    const res = await api.request('PATCH', `${JOBS}/${name}`, { body, contentType });
    expect(res.status, res.text).toBe(code);
    expect(res.json.kind).toBe('Status');
  });

  it('when the Job does not exist, then 404', async () => {
    const res = await api.request('PATCH', `${JOBS}/absent-${Date.now()}`, { body: { spec: { suspend: true } }, contentType: 'application/merge-patch+json' });
    expect(res.status).toBe(404);
  });
});

describe('DELETE /apis/batch/v1/namespaces/{ns}/jobs/{name}', () => {
  it('when deleted without a policy (Background), then a Success Status returns and the Job is gone at once', async () => {
    const name = uniqueName('delbg');
    const job = await createJob(sleeper(name));
    const res = await api.request('DELETE', `${JOBS}/${name}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: 'batch', kind: 'jobs', uid: job.metadata.uid },
      code: 200,
    });
    expect((await api.request('GET', `${JOBS}/${name}`)).status).toBe(404);
    const list = await api.request('GET', JOBS);
    expect(list.json.items.map((j: any) => j.metadata.name)).not.toContain(name);
    expect((await api.request('DELETE', `${JOBS}/${name}`)).status).toBe(404);
  });

  it('when deleted with propagationPolicy=Foreground, then the Job is returned with deletionTimestamp and stays until its pods are gone', async () => {
    const name = uniqueName('delfg');
    await createJob(sleeper(name));
    await waitFor(name, 'an active pod', (j) => j.status?.active === 1);
    const res = await api.request('DELETE', `${JOBS}/${name}?propagationPolicy=Foreground`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.kind).toBe('Job');
    expect(res.json.metadata.deletionTimestamp).toBeTruthy();
    expect(res.json.metadata.finalizers).toContain('foregroundDeletion');
    await poll(() => api.request('GET', `${JOBS}/${name}`), (r) => r.status === 404, { what: `${name} to disappear`, timeoutMs: 30_000 });
  });

  it('when a DeleteOptions body asks for Orphan, then a Success Status returns', async () => {
    const name = uniqueName('delor');
    await createJob(sleeper(name));
    const res = await api.request('DELETE', `${JOBS}/${name}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.status).toBe('Success');
    expect((await api.request('GET', `${JOBS}/${name}`)).status).toBe(404);
  });

  it('when the propagationPolicy is unknown, then 422 names the field and the Job stays', async () => {
    const name = uniqueName('delbad');
    await createJob(sleeper(name));
    const res = await api.request('DELETE', `${JOBS}/${name}?propagationPolicy=Sideways`);
    expect(res.status).toBe(422);
    expect(res.json.details.causes).toEqual([
      { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: 'Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan"' },
    ]);
    expect((await api.request('GET', `${JOBS}/${name}`)).status).toBe(200);
  });

  it('when a Job is still stopping its pods, then creating its name again is 409 "object is being deleted", and 201 once it is gone', async () => {
    const name = uniqueName('recreate');
    // The pod ignores SIGTERM, so deletion waits out the grace period.
    const stubborn = jobManifest({ name, command: ['sh', '-c', "trap '' TERM; sleep 30 & wait; sleep 30"], podSpec: { terminationGracePeriodSeconds: 3 } });
    await createJob(stubborn);
    await waitFor(name, 'an active pod', (j) => j.status?.active === 1);
    expect((await api.request('DELETE', `${JOBS}/${name}`)).status).toBe(200);
    const again = await api.request('POST', JOBS, { body: jobManifest({ name }) });
    expect(again.status).toBe(409);
    expect(again.json.message).toBe(`object is being deleted: jobs.batch "${name}" already exists`);
    const created = await poll(() => api.request('POST', JOBS, { body: jobManifest({ name }) }), (r) => r.status === 201, {
      what: `${name} to be creatable again`,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(created.json.metadata.name).toBe(name);
  });
});
