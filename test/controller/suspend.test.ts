/**
 * suspend / resume (job-semantics §11, job-semantics §10, job-semantics §17, job-semantics §19).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jobPhase, renderJob } from '../../src/controller/index.js';
import { aJob, aRun, deleteJob, podRunning, resume, suspend, T0 } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('suspend and resume', () => {
  it('starts no pod, sets no startTime and adds Suspended=True when created suspended', () => {
    const run = aRun(aJob({ completions: 2, suspend: true }));
    expect(run.actionsOf('startPod')).toEqual([]);
    expect(run.state.startTime).toBeNull();
    expect(run.state.conditions.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([['Suspended', 'True', 'JobSuspended', 'Job suspended']]);
    expect(run.state.events.map((e) => [e.type, e.reason, e.message])).toEqual([['Normal', 'Suspended', 'Job suspended']]);
    expect(jobPhase(run.state)).toBe('Suspended');
  });

  it('terminates the active pods without counting them and clears startTime when a running Job is suspended', () => {
    const run = aRun(aJob({ completions: 4, parallelism: 2, backoffLimit: 0 }));
    const [a, b] = run.active();
    run.send(podRunning(a!));
    run.advance(1000).send(suspend());
    expect(run.actionsOf('terminatePod').map((x) => x.podName).sort()).toEqual([a, b].sort());
    expect(renderJob(run.state).status).toMatchObject({ active: 0, ready: 0, terminating: 2, failed: 0 });
    expect(run.state.startTime).toBeNull();
    run.finishTerminating(137);
    expect(renderJob(run.state).status).toMatchObject({ active: 0, terminating: 0, failed: 0, succeeded: 0 });
    expect(run.state.conditions.filter((c) => c.type !== 'Suspended')).toEqual([]);
    expect(run.state.events.map((e) => e.reason)).toEqual(['SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulDelete', 'SuccessfulDelete', 'Suspended']);
  });

  it('does not count a pod that succeeds while being suspended (docs: not toward completions)', () => {
    const run = aRun(aJob({ completions: 1 }));
    const a = run.active()[0]!;
    run.send(suspend()).exit(a, 0);
    expect(run.state.succeeded).toBe(0);
  });

  it('flips Suspended to False/JobResumed, resets startTime and starts pods on resume', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, suspend: true }));
    run.advance(5000).send(resume());
    expect(run.state.conditions.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([['Suspended', 'False', 'JobResumed', 'Job resumed']]);
    expect(run.state.conditions[0]?.lastTransitionTime).toBe(T0 + 5000);
    expect(run.state.startTime).toBe(T0 + 5000);
    expect(run.active()).toHaveLength(2);
    expect(run.state.events.at(-1)).toMatchObject({ reason: 'Resumed', message: 'Job resumed' });
    expect(run.state.job.spec.suspend).toBe(false);
  });

  it('keeps conditions in order of occurrence: [Suspended(False), SuccessCriteriaMet, Complete] (job-semantics §17)', () => {
    const run = aRun(aJob({ completions: 1, suspend: true }));
    run.send(resume()).exit(run.active()[0]!, 0);
    expect(run.state.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Suspended=False', 'SuccessCriteriaMet=True', 'Complete=True']);
  });

  it('adds no Suspended condition to a Job that was never suspended', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send(resume());
    expect(run.state.conditions).toEqual([]);
  });

  it('accepts suspend through a spec update (PATCH spec.suspend)', () => {
    const run = aRun(aJob({ completions: 1 }));
    const job = structuredClone(run.state.job);
    job.spec.suspend = true;
    run.send({ type: 'jobUpdated', job });
    expect(run.terminating()).toHaveLength(1);
    expect(run.state.conditions[0]).toMatchObject({ type: 'Suspended', status: 'True' });
  });

  it('ignores suspend on a finished Job (job-semantics §11)', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.exit(run.active()[0]!, 0).send(suspend());
    expect(run.state.job.spec.suspend).toBe(false);
    expect(run.state.conditions.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(run.last).toEqual([]);
  });

  it('ignores suspend on a Job being deleted (unit "suspending a deleted job")', () => {
    const run = aRun(aJob({ completions: 1, terminationGracePeriodSeconds: 5 }));
    run.send(deleteJob()).send(suspend());
    expect(run.state.job.spec.suspend).toBe(false);
    expect(run.state.conditions).toEqual([]);
  });

  it('still waits for a pending backoff delay after resume (job-semantics §11)', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.exit(run.active()[0]!, 1).send(suspend()).advance(2000).send(resume());
    expect(run.active()).toEqual([]);
    expect(run.state.timers.backoff).toBe(T0 + 10_000);
  });

  it('replaces pods at once on a quick resume while the old ones still terminate (podReplacementPolicy TerminatingOrFailed)', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send(suspend()).send(resume());
    expect(run.active()).toHaveLength(1);
    expect(run.terminating()).toHaveLength(1);
  });
});
