/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * `npm start` as a user runs it: a child process with the embedded dev server, a worker and the
 * API. A Job POSTed with curl's body completes; a duplicate is a 409 Status; SIGTERM leaves no
 * temporal or pod process behind; a second start on the same data dir shows the same Job, and a
 * Job that was mid-pod at the stop runs to completion after the restart.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTemporalBinary } from '../../src/temporal/cli-binary.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { poll } from '../support/poll.js';
import { alive } from '../support/jobs.js';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kjob-e2e-'));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kjob-e2e-scratch-'));
let current: { child: ChildProcess; url: string; output: string[]; stdout: string[] } | null = null;

async function startKjob(temporalPort: number, uiPort: number): Promise<{ child: ChildProcess; url: string; output: string[]; stdout: string[] }> {
  const binary = await findTemporalBinary({ cliPath: process.env.TEMPORAL_CLI_PATH ?? null, envPath: process.env.PATH });
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: {
      ...process.env,
      KJOB_PORT: '0',
      KJOB_DATA_DIR: dataDir,
      KJOB_TEMPORAL_PORT: String(temporalPort),
      KJOB_UI_PORT: String(uiPort),
      TEMPORAL_CLI_PATH: binary,
      KJOB_BACKOFF_BASE_SECONDS: '0.1',
      KJOB_POD_HEARTBEAT_TIMEOUT_SECONDS: '3',
      TEMPORAL_ADDRESS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stdout: string[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    output.push(c.toString());
    stdout.push(c.toString());
  });
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  const url = await poll(
    () => /kjob API:\s+(http:\/\/\S+)/.exec(output.join(''))?.[1] ?? null,
    (u) => u !== null || child.exitCode !== null,
    { what: 'npm start to print the API URL', timeoutMs: 120_000, intervalMs: 100 },
  );
  if (!url) throw new Error(`npm start exited early:\n${output.join('')}`);
  current = { child, url, output, stdout };
  return current;
}

/** The pids of the processes under `root` whose command line contains `text`. */
function descendants(root: number, text: string): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args=']).toString().split('\n');
  const procs = rows.map((r) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(r)).filter((m): m is RegExpExecArray => m !== null);
  const under = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [, pid, ppid] of procs) {
      if (!under.has(Number(ppid)) || under.has(Number(pid))) continue;
      under.add(Number(pid));
      grew = true;
    }
  }
  return procs.filter(([, pid, , args]) => Number(pid) !== root && under.has(Number(pid)) && args!.includes(text)).map(([, pid]) => Number(pid));
}

async function stopKjob(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

function processesMentioning(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text]).toString().split('\n').filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

async function api(url: string, method: string, p: string, body?: string, contentType = 'application/yaml') {
  const res = await fetch(url + p, { method, body, headers: body ? { 'content-type': contentType } : {} });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : null };
}

afterAll(async () => {
  if (current && current.child.exitCode === null && current.child.signalCode === null) await stopKjob(current.child);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs examples/pi.yaml to Complete, refuses a duplicate, stops cleanly and keeps Jobs across a restart', async () => {
    const temporalPort = await freePort();
    const uiPort = await freePort();
    const first = await startKjob(temporalPort, uiPort);
    // A person sees progress, then where things are; the JSON logs are in files, not on the terminal.
    const lines = first.stdout.join('').trim().split('\n');
    expect(lines.filter((l) => l.trimStart().startsWith('{')), 'no JSON log line on stdout').toEqual([]);
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/^kjob API: {4}http:\/\/127\.0\.0\.1:\d+$/), `Temporal UI: http://127.0.0.1:${uiPort}`]);
    expect(lines).toContain('starting worker…');
    expect(lines[0]).toContain(path.join(dataDir, 'logs', 'kjob.log'));
    expect(existsSync(path.join(dataDir, 'logs', 'worker.log'))).toBe(true);
    const jobs = '/apis/batch/v1/namespaces/default/jobs';
    const pi = readFileSync(path.join(root, 'examples/pi.yaml'), 'utf8');

    const created = await api(first.url, 'POST', jobs, pi);
    expect(created.status).toBe(201);
    expect(created.json?.metadata?.name).toBe('pi');
    const done = await poll(
      () => api(first.url, 'GET', `${jobs}/pi`),
      (r) => (r.json?.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True'),
      { what: 'pi to be Complete', timeoutMs: 30_000 },
    );
    expect(done.json?.status?.succeeded).toBe(1);
    const pods = await api(first.url, 'GET', '/api/v1/namespaces/default/pods?labelSelector=job-name%3Dpi');
    const podName = pods.json?.items?.[0]?.metadata?.name as string;
    const log = await fetch(`${first.url}/api/v1/namespaces/default/pods/${podName}/log`).then((r) => r.text());
    expect(log).toMatch(/^3\.14159265358979/);

    const duplicate = await api(first.url, 'POST', jobs, pi);
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409 });

    // The worker is a supervised child process: killed, it is restarted (and runs the next Job).
    const [workerPid] = descendants(first.child.pid!, 'worker.ts');
    expect(workerPid, 'a worker child process').toBeDefined();
    process.kill(workerPid!, 'SIGKILL');
    await poll(() => first.output.join(''), (o) => /kjob worker exited \(SIGKILL\); restarting in 1 s/.test(o), { what: 'the worker restart to be announced' });
    await poll(() => descendants(first.child.pid!, 'worker.ts'), (pids) => pids.length === 1 && pids[0] !== workerPid, { what: 'a new worker process' });

    // A Job caught mid-pod by the stop.
    const pidFile = path.join(scratch, 'pids');
    const slow = JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'survivor' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', `echo $$$$ >> ${pidFile}; sleep 3`] }],
          },
        },
      },
    });
    expect((await api(first.url, 'POST', jobs, slow, 'application/json')).status).toBe(201);
    await poll(() => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : ''), (s) => s.length > 0, { what: 'the survivor pod to start' });

    const code = await stopKjob(first.child);
    expect(code).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);
    for (const pid of readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number)) {
      expect(alive(pid), `pod process ${pid} must be gone`).toBe(false);
    }

    const second = await startKjob(temporalPort, uiPort);
    const again = await api(second.url, 'GET', `${jobs}/pi`);
    expect(again.status).toBe(200);
    expect(again.json?.metadata?.uid).toBe(done.json?.metadata?.uid);
    expect(again.json?.status).toEqual(done.json?.status);

    const survivor = await poll(
      () => api(second.url, 'GET', `${jobs}/survivor`),
      (r) => (r.json?.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True'),
      { what: 'survivor to complete after the restart', timeoutMs: 60_000 },
    );
    expect(survivor.json?.status?.succeeded).toBe(1);
    expect(await stopKjob(second.child)).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});
