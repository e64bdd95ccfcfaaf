/**
 * The worker's pod runtime (PodRegistry + runPod / watchPod / terminatePod) against real child
 * processes. MockActivityEnvironment gives each activity call a real activity Context, so the
 * cancellation reasons are the ones the SDK passes (`CancelledFailure.message`).
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import type { CancelReason } from '@temporalio/worker/lib/activity.js';
import { POD_FAILURE, type PodResult, type PodStatusReport, type RunPodInput } from '../../src/k8s/pod-run.js';
import type { Container } from '../../src/k8s/types.js';
import { poll } from '../support/poll.js';
import { aRunPodInput, type PodInputOverrides } from './fixtures/builders.js';
import { pidGone, readPid } from './fixtures/processes.js';
import { closeRuntimes, podRuntime, refOf, type Call } from './fixtures/runtime.js';

afterAll(closeRuntimes);

const sh = (name: string, script: string): Container => ({ name, command: ['sh', '-c', script] });

/** A pod that records its pid, then runs until a `go` file appears in its work dir and exits `exitCode`. */
function waitingPod(overrides: PodInputOverrides & { exitCode?: number; ignoreTerm?: boolean } = {}): RunPodInput {
  const trap = overrides.ignoreTerm ? `trap '' TERM; ` : '';
  // `$$$$` is `$$` after Kubernetes' `$$` escape.
  const script = `${trap}echo $$$$ > pid; while [ ! -e go ]; do sleep 0.01; done; exit ${overrides.exitCode ?? 0}`;
  return aRunPodInput({ containers: [sh('main', script)], ...overrides });
}

type Runtime = ReturnType<typeof podRuntime>;

async function podPid(rt: Runtime, input: RunPodInput): Promise<number> {
  const pid = await poll(() => readPid(path.join(rt.workDir(input), 'pid')), (p) => p !== null, {
    what: `pod ${input.podName} to write its pid`,
    timeoutMs: 5000,
  });
  return pid as number;
}

function release(rt: Runtime, input: RunPodInput): void {
  writeFileSync(path.join(rt.workDir(input), 'go'), '');
}

async function failureOf(call: Call<PodResult>): Promise<ApplicationFailure> {
  const err = await call.settled;
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

function cancel(call: Call<unknown>, reason: CancelReason): void {
  const details = {
    NOT_FOUND: { notFound: true },
    CANCELLED: { cancelRequested: true },
    TIMED_OUT: { timedOut: true },
    WORKER_SHUTDOWN: { workerShutdown: true },
    PAUSED: { paused: true },
    RESET: { reset: true },
    HEARTBEAT_DETAILS_CONVERSION_FAILED: {},
  }[reason];
  call.env.cancel(reason, new ActivityCancellationDetails(details));
}

describe('PodRegistry: one pod per uid', () => {
  it('when runPod is called twice for the same uid, then one process runs and both get its outcome', async () => {
    const rt = podRuntime();
    const input = aRunPodInput({ containers: [sh('main', 'echo run >> runs; sleep 0.3; exit 4')] });
    const first = rt.runPod(input);
    const second = rt.runPod(input);
    const [a, b] = await Promise.all([first.result, second.result]);
    expect(a.containerStatuses[0]?.state.terminated?.exitCode).toBe(4);
    expect(b).toEqual(a);
    // A third start after the pod finished attaches to the finished pod: no second run.
    expect(await rt.runPod(input).result).toEqual(a);
    expect(readFileSync(path.join(rt.workDir(input), 'runs'), 'utf8')).toBe('run\n');
  });

  it('when the pod finishes, then its outcome is in outcome.json before runPod returns it', async () => {
    const rt = podRuntime();
    const input = aRunPodInput({ containers: [sh('main', 'exit 3')] });
    const result = await rt.runPod(input).result;
    const recorded = JSON.parse(readFileSync(path.join(rt.podDir(input), 'outcome.json'), 'utf8'));
    expect(recorded).toEqual({ podUid: input.podUid, outcome: { kind: 'result', result } });
  });
});

describe('when the outcome cannot be recorded', () => {
  it('then the result is still handed over, with an OutcomeNotRecorded warning', async () => {
    const rt = podRuntime();
    const input = aRunPodInput({ containers: [sh('main', 'sleep 0.1')] });
    const run = rt.runPod(input);
    // The outcome's temporary file is written on a full disk (/dev/full: ENOSPC).
    await poll(() => existsSync(rt.podDir(input)), Boolean, { what: 'the pod directory', timeoutMs: 5000 });
    symlinkSync('/dev/full', path.join(rt.podDir(input), `outcome.json.tmp-${process.pid}`));
    const result = await run.result;
    expect(result.phase).toBe('Succeeded');
    expect(result.warnings).toEqual([{ reason: 'OutcomeNotRecorded', message: expect.stringContaining('ENOSPC') }]);
    expect(existsSync(path.join(rt.podDir(input), 'outcome.json'))).toBe(false);
  });
});

describe('watchPod', () => {
  it('when the registry forgot a finished pod (or is a new instance), then watchPod answers from outcome.json', async () => {
    const rt = podRuntime({ registry: { retainFinishedMs: 0 } });
    const input = aRunPodInput({ containers: [sh('main', 'echo out; exit 5')] });
    const result = await rt.runPod(input).result;
    // Forgotten at once (retention 0): the answer comes from disk.
    expect(await rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 50 }).result).toEqual(result);
    // A registry that never ran it, over the same data: the same.
    const other = podRuntime({ dataDir: rt.dataDir });
    expect(await other.watchPod({ ...refOf(input), heartbeatIntervalMs: 50 }).result).toEqual(result);
  });

  it('when the pod is unknown on this node, then watchPod fails with a non-retryable PodUnknown', async () => {
    const rt = podRuntime();
    const input = aRunPodInput();
    const err = await failureOf(rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 50 }));
    expect(err.type).toBe(POD_FAILURE.unknown);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain(input.podName);
  });

  it("when outcome.json belongs to another uid (a pod of the same name), then it is not this pod's outcome", async () => {
    const rt = podRuntime({ registry: { retainFinishedMs: 0 } });
    const input = aRunPodInput();
    await rt.runPod(input).result;
    const err = await failureOf(rt.watchPod({ ...refOf(input), podUid: '00000000-0000-4000-8000-000000000000', heartbeatIntervalMs: 50 }));
    expect(err.type).toBe(POD_FAILURE.unknown);
  });
});

describe('runPod cancelled because Temporal no longer knows it: detach, not terminate', () => {
  const detaching: CancelReason[] = ['NOT_FOUND', 'TIMED_OUT', 'PAUSED', 'RESET', 'HEARTBEAT_DETAILS_CONVERSION_FAILED'];
  it.each(detaching)('when cancelled with %s, then the pod keeps running and watchPod re-attaches and gets its real outcome', async (reason) => {
    const rt = podRuntime();
    const input = waitingPod({ exitCode: 7, heartbeatIntervalMs: 1000 });
    const run = rt.runPod(input);
    const pid = await podPid(rt, input);
    cancel(run, reason);
    const err = await run.settled;
    expect(err).toBeInstanceOf(CancelledFailure);
    expect((err as CancelledFailure).message).toBe(reason);
    expect(pidGone(pid)).toBe(false);

    const watch = rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 1000 });
    release(rt, input);
    const result = await watch.result;
    expect(result).toMatchObject({ phase: 'Failed', terminatedByRequest: false });
    expect(result.containerStatuses[0]?.state.terminated?.exitCode).toBe(7);
  });

  it('when nothing re-attaches within the window (3 heartbeat intervals), then the pod is terminated and its outcome is PodAbandoned', async () => {
    const rt = podRuntime();
    const input = waitingPod({ heartbeatIntervalMs: 100, terminationGracePeriodSeconds: 0.2, ignoreTerm: true });
    const run = rt.runPod(input);
    const pid = await podPid(rt, input);
    const detachedAt = Date.now();
    cancel(run, 'NOT_FOUND');
    await run.settled;
    await poll(() => pidGone(pid), Boolean, { what: 'the abandoned pod to be gone', timeoutMs: 5000, intervalMs: 10 });
    const after = Date.now() - detachedAt;
    // Window 300 ms, then SIGTERM (ignored), SIGKILL 200 ms later.
    expect(after).toBeGreaterThanOrEqual(450);
    expect(after).toBeLessThan(3000);
    const err = await failureOf(rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 100 }));
    expect(err.type).toBe(POD_FAILURE.abandoned);
  });

  it('when watchPod re-attaches within the window, then the pod is not terminated', async () => {
    const rt = podRuntime();
    const input = waitingPod({ heartbeatIntervalMs: 50 });
    const run = rt.runPod(input);
    const pid = await podPid(rt, input);
    cancel(run, 'NOT_FOUND');
    await run.settled;
    const watch = rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 50 });
    // Three times the 150 ms window.
    await new Promise((r) => setTimeout(r, 450));
    expect(pidGone(pid)).toBe(false);
    release(rt, input);
    expect((await watch.result).phase).toBe('Succeeded');
  });

  it('when another activity is still attached, then a detach does not start the window', async () => {
    const rt = podRuntime();
    const input = waitingPod({ heartbeatIntervalMs: 50 });
    const run = rt.runPod(input);
    const pid = await podPid(rt, input);
    const watch = rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 50 });
    cancel(run, 'NOT_FOUND');
    await run.settled;
    await new Promise((r) => setTimeout(r, 450));
    expect(pidGone(pid)).toBe(false);
    release(rt, input);
    expect((await watch.result).phase).toBe('Succeeded');
  });

  it('when attached, then the activity heartbeats with the node name', async () => {
    const rt = podRuntime({ nodeName: 'node-7@test' });
    const input = waitingPod({ heartbeatIntervalMs: 20 });
    const run = rt.runPod(input);
    const beats: unknown[] = [];
    run.env.on('heartbeat', (d: unknown) => beats.push(d));
    await poll(() => beats.length, (n) => n >= 3, { what: 'three heartbeats', timeoutMs: 5000 });
    expect(beats[0]).toEqual({ nodeName: 'node-7@test' });
    release(rt, input);
    await run.result;
  });
});

describe('terminatePod', () => {
  const cases = [
    { name: 'grace 0: a SIGTERM-ignoring pod is SIGKILLed at once', grace: 0, ignoreTerm: true, exitCode: 137, minMs: 0, maxMs: 1000 },
    { name: 'grace 2: a pod that dies on SIGTERM is gone at once with 143', grace: 2, ignoreTerm: false, exitCode: 143, minMs: 0, maxMs: 1000 },
    { name: 'grace 2: a SIGTERM-ignoring pod is SIGKILLed when the grace period is over', grace: 2, ignoreTerm: true, exitCode: 137, minMs: 1900, maxMs: 3500 },
  ];
  it.each(cases)('$name', async ({ grace, ignoreTerm, exitCode, minMs, maxMs }) => {
    const rt = podRuntime();
    const input = waitingPod({ ignoreTerm, terminationGracePeriodSeconds: 30 });
    const run = rt.runPod(input);
    await podPid(rt, input);
    const askedAt = Date.now();
    await rt.terminatePod({ ...refOf(input), gracePeriodSeconds: grace });
    // terminatePod returns at once; runPod returns once every process is gone.
    expect(Date.now() - askedAt).toBeLessThan(500);
    const result = await run.result;
    const took = Date.now() - askedAt;
    expect(took).toBeGreaterThanOrEqual(minMs);
    expect(took).toBeLessThan(maxMs);
    expect(result).toMatchObject({ phase: 'Failed', terminatedByRequest: true });
    expect(result.containerStatuses[0]?.state.terminated?.exitCode).toBe(exitCode);
  });

  it('when a second termination has a shorter grace period, then the SIGKILL comes forward; a longer one does not delay it', async () => {
    const rt = podRuntime();
    const a = waitingPod({ ignoreTerm: true });
    const b = waitingPod({ ignoreTerm: true });
    const runA = rt.runPod(a);
    const runB = rt.runPod(b);
    await Promise.all([podPid(rt, a), podPid(rt, b)]);
    const askedAt = Date.now();
    await rt.terminatePod({ ...refOf(a), gracePeriodSeconds: 30 });
    await rt.terminatePod({ ...refOf(a), gracePeriodSeconds: 0 });
    await rt.terminatePod({ ...refOf(b), gracePeriodSeconds: 1 });
    await rt.terminatePod({ ...refOf(b), gracePeriodSeconds: 30 });
    await runA.result;
    expect(Date.now() - askedAt).toBeLessThan(1000);
    await runB.result;
    expect(Date.now() - askedAt).toBeLessThan(2500);
  });

  it('when the pod is already finished, then terminatePod is a no-op and the outcome stays', async () => {
    const rt = podRuntime();
    const input = aRunPodInput();
    const result = await rt.runPod(input).result;
    await rt.terminatePod({ ...refOf(input), gracePeriodSeconds: 0 });
    expect(await rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 50 }).result).toEqual(result);
  });

  it('when the termination arrives before the pod, then the pod is never started and runPod fails with PodNotStarted', async () => {
    const rt = podRuntime();
    const input = aRunPodInput({ containers: [sh('main', 'touch started')] });
    await rt.terminatePod({ ...refOf(input), gracePeriodSeconds: 30 });
    const err = await failureOf(rt.runPod(input));
    expect(err.type).toBe(POD_FAILURE.notStarted);
    expect(err.nonRetryable).toBe(true);
    expect(existsSync(path.join(rt.workDir(input), 'started'))).toBe(false);
    // watchPod says the same.
    expect((await failureOf(rt.watchPod({ ...refOf(input), heartbeatIntervalMs: 50 }))).type).toBe(POD_FAILURE.notStarted);
  });
});

describe('worker shutdown', () => {
  it('when the registry shuts down, then every pod is terminated with its grace period, runPod fails WorkerShutdown and new pods are not started', async () => {
    const rt = podRuntime();
    const quick = waitingPod({ terminationGracePeriodSeconds: 30 });
    const stubborn = waitingPod({ ignoreTerm: true, terminationGracePeriodSeconds: 1 });
    const runs = [rt.runPod(quick), rt.runPod(stubborn)];
    await Promise.all([podPid(rt, quick), podPid(rt, stubborn)]);
    const startedAt = Date.now();
    await rt.registry.shutdown();
    const took = Date.now() - startedAt;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3000);
    for (const run of runs) expect((await failureOf(run)).type).toBe(POD_FAILURE.workerShutdown);
    expect((await failureOf(rt.runPod(aRunPodInput()))).type).toBe(POD_FAILURE.notStarted);
  });
});

describe('status reports through the registry', () => {
  it('when several pods of one shard run, then their reports go out together in few podReports signals, and a pod shorter than the flush interval sends none', async () => {
    const batches: PodStatusReport[][] = [];
    const rt = podRuntime({
      // A longer interval than the 50 ms default, so that "shorter than the interval" holds on a busy machine.
      reportFlushIntervalMs: 300,
      reports: {
        podStatus: () => Promise.reject(new Error('shard pods report with podReports')),
        podReports: async (workflowId, reports) => {
          expect(workflowId).toBe('default/job/pods-0');
          batches.push(reports);
          return 'delivered';
        },
      },
    });
    const shardPod = (script: string) =>
      aRunPodInput({ workflowId: 'default/job/pods-0', reports: 'podReports', containers: [sh('main', script)] });
    const long = [1, 2, 3, 4].map(() => shardPod('sleep 1'));
    const short = shardPod('true');
    await Promise.all([...long, short].map((input) => rt.runPod(input).result));
    const reported = batches.flat().map((r) => r.podName);
    expect(new Set(reported)).toEqual(new Set(long.map((p) => p.podName)));
    expect(batches.length).toBeLessThanOrEqual(2);
    expect(batches.some((b) => b.length >= 2)).toBe(true);
  });
});

describe('runPod result type', () => {
  it('when the pod succeeds, then the result carries no warnings', async () => {
    const rt = podRuntime();
    const result: PodResult = await rt.runPod(aRunPodInput()).result;
    expect(result.warnings).toBeUndefined();
  });
});
