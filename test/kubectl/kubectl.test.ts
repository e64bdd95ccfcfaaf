/**
 * kubectl (the real binary, v1.32 on CI) against the real API and worker, as a user drives a
 * cluster: `kubectl --server <kjob>`. Each test runs the commands of one habit and checks what
 * kubectl prints. kubectl must be installed (`.ci/run` makes sure it is).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { poll } from '../support/poll.js';
import { uniqueName, useTestApi } from '../support/api-env.js';

const NS = 'kubectl';
const env = useTestApi();
const home = mkdtempSync(path.join(tmpdir(), 'kjob-kubectl-'));
// An empty kubeconfig: nothing from the machine's own ~/.kube reaches these tests.
const kubeconfig = path.join(home, 'config');
writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function flags(): string[] {
  return ['--server', env.api.baseUrl, '-n', NS, '--cache-dir', path.join(home, 'cache')];
}

function kubectl(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', [...flags(), ...args], { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(new Error(`kubectl could not run (${err.message}); .ci/run installs it`));
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function ok(args: string[], input?: string): Promise<string> {
  const res = await kubectl(args, input);
  expect(res.code, `kubectl ${args.join(' ')}: ${res.stderr}`).toBe(0);
  return res.stdout;
}

function manifest(name: string, command: string[], extra: { labels?: Record<string, string>; parallelism?: number; suspend?: boolean } = {}): string {
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      ...(extra.parallelism !== undefined ? { parallelism: extra.parallelism } : {}),
      ...(extra.suspend !== undefined ? { suspend: extra.suspend } : {}),
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command }] } },
    },
  });
}

describe('kubectl against kjob', () => {
  it('when a Job is made with `kubectl create job --image` (a protobuf body), then it runs and get, describe, pods and logs show it', async () => {
    const name = uniqueName('hello');
    expect(await ok(['create', 'job', name, '--image=busybox', '--', 'echo', 'hi from kubectl'])).toBe(`job.batch/${name} created\n`);
    // --dry-run=server sends the same protobuf body and creates nothing.
    const dry = uniqueName('dry');
    expect(await ok(['create', 'job', dry, '--image=busybox', '--dry-run=server', '-o', 'name', '--', 'true'])).toBe(`job.batch/${dry}\n`);
    expect((await kubectl(['get', 'job', dry])).stderr).toContain(`jobs.batch "${dry}" not found`);

    await ok(['wait', '--for=condition=complete', `job/${name}`, '--timeout=60s']);
    const job = JSON.parse(await ok(['get', 'job', name, '-o', 'json']));
    expect(job.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(job.spec.template.spec.containers[0]).toMatchObject({ name, image: 'busybox', command: ['echo', 'hi from kubectl'] });
    expect(await ok(['get', 'job', name, '-o', 'yaml'])).toMatch(/resourceVersion: "\d+"/);
    expect(await ok(['get', 'jobs'])).toMatch(new RegExp(`${name}\\s+Complete\\s+1/1`));
    expect(await ok(['get', 'pods', '-l', `job-name=${name}`])).toMatch(new RegExp(`${name}-[a-z0-9]{5}\\s+0/1\\s+Completed`));
    expect(await ok(['logs', `job/${name}`])).toBe('hi from kubectl\n');
    const pod = (await ok(['get', 'pods', '-l', `job-name=${name}`, '-o', 'name'])).trim();
    expect(await ok(['logs', pod])).toBe('hi from kubectl\n');
    const describe = await ok(['describe', 'job', name]);
    expect(describe).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    expect(describe).toMatch(/SuccessfulCreate\s+\S+\s+job-controller\s+Created pod:/);
  });

  it('when a log is asked for a run that never happened or a Job that does not exist, then kubectl shows the server\'s words', async () => {
    const name = uniqueName('prev');
    await ok(['create', 'job', name, '--image=busybox', '--', 'true']);
    await ok(['wait', '--for=condition=complete', `job/${name}`, '--timeout=60s']);
    const previous = await kubectl(['logs', `job/${name}`, '--previous']);
    expect(previous.code).not.toBe(0);
    expect(previous.stderr).toMatch(/Error from server \(BadRequest\): previous terminated container "prev-[a-z0-9]+" in pod "prev-[a-z0-9]+-[a-z0-9]{5}" not found/);
    expect((await kubectl(['logs', 'job/nope-nope'])).stderr).toContain('jobs.batch "nope-nope" not found');
  });

  it('when a manifest is applied, re-applied, changed and applied again, then apply behaves as on a cluster (422 for the immutable template)', async () => {
    const name = uniqueName('apply');
    const first = manifest(name, ['sleep', '30'], { labels: { tier: 'a' } });
    expect(await ok(['apply', '-f', '-'], first)).toBe(`job.batch/${name} created\n`);
    expect(await ok(['apply', '-f', '-'], first)).toBe(`job.batch/${name} unchanged\n`);
    // Labels and parallelism are mutable: a three-way strategic merge patch with the last-applied annotation.
    expect(await ok(['apply', '-f', '-'], manifest(name, ['sleep', '30'], { labels: { tier: 'b' }, parallelism: 2 }))).toBe(`job.batch/${name} configured\n`);
    const job = JSON.parse(await ok(['get', 'job', name, '-o', 'json']));
    expect(job.metadata.labels.tier).toBe('b');
    expect(job.spec.parallelism).toBe(2);
    expect(job.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"tier":"b"');
    // The pod template is immutable: the same 422 a cluster gives.
    const changed = await kubectl(['apply', '-f', '-'], manifest(name, ['sleep', '31'], { labels: { tier: 'b' }, parallelism: 2 }));
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain(`The Job "${name}" is invalid: spec.template: Invalid value:`);
    expect(changed.stderr).toContain('field is immutable');
    await ok(['delete', 'job', name, '--wait=false']);
  });

  it('when a Job is applied server-side, then it is created, updated, and an immutable change is refused', async () => {
    const name = uniqueName('ssa');
    expect(await ok(['apply', '--server-side', '-f', '-'], manifest(name, ['sleep', '30']))).toBe(`job.batch/${name} serverside-applied\n`);
    expect(await ok(['apply', '--server-side', '-f', '-'], manifest(name, ['sleep', '30'], { labels: { via: 'ssa' } }))).toBe(`job.batch/${name} serverside-applied\n`);
    expect(await ok(['get', 'job', name, '-o', 'jsonpath={.metadata.labels.via}'])).toBe('ssa');
    const changed = await kubectl(['apply', '--server-side', '-f', '-'], manifest(name, ['sleep', '31']));
    expect(changed.stderr).toContain('field is immutable');
    await ok(['delete', 'job', name, '--wait=false']);
  });

  it('when a Job is replaced from its own YAML, then it is replaced; replaced again with the old resourceVersion, then 409 Conflict', async () => {
    const name = uniqueName('replace');
    // Suspended, so that no pod changes the Job's status (and resourceVersion) between get and replace.
    await ok(['create', '-f', '-'], manifest(name, ['sleep', '30'], { suspend: true }));
    await ok(['wait', '--for=condition=suspended', `job/${name}`, '--timeout=60s']);
    const yaml = await ok(['get', 'job', name, '-o', 'yaml']);
    const edited = yaml.replace(/^ {2}parallelism: 1$/m, '  parallelism: 2');
    expect(edited).not.toBe(yaml);
    expect(await ok(['replace', '-f', '-'], edited)).toBe(`job.batch/${name} replaced\n`);
    expect(await ok(['get', 'job', name, '-o', 'jsonpath={.spec.parallelism}'])).toBe('2');
    const stale = await kubectl(['replace', '-f', '-'], edited);
    expect(stale.stderr).toContain(`Operation cannot be fulfilled on jobs.batch "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    await ok(['delete', 'job', name, '--wait=false']);
  });

  it('when watching Jobs with `get -w`, then each existing Job is listed once and changes follow', async () => {
    const label = uniqueName('w');
    const name = uniqueName('watched');
    await ok(['create', '-f', '-'], manifest(name, ['sleep', '30'], { labels: { watch: label } }));
    const child = spawn('kubectl', [...flags(), 'get', 'jobs', '-w', '-l', `watch=${label}`, '--output-watch-events'], {
      env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await poll(() => out, (o) => o.includes(name), { timeoutMs: 20_000, what: 'the first row of kubectl get -w' });
      await ok(['patch', 'job', name, '-p', '{"spec":{"suspend":true}}']);
      await poll(() => out, (o) => /MODIFIED\s+\S+\s+Suspended/.test(o), { timeoutMs: 20_000, what: 'the MODIFIED row after suspending' });
    } finally {
      child.kill();
    }
    const rows = out.trim().split('\n').slice(1);
    expect(rows.filter((r) => r.startsWith('ADDED'))).toHaveLength(1);
    await ok(['delete', 'job', name, '--wait=false']);
  });

  it('when deleting with each --cascade, then kubectl reports the Job deleted', async () => {
    for (const cascade of ['background', 'foreground', 'orphan']) {
      const name = uniqueName(`del-${cascade.slice(0, 4)}`);
      await ok(['create', '-f', '-'], manifest(name, ['true']));
      expect(await ok(['delete', 'job', name, `--cascade=${cascade}`])).toBe(`job.batch "${name}" deleted\n`);
    }
  });

  it('when listing in chunks, then every Job comes back once', async () => {
    const label = uniqueName('chunk');
    const names = [uniqueName('c1'), uniqueName('c2'), uniqueName('c3')];
    for (const name of names) await ok(['create', '-f', '-'], manifest(name, ['true'], { labels: { chunk: label } }));
    const listed = await ok(['get', 'jobs', '-l', `chunk=${label}`, '--chunk-size=1', '-o', 'name']);
    expect(listed.trim().split('\n').sort()).toEqual(names.map((n) => `job.batch/${n}`).sort());
  });

  it('when a CronJob is made with `kubectl create cronjob` and a Job from it, then both exist', async () => {
    const name = uniqueName('cj');
    expect(await ok(['create', 'cronjob', name, '--image=busybox', '--schedule=0 0 1 1 *', '--', 'echo', 'from cron'])).toBe(`cronjob.batch/${name} created\n`);
    const job = uniqueName('manual');
    expect(await ok(['create', 'job', job, `--from=cronjob/${name}`])).toBe(`job.batch/${job} created\n`);
    await ok(['wait', '--for=condition=complete', `job/${job}`, '--timeout=60s']);
    expect(await ok(['logs', `job/${job}`])).toBe('from cron\n');
    await ok(['delete', 'cronjob', name]);
  });

  it('when a CronJob manifest is applied, re-applied and changed, then apply reports created, unchanged and configured', async () => {
    const name = uniqueName('cja');
    const cronJob = (word: string) =>
      JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name },
        spec: {
          schedule: '0 0 1 1 *',
          jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['echo', word] }] } } } },
        },
      });
    expect(await ok(['apply', '-f', '-'], cronJob('x'))).toBe(`cronjob.batch/${name} created\n`);
    expect(await ok(['apply', '-f', '-'], cronJob('x'))).toBe(`cronjob.batch/${name} unchanged\n`);
    expect(await ok(['apply', '-f', '-'], cronJob('y'))).toBe(`cronjob.batch/${name} configured\n`);
    expect(await ok(['get', 'cronjob', name, '-o', 'jsonpath={.spec.jobTemplate.spec.template.spec.containers[0].command[1]}'])).toBe('y');
    await ok(['delete', 'cronjob', name]);
  });

  it('when asking for explain, version and api-resources, then kubectl finds the kinds, fields and server version', async () => {
    const explain = await ok(['explain', 'job.spec']);
    expect(explain).toContain('KIND:       Job');
    expect(explain).toMatch(/backoffLimit\s+<integer>/);
    expect(await ok(['explain', 'job.spec.template.spec.containers.command'])).toContain('FIELD: command <[]string>');
    expect(await ok(['version'])).toMatch(/Server Version: v1\.\d+\.\d+-kjob/);
    expect(await ok(['api-resources'])).toMatch(/jobs\s+batch\/v1\s+true\s+Job/);
  });
});
