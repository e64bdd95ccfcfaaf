/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON, inspected field by field */
/**
 * Pods, pod logs and events over real HTTP, against a real worker whose pods are real processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobManifest, startTestApi, uniqueName, type TestApi } from '../support/api-env.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
let api: TestApi;
const NS = 'api-pods';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const PODS = `/api/v1/namespaces/${NS}/pods`;

beforeAll(async () => {
  stack = await startTestStack();
  api = await startTestApi(stack);
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const hasCondition = (job: any, type: string) => (job?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');

async function runJob(manifest: Record<string, any>, until: (job: any) => boolean = (j) => hasCondition(j, 'Complete')) {
  const res = await api.request('POST', JOBS, { body: manifest });
  expect(res.status, res.text).toBe(201);
  const name = manifest.metadata.name;
  const done = await poll(() => api.request('GET', `${JOBS}/${name}`), (r) => r.status === 200 && until(r.json), { what: `Job ${name}`, timeoutMs: 30_000 });
  return done.json;
}

async function podsOf(job: string) {
  const res = await api.request('GET', `${PODS}?labelSelector=${encodeURIComponent(`job-name=${job}`)}`);
  expect(res.status, res.text).toBe(200);
  return res.json.items as any[];
}

/**
 * The Job's pods once `count` are listed. A pod shard publishes a pod in its own workflow task,
 * a moment after the Job's status counts it, so a reader that just saw `active: 1` polls.
 */
async function podsListed(job: string, count = 1) {
  return poll(() => podsOf(job), (pods) => pods.length >= count, { what: `${count} pod(s) of ${job} listed` });
}

describe('pods', () => {
  const job = uniqueName('counts');
  let podName: string;
  let uid: string;
  beforeAll(async () => {
    const done = await runJob(jobManifest({ name: job, command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; done'] }));
    uid = done.metadata.uid;
    podName = (await podsOf(job))[0].metadata.name;
  });

  it("when listing with labelSelector job-name, then the Job's pod is listed with the controller's labels", async () => {
    const pods = await podsOf(job);
    expect(pods).toHaveLength(1);
    expect(pods[0].metadata.name).toMatch(new RegExp(`^${job}-[a-z0-9]{5}$`));
    expect(pods[0].metadata.labels).toMatchObject({ 'job-name': job, 'batch.kubernetes.io/job-name': job, 'controller-uid': uid });
    expect(pods[0].status.phase).toBe('Succeeded');
  });

  const selectors = [
    { name: 'the batch.kubernetes.io/job-name label', selector: () => `batch.kubernetes.io/job-name=${job}` },
    { name: 'controller-uid', selector: () => `controller-uid=${uid}` },
    { name: 'a set expression', selector: () => `job-name in (${job},nothing-else)` },
  ];
  it.each(selectors)('when selecting by $name, then the same pod is found', async ({ selector }) => {
    const res = await api.request('GET', `${PODS}?labelSelector=${encodeURIComponent(selector())}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.items.map((p: any) => p.metadata.name)).toEqual([podName]);
  });

  it('when listing pods of all namespaces, then the pod is among them', async () => {
    const res = await api.request('GET', `/api/v1/pods?labelSelector=${encodeURIComponent(`job-name=${job}`)}`);
    expect(res.json).toMatchObject({ apiVersion: 'v1', kind: 'PodList' });
    expect(res.json.items.map((p: any) => p.metadata.name)).toEqual([podName]);
  });

  it('when a selector matches no Job, then the list is empty', async () => {
    const res = await api.request('GET', `${PODS}?labelSelector=job-name%3Dno-such-job`);
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual([]);
  });

  it('when getting the pod by name, then it is returned; an unknown pod is 404 NotFound', async () => {
    const got = await api.request('GET', `${PODS}/${podName}`);
    expect(got.status).toBe(200);
    expect(got.json.metadata.name).toBe(podName);
    const missing = await api.request('GET', `${PODS}/${job}-zzzzz`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ reason: 'NotFound', message: `pods "${job}-zzzzz" not found`, details: { kind: 'pods' } });
  });

  const logCases = [
    { name: 'no options', query: '', want: 'line 1\nline 2\nline 3\nline 4\nline 5\n' },
    { name: 'tailLines=2', query: '?tailLines=2', want: 'line 4\nline 5\n' },
    { name: 'tailLines=0', query: '?tailLines=0', want: '' },
    { name: 'limitBytes=10', query: '?limitBytes=10', want: 'line 1\nlin' },
    { name: 'tailLines and limitBytes', query: '?tailLines=1&limitBytes=4', want: 'line' },
    { name: 'the container named', query: '?container=main', want: 'line 1\nline 2\nline 3\nline 4\nline 5\n' },
  ];
  it.each(logCases)('when reading the log with $name, then the text is as kubectl shows it', async ({ query, want }) => {
    const res = await api.request('GET', `${PODS}/${podName}/log${query}`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toBe(want);
  });

  it('when timestamps=true, then every line starts with an RFC3339Nano timestamp', async () => {
    const res = await api.request('GET', `${PODS}/${podName}/log?timestamps=true`);
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const [i, line] of lines.entries()) expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z line ${i + 1}$`));
  });

  it('when sinceSeconds is given, then only lines newer than that are returned', async () => {
    expect((await api.request('GET', `${PODS}/${podName}/log?sinceSeconds=3600`)).text).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    // The lines were written once; a second later a one-second window holds none of them.
    await poll(() => api.request('GET', `${PODS}/${podName}/log?sinceSeconds=1`), (r) => r.status === 200 && r.text === '', {
      what: 'the one-second window to be empty',
      timeoutMs: 5_000,
    });
  });

  const badLogQueries = [
    { name: 'tailLines=-1', query: '?tailLines=-1', message: /tailLines.*greater than or equal to 0/ },
    { name: 'a tailLines too large to hold exactly', query: '?tailLines=99999999999999999999', message: /tailLines.*must be at most 9007199254740991/ },
    { name: 'limitBytes=0', query: '?limitBytes=0', message: /limitBytes/ },
    { name: 'a non-numeric sinceSeconds', query: '?sinceSeconds=soon', message: /sinceSeconds/ },
    { name: 'an unknown container', query: '?container=nope', message: new RegExp(`container nope is not valid for pod ${'.+'}`) },
    { name: 'previous without a previous run', query: '?previous=true', message: /previous terminated container "main"/ },
  ];
  it.each(badLogQueries)('when the log request has $name, then 400 BadRequest', async ({ query, message }) => {
    const res = await api.request('GET', `${PODS}/${podName}/log${query}`);
    expect(res.status, res.text).toBe(400);
    expect(res.json.reason).toBe('BadRequest');
    expect(res.json.message).toMatch(message);
  });

  it("when the pod's log is asked for an unknown pod, then 404", async () => {
    expect((await api.request('GET', `${PODS}/${job}-qqqqq/log`)).status).toBe(404);
  });
});

describe('pod logs of special pods', () => {
  it('when a pod has two containers and none is named, then 400 lists them; naming one reads its log', async () => {
    const name = uniqueName('two');
    const manifest = jobManifest({ name });
    manifest.spec.template.spec.containers = [
      { name: 'left', image: 'busybox', command: ['sh', '-c', 'echo from left'] },
      { name: 'right', image: 'busybox', command: ['sh', '-c', 'echo from right'] },
    ];
    await runJob(manifest);
    const [pod] = await podsOf(name);
    const res = await api.request('GET', `${PODS}/${pod.metadata.name}/log`);
    expect(res.status).toBe(400);
    expect(res.json.message).toBe(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [left right]`);
    expect((await api.request('GET', `${PODS}/${pod.metadata.name}/log?container=right`)).text).toBe('from right\n');
  });

  it('when an OnFailure container was restarted, then previous=true reads the run before the current one', async () => {
    const name = uniqueName('onfail');
    const script = 'n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; echo "run $n"; [ "$n" -ge 3 ]';
    // Restarts count toward backoffLimit with OnFailure (job-semantics §9): leave room for two.
    await runJob(jobManifest({ name, restartPolicy: 'OnFailure', command: ['sh', '-c', script], spec: { backoffLimit: 4 } }));
    const [pod] = await podsOf(name);
    expect(pod.status.containerStatuses[0].restartCount).toBe(2);
    expect((await api.request('GET', `${PODS}/${pod.metadata.name}/log`)).text).toBe('run 3\n');
    expect((await api.request('GET', `${PODS}/${pod.metadata.name}/log?previous=true`)).text).toBe('run 2\n');
  });

  it('when follow=true, then the log streams while the container runs and the response ends when it exits', async () => {
    const name = uniqueName('follow');
    // Three seconds of output: a busy machine may show the pod Running a second or more late.
    const script = 'for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; sleep 0.3; done';
    const created = await api.request('POST', JOBS, { body: jobManifest({ name, command: ['sh', '-c', script] }) });
    expect(created.status).toBe(201);
    const pod = await poll(
      async () => (await podsOf(name))[0],
      (p) => p?.status?.phase === 'Running',
      { what: `${name}'s pod running` },
    );
    const started = Date.now();
    const res = await fetch(`${api.baseUrl}${PODS}/${pod.metadata.name}/log?follow=true`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const chunks: Array<{ at: number; text: string }> = [];
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push({ at: Date.now() - started, text: decoder.decode(value, { stream: true }) });
    }
    const text = chunks.map((c) => c.text).join('');
    expect(text).toBe(Array.from({ length: 10 }, (_, i) => `tick ${i + 1}\n`).join(''));
    // Streamed, not buffered: output arrived in more than one piece, spread over the run.
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.at(-1)!.at - chunks[0]!.at).toBeGreaterThan(300);
  });

  it('when a follower disconnects, then the API keeps serving', async () => {
    const name = uniqueName('hangup');
    await api.request('POST', JOBS, { body: jobManifest({ name, command: ['sh', '-c', 'while true; do echo x; sleep 0.1; done'] }) });
    const pod = await poll(async () => (await podsOf(name))[0], (p) => p?.status?.phase === 'Running', { what: `${name}'s pod running` });
    const abort = new AbortController();
    const res = await fetch(`${api.baseUrl}${PODS}/${pod.metadata.name}/log?follow=true`, { signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    const health = await api.request('GET', '/healthz');
    expect(health.status).toBe(200);
    await api.request('DELETE', `${JOBS}/${name}`);
  });

  it('when a pod writes a lot of output fast, then the API stays responsive and bounded log reads return quickly', async () => {
    const name = uniqueName('huge');
    // 40 MB of 101-byte lines (100 digits and a newline) as fast as the process can write them.
    const script = 'yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | head -c 40400000; echo END';
    await api.request('POST', JOBS, { body: jobManifest({ name, command: ['sh', '-c', script] }) });
    const pod = await poll(async () => (await podsOf(name))[0], (p) => p !== undefined, { what: `${name}'s pod` });
    const timed = async (path: string) => {
      const t = Date.now();
      const res = await api.request('GET', path);
      return { res, ms: Date.now() - t };
    };
    // While it writes: health and the Job answer promptly.
    for (let i = 0; i < 5; i++) {
      const health = await timed('/healthz');
      expect(health.res.status).toBe(200);
      expect(health.ms).toBeLessThan(1000);
      const job = await timed(`${JOBS}/${name}`);
      expect(job.res.status).toBe(200);
      expect(job.ms).toBeLessThan(2000);
    }
    await poll(() => api.request('GET', `${JOBS}/${name}`), (r) => hasCondition(r.json, 'Complete'), { what: `${name} Complete`, timeoutMs: 60_000 });
    const tail = await timed(`${PODS}/${pod.metadata.name}/log?tailLines=1`);
    expect(tail.res.text).toBe('END\n');
    expect(tail.ms).toBeLessThan(2000);
    const head = await timed(`${PODS}/${pod.metadata.name}/log?limitBytes=20`);
    expect(head.res.text).toBe('01234567890123456789');
    expect(head.ms).toBeLessThan(2000);
  });
});

describe('pods of Jobs with long names', () => {
  // Pod names keep at most 58 characters of the Job name (generateName), so the owner cannot be
  // read off the pod name alone.
  const cases = [
    { name: 'a NonIndexed Job', spec: {} },
    { name: 'an Indexed Job', spec: { completionMode: 'Indexed', completions: 2, parallelism: 2 } },
  ];
  it.each(cases)('when $name has a 60-character name, then its pods and their logs are found by pod name', async ({ spec }) => {
    const name = `${uniqueName('long')}-${'x'.repeat(60)}`.slice(0, 60);
    await runJob(jobManifest({ name, spec, command: ['sh', '-c', 'echo long'] }));
    const pods = await podsOf(name);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      expect(pod.metadata.name.length).toBe(63);
      const got = await api.request('GET', `${PODS}/${pod.metadata.name}`);
      expect(got.status, got.text).toBe(200);
      expect((await api.request('GET', `${PODS}/${pod.metadata.name}/log`)).text).toBe('long\n');
    }
  });
});

describe('DELETE /api/v1/namespaces/{ns}/pods/{pod}', () => {
  it('when a running pod is deleted with gracePeriodSeconds=0, then it is terminated and the Job replaces it', async () => {
    const name = uniqueName('podkill');
    const running = await runJob(jobManifest({ name, command: ['sleep', '30'] }), (j) => j.status?.active === 1);
    expect(running.status.active).toBe(1);
    const [pod] = await podsListed(name);
    const res = await api.request('DELETE', `${PODS}/${pod.metadata.name}?gracePeriodSeconds=0`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.metadata.name).toBe(pod.metadata.name);
    expect(res.json.metadata.deletionTimestamp).toBeTruthy();
    // podReplacementPolicy TerminatingOrFailed (the default): the replacement need not wait.
    await poll(
      () => podsOf(name),
      (ps) => ps.some((p) => p.metadata.name !== pod.metadata.name && ['Pending', 'Running'].includes(p.status.phase)),
      { what: `a replacement pod for ${pod.metadata.name}` },
    );
    // Once terminated, a deleted pod is gone, as on a cluster.
    await poll(() => api.request('GET', `${PODS}/${pod.metadata.name}`), (r) => r.status === 404, { what: `${pod.metadata.name} gone` });
    await api.request('DELETE', `${JOBS}/${name}`);
  });

  it('when gracePeriodSeconds comes in a DeleteOptions body, then it is honoured too', async () => {
    const name = uniqueName('podbody');
    await runJob(jobManifest({ name, command: ['sleep', '30'] }), (j) => j.status?.active === 1);
    const [pod] = await podsListed(name);
    const res = await api.request('DELETE', `${PODS}/${pod.metadata.name}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.metadata.deletionTimestamp).toBeTruthy();
    await api.request('DELETE', `${JOBS}/${name}`);
  });

  const bad = [
    { name: 'a negative gracePeriodSeconds', query: '?gracePeriodSeconds=-1', body: undefined },
    { name: 'a DeleteOptions body of another kind', query: '', body: { kind: 'Pod' } },
  ];
  it.each(bad)('when the delete has $name, then 400', async ({ query, body }) => {
    const res = await api.request('DELETE', `${PODS}/whatever-abcde${query}`, body ? { body } : {});
    expect(res.status).toBe(400);
  });

  it('when the pod does not exist, then 404', async () => {
    expect((await api.request('DELETE', `${PODS}/nobody-abcde`)).status).toBe(404);
  });
});

describe('GET /api/v1/namespaces/{ns}/events', () => {
  const job = uniqueName('events');
  beforeAll(async () => {
    await runJob(jobManifest({ name: job }));
  });

  it("when selecting involvedObject.name=<job>, then the Job's events are listed as kubectl describe shows them", async () => {
    const res = await api.request('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${job}`)}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ apiVersion: 'v1', kind: 'EventList' });
    const [pod] = await podsOf(job);
    const reasons = res.json.items.map((e: any) => [e.reason, e.message]);
    expect(reasons).toContainEqual(['SuccessfulCreate', `Created pod: ${pod.metadata.name}`]);
    expect(reasons).toContainEqual(['Completed', 'Job completed']);
    for (const e of res.json.items) expect(e.involvedObject).toMatchObject({ kind: 'Job', name: job, namespace: NS });
  });

  it('when also selecting involvedObject.kind=Pod, then no Job events remain', async () => {
    const res = await api.request('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${job},involvedObject.kind=Pod`)}`);
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual([]);
  });

  it('when selecting by reason without a name, then events of every Job of the namespace are searched', async () => {
    const res = await api.request('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=reason%3DCompleted`);
    expect(res.status).toBe(200);
    expect(res.json.items.map((e: any) => e.involvedObject.name)).toContain(job);
    expect(res.json.items.every((e: any) => e.reason === 'Completed')).toBe(true);
  });

  it('when the field selector uses an unsupported field, then 400', async () => {
    const res = await api.request('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=spec.foo%3Dbar`);
    expect(res.status).toBe(400);
    expect(res.json.message).toBe('field label not supported: spec.foo');
  });
});
