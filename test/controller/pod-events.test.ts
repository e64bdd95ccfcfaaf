/**
 * What the controller makes of pod progress and outcomes: podStatus, podExited, podLost,
 * podNotStarted, podStartFailed (job-semantics §6, job-semantics §8, job-semantics §18, job-semantics §24).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jobPhase, reconcile, renderEvents, renderJob, renderPods } from '../../src/controller/index.js';
import { aJob, aRun, counterSuffix, podLost, podNotStarted, podRunning, podStartFailed, scale, T0 } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('podStatus', () => {
  it('moves the pod to Running on its worker and counts it ready (job-semantics §18)', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2 }));
    const [a, b] = run.active();
    expect(jobPhase(run.state)).toBe('Pending');
    run.send(podRunning(a!, { node: '42@host', ready: true })).send(podRunning(b!, { ready: false }));
    const pod = renderPods(run.state).find((p) => p.metadata.name === a)!;
    expect(pod.status.phase).toBe('Running');
    expect(pod.spec.nodeName).toBe('42@host');
    expect(renderJob(run.state).status).toMatchObject({ active: 2, ready: 1 });
    expect(jobPhase(run.state)).toBe('Running');
    expect(run.actionsOf('setPhase')).toEqual([]);
  });

  it('ignores reports for unknown pods', () => {
    const run = aRun(aJob({ completions: 1 }));
    const before = run.state;
    run.send(podRunning('myjob-zzzzz'));
    expect(run.state).toEqual(before);
    expect(run.last).toEqual([]);
  });

  it('ignores late reports for finished pods', () => {
    const run = aRun(aJob({ completions: 2 }));
    const a = run.active()[0]!;
    run.exit(a, 1).send(podRunning(a));
    expect(run.state.pods.find((p) => p.name === a)?.phase).toBe('Failed');
  });
});

describe('podExited', () => {
  it('keeps a failed pod with its exit code, reason and finish time (restartPolicy Never)', () => {
    const run = aRun(aJob({ completions: 1 }));
    const a = run.active()[0]!;
    run.exit(a, 3, { at: T0 + 500 });
    const pod = renderPods(run.state)[0]!;
    expect(pod.status.phase).toBe('Failed');
    expect(pod.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 3, finishedAt: '2026-01-01T00:00:00.500Z' });
    expect(renderJob(run.state).status).toMatchObject({ failed: 1, active: 0 });
  });

  it('does not count a pod the controller deleted for scale-down even if it exited non-zero', () => {
    const run = aRun(aJob({ completions: 5, parallelism: 2 }));
    run.send(scale(1));
    run.exit(run.terminating()[0]!, 1);
    expect(run.state.failed).toBe(0);
    expect(run.state.backoff.failuresAfterLastSuccess).toBe(0);
  });

  it('counts only the first success of an index and deletes a duplicate still running (job-semantics §6, job-semantics §23)', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, completionMode: 'Indexed' }));
    const a = run.podOfIndex(0);
    // A second attempt of index 0 (e.g. at-least-once execution after a worker hiccup).
    const dup = { ...structuredClone(run.state.pods[0]!), name: 'myjob-0-dupli', uid: 'dup-uid' };
    run.state = { ...run.state, pods: [...run.state.pods, dup] };
    run.states.push(run.state);
    run.exit(a, 0);
    expect(run.actionsOf('terminatePod')).toEqual([{ type: 'terminatePod', podName: 'myjob-0-dupli', gracePeriodSeconds: 30 }]);
    expect(run.state.events.at(-1)).toMatchObject({ reason: 'SuccessfulDelete', message: 'Deleted pod: myjob-0-dupli' });
    run.exit('myjob-0-dupli', 0);
    expect(renderJob(run.state).status).toMatchObject({ succeeded: 1, completedIndexes: '0', failed: 0 });
  });
});

describe('pods that end without an exit of their own', () => {
  it('fails a pod whose worker was lost, with a DisruptionTarget condition, counted toward backoffLimit (job-semantics §24)', () => {
    const run = aRun(aJob({ completions: 1, backoffLimit: 0 }));
    const a = run.active()[0]!;
    run.send(podRunning(a)).send(podLost(a, 'worker 1@host stopped heartbeating'));
    const pod = renderPods(run.state)[0]!;
    expect(pod.status.phase).toBe('Failed');
    expect(pod.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'WorkerLost', message: 'worker 1@host stopped heartbeating' }),
    );
    expect(run.state.conditions.map((c) => c.reason)).toEqual(['BackoffLimitExceeded', 'BackoffLimitExceeded']);
    expect(renderEvents(run.state)).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'WorkerLost',
        involvedObject: expect.objectContaining({ kind: 'Pod', name: a }),
      }),
    );
  });

  it('uses a default message for a lost worker', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send(podLost(run.active()[0]!));
    expect(run.state.pods[0]?.conditions[0]?.message).toBe('The worker running the pod stopped heartbeating');
  });

  it('fails a pod that could not be set up with reason StartError', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send(podStartFailed(run.active()[0]!, 'mkdir: permission denied'));
    const pod = renderPods(run.state)[0]!;
    expect(pod.status).toMatchObject({ phase: 'Failed', reason: 'StartError', message: 'mkdir: permission denied' });
    expect(run.state.failed).toBe(1);
  });

  it('treats a pod cancelled before it started as gone, counted per its deletion cause (suspend: not counted)', () => {
    const run = aRun(aJob({ completions: 1 }));
    const a = run.active()[0]!;
    run.send({ type: 'suspendRequested' }).send(podNotStarted(a));
    expect(run.state.pods).toEqual([]);
    expect(run.state.failed).toBe(0);
  });

  it('counts a pod cancelled before it started as failed when the Job failed', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, backoffLimit: 0 }));
    const [a, b] = run.active();
    run.exit(a!, 1);
    run.send(podNotStarted(b!));
    expect(run.state.failed).toBe(2);
    expect(run.state.conditions.map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
  });
});

describe('determinism', () => {
  it('returns the same result for the same input and never mutates the input state', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 2 }));
    const frozen = JSON.stringify(run.state);
    const event = { type: 'podExited' as const, result: { podName: run.active()[0]!, phase: 'Failed' as const, nodeName: 'n', startedAt: T0, finishedAt: T0, terminatedByRequest: false, initContainerStatuses: [], containerStatuses: [] } };
    const r1 = reconcile(run.state, event, { now: T0 + 1, randomSuffix: counterSuffix() });
    const r2 = reconcile(run.state, event, { now: T0 + 1, randomSuffix: counterSuffix() });
    expect(JSON.stringify(run.state)).toBe(frozen);
    expect(r1).toEqual(r2);
  });
});
