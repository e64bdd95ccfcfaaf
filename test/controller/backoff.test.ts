/**
 * Pod-failure backoff (job-semantics §9; backoff_utils.go, TestNewBackoffRecord,
 * TestGetRemainingBackoffTime, integration TestJobPodsCreatedWithExponentialBackoff).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, newBackoffRecord, remainingBackoff } from '../../src/controller/backoff.js';
import { renderJob } from '../../src/controller/index.js';
import { NEXT_ATTEMPT_ANNOTATION } from '../../src/k8s/types.js';
import { aJob, aRun, aSettings, T0 } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('backoffDelay: min(base·2^(n−1), cap) (job-semantics §9)', () => {
  const cases = [
    { name: 'waits nothing after no failure', n: 0, want: 0 },
    { name: 'waits the base after one failure', n: 1, want: 10_000 },
    { name: 'doubles after two failures', n: 2, want: 20_000 },
    { name: 'waits 320s after six failures', n: 6, want: 320_000 },
    { name: 'caps at the documented six minutes after seven failures', n: 7, want: 360_000 },
    { name: 'stays capped after many failures', n: 40, want: 360_000 },
  ];
  it.each(cases)('$name', ({ n, want }) => {
    expect(backoffDelay(n, 10_000, 360_000)).toBe(want);
  });
});

describe('newBackoffRecord (job-semantics §9 counting)', () => {
  const empty = { failuresAfterLastSuccess: 0, lastFailureTime: null };
  const cases = [
    { name: 'keeps the record when nothing finished', rec: { failuresAfterLastSuccess: 2, lastFailureTime: 5 }, finished: [], want: { failuresAfterLastSuccess: 2, lastFailureTime: 5 } },
    { name: 'adds one per new failure and keeps the latest failure time', rec: empty, finished: [{ succeeded: false, finishedAt: 7 }, { succeeded: false, finishedAt: 9 }], want: { failuresAfterLastSuccess: 2, lastFailureTime: 9 } },
    { name: 'adds to earlier failures', rec: { failuresAfterLastSuccess: 1, lastFailureTime: 3 }, finished: [{ succeeded: false, finishedAt: 9 }], want: { failuresAfterLastSuccess: 2, lastFailureTime: 9 } },
    { name: 'resets after a success with no later failure', rec: { failuresAfterLastSuccess: 3, lastFailureTime: 3 }, finished: [{ succeeded: true, finishedAt: 9 }], want: empty },
    {
      name: 'counts only the failures after the latest success when both arrive together',
      rec: { failuresAfterLastSuccess: 3, lastFailureTime: 3 },
      finished: [{ succeeded: false, finishedAt: 4 }, { succeeded: true, finishedAt: 5 }, { succeeded: false, finishedAt: 6 }, { succeeded: false, finishedAt: 8 }],
      want: { failuresAfterLastSuccess: 2, lastFailureTime: 8 },
    },
    { name: 'resets when every new failure is older than the new success', rec: empty, finished: [{ succeeded: false, finishedAt: 4 }, { succeeded: true, finishedAt: 5 }], want: empty },
  ];
  it.each(cases)('$name', ({ rec, finished, want }) => {
    expect(newBackoffRecord(rec, finished)).toEqual(want);
  });
});

describe('remainingBackoff (getRemainingTimeForFailuresCount)', () => {
  it('counts from the last failure time and reaches zero once the delay has passed', () => {
    expect(remainingBackoff(1, 1000, 1000, 10_000, 360_000)).toBe(10_000);
    expect(remainingBackoff(1, 1000, 4000, 10_000, 360_000)).toBe(7_000);
    expect(remainingBackoff(2, 1000, 21_000, 10_000, 360_000)).toBe(0);
    expect(remainingBackoff(0, 1000, 1000, 10_000, 360_000)).toBe(0);
  });
});

describe('replacement pods wait out the backoff (restartPolicy Never)', () => {
  it('creates the replacement only when the backoff timer fires, 10s then 20s after each failure (TestJobPodsCreatedWithExponentialBackoff)', () => {
    const run = aRun(aJob({ completions: 1, backoffLimit: 6 }));
    const first = run.active()[0]!;
    run.advance(3000).exit(first, 1);
    expect(run.active()).toEqual([]);
    expect(run.actionsOf('armTimer')).toEqual([{ type: 'armTimer', timerId: 'backoff', fireAt: T0 + 3000 + 10_000 }]);
    // The failed pod stays, in phase Failed.
    expect(run.state.pods.map((p) => [p.name, p.phase])).toEqual([[first, 'Failed']]);

    run.fire('backoff');
    expect(run.now).toBe(T0 + 13_000);
    expect(run.active()).toHaveLength(1);
    run.advance(1000).exit(run.active()[0]!, 1);
    expect(run.state.timers.backoff).toBe(run.now + 20_000);
  });

  it('does not start pods early when the timer fires before the delay has passed', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2 }));
    run.exit(run.active()[0]!, 1);
    run.send({ type: 'timerFired', timerId: 'backoff' }, run.now + 5000);
    expect(run.active()).toHaveLength(1);
    expect(run.state.timers.backoff).toBe(T0 + 10_000);
  });

  it('gates every new pod, also those from a parallelism increase, while the delay holds (job-semantics §9)', () => {
    const run = aRun(aJob({ completions: 10, parallelism: 1 }));
    run.exit(run.active()[0]!, 1);
    run.send({ type: 'scaleRequested', parallelism: 3 });
    expect(run.active()).toHaveLength(0);
    run.fire('backoff');
    expect(run.active()).toHaveLength(3);
  });

  it('adds two to the count when two pods fail at once, so the next delay is 20s', () => {
    const run = aRun(aJob({ completions: 4, parallelism: 2 }));
    const [a, b] = run.active();
    run.exit(a!, 1).exit(b!, 1);
    expect(run.state.backoff.failuresAfterLastSuccess).toBe(2);
    expect(run.state.timers.backoff).toBe(T0 + 20_000);
  });

  it('resets the delay after a success', () => {
    const run = aRun(aJob({ completions: 4, parallelism: 2 }));
    const [a, b] = run.active();
    run.exit(a!, 1);
    run.advance(1000).exit(b!, 0);
    expect(run.state.backoff).toEqual({ failuresAfterLastSuccess: 0, lastFailureTime: null });
    expect(run.active()).toHaveLength(2);
  });

  it('shows the next attempt time as an annotation while the delay holds (kjob visible backoff)', () => {
    const run = aRun(aJob({ completions: 1 }), aSettings({ backoffBaseMs: 2000 }));
    run.exit(run.active()[0]!, 1);
    expect(renderJob(run.state).metadata.annotations?.[NEXT_ATTEMPT_ANNOTATION]).toBe('2026-01-01T00:00:02Z');
    run.fire('backoff');
    expect(renderJob(run.state).metadata.annotations?.[NEXT_ATTEMPT_ANNOTATION]).toBeUndefined();
  });

  it('measures the delay from the container finish time (getFinishedTime)', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send({ type: 'podExited', result: { podName: run.active()[0]!, phase: 'Failed', nodeName: 'n', startedAt: T0, finishedAt: T0 + 9000, terminatedByRequest: false, initContainerStatuses: [], containerStatuses: [{ name: 'main', image: '', imageID: '', ready: false, restartCount: 0, lastState: {}, state: { terminated: { exitCode: 1, finishedAt: new Date(T0 + 5000).toISOString() } } }] } }, T0 + 9000);
    expect(run.state.backoff.lastFailureTime).toBe(T0 + 5000);
    expect(run.state.timers.backoff).toBe(T0 + 15_000);
  });
});
