/**
 * The pod attempt activity against real child processes. MockActivityEnvironment gives a real
 * activity Context (heartbeats, cancellation); nothing below the activity is mocked.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createActivities, PodRegistry, type ActivityDeps, type ActivityLogger, type PodActivities } from '../../src/activities/index.js';
import { DEADLINE_EXCEEDED_MESSAGE } from '../../src/activities/pod.js';
import type { PodResult, PodStatusReport, RunPodInput } from '../../src/k8s/pod-run.js';
import type { Container } from '../../src/k8s/types.js';
import { podWorkDir } from '../../src/storage/pod-files.js';
import { readPodLog, type PodLogOptions } from '../../src/storage/pod-logs.js';
import { poll } from '../support/poll.js';
import { aRunPodInput, type PodInputOverrides } from './fixtures/builders.js';
import { closeSharedLauncher, sharedLauncher } from './fixtures/launcher.js';
import { groupMembers, pidGone, readPid } from './fixtures/processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await closeSharedLauncher();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kjob-pod-'));
  dirs.push(d);
  return d;
}

interface HarnessOptions {
  reportStatus?: (workflowId: string, report: PodStatusReport) => Promise<void>;
  reportFlushIntervalMs?: number;
}

/** MockActivityEnvironment.run cannot infer the result type from the function; state it once. */
function runIn(env: MockActivityEnvironment, activities: PodActivities, input: RunPodInput): Promise<PodResult> {
  return env.run<[RunPodInput], PodResult, PodActivities['runPod']>(activities.runPod, input);
}

function harness(options: HarnessOptions = {}) {
  const dataDir = tempDir();
  const reports: PodStatusReport[] = [];
  const logLines: { level: string; msg: string }[] = [];
  const log: ActivityLogger = {
    debug: (msg) => logLines.push({ level: 'debug', msg }),
    info: (msg) => logLines.push({ level: 'info', msg }),
    warn: (msg) => logLines.push({ level: 'warn', msg }),
    error: (msg) => logLines.push({ level: 'error', msg }),
  };
  const reportStatus =
    options.reportStatus ??
    (async (workflowId: string, report: PodStatusReport) => {
      expect(workflowId).toMatch(/^default\//);
      reports.push(report);
    });
  const deps: ActivityDeps = {
    dataDir,
    nodeName: 'worker-1@test',
    log,
    reports: {
      podStatus: async (workflowId, report) => {
        await reportStatus(workflowId, report);
        return 'delivered';
      },
      podReports: () => Promise.reject(new Error('these pods are v1 pods: one podStatus signal per report')),
    },
    ...(options.reportFlushIntervalMs !== undefined ? { reportFlushIntervalMs: options.reportFlushIntervalMs } : {}),
  };
  const activities = createActivities(deps, new PodRegistry(deps, { launcher: sharedLauncher() }));
  const env = new MockActivityEnvironment();
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  return {
    dataDir,
    reports,
    logLines,
    env,
    activities,
    heartbeats: () => heartbeats,
    run: (input: RunPodInput) => runIn(env, activities, input),
    workDir: (input: RunPodInput) =>
      podWorkDir({ dataDir, namespace: input.namespace, jobUid: input.jobUid, podName: input.podName }),
    log: (input: RunPodInput, container = 'main', extra: Partial<PodLogOptions> = {}) =>
      readPodLog({
        dataDir,
        namespace: input.namespace,
        jobUid: input.jobUid,
        podName: input.podName,
        container,
        ...extra,
      }),
  };
}

const noReports = { podStatus: async () => 'delivered' as const, podReports: async () => 'delivered' as const };

const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  command: ['sh', '-c', script],
  ...extra,
});

describe('runPod outcomes', () => {
  const NOT_EXECUTABLE = path.join(tempDir(), 'not-executable');
  writeFileSync(NOT_EXECUTABLE, '#!/bin/sh\n', { mode: 0o644 });
  const cases: {
    name: string;
    container: Container;
    phase: 'Succeeded' | 'Failed';
    exitCode: number;
    reason: string;
    message?: string | RegExp;
  }[] = [
    {
      name: 'when the command exits 0, then the pod Succeeded with reason Completed',
      container: { name: 'main', command: ['true'] },
      phase: 'Succeeded',
      exitCode: 0,
      reason: 'Completed',
    },
    {
      name: 'when the command exits 3, then the pod Failed with exitCode 3 and reason Error',
      container: sh('main', 'echo boom >&2; exit 3'),
      phase: 'Failed',
      exitCode: 3,
      reason: 'Error',
      message: 'boom\n',
    },
    {
      name: 'when the command is not on PATH, then the container fails with 128 StartError as containerd says',
      container: { name: 'main', command: ['kjob-no-such-command'], args: ['x'] },
      phase: 'Failed',
      exitCode: 128,
      reason: 'StartError',
      message: 'exec: "kjob-no-such-command": executable file not found in $PATH',
    },
    {
      name: 'when the command path does not exist, then the container fails with 128 StartError',
      container: { name: 'main', command: ['/kjob/no/such/binary'] },
      phase: 'Failed',
      exitCode: 128,
      reason: 'StartError',
      message: 'exec: "/kjob/no/such/binary": stat /kjob/no/such/binary: no such file or directory',
    },
    {
      name: 'when the command is not executable, then the container fails with 128 StartError permission denied',
      container: { name: 'main', command: [NOT_EXECUTABLE] },
      phase: 'Failed',
      exitCode: 128,
      reason: 'StartError',
      message: `exec: "${NOT_EXECUTABLE}": permission denied`,
    },
    {
      name: 'when the container has no command, then it fails with 128 StartError',
      container: { name: 'main' },
      phase: 'Failed',
      exitCode: 128,
      reason: 'StartError',
      message: 'no command specified',
    },
    {
      name: 'when the process kills itself with SIGKILL, then exitCode is 137 and signal 9',
      // `$$` is Kubernetes' escape for `$`, so the shell sees `$$`.
      container: sh('main', 'kill -KILL $$$$'),
      phase: 'Failed',
      exitCode: 137,
      reason: 'Error',
    },
  ];

  it.each(cases)('$name', async ({ container, phase, exitCode, reason, message }) => {
    const h = harness();
    const result = await h.run(aRunPodInput({ containers: [container] }));
    expect(result.phase).toBe(phase);
    expect(result.terminatedByRequest).toBe(false);
    expect(result.nodeName).toBe('worker-1@test');
    const terminated = result.containerStatuses[0]?.state.terminated;
    expect(terminated).toMatchObject({ exitCode, reason });
    expect(terminated?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(terminated?.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    if (exitCode === 137) expect(terminated?.signal).toBe(9);
    if (message !== undefined) expect(terminated?.message).toEqual(message);
    if (exitCode === 0) expect(terminated?.message).toBeUndefined();
    expect(result.containerStatuses[0]).toMatchObject({ name: 'main', imageID: '', ready: false, restartCount: 0 });
    expect(result.finishedAt).toBeGreaterThanOrEqual(result.startedAt);
  });
});

describe('runPod environment', () => {
  it('when env has values, fieldRefs and $(VAR) references, then the process sees them resolved as the kubelet does', async () => {
    const h = harness();
    const input = aRunPodInput({
      podName: 'envjob-7-abcde',
      jobName: 'envjob',
      namespace: 'team-a',
      labels: { app: 'web', 'batch.kubernetes.io/job-completion-index': '7' },
      annotations: { owner: 'ops' },
      spec: { hostname: 'envjob-7', serviceAccountName: 'builder' },
      containers: [
        {
          name: 'main',
          image: 'busybox:1.36',
          command: ['env'],
          env: [
            { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
            { name: 'A', value: 'alpha' },
            { name: 'B', value: '$(A)-beta' },
            { name: 'ESCAPED', value: '$$(A)' },
            { name: 'UNKNOWN', value: '$(NOPE) and $(C)' },
            { name: 'C', value: 'declared-after-use' },
            { name: 'UNCLOSED', value: 'x$(A' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: 'MISSING_LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['nope']" } } },
            { name: 'OWNER', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['owner']" } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
            { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'NO_EXPANSION_OF_FIELDREF', value: '$(POD_NAME)!' },
          ],
        },
      ],
    });
    const result = await h.run(input);
    expect(result.phase).toBe('Succeeded');
    const env = Object.fromEntries(
      (await h.log(input))
        .trimEnd()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      JOB_COMPLETION_INDEX: '7',
      A: 'alpha',
      B: 'alpha-beta',
      ESCAPED: '$(A)',
      UNKNOWN: '$(NOPE) and $(C)',
      C: 'declared-after-use',
      UNCLOSED: 'x$(A',
      POD_NAME: 'envjob-7-abcde',
      POD_NAMESPACE: 'team-a',
      POD_UID: input.podUid,
      APP: 'web',
      MISSING_LABEL: '',
      OWNER: 'ops',
      NODE: 'worker-1@test',
      SA: 'builder',
      HOST_IP: '127.0.0.1',
      POD_IP: '127.0.0.1',
      NO_EXPANSION_OF_FIELDREF: 'envjob-7-abcde!',
      HOSTNAME: 'envjob-7',
      HOME: h.workDir(input),
    });
    expect(env.PATH).toBeTruthy();
    expect(result.containerStatuses[0]?.image).toBe('busybox:1.36');
  });

  it('when command and args hold $(VAR), then they are expanded from the container env and $$ escapes', async () => {
    const h = harness();
    const input = aRunPodInput({
      containers: [
        {
          name: 'main',
          command: ['printf'],
          args: ['%s|%s|%s|%s\\n', '$(GREETING)', '$$(GREETING)', '$(UNDEFINED)', '$(GREETING) $(WHO)'],
          env: [
            { name: 'GREETING', value: 'hello' },
            { name: 'WHO', value: 'world' },
          ],
        },
      ],
    });
    expect((await h.run(input)).phase).toBe('Succeeded');
    expect(await h.log(input)).toBe('hello|$(GREETING)|$(UNDEFINED)|hello world\n');
  });

  it('when no hostname is set, then HOSTNAME is the pod name and the process runs in the pod work directory', async () => {
    const h = harness();
    const input = aRunPodInput({ containers: [sh('main', 'echo "$HOSTNAME"; pwd')] });
    await h.run(input);
    expect(await h.log(input)).toBe(`${input.podName}\n${h.workDir(input)}\n`);
  });

  it('when workingDir is relative, then it is created inside the work directory', async () => {
    const h = harness();
    const input = aRunPodInput({ containers: [{ name: 'main', command: ['pwd'], workingDir: 'sub/dir' }] });
    expect((await h.run(input)).phase).toBe('Succeeded');
    expect(await h.log(input)).toBe(path.join(h.workDir(input), 'sub/dir') + '\n');
  });

  it('when a relative workingDir escapes the work directory, then the container fails to start', async () => {
    const h = harness();
    const input = aRunPodInput({ containers: [{ name: 'main', command: ['pwd'], workingDir: '../../../..' }] });
    const result = await h.run(input);
    expect(result.phase).toBe('Failed');
    expect(result.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 128, reason: 'StartError' });
    expect(result.containerStatuses[0]?.state.terminated?.message).toContain('outside the pod');
  });
});

describe('runPod init containers and side-by-side containers', () => {
  it('when there are init containers, then they run in order, each to completion, before the containers', async () => {
    const h = harness();
    const input = aRunPodInput({
      initContainers: [sh('init-a', 'sleep 0.05; echo a >> order'), sh('init-b', 'echo b >> order')],
      containers: [sh('main', 'echo main >> order; cat order')],
    });
    const result = await h.run(input);
    expect(result.phase).toBe('Succeeded');
    expect(await h.log(input)).toBe('a\nb\nmain\n');
    expect(result.initContainerStatuses.map((s) => [s.name, s.state.terminated?.reason])).toEqual([
      ['init-a', 'Completed'],
      ['init-b', 'Completed'],
    ]);
  });

  it('fails the pod when an init container fails with restartPolicy Never, and never starts the containers', async () => {
    const h = harness();
    const input = aRunPodInput({
      initContainers: [sh('init-a', 'exit 2'), sh('init-b', 'true')],
      containers: [sh('main', 'true')],
    });
    const result = await h.run(input);
    expect(result.phase).toBe('Failed');
    expect(result.initContainerStatuses[0]?.state.terminated?.exitCode).toBe(2);
    expect(result.initContainerStatuses[1]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(result.containerStatuses[0]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
  });

  it('when an init container fails with OnFailure, then it is restarted and the pod goes on', async () => {
    const h = harness();
    const input = aRunPodInput({
      spec: { restartPolicy: 'OnFailure' },
      initContainers: [sh('init', '[ -e marker ] || { touch marker; exit 1; }')],
      containers: [sh('main', 'true')],
    });
    const result = await h.run(input);
    expect(result.phase).toBe('Succeeded');
    expect(result.initContainerStatuses[0]).toMatchObject({ restartCount: 1, lastState: { terminated: { exitCode: 1 } } });
  });

  // Each container waits for the other's marker, so the pod only finishes if both run at once.
  const sideBySide = (aExit: number, bExit: number) => [
    sh('a', `touch a; while [ ! -e b ]; do sleep 0.01; done; exit ${aExit}`),
    sh('b', `touch b; while [ ! -e a ]; do sleep 0.01; done; exit ${bExit}`),
  ];
  const cases = [
    { name: 'when both containers exit 0, then the pod Succeeded', a: 0, b: 0, phase: 'Succeeded' },
    { name: 'fails the pod when one of two side-by-side containers exits non-zero', a: 0, b: 4, phase: 'Failed' },
  ];
  it.each(cases)('$name', async ({ a, b, phase }) => {
    const h = harness();
    const result = await h.run(aRunPodInput({ containers: sideBySide(a, b) }));
    expect(result.phase).toBe(phase);
    expect(result.containerStatuses.map((s) => s.state.terminated?.exitCode)).toEqual([a, b]);
  });

  it('when both containers run, then a report says the pod is ready', async () => {
    const h = harness();
    // Both keep running together for a while (longer than the reporter's 50 ms flush interval:
    // a pod that ends sooner sends no report at all, its result says everything).
    const input = aRunPodInput({
      containers: [
        sh('a', 'touch a; while [ ! -e b ]; do sleep 0.01; done; sleep 0.3'),
        sh('b', 'touch b; while [ ! -e a ]; do sleep 0.01; done; sleep 0.3'),
      ],
    });
    await h.run(input);
    expect(h.reports[0]).toMatchObject({ podName: input.podName, phase: 'Running', nodeName: 'worker-1@test' });
    expect(h.reports[0]?.startedAt).toBeGreaterThan(0);
    expect(h.reports.some((r) => r.ready && r.containerStatuses.every((s) => s.ready && s.state.running))).toBe(true);
  });
});

describe('runPod restartPolicy OnFailure', () => {
  it('when a container fails twice, then it is restarted in place with restartCount 2 and lastState', async () => {
    // Flushed every 10 ms, well inside each 200+ ms state, so that a busy machine still reports each.
    const h = harness({ reportFlushIntervalMs: 10 });
    const input = aRunPodInput({
      spec: { restartPolicy: 'OnFailure' },
      // Each state lasts longer than the reporter's 50 ms flush interval, so that each is reported
      // (reports are coalesced: the newest per pod wins).
      restartBackoffBaseMs: 200,
      restartBackoffMaxMs: 1000,
      containers: [sh('main', 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "run $n"; [ $n -ge 3 ] || exit 5; sleep 0.3')],
    });
    const started = Date.now();
    const result = await h.run(input);
    expect(result.phase).toBe('Succeeded');
    const status = result.containerStatuses[0];
    expect(status?.restartCount).toBe(2);
    expect(status?.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(status?.lastState.terminated).toMatchObject({ exitCode: 5, reason: 'Error', message: 'run 2\n' });
    // Crash-loop delays: 200 ms, then 400 ms, each announced as the kubelet words it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const backoffs = h.reports.map((r) => r.containerStatuses[0]?.state.waiting?.message).filter(Boolean);
    expect(backoffs).toEqual([
      `back-off 200ms restarting failed container=main pod=${input.podName}_default(${input.podUid})`,
      `back-off 400ms restarting failed container=main pod=${input.podName}_default(${input.podUid})`,
    ]);
    // Each run has its own log; `previous` reads the one before the current.
    expect(await h.log(input)).toBe('run 3\n');
    expect(await h.log(input, 'main', { previous: true })).toBe('run 2\n');
    expect(h.reports.map((r) => r.containerStatuses[0]?.restartCount)).toEqual(expect.arrayContaining([0, 1, 2]));
  });

  it('when a container fails with Never, then it is not restarted', async () => {
    const h = harness();
    const result = await h.run(aRunPodInput({ containers: [sh('main', 'exit 1')] }));
    expect(result.phase).toBe('Failed');
    expect(result.containerStatuses[0]?.restartCount).toBe(0);
  });
});

describe('the termination message (FallbackToLogsOnError)', () => {
  const cases = [
    {
      name: 'when a failing container wrote 200 short lines, then the message is its last 80 lines',
      script: 'i=1; while [ $i -le 200 ]; do echo "l$i"; i=$((i+1)); done; exit 1',
      check: (m: string) => {
        expect(m.split('\n').filter(Boolean)).toHaveLength(80);
        expect(m.startsWith('l121\n')).toBe(true);
        expect(m.endsWith('l200\n')).toBe(true);
      },
    },
    {
      name: 'when a failing container wrote long lines, then the message is at most the last 2048 bytes',
      script: 'i=1; while [ $i -le 100 ]; do printf "%0100d\\n" $i; i=$((i+1)); done; echo last >&2; exit 1',
      check: (m: string) => {
        expect(Buffer.byteLength(m)).toBe(2048);
        expect(m.endsWith('last\n')).toBe(true);
      },
    },
  ];
  it.each(cases)('$name', async ({ script, check }) => {
    const h = harness();
    const result = await h.run(aRunPodInput({ containers: [sh('main', script)] }));
    check(result.containerStatuses[0]?.state.terminated?.message ?? '');
  });
});

describe('readPodLog', () => {
  async function podWithOutput() {
    const h = harness();
    const input = aRunPodInput({
      containers: [sh('main', 'for i in 1 2 3 4 5; do echo "line $i"; done; echo oops >&2; printf "no newline"')],
    });
    await h.run(input);
    return { h, input };
  }

  const cases: { name: string; opts: Partial<PodLogOptions>; want: string | RegExp }[] = [
    { name: 'when no option is given, then the whole log is returned', opts: {}, want: 'line 1\nline 2\nline 3\nline 4\nline 5\noops\nno newline\n' },
    { name: 'when tailLines is 2, then the last two lines are returned', opts: { tailLines: 2 }, want: 'oops\nno newline\n' },
    { name: 'when tailLines is 0, then nothing is returned', opts: { tailLines: 0 }, want: '' },
    { name: 'when tailLines exceeds the log, then the whole log is returned', opts: { tailLines: 100 }, want: /^line 1\n[^]*no newline\n$/ },
    { name: 'when limitBytes is 10, then the first 10 bytes are returned', opts: { limitBytes: 10 }, want: 'line 1\nlin' },
    { name: 'when tailLines and limitBytes combine, then the tail is cut', opts: { tailLines: 3, limitBytes: 8 }, want: 'line 5\no' },
    {
      name: 'when timestamps is set, then each line starts with its RFC3339Nano timestamp',
      opts: { tailLines: 1, timestamps: true },
      want: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z no newline\n$/,
    },
    { name: 'when sinceSeconds covers the run, then all lines are returned', opts: { sinceSeconds: 3600, tailLines: 1 }, want: 'no newline\n' },
  ];
  it.each(cases)('$name', async ({ opts, want }) => {
    const { h, input } = await podWithOutput();
    const out = await h.log(input, 'main', opts);
    if (typeof want === 'string') expect(out).toBe(want);
    else expect(out).toMatch(want);
  });

  it('when the log records are CRI-formatted, then stdout and stderr are tagged per line', async () => {
    const { h, input } = await podWithOutput();
    const dir = path.join(h.dataDir, 'pods', input.namespace, input.jobUid, input.podName, 'logs', 'main');
    expect(readdirSync(dir).sort()).toEqual(['0.done', '0.log']);
    const lines = readFileSync(path.join(dir, '0.log'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\S+Z stdout F line 1$/);
    expect(lines).toContainEqual(expect.stringMatching(/ stderr F oops$/));
  });

  it('when records are older than sinceSeconds, then they are left out', async () => {
    const { h, input } = await podWithOutput();
    const file = path.join(h.dataDir, 'pods', input.namespace, input.jobUid, input.podName, 'logs', 'main', '0.log');
    writeFileSync(file, '2001-01-01T00:00:00.5Z stdout F ancient\n' + readFileSync(file, 'utf8'));
    expect(await h.log(input, 'main', { tailLines: 100 })).toMatch(/^ancient\n/);
    expect(await h.log(input, 'main', { sinceSeconds: 3600 })).toMatch(/^line 1\n/);
    expect(await h.log(input, 'main', { sinceTime: '2000-12-31T00:00:00Z', limitBytes: 8 })).toBe('ancient\n');
  });

  it('when a line is longer than 16 KiB, then it is stored in partial records and read back whole', async () => {
    const h = harness();
    const input = aRunPodInput({ containers: [{ name: 'main', command: ['printf', '%040000d\\nend\\n', '7'] }] });
    await h.run(input);
    const raw = readFileSync(path.join(h.dataDir, 'pods', 'default', input.jobUid, input.podName, 'logs', 'main', '0.log'), 'utf8');
    expect(raw.split('\n').filter((l) => / stdout P /.test(l))).toHaveLength(2);
    expect(await h.log(input)).toBe('0'.repeat(39_999) + '7\nend\n');
  });

  it('when the log is larger than one read chunk, then lines across chunk borders come back whole', async () => {
    const h = harness();
    // 40,000 records of ~60 bytes: about 2.4 MB, so records straddle the 1 MiB read chunks.
    const input = aRunPodInput({ containers: [sh('main', 'seq -f "%040g" 1 40000')] });
    await h.run(input);
    const all = await h.log(input);
    const lines = all.trimEnd().split('\n');
    expect(lines).toHaveLength(40_000);
    expect(lines.every((l, i) => Number(l) === i + 1)).toBe(true);
    expect(await h.log(input, 'main', { tailLines: 2 })).toBe(`${'39999'.padStart(40, '0')}\n${'40000'.padStart(40, '0')}\n`);
    expect(await h.log(input, 'main', { limitBytes: 45 })).toBe(`${'1'.padStart(40, '0')}\n0000`);
  });

  it('when previous is asked for a container that never restarted, then it says so', async () => {
    const { h, input } = await podWithOutput();
    await expect(h.log(input, 'main', { previous: true })).rejects.toThrow(
      `previous terminated container "main" in pod "${input.podName}" not found`,
    );
  });

  it('when following a running container, then new lines arrive and the stream ends with the run', async () => {
    const h = harness();
    const input = aRunPodInput({ containers: [sh('main', 'echo first; while [ ! -e go ]; do sleep 0.01; done; echo second')] });
    const running = h.run(input);
    const { followPodLog } = await import('../../src/storage/pod-logs.js');
    await poll(() => h.log(input), (l) => l === 'first\n', { what: 'the first line in the log', timeoutMs: 5000 });
    const chunks: string[] = [];
    const follow = (async () => {
      for await (const chunk of followPodLog({
        dataDir: h.dataDir,
        namespace: input.namespace,
        jobUid: input.jobUid,
        podName: input.podName,
        container: 'main',
        pollIntervalMs: 10,
      })) {
        chunks.push(chunk);
        if (chunks.join('') === 'first\n') writeFileSync(path.join(h.workDir(input), 'go'), '');
      }
    })();
    await running;
    await follow;
    expect(chunks.join('')).toBe('first\nsecond\n');
  });
});

describe('runPod cancellation', () => {
  async function startedPod(h: ReturnType<typeof harness>, overrides: PodInputOverrides) {
    const input = aRunPodInput(overrides);
    const result = h.run(input);
    await poll(() => h.log(input).catch(() => ''), (l) => l.includes('ready'), { what: 'the container to print ready', timeoutMs: 5000 });
    return { input, result };
  }

  it('when cancelled, then a process that traps SIGTERM is SIGKILLed after the grace period and the exit code is returned', async () => {
    const h = harness();
    const { result } = await startedPod(h, {
      terminationGracePeriodSeconds: 1,
      containers: [sh('main', 'trap "echo got TERM" TERM; echo ready; while :; do sleep 0.02; done')],
    });
    const cancelledAt = Date.now();
    h.env.cancel();
    const r = await result;
    expect(Date.now() - cancelledAt).toBeGreaterThanOrEqual(950);
    expect(r.terminatedByRequest).toBe(true);
    expect(r.phase).toBe('Failed');
    expect(r.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 137, signal: 9, reason: 'Error' });
    expect(r.containerStatuses[0]?.state.terminated?.message).toContain('got TERM');
  });

  it('when cancelled and the process exits 0 on SIGTERM, then the pod counts as Succeeded', async () => {
    const h = harness();
    const { result } = await startedPod(h, {
      terminationGracePeriodSeconds: 5,
      containers: [sh('main', 'trap "exit 0" TERM; echo ready; while :; do sleep 0.02; done')],
    });
    const cancelledAt = Date.now();
    h.env.cancel();
    const r = await result;
    expect(Date.now() - cancelledAt).toBeLessThan(4000);
    expect(r).toMatchObject({ phase: 'Succeeded', terminatedByRequest: true });
    expect(r.containerStatuses[0]?.state.terminated?.exitCode).toBe(0);
  });

  it('when cancelled, then grandchildren in the process group die too, even one that ignores SIGTERM', async () => {
    const h = harness();
    const { input, result } = await startedPod(h, {
      terminationGracePeriodSeconds: 10,
      containers: [
        sh('main', '(trap "" TERM; exec sleep 300) & echo $! > stubborn.pid; sleep 300 & echo $! > plain.pid; echo ready; wait'),
      ],
    });
    const stubborn = readPid(path.join(h.workDir(input), 'stubborn.pid'));
    const plain = readPid(path.join(h.workDir(input), 'plain.pid'));
    expect(stubborn).not.toBeNull();
    expect(plain).not.toBeNull();
    h.env.cancel();
    const r = await result;
    // The shell died of SIGTERM; what was left of its group was killed with it, without waiting 10 s.
    expect(r.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 143, signal: 15 });
    await poll(() => [stubborn, plain].every((p) => p !== null && pidGone(p)), Boolean, {
      what: 'both grandchildren to be gone',
      timeoutMs: 3000,
    });
  });

  it('when cancelled during a side-by-side run, then every container is terminated and the pod is Failed', async () => {
    const h = harness();
    const { result } = await startedPod(h, {
      containers: [sh('main', 'echo ready; exec sleep 300'), sh('other', 'exec sleep 300')],
    });
    h.env.cancel();
    const r = await result;
    expect(r.phase).toBe('Failed');
    expect(r.containerStatuses.map((s) => s.state.terminated?.exitCode)).toEqual([143, 143]);
  });

  it('when the worker shuts down, then the pod is terminated and the attempt fails as WorkerShutdown', async () => {
    const h = harness();
    const { result } = await startedPod(h, { containers: [sh('main', 'echo ready; exec sleep 300')] });
    h.env.cancel('WORKER_SHUTDOWN');
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('WorkerShutdown');
  });

  it('when cancellation arrives before any process started, then the CancelledFailure is thrown', async () => {
    const h = harness();
    h.env.cancel();
    const input = aRunPodInput({ containers: [sh('main', 'touch started')] });
    await expect(h.run(input)).rejects.toBeInstanceOf(CancelledFailure);
    expect(existsSync(path.join(h.workDir(input), 'started'))).toBe(false);
  });

  it('when cancelled during a crash-loop backoff, then the last termination is returned without another run', async () => {
    const h = harness();
    const input = aRunPodInput({
      spec: { restartPolicy: 'OnFailure' },
      restartBackoffBaseMs: 60_000,
      restartBackoffMaxMs: 60_000,
      containers: [sh('main', 'echo ready; exit 7')],
    });
    const result = h.run(input);
    await poll(() => h.reports.at(-1)?.containerStatuses[0]?.state.waiting?.reason, (r) => r === 'CrashLoopBackOff', {
      what: 'a report of the container in CrashLoopBackOff',
      timeoutMs: 5000,
    });
    h.env.cancel();
    const r = await result;
    expect(r).toMatchObject({ phase: 'Failed', terminatedByRequest: true });
    expect(r.containerStatuses[0]).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 7 } } });
  });
});

describe('runPod activeDeadlineSeconds', () => {
  it('fails the pod with DeadlineExceeded when it runs longer than spec.activeDeadlineSeconds', async () => {
    const h = harness();
    const started = Date.now();
    const r = await h.run(
      aRunPodInput({ spec: { activeDeadlineSeconds: 0.3 }, containers: [sh('main', 'exec sleep 30')] }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: DEADLINE_EXCEEDED_MESSAGE,
      terminatedByRequest: false,
    });
    expect(r.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 143, signal: 15 });
  });

  it('when the deadline passes during init containers, then the containers never start', async () => {
    const h = harness();
    const r = await h.run(
      aRunPodInput({
        spec: { activeDeadlineSeconds: 0.2 },
        initContainers: [sh('init', 'exec sleep 30')],
        containers: [sh('main', 'true')],
      }),
    );
    expect(r).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    expect(r.containerStatuses[0]?.state.waiting).toBeDefined();
  });
});

describe('runPod heartbeats and status reports', () => {
  it('when the pod runs, then it heartbeats every heartbeatIntervalMs', async () => {
    const h = harness();
    const input = aRunPodInput({ heartbeatIntervalMs: 20, containers: [sh('main', 'while [ ! -e stop ]; do sleep 0.01; done')] });
    const result = h.run(input);
    await poll(() => h.heartbeats(), (n) => n >= 4, { what: 'four heartbeats', timeoutMs: 5000 });
    writeFileSync(path.join(h.workDir(input), 'stop'), '');
    expect((await result).phase).toBe('Succeeded');
  });

  it('when reporting fails twice, then the report is retried and the pod still succeeds', async () => {
    let calls = 0;
    const delivered: PodStatusReport[] = [];
    const h = harness({
      reportStatus: async (_, report) => {
        calls++;
        if (calls <= 2) throw new Error('workflow unreachable');
        delivered.push(report);
      },
    });
    // Long enough for the retries (after 100 ms, then 200 ms) to happen while the pod runs.
    const r = await h.run(aRunPodInput({ containers: [sh('main', 'sleep 1')] }));
    expect(r.phase).toBe('Succeeded');
    expect(delivered[0]).toMatchObject({ phase: 'Running', ready: true });
    expect(h.logLines.filter((l) => l.level === 'warn' && /retrying/.test(l.msg))).toHaveLength(2);
  });

  it('when reporting always fails, then the failure is logged, the pod outcome is unaffected and not delayed, and the report is dropped once the pod finished', async () => {
    const h = harness({ reportStatus: async () => Promise.reject(new Error('down')) });
    const input = aRunPodInput({ containers: [sh('main', 'sleep 0.4; exit 3')] });
    const started = Date.now();
    const r = await h.run(input);
    // Reports are retried across outages but never hold a pod's outcome back (it used to wait up to 10 s).
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.containerStatuses[0]?.state.terminated?.exitCode).toBe(3);
    expect(h.logLines.some((l) => l.level === 'warn' && l.msg === 'pod status report failed, retrying')).toBe(true);
    expect(h.logLines.some((l) => l.msg === 'pod status report dropped')).toBe(true);
  });
});

describe('paths stay inside the data directory', () => {
  const uid = '6f1c1f0e-3c2b-4d7e-9a57-0b5d1c2e3f40';
  const cases: { name: string; overrides: PodInputOverrides }[] = [
    { name: 'rejects a namespace with ..', overrides: { namespace: '../etc' } },
    { name: 'rejects a job uid that is not a UUID', overrides: { jobUid: '../../x' } },
    { name: 'rejects a pod name with a slash', overrides: { podName: 'a/../../b' } },
    { name: 'rejects a pod name of ..', overrides: { podName: '..' } },
    { name: 'rejects a container name with ..', overrides: { containers: [{ name: '../x', command: ['true'] }] } },
  ];
  it.each(cases)('$name with PodSetupFailed and touches nothing', async ({ overrides }) => {
    const h = harness();
    const err = await h.run(aRunPodInput({ jobUid: uid, ...overrides })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('PodSetupFailed');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(readdirSync(h.dataDir)).toEqual([]);
  });

  const readCases = [
    { name: 'the log reader rejects a traversing namespace', opts: { namespace: '..' } },
    { name: 'the log reader rejects a traversing container', opts: { container: '../../../../etc' } },
    { name: 'the log reader rejects a traversing pod', opts: { podName: '../p' } },
    { name: 'the log reader rejects a non-UUID job uid', opts: { jobUid: '..' } },
  ];
  it.each(readCases)('$name', async ({ opts }) => {
    const base = { dataDir: tempDir(), namespace: 'default', jobUid: uid, podName: 'p', container: 'main' };
    await expect(readPodLog({ ...base, ...opts })).rejects.toThrow(/invalid/);
  });

  it('fails with PodSetupFailed when the working directory cannot be created', async () => {
    const h = harness();
    const notADir = path.join(h.dataDir, 'file');
    writeFileSync(notADir, '');
    const activities = createActivities({ dataDir: notADir, nodeName: 'n', log: { debug() {}, info() {}, warn() {}, error() {} }, reports: noReports });
    const err = await runIn(new MockActivityEnvironment(), activities, aRunPodInput()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('PodSetupFailed');
  });
});

describe('runPod when the worker itself fails', () => {
  it('fails with PodSetupFailed when a container log cannot be written, after stopping the other containers', async () => {
    const h = harness();
    const input = aRunPodInput({ containers: [sh('good', 'exec sleep 300'), sh('bad', 'true')] });
    const logs = path.join(h.dataDir, 'pods', input.namespace, input.jobUid, input.podName, 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(path.join(logs, 'bad'), 'a file where a directory must go');
    const started = Date.now();
    const err = await h.run(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('PodSetupFailed');
    // runPod only returns once every process it started is gone: `sleep 300` was terminated.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('runPod when the disk is full', () => {
  // ENOSPC, simulated: the container's log file is a symlink to /dev/full.
  function fullDisk(h: ReturnType<typeof harness>, input: RunPodInput, container = 'main') {
    const dir = path.join(h.dataDir, 'pods', input.namespace, input.jobUid, input.podName, 'logs', container);
    mkdirSync(dir, { recursive: true });
    symlinkSync('/dev/full', path.join(dir, '0.log'));
  }

  const cases = [
    { name: 'when a failing pod cannot write its log, then its real exit code is reported with a message and a Warning', script: 'echo hello; exit 3', exitCode: 3, phase: 'Failed' },
    { name: 'when a succeeding pod cannot write its log, then it still Succeeded, with the message and the Warning', script: 'echo hello', exitCode: 0, phase: 'Succeeded' },
  ];
  it.each(cases)('$name', async ({ script, exitCode, phase }) => {
    const h = harness();
    const input = aRunPodInput({ containers: [sh('main', script)] });
    fullDisk(h, input);
    const result = await h.run(input);
    expect(result.phase).toBe(phase);
    const terminated = result.containerStatuses[0]?.state.terminated;
    expect(terminated?.exitCode).toBe(exitCode);
    expect(terminated?.message).toMatch(/^kjob could not write the log of container "main" \(run 0\) on node worker-1@test: ENOSPC: no space left on device/);
    expect(result.warnings).toEqual([
      { reason: 'LogWriteFailed', message: expect.stringMatching(/^kjob could not write the log of container "main" \(run 0\) on node worker-1@test: ENOSPC/) },
    ]);
    expect(h.logLines).toContainEqual({ level: 'error', msg: 'container output could not be logged' });
  });

  it('when a crash-looping container cannot write its logs, then the pod carries one LogWriteFailed warning, not one per restart', async () => {
    const h = harness();
    const input = aRunPodInput({
      spec: { restartPolicy: 'OnFailure' },
      containers: [sh('main', 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "run $n"; [ $n -ge 3 ] || exit 1')],
    });
    const dir = path.join(h.dataDir, 'pods', input.namespace, input.jobUid, input.podName, 'logs', 'main');
    mkdirSync(dir, { recursive: true });
    for (const run of [0, 1, 2]) symlinkSync('/dev/full', path.join(dir, `${run}.log`));
    const result = await h.run(input);
    expect(result.containerStatuses[0]).toMatchObject({ restartCount: 2, state: { terminated: { exitCode: 0 } } });
    expect(result.containerStatuses[0]?.lastState.terminated?.message).toContain('(run 1)');
    expect(result.warnings?.map((w) => w.reason)).toEqual(['LogWriteFailed']);
  });
});

describe('removePodData', () => {
  it("when called twice, then the Job's pod directories are gone and the second call is a no-op", async () => {
    const h = harness();
    const input = aRunPodInput({ containers: [sh('main', 'echo hi > file')] });
    const other = aRunPodInput({ containers: [sh('main', 'true')] });
    await h.run(input);
    await h.run(other);
    const jobDir = path.join(h.dataDir, 'pods', 'default', input.jobUid);
    expect(existsSync(jobDir)).toBe(true);
    await h.activities.removePodData({ namespace: 'default', jobUid: input.jobUid });
    await h.activities.removePodData({ namespace: 'default', jobUid: input.jobUid });
    expect(existsSync(jobDir)).toBe(false);
    expect(existsSync(path.join(h.dataDir, 'pods', 'default', other.jobUid))).toBe(true);
  });

  it('rejects a traversing namespace as a non-retryable failure', async () => {
    const h = harness();
    await expect(h.activities.removePodData({ namespace: '..', jobUid: '6f1c1f0e-3c2b-4d7e-9a57-0b5d1c2e3f40' })).rejects.toMatchObject({
      type: 'InvalidPodDataPath',
      nonRetryable: true,
    });
  });
});

describe('orphan protection', () => {
  it('when the worker is SIGKILLed, then the process group of its SIGTERM-ignoring pod is SIGKILLed at once, without a grace period', async () => {
    const dataDir = tempDir();
    const pidFile = path.join(dataDir, 'container.pid');
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'fake-worker.ts'), dataDir, pidFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    worker.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      // The container's shell is its process group's leader: the group id is its pid.
      const pgid = await poll(() => readPid(pidFile), (p) => p !== null, {
        what: `the fake worker's container to write its pid (worker stderr: ${stderr})`,
        timeoutMs: 15_000,
      });
      expect(groupMembers(pgid!).length).toBeGreaterThanOrEqual(2); // sh and its `sleep 300`
      const killedAt = Date.now();
      worker.kill('SIGKILL');
      // The pod's grace period is 30 s and it ignores SIGTERM: only an immediate SIGKILL ends it this soon.
      await poll(() => groupMembers(pgid!), (members) => members.length === 0, {
        what: 'every process of the orphaned pod to be gone',
        timeoutMs: 2000,
        intervalMs: 20,
      });
      console.log(`orphaned pod group gone ${Date.now() - killedAt} ms after its worker was SIGKILLed`);
    } finally {
      worker.kill('SIGKILL');
    }
  }, 30_000);
});
