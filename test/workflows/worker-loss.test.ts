/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * A lost worker is a lost node: when the worker running a pod is SIGKILLed, its pod process dies
 * with it (watchdog), the pod becomes Failed with condition DisruptionTarget once its heartbeat
 * times out, and a podFailurePolicy `Ignore` rule on DisruptionTarget replaces it on another worker
 * without spending the backoff budget.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobManifest, startTestApi, type TestApi } from '../support/api-env.js';
import { alive, uniqueName } from '../support/jobs.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

const root = path.resolve(import.meta.dirname, '../..');
let stack: TestStack;
let api: TestApi;
let child: ChildProcess | null = null;

beforeAll(async () => {
  stack = await startTestStack({ podHeartbeatTimeoutSeconds: 2 }, { worker: false });
  api = await startTestApi(stack);
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await api?.close();
  await stack?.stop();
});

const JOBS = '/apis/batch/v1/namespaces/default/jobs';

function spawnWorker(): { child: ChildProcess; output: string[] } {
  const output: string[] = [];
  // `node --import tsx` (not the tsx launcher) so that the pid we SIGKILL is the worker itself.
  const c = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.address,
      KJOB_TASK_QUEUE: stack.taskQueue,
      KJOB_DATA_DIR: stack.dataDir,
      KJOB_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  c.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  return { child: c, output };
}

describe('worker loss', () => {
  it('when the worker running a pod is SIGKILLed, then the pod is a DisruptionTarget, Ignore replaces it on another worker and failed stays 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kjob-loss-'));
    const pids = path.join(dir, 'pids');
    const spawned = spawnWorker();
    child = spawned.child;
    await poll(() => spawned.output.join(''), (o) => o.includes('worker started') || child!.exitCode !== null, {
      what: 'the child worker to start',
      timeoutMs: 60_000,
    });
    expect(child.exitCode).toBeNull();

    const name = uniqueName('loss');
    // The first attempt hangs (it is the one whose worker dies); later attempts succeed.
    const script = `echo $$$$ >> "${pids}"; if [ "$(wc -l < "${pids}")" -gt 1 ]; then exit 0; fi; exec sleep 600`;
    const created = await api.request('POST', JOBS, {
      body: jobManifest({
        name,
        command: ['sh', '-c', script],
        spec: {
          backoffLimit: 0,
          podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
        },
      }),
    });
    expect(created.status).toBe(201);
    const pods = async () => (await api.request('GET', `/api/v1/namespaces/default/pods?labelSelector=job-name%3D${name}`)).json.items as any[];
    const running = await poll(pods, (p) => p.length === 1 && p[0].status.phase === 'Running', {
      what: 'the first pod to run on the child worker',
      timeoutMs: 60_000,
    });
    expect(running[0].spec.nodeName).toBe(`${child.pid}@${os.hostname()}`);
    await poll(() => (existsSync(pids) ? readFileSync(pids, 'utf8') : ''), (s) => s.trim().length > 0, { what: 'the pod to write its pid' });
    const podPid = Number(readFileSync(pids, 'utf8').trim());

    child.kill('SIGKILL');
    await poll(() => alive(podPid), (a) => !a, { what: 'the orphaned pod process to die with its worker', timeoutMs: 10_000 });

    const second = await stack.addWorker('second-worker@test');
    const done = await poll(
      () => api.request('GET', `${JOBS}/${name}`),
      (r) => (r.json?.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True'),
      { what: `${name} to complete on the second worker`, timeoutMs: 90_000 },
    );
    expect(done.json.status).toMatchObject({ succeeded: 1, failed: 0 });
    const all = await pods();
    const lost = all.find((p) => p.metadata.name === running[0].metadata.name);
    expect(lost.status.phase).toBe('Failed');
    expect(lost.status.conditions.find((c: any) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True' });
    const replacement = all.find((p) => p.status.phase === 'Succeeded');
    expect(replacement.spec.nodeName).toBe('second-worker@test');
    await second.stop();
  });
});
