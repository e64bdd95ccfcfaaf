/**
 * backoffLimit with restartPolicy Never and OnFailure (job-semantics §8, job-semantics §16 step 6; unit
 * TestJobBackoffForOnFailure, "count ready pods when job fails", issue #54870).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderJob } from '../../src/controller/index.js';
import { aJob, aRun, aSettings, podRunning, type Run } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

/** Fails pods one at a time, waiting out each backoff, until the Job has a FailureTarget. */
function failUntilFate(run: Run, max = 20): void {
  for (let i = 0; i < max && !run.state.conditions.some((c) => c.type === 'FailureTarget'); i++) {
    if (run.active().length === 0) run.fire('backoff');
    run.advance(100).exit(run.active()[0]!, 1);
  }
}

describe('restartPolicy Never: backoffLimit + 1 failed pods fail the Job (job-semantics §8)', () => {
  const cases = [
    { name: 'fails the Job on the first failure with backoffLimit 0', backoffLimit: 0, wantFailed: 1 },
    { name: 'allows two pods with backoffLimit 1', backoffLimit: 1, wantFailed: 2 },
    { name: 'allows seven pods with the default backoffLimit 6', backoffLimit: 6, wantFailed: 7 },
  ];
  it.each(cases)('$name', ({ backoffLimit, wantFailed }) => {
    const run = aRun(aJob({ completions: 1, backoffLimit }), aSettings({ backoffBaseMs: 10 }));
    failUntilFate(run);
    const status = renderJob(run.state).status!;
    expect(status.failed).toBe(wantFailed);
    expect(status.conditions?.map((c) => [c.type, c.reason, c.message])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ]);
    expect(status.completionTime).toBeUndefined();
    expect(run.state.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(run.state.timers).toEqual({});
  });
});

describe('pods removed because the Job failed are counted (job-semantics §8)', () => {
  it('counts running pods as failed when the Job fails ("count ready pods when job fails": 2 running + 1 failed → failed 3)', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, backoffLimit: 0 }));
    const [a, b, c] = run.active();
    run.send(podRunning(b!)).send(podRunning(c!));
    run.exit(a!, 1);
    expect(run.state.conditions.map((x) => x.type)).toEqual(['FailureTarget']);
    expect(renderJob(run.state).status).toMatchObject({ failed: 3, active: 0, terminating: 2 });
    expect(run.actionsOf('terminatePod').map((x) => x.podName).sort()).toEqual([b, c].sort());
    // The terminal condition waits for the terminating pods (job-semantics §16 step 11, job-semantics §23).
    run.exit(b!, 143);
    expect(run.state.conditions.map((x) => x.type)).toEqual(['FailureTarget']);
    run.exit(c!, 0);
    expect(run.state.conditions.map((x) => x.type)).toEqual(['FailureTarget', 'Failed']);
    expect(renderJob(run.state).status).toMatchObject({ failed: 3, succeeded: 0, active: 0, terminating: 0 });
  });
});

describe('restartPolicy OnFailure: restarts count toward backoffLimit (job-semantics §8, TestJobBackoffForOnFailure)', () => {
  const cases = [
    { name: 'fails the Job with backoffLimit 1 and one pod restarted once (failed 1)', backoffLimit: 1, pods: 1, restarts: [1], wantFail: true, wantFailed: 1 },
    { name: 'fails the Job with backoffLimit 2 and two pods restarted once each (failed 2)', backoffLimit: 2, pods: 2, restarts: [1, 1], wantFail: true, wantFailed: 2 },
    { name: 'keeps running with backoffLimit 2 and a single restart', backoffLimit: 2, pods: 2, restarts: [1, 0], wantFail: false, wantFailed: 0 },
    { name: 'fails the Job with backoffLimit 0 on the first restart (#67859)', backoffLimit: 0, pods: 1, restarts: [1], wantFail: true, wantFailed: 1 },
    { name: 'keeps running with backoffLimit 0 and no restart', backoffLimit: 0, pods: 1, restarts: [0], wantFail: false, wantFailed: 0 },
  ];
  it.each(cases)('$name', ({ backoffLimit, pods, restarts, wantFail, wantFailed }) => {
    const run = aRun(aJob({ completions: pods, parallelism: pods, backoffLimit, restartPolicy: 'OnFailure' }));
    run.active().forEach((name, i) => run.send(podRunning(name, { restarts: restarts[i] ?? 0 })));
    expect(run.state.conditions.some((c) => c.type === 'FailureTarget' && c.reason === 'BackoffLimitExceeded')).toBe(wantFail);
    if (wantFail) {
      expect(run.terminating()).toHaveLength(pods);
      run.finishTerminating(143);
      expect(run.state.conditions.map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
    }
    expect(renderJob(run.state).status?.failed).toBe(wantFailed);
  });

  it('ignores the restarts of finished pods', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 1, backoffLimit: 2, restartPolicy: 'OnFailure' }));
    const first = run.active()[0]!;
    run.send(podRunning(first, { restarts: 1 }));
    run.exit(first, 0);
    run.send(podRunning(run.active()[0]!, { restarts: 1 }));
    expect(run.state.conditions).toEqual([]);
  });
});
