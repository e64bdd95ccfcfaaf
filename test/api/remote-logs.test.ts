/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON, inspected field by field */
/**
 * Pod logs read by an API that does not share the worker's data directory (a cluster: APIs and
 * workers on different machines): the API reads them on the pod's node, through the node's task
 * queue, with the same options as a local read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobManifest, startTestApi, uniqueName, type TestApi } from '../support/api-env.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
/** Shares the worker's data directory. */
let local: TestApi;
/** Has a data directory of its own: every log read goes to the node. */
let remote: TestApi;
let apiDir: string;
const NS = 'remote-logs';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const PODS = `/api/v1/namespaces/${NS}/pods`;

beforeAll(async () => {
  stack = await startTestStack();
  apiDir = await mkdtemp(path.join(os.tmpdir(), 'kjob-remote-api-'));
  local = await startTestApi(stack);
  remote = await startTestApi(stack, { config: { dataDir: apiDir } });
});

afterAll(async () => {
  await remote?.close();
  await local?.close();
  await stack?.stop();
  if (apiDir) await rm(apiDir, { recursive: true, force: true });
});

const hasCondition = (job: any, type: string) => (job?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');

async function runJob(manifest: Record<string, any>) {
  const res = await remote.request('POST', JOBS, { body: manifest });
  expect(res.status, res.text).toBe(201);
  const name = manifest.metadata.name;
  await poll(() => remote.request('GET', `${JOBS}/${name}`), (r) => r.status === 200 && hasCondition(r.json, 'Complete'), { what: `Job ${name} complete`, timeoutMs: 30_000 });
  const pods = await poll(
    () => remote.request('GET', `${PODS}?labelSelector=${encodeURIComponent(`job-name=${name}`)}`),
    (r) => r.status === 200 && r.json.items.length > 0,
    { what: `${name}'s pods listed` },
  );
  return pods.json.items[0];
}

describe('pod logs through the node', () => {
  const job = uniqueName('lines');
  let pod: any;
  beforeAll(async () => {
    pod = await runJob(jobManifest({ name: job, command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; done'] }));
  });

  it('when the API has its own data dir, then it reads the log on the pod node, as the API beside the worker does', async () => {
    const url = `${PODS}/${pod.metadata.name}/log`;
    const [there, here] = await Promise.all([remote.request('GET', url), local.request('GET', url)]);
    expect(there.status, there.text).toBe(200);
    expect(there.text).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(there.text).toBe(here.text);
  });

  it.each([
    ['?tailLines=2', 'line 4\nline 5\n'],
    ['?limitBytes=10', 'line 1\nlin'],
    ['?tailLines=3&limitBytes=9', 'line 3\nli'],
    ['?sinceSeconds=3600', 'line 1\nline 2\nline 3\nline 4\nline 5\n'],
  ])('when %s is asked for, then the node applies it', async (query, want) => {
    const res = await remote.request('GET', `${PODS}/${pod.metadata.name}/log${query}`);
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(want);
  });

  it('when timestamps=true, then the lines carry the same timestamps as a local read', async () => {
    const url = `${PODS}/${pod.metadata.name}/log?timestamps=true`;
    const [there, here] = await Promise.all([remote.request('GET', url), local.request('GET', url)]);
    expect(there.text).toBe(here.text);
    expect(there.text.split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z line 1$/);
  });

  it('when there is no previous run, then 400 with the kubelet message, as locally', async () => {
    const res = await remote.request('GET', `${PODS}/${pod.metadata.name}/log?previous=true`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringMatching(/previous terminated container "main"/) });
  });

  it('when a log is larger than one chunk, then it arrives whole and in order', async () => {
    // 8000 lines of 100 bytes: ~800 kB, more than three chunks of 256 kB.
    const big = await runJob(jobManifest({ name: uniqueName('big'), command: ['sh', '-c', 'i=0; while [ $i -lt 8000 ]; do printf "%05d %094d\\n" $i 0; i=$((i+1)); done'] }));
    const res = await remote.request('GET', `${PODS}/${big.metadata.name}/log`);
    expect(res.status).toBe(200);
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(8000);
    expect(lines.every((l, i) => l.startsWith(String(i).padStart(5, '0') + ' ') && l.length === 100)).toBe(true);
  });

  it('when an OnFailure container was restarted, then previous=true reads the run before on the node', async () => {
    const script = 'n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; echo "run $n"; [ "$n" -ge 3 ]';
    const p = await runJob(jobManifest({ name: uniqueName('onfail'), restartPolicy: 'OnFailure', command: ['sh', '-c', script], spec: { backoffLimit: 4 } }));
    expect((await remote.request('GET', `${PODS}/${p.metadata.name}/log`)).text).toBe('run 3\n');
    expect((await remote.request('GET', `${PODS}/${p.metadata.name}/log?previous=true`)).text).toBe('run 2\n');
  });

  it('when follow=true, then the log streams from the node while the container runs and ends when it exits', async () => {
    const name = uniqueName('follow');
    const script = 'for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 0.25; done';
    expect((await remote.request('POST', JOBS, { body: jobManifest({ name, command: ['sh', '-c', script] }) })).status).toBe(201);
    const running = await poll(
      () => remote.request('GET', `${PODS}?labelSelector=${encodeURIComponent(`job-name=${name}`)}`),
      (r) => r.json?.items?.[0]?.status?.phase === 'Running',
      { what: `${name}'s pod running` },
    );
    const podName = running.json.items[0].metadata.name;
    const started = Date.now();
    const res = await fetch(`${remote.baseUrl}${PODS}/${podName}/log?follow=true`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const chunks: Array<{ at: number; text: string }> = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push({ at: Date.now() - started, text: decoder.decode(value, { stream: true }) });
    }
    expect(chunks.map((c) => c.text).join('')).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\ntick 7\ntick 8\n');
    expect(chunks.length).toBeGreaterThan(1);
  });
});
