/**
 * Deleting the Job (job-semantics §21, kjob decisions) and deleting one pod (job-semantics §8, job-semantics §15).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jobPhase, renderJob, renderPods } from '../../src/controller/index.js';
import { aJob, aRun, deleteJob, deletePod, podRunning, T0 } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('deleting the Job', () => {
  it.each(['Background', 'Foreground'] as const)('terminates every pod with %s propagation, then removes the pod data and completes', (policy) => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, terminationGracePeriodSeconds: 7 }));
    const [a, b] = run.active();
    run.send(deleteJob(policy));
    expect(run.actionsOf('terminatePod')).toEqual([
      { type: 'terminatePod', podName: a, gracePeriodSeconds: 7 },
      { type: 'terminatePod', podName: b, gracePeriodSeconds: 7 },
    ]);
    expect(run.actionsOf('complete')).toEqual([]);
    expect(jobPhase(run.state)).toBe('Deleting');
    expect(renderJob(run.state).metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    // Foreground keeps the Job visible (the API's test for "gone") until its pods are gone.
    expect(renderJob(run.state).metadata.finalizers).toEqual(policy === 'Foreground' ? ['foregroundDeletion'] : undefined);
    run.exit(a!, 143);
    expect(run.actionsOf('complete')).toEqual([]);
    run.exit(b!, 143);
    expect(run.last.map((x) => x.type)).toEqual(['removePodData', 'complete', 'forgetPod']);
    expect(run.actionsOf('removePodData')).toEqual([{ type: 'removePodData', namespace: 'default', jobUid: run.state.job.metadata.uid }]);
    expect(run.state.failed).toBe(0);
  });

  it('completes at once when no pod runs (a finished Job)', () => {
    const run = aRun(aJob({ completions: 1, ttlSecondsAfterFinished: 100 }));
    run.exit(run.active()[0]!, 0).send(deleteJob());
    expect(run.last.map((x) => x.type).sort()).toEqual(['cancelTimer', 'complete', 'removePodData', 'setPhase']);
    expect(run.actionsOf('complete')).toHaveLength(1);
    expect(run.actionsOf('removePodData')).toHaveLength(1);
    expect(run.actionsOf('cancelTimer')).toEqual([{ type: 'cancelTimer', timerId: 'ttl' }]);
  });

  it('leaves the pods running with Orphan, starts no new one, and completes once they exit on their own (job-semantics §21)', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 1 }));
    const a = run.active()[0]!;
    run.send(deleteJob('Orphan'));
    expect(run.actionsOf('terminatePod')).toEqual([]);
    expect(run.actionsOf('complete')).toEqual([]);
    run.exit(a, 0);
    expect(run.actionsOf('startPod', run.last)).toEqual([]);
    expect(run.last.map((x) => x.type)).toEqual(expect.arrayContaining(['removePodData', 'complete']));
  });

  it('completes at once with Orphan when no pod runs', () => {
    const run = aRun(aJob({ completions: 1, suspend: true }));
    run.send(deleteJob('Orphan'));
    expect(run.actionsOf('complete')).toHaveLength(1);
  });

  it('creates no pods and ignores a second delete while the Job is being deleted', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 1 }));
    run.send(deleteJob()).send(deleteJob());
    expect(run.last.filter((x) => x.type !== 'setPhase')).toEqual([]);
    run.exit(run.terminating()[0]!, 0);
    expect(run.actionsOf('startPod')).toEqual([]);
    expect(run.actionsOf('complete')).toHaveLength(1);
  });
});

describe('deleting one pod (job-semantics §8, job-semantics §15)', () => {
  it('counts the pod as failed at once and replaces it without waiting for it to exit (TerminatingOrFailed)', () => {
    const run = aRun(aJob({ completions: 1 }));
    const a = run.active()[0]!;
    run.send(podRunning(a)).send(deletePod(a, 5));
    expect(run.actionsOf('terminatePod')).toEqual([{ type: 'terminatePod', podName: a, gracePeriodSeconds: 5 }]);
    expect(renderJob(run.state).status).toMatchObject({ active: 0, failed: 1, terminating: 1 });
    // Kubernetes still applies the Job's pod-failure backoff to the replacement.
    run.fire('backoff');
    expect(renderJob(run.state).status).toMatchObject({ active: 1, failed: 1, terminating: 1 });
    run.exit(a, 0);
    expect(renderJob(run.state).status).toMatchObject({ active: 1, failed: 1, succeeded: 0, terminating: 0 });
    expect(run.state.pods.map((p) => p.name)).not.toContain(a);
  });

  it('shows the pod as terminating and replaces it only after it exits (podReplacementPolicy Failed, e2e, job-semantics §15)', () => {
    const run = aRun(aJob({ completions: 1, podReplacementPolicy: 'Failed' }));
    const a = run.active()[0]!;
    run.send(deletePod(a, 30));
    expect(renderJob(run.state).status).toMatchObject({ active: 0, failed: 0, terminating: 1 });
    expect(renderPods(run.state)[0]?.metadata.deletionTimestamp).toBe(new Date(T0 + 30_000).toISOString().replace('.000', ''));
    run.advance(5000).exit(a, 143);
    expect(renderJob(run.state).status).toMatchObject({ active: 0, failed: 1, terminating: 0 });
    run.fire('backoff');
    expect(renderJob(run.state).status).toMatchObject({ active: 1, failed: 1, terminating: 0 });
  });

  it('uses the template grace period when none is given', () => {
    const run = aRun(aJob({ completions: 1, terminationGracePeriodSeconds: 12 }));
    run.send(deletePod(run.active()[0]!, null));
    expect(run.actionsOf('terminatePod')[0]?.gracePeriodSeconds).toBe(12);
  });

  it('removes a finished pod from the list without changing the counts', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 1 }));
    const a = run.active()[0]!;
    run.exit(a, 0).send(deletePod(a));
    expect(run.state.pods.map((p) => p.name)).not.toContain(a);
    expect(run.state.succeeded).toBe(1);
  });

  it('ignores unknown pods', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send(deletePod('nope'));
    expect(run.last).toEqual([]);
  });
});
