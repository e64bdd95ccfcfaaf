/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON, inspected field by field */
/**
 * kjob on a real Temporal cluster (`npm run test:cluster`): PostgreSQL, 4 history shards, the
 * Temporal services as separate processes, two kjob APIs and three workers with a data dir each
 * (scripts/cluster/cluster.sh, started by the global setup). The scenarios that matter for
 * distribution, with exact counts: Jobs spread over the workers, reads and logs through the other
 * API, suspend/resume and delete across workers, a worker SIGKILLed mid-Job, a Temporal service
 * restarted mid-Job, an API restarted mid-watch. In order: the later ones stop parts of the cluster.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { poll } from '../support/poll.js';
import { alive, API_URLS, cluster, pidOf, request, signalGroup, uniqueName, workerOfNode, WORKERS } from './cluster-env.js';

const run = promisify(execFile);
const NS = 'default';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const PODS = `/api/v1/namespaces/${NS}/pods`;

interface JobOptions {
  name: string;
  command: string[];
  completions?: number;
  parallelism?: number;
  indexed?: boolean;
  backoffLimit?: number;
  labels?: Record<string, string>;
}

function manifest(o: JobOptions): Record<string, any> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      completions: o.completions ?? 1,
      parallelism: o.parallelism ?? o.completions ?? 1,
      backoffLimit: o.backoffLimit ?? 6,
      ...(o.indexed ? { completionMode: 'Indexed' } : {}),
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: 'busybox', command: o.command }],
        },
      },
    },
  };
}

async function create(api: number, o: JobOptions): Promise<any> {
  const res = await request(api, 'POST', JOBS, manifest(o));
  expect(res.status, res.text).toBe(201);
  return res.json;
}

const condition = (job: any, type: string) => (job?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');

async function waitJob(api: number, name: string, until: (job: any) => boolean, what: string, timeoutMs = 90_000): Promise<any> {
  const res = await poll(() => request(api, 'GET', `${JOBS}/${name}`), (r) => r.status === 200 && until(r.json), { what: `Job ${name}: ${what}`, timeoutMs, intervalMs: 250 });
  return res.json;
}

const complete = (api: number, name: string, timeoutMs?: number) => waitJob(api, name, (j) => condition(j, 'Complete') || condition(j, 'Failed'), 'finished', timeoutMs);

async function podsOf(api: number, name: string): Promise<any[]> {
  const res = await request(api, 'GET', `${PODS}?labelSelector=${encodeURIComponent(`job-name=${name}`)}`);
  expect(res.status, res.text).toBe(200);
  return res.json.items;
}

async function runningPods(api: number, name: string, count: number): Promise<any[]> {
  return poll(
    () => podsOf(api, name),
    (pods) => pods.filter((p) => p.status.phase === 'Running').length >= count,
    { what: `${count} running pods of ${name}`, timeoutMs: 60_000, intervalMs: 250 },
  ).then((pods) => pods.filter((p) => p.status.phase === 'Running'));
}

const nodesOf = (pods: any[]) => new Set(pods.map((p) => p.spec.nodeName as string));

/** Processes whose command line is `<path>/sleep <seconds>` (pods are processes on this machine's workers). */
async function sleepProcesses(seconds: number): Promise<number> {
  try {
    // Anchored: each container also has a watchdog shell whose command line ends with its command.
    const { stdout } = await run('pgrep', ['-f', '-c', `^([^ ]*/)?sleep ${seconds}$`]);
    return Number(stdout.trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe('kjob on a Temporal cluster', () => {
  it('when a parallel Job is created on one API, then the other serves it, its pods spread over the workers, with exact counts', async () => {
    const name = uniqueName('spread');
    await create(0, { name, completions: 9, parallelism: 9, command: ['sh', '-c', 'echo pod $HOSTNAME; sleep 2'] });
    const done = await complete(1, name);
    expect(condition(done, 'Complete')).toBe(true);
    expect(done.status).toMatchObject({ succeeded: 9, failed: 0, active: 0 });
    const pods = await podsOf(0, name);
    expect(pods).toHaveLength(9);
    expect(pods.every((p) => p.status.phase === 'Succeeded')).toBe(true);
    // Nine pods sleeping 2 s each, dispatched over three workers' pollers: more than one takes some.
    const nodes = nodesOf(pods);
    console.log(`spread: ${[...nodes].map((n) => `${n}: ${pods.filter((p) => p.spec.nodeName === n).length}`).join(', ')}`);
    expect(nodes.size).toBeGreaterThanOrEqual(2);
  });

  it('when an Indexed Job runs on several workers, then every index completes once and each pod log is read through the other API', async () => {
    const name = uniqueName('indexed');
    await create(1, { name, completions: 6, parallelism: 3, indexed: true, command: ['sh', '-c', 'echo start $JOB_COMPLETION_INDEX; sleep 1; echo index $JOB_COMPLETION_INDEX'] });
    const done = await complete(0, name);
    expect(done.status).toMatchObject({ succeeded: 6, failed: 0, completedIndexes: '0-5' });
    const pods = await podsOf(0, name);
    expect(pods).toHaveLength(6);
    for (const pod of pods) {
      const index = pod.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      // API 0 shares no data dir with any worker: it reads each log on the pod's node.
      const log = await request(0, 'GET', `${PODS}/${pod.metadata.name}/log`);
      expect(log.status, log.text).toBe(200);
      expect(log.text).toBe(`start ${index}\nindex ${index}\n`);
      expect((await request(1, 'GET', `${PODS}/${pod.metadata.name}/log?tailLines=1`)).text).toBe(`index ${index}\n`);
      expect((await request(0, 'GET', `${PODS}/${pod.metadata.name}/log?limitBytes=5`)).text).toBe('start');
    }
  });

  it("when a pod's log is followed through an API on another machine, then it streams until the container exits", async () => {
    const name = uniqueName('follow');
    await create(0, { name, command: ['sh', '-c', 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.5; done'] });
    const [pod] = await runningPods(1, name, 1);
    const res = await fetch(`${API_URLS[1]}${PODS}/${pod.metadata.name}/log?follow=true`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let pieces = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pieces++;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\n');
    expect(pieces).toBeGreaterThan(1);
  });

  it('when a Job running on several workers is suspended and resumed through the other API, then its pods stop and it completes with exact counts', async () => {
    const name = uniqueName('suspend');
    await create(0, { name, completions: 3, parallelism: 3, command: ['sh', '-c', 'sleep 8'] });
    await runningPods(0, name, 3);
    const suspended = await request(1, 'PATCH', `${JOBS}/${name}`, JSON.stringify({ spec: { suspend: true } }));
    expect(suspended.status, suspended.text).toBe(200);
    const paused = await waitJob(0, name, (j) => condition(j, 'Suspended') && j.status.active === 0 && !j.status.terminating, 'suspended, no active pod');
    expect(paused.status).toMatchObject({ succeeded: 0, failed: 0 });
    const resumed = await request(0, 'PATCH', `${JOBS}/${name}`, JSON.stringify({ spec: { suspend: false } }));
    expect(resumed.status, resumed.text).toBe(200);
    const done = await complete(1, name);
    expect(condition(done, 'Complete')).toBe(true);
    // Pods stopped by a suspension do not count as failed (Kubernetes: they are deleted, not failed).
    expect(done.status).toMatchObject({ succeeded: 3, failed: 0, active: 0 });
  });

  it('when a Job running on several workers is deleted through the other API, then it is gone from both and its pod processes are stopped', async () => {
    const name = uniqueName('delete');
    // A sleep no other test uses, so its processes can be counted on this machine.
    await create(0, { name, completions: 3, parallelism: 3, command: ['sleep', '3017'] });
    await runningPods(0, name, 3);
    expect(await sleepProcesses(3017)).toBe(3);
    const deleted = await request(1, 'DELETE', `${JOBS}/${name}`);
    expect(deleted.status, deleted.text).toBe(200);
    for (const api of [0, 1]) {
      await poll(() => request(api, 'GET', `${JOBS}/${name}`), (r) => r.status === 404, { what: `Job ${name} gone from API ${api}`, timeoutMs: 30_000, intervalMs: 250 });
    }
    await poll(() => sleepProcesses(3017), (n) => n === 0, { what: `${name}'s pod processes stopped`, timeoutMs: 30_000, intervalMs: 250 });
  });

  it('when a worker is SIGKILLed mid-Job, then its pods fail as disrupted, are replaced on the other workers, and the Job completes with exact counts', async () => {
    const name = uniqueName('sigkill');
    await create(0, { name, completions: 6, parallelism: 6, command: ['sh', '-c', 'echo running; sleep 10'] });
    const running = await runningPods(1, name, 6);
    const victimNode = running[0].spec.nodeName as string;
    const victims = running.filter((p) => p.spec.nodeName === victimNode).map((p) => p.metadata.name as string);
    const worker = await workerOfNode(victimNode);
    const pid = signalGroup(worker, 'SIGKILL');
    await poll(() => alive(pid), (a) => !a, { what: `${worker} dead` });
    try {
      // The dead node's logs went with it: a clear 503, not a hang or a 500.
      const log = await request(1, 'GET', `${PODS}/${victims[0]}/log`);
      expect(log.status, log.text).toBe(503);
      expect(log.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', message: expect.stringContaining(victimNode) });

      const done = await complete(1, name, 120_000);
      expect(condition(done, 'Complete')).toBe(true);
      expect(done.status).toMatchObject({ succeeded: 6, failed: victims.length, active: 0 });
      const pods = await podsOf(0, name);
      const failed = pods.filter((p) => p.status.phase === 'Failed');
      expect(failed.map((p) => p.metadata.name).sort()).toEqual([...victims].sort());
      expect(failed.every((p) => (p.status.conditions ?? []).some((c: any) => c.type === 'DisruptionTarget' && c.status === 'True'))).toBe(true);
      const replacements = pods.filter((p) => p.status.phase === 'Succeeded');
      expect(replacements).toHaveLength(6);
      expect(replacements.filter((p) => victims.includes(p.metadata.name))).toHaveLength(0);
      expect(replacements.filter((p) => p.spec.nodeName === victimNode).length).toBeLessThanOrEqual(6 - victims.length);
    } finally {
      await cluster('up'); // starts the killed worker again (a new node)
    }
    expect(alive(pidOf(worker)!)).toBe(true);
  });

  it('when the Temporal history service is restarted mid-Job, then the Job completes with exact counts', async () => {
    const name = uniqueName('history');
    await create(1, { name, completions: 6, parallelism: 3, indexed: true, command: ['sh', '-c', 'sleep 3'] });
    await runningPods(0, name, 3);
    const pid = signalGroup('temporal-history', 'SIGTERM');
    await poll(() => alive(pid), (a) => !a, { what: 'temporal history stopped', timeoutMs: 40_000 });
    await cluster('up', '--no-kjob');
    const done = await complete(0, name, 120_000);
    expect(condition(done, 'Complete')).toBe(true);
    expect(done.status).toMatchObject({ succeeded: 6, completedIndexes: '0-5', active: 0 });
    // Each index succeeded once; a pod whose heartbeat the outage cut is re-attached, not failed.
    expect(done.status.failed).toBe(0);
  });

  it('when an API is restarted mid-watch, then a new watch on it sees the Job to its end', async () => {
    const name = uniqueName('watch');
    const label = { suite: name };
    await create(1, { name, completions: 4, parallelism: 2, labels: label, command: ['sh', '-c', 'sleep 2'] });
    const selector = encodeURIComponent(`suite=${name}`);
    const first = await fetch(`${API_URLS[0]}${JOBS}?watch=true&labelSelector=${selector}`);
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    await reader.read(); // the ADDED event: the watch is live
    const pid = signalGroup('kjob-api-1', 'SIGTERM');
    // The restart cuts the watch, as an API server restart does; the client watches again.
    try {
      while (!(await reader.read()).done);
    } catch {
      // "other side closed": the process went away mid-stream
    }
    await poll(() => alive(pid), (a) => !a, { what: 'API 1 stopped', timeoutMs: 20_000 });
    await cluster('up');
    const again = await fetch(`${API_URLS[0]}${JOBS}?watch=true&labelSelector=${selector}`);
    expect(again.status).toBe(200);
    const decoder = new TextDecoder();
    const events = again.body!.getReader();
    let buffered = '';
    let last: any;
    while (!condition(last, 'Complete')) {
      const { done, value } = await events.read();
      if (done) throw new Error(`watch ended before Job ${name} completed`);
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines.filter((l) => l.trim() !== '')) last = JSON.parse(line).object;
    }
    await events.cancel();
    expect(last.status).toMatchObject({ succeeded: 4, failed: 0 });
    expect(WORKERS).toBe(3);
  });
});
