/**
 * The terminal client as a user runs it: `node --import tsx kjob.ts …` as a child process against
 * the real API and worker. `watch` shows progress and its exit code is the Job's outcome.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseArgs, progressLine } from '../../src/cli.js';
import type { Job } from '../../src/k8s/types.js';
import { useTestApi } from '../support/api-env.js';

const root = path.resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);
const env = useTestApi();

async function kjob(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'kjob.ts', ...args, '--server', env.api.baseUrl, '-n', 'cli', '--interval', '100'], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kjob CLI', () => {
  it('when a Job is created with --watch, then progress lines end with Complete and the exit code is 0; get and logs show it', async () => {
    const res = await kjob('create', '-f', 'examples/parallel.yaml', '--watch');
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toBe('job.batch/parallel created');
    expect(lines.at(-1)).toMatch(/^parallel {2}5\/5 succeeded {2}0 active {2}0 failed {2}Complete \(CompletionsReached\)$/);
    expect(lines.length).toBeGreaterThan(2);

    const get = await kjob('get');
    expect(get.stdout).toContain('parallel  5/5 succeeded');
    const pods = await env.api.request('GET', '/api/v1/namespaces/cli/pods?labelSelector=job-name%3Dparallel');
    const logs = await kjob('logs', pods.json.items[0].metadata.name);
    expect(logs.stdout).toMatch(/^working in parallel-[a-z0-9]{5}\n$/);
  });

  it('when a Job has run, then `get pods JOB` lists its pods and `logs job/NAME` reads one of them, as kubectl does', async () => {
    expect((await kjob('create', '-f', 'examples/pi.yaml', '--watch')).code).toBe(0);
    const pods = await kjob('get', 'pods', 'pi');
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout).toMatch(/^pi-[a-z0-9]{5} {2}Succeeded {2}exit 0 {2}0 restarts {2}node \S+\n$/);
    const logs = await kjob('logs', 'job/pi');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^3\.14159/);
    expect((await kjob('get', 'jobs', 'pi')).stdout).toContain('pi  1/1 succeeded');
    const missing = await kjob('logs', 'job/nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('jobs.batch "nope" not found');
  });

  it('when a watched Job fails, then the exit code is 1 and the reason is printed', async () => {
    const res = await kjob('create', '-f', 'examples/backoff.yaml', '-w');
    expect(res.code).toBe(1);
    expect(res.stdout.trim().split('\n').at(-1)).toContain('Failed (BackoffLimitExceeded)');
    expect(res.stderr).toContain('Job has reached the specified backoff limit');
  });

  it('when a suspended Job is resumed and deleted, then each command reports it', async () => {
    expect((await kjob('create', '-f', 'examples/suspended.yaml')).code).toBe(0);
    expect((await kjob('get', 'suspended')).stdout).toContain('Suspended');
    expect((await kjob('resume', 'suspended')).stdout).toBe('job.batch/suspended resumed\n');
    expect((await kjob('watch', 'suspended')).code).toBe(0);
    expect((await kjob('delete', 'suspended')).stdout).toBe('job.batch "suspended" deleted\n');
    const gone = await kjob('get', 'suspended');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('NotFound');
  });

  it('when the command line is wrong or the server is away, then it says so with exit code 2', async () => {
    expect((await kjob('frobnicate')).stderr).toContain('unknown command "frobnicate"');
    expect((await kjob('create')).stderr).toContain('needs -f FILE');
    const away = await exec(process.execPath, ['--import', 'tsx', 'kjob.ts', 'get', '--server', 'http://127.0.0.1:9'], { cwd: root }).catch((e: { code: number; stderr: string }) => e);
    expect(away).toMatchObject({ code: 2 });
    expect((away as { stderr: string }).stderr).toContain('cannot reach the kjob API');
  });

  it('parses flags and renders progress lines', () => {
    expect(parseArgs(['logs', 'p-1', '-c', 'main', '-f', '--server=http://x'])).toEqual({
      command: 'logs',
      positional: ['p-1'],
      flags: new Map<string, string | true>([['-c', 'main'], ['-f', true], ['--server', 'http://x']]),
    });
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', annotations: { 'kjob.dev/next-attempt-time': '2026-01-01T00:00:10Z' } },
      spec: { completions: 3, template: { spec: { containers: [] } } },
      status: { startTime: '2026-01-01T00:00:00Z', active: 1, succeeded: 1, failed: 2 },
    } as Job;
    expect(progressLine(job)).toBe('j  1/3 succeeded  1 active  2 failed  next attempt at 2026-01-01T00:00:10Z  Running');
  });
});
