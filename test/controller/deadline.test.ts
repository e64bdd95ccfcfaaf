/**
 * activeDeadlineSeconds (job-semantics §10, job-semantics §16 step 7; unit TestSyncJobPastDeadline).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderJob } from '../../src/controller/index.js';
import { aJob, aRun, podRunning, resume, suspend, T0 } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('activeDeadlineSeconds', () => {
  it('arms a deadline timer at startTime + activeDeadlineSeconds', () => {
    const run = aRun(aJob({ completions: 1, activeDeadlineSeconds: 10 }));
    expect(run.actionsOf('armTimer')).toEqual([{ type: 'armTimer', timerId: 'deadline', fireAt: T0 + 10_000 }]);
  });

  it('fails the Job with DeadlineExceeded when the timer fires, counting the deleted pods as failed', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, activeDeadlineSeconds: 10 }));
    const [a] = run.active();
    run.send(podRunning(a!));
    run.fire('deadline');
    expect(run.state.conditions.map((c) => [c.type, c.reason, c.message])).toEqual([
      ['FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
    ]);
    expect(run.terminating()).toHaveLength(2);
    run.finishTerminating();
    const status = renderJob(run.state).status!;
    expect(status.conditions?.map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
    expect(status.failed).toBe(2);
    expect(run.state.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'DeadlineExceeded' });
  });

  it('fails at once with activeDeadlineSeconds 0 (validation allows it, job-semantics §3)', () => {
    const run = aRun(aJob({ completions: 1, activeDeadlineSeconds: 0 }));
    expect(run.actionsOf('startPod')).toHaveLength(0);
    expect(run.state.conditions.map((c) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'DeadlineExceeded'],
      ['Failed', 'DeadlineExceeded'],
    ]);
  });

  it('prefers BackoffLimitExceeded when both hold in the same sync (TestSyncJobPastDeadline "activeDeadlineSeconds with backofflimit reach")', () => {
    const run = aRun(aJob({ completions: 1, backoffLimit: 0, activeDeadlineSeconds: 10 }));
    // The deadline timer has not fired yet; the failure arrives after the deadline passed.
    run.advance(10_000).exit(run.active()[0]!, 1);
    expect(run.state.conditions[0]).toMatchObject({ type: 'FailureTarget', reason: 'BackoffLimitExceeded' });
  });

  it('creates no more pods after the deadline while a backoff delay runs (docs: the deadline takes precedence)', () => {
    const run = aRun(aJob({ completions: 1, activeDeadlineSeconds: 5 }));
    run.advance(1000).exit(run.active()[0]!, 1);
    expect(run.state.timers).toEqual({ deadline: T0 + 5000, backoff: T0 + 11_000 });
    run.fire('deadline');
    expect(run.state.conditions.map((c) => c.reason)).toEqual(['DeadlineExceeded', 'DeadlineExceeded']);
    expect(run.actionsOf('cancelTimer')).toEqual([{ type: 'cancelTimer', timerId: 'backoff' }]);
  });

  it('re-arms the timer when activeDeadlineSeconds changes (job-semantics §4, job-semantics §10)', () => {
    const run = aRun(aJob({ completions: 1, activeDeadlineSeconds: 10 }));
    const job = structuredClone(run.state.job);
    job.spec.activeDeadlineSeconds = 30;
    run.send({ type: 'jobUpdated', job });
    expect(run.actionsOf('armTimer')).toEqual([{ type: 'armTimer', timerId: 'deadline', fireAt: T0 + 30_000 }]);
    delete job.spec.activeDeadlineSeconds;
    run.send({ type: 'jobUpdated', job: structuredClone(job) });
    expect(run.actionsOf('cancelTimer')).toEqual([{ type: 'cancelTimer', timerId: 'deadline' }]);
  });

  it('fails at once when the new deadline has already passed', () => {
    const run = aRun(aJob({ completions: 1, activeDeadlineSeconds: 100 }));
    run.advance(20_000);
    const job = structuredClone(run.state.job);
    job.spec.activeDeadlineSeconds = 10;
    run.send({ type: 'jobUpdated', job });
    expect(run.state.conditions[0]).toMatchObject({ type: 'FailureTarget', reason: 'DeadlineExceeded' });
  });

  it('does not run while suspended and counts again from the resume (job-semantics §10, job-semantics §11)', () => {
    const run = aRun(aJob({ completions: 1, activeDeadlineSeconds: 10 }));
    run.advance(5000).send(suspend());
    expect(run.state.timers).toEqual({});
    run.advance(60_000).send(resume());
    expect(run.state.startTime).toBe(T0 + 65_000);
    expect(run.state.timers).toEqual({ deadline: T0 + 75_000 });
    expect(run.state.conditions.filter((c) => c.type === 'FailureTarget')).toEqual([]);
  });
});
