/**
 * ttlSecondsAfterFinished (job-semantics §20), continue-as-new draining, and the bounded state
 * (STYLE convention 3).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jobPhase, renderJob } from '../../src/controller/index.js';
import { MAX_EVENTS, MAX_FINISHED_PODS } from '../../src/controller/state.js';
import { aJob, aRun, aSettings, deleteJob, T0 } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('ttlSecondsAfterFinished', () => {
  it('arms a ttl timer at finish + ttl and deletes the Job like a Background DELETE when it fires', () => {
    const run = aRun(aJob({ completions: 1, ttlSecondsAfterFinished: 100 }));
    run.advance(2000).exit(run.active()[0]!, 0);
    expect(run.actionsOf('armTimer')).toEqual([{ type: 'armTimer', timerId: 'ttl', fireAt: T0 + 102_000 }]);
    run.fire('ttl');
    expect(run.state.deletion).toEqual({ at: T0 + 102_000, propagationPolicy: 'Background' });
    expect(run.state.events.at(-1)).toMatchObject({ type: 'Normal', reason: 'TTLExpired', message: 'Job deleted after ttlSecondsAfterFinished (100s)' });
    expect(run.last.map((a) => a.type)).toEqual(['recordEvent', 'removePodData', 'complete', 'setPhase']);
  });

  it('deletes at once with ttl 0', () => {
    const run = aRun(aJob({ completions: 1, ttlSecondsAfterFinished: 0 }));
    run.exit(run.active()[0]!, 0);
    expect(run.state.conditions.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(run.state.deletion).toMatchObject({ propagationPolicy: 'Background' });
    expect(run.actionsOf('complete')).toHaveLength(1);
    expect(run.actionsOf('armTimer')).toEqual([]);
  });

  it('re-arms the ttl timer when the field changes on a finished Job', () => {
    const run = aRun(aJob({ completions: 1, ttlSecondsAfterFinished: 100 }));
    run.exit(run.active()[0]!, 0);
    const job = structuredClone(run.state.job);
    job.spec.ttlSecondsAfterFinished = 5;
    run.send({ type: 'jobUpdated', job });
    expect(run.actionsOf('armTimer')).toEqual([{ type: 'armTimer', timerId: 'ttl', fireAt: T0 + 5000 }]);
  });
});

describe('continue-as-new', () => {
  it('drains: starts no pod, and continues as new once none runs, with draining reset', () => {
    const run = aRun(aJob({ completions: 4, parallelism: 2 }));
    const [a, b] = run.active();
    run.send({ type: 'continueAsNewSuggested' });
    expect(run.last).toEqual([]);
    expect(run.state.draining).toBe(true);
    run.exit(a!, 0);
    expect(run.actionsOf('startPod')).toEqual([]);
    run.exit(b!, 0);
    expect(run.last.map((x) => x.type)).toEqual(['continueAsNew']);
    expect(run.state.draining).toBe(false);
    // The new run starts from the carried state and carries on.
    run.send({ type: 'jobStarted' });
    expect(run.active()).toHaveLength(2);
    expect(run.actionsOf('setPhase')).toEqual([{ type: 'setPhase', phase: 'Running' }]);
  });

  it('continues as new at once when no pod runs, and the new run re-arms the timers it needs', () => {
    const run = aRun(aJob({ completions: 1, activeDeadlineSeconds: 60 }));
    run.exit(run.active()[0]!, 1);
    run.send({ type: 'continueAsNewSuggested' });
    expect(run.last.map((x) => x.type)).toEqual(['continueAsNew']);
    run.send({ type: 'jobStarted' });
    expect(run.actionsOf('armTimer').sort((x, y) => x.timerId.localeCompare(y.timerId))).toEqual([
      { type: 'armTimer', timerId: 'backoff', fireAt: T0 + 10_000 },
      { type: 'armTimer', timerId: 'deadline', fireAt: T0 + 60_000 },
    ]);
  });

  it('continues a finished Job as new at once', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.exit(run.active()[0]!, 0).send({ type: 'continueAsNewSuggested' });
    expect(run.last.map((x) => x.type)).toEqual(['continueAsNew']);
  });

  it('does not continue as new while the Job is being deleted', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send({ type: 'continueAsNewSuggested' }).send(deleteJob());
    run.finishTerminating();
    expect(run.last.map((x) => x.type)).toEqual(['removePodData', 'complete', 'forgetPod']);
  });
});

describe('bounded state', () => {
  it('runs a 10,000-completion Job with a state that stays small and exact counts', () => {
    const run = aRun(aJob({ completions: 10_000, parallelism: 5, backoffLimit: 1_000_000 }), aSettings({ backoffBaseMs: 1 }));
    let maxSize = 0;
    let maxPods = 0;
    let n = 0;
    while (!run.state.conditions.some((c) => c.type === 'Complete')) {
      const active = run.active();
      if (active.length === 0) {
        run.fire('backoff');
        continue;
      }
      n++;
      // Every 50th attempt fails.
      run.advance(1).exit(active[0]!, n % 50 === 0 ? 1 : 0);
      maxPods = Math.max(maxPods, run.state.pods.length);
      if (n % 100 === 0) {
        maxSize = Math.max(maxSize, JSON.stringify(run.state).length);
        // Keep every 100th state for the JSON round-trip check, not all 10,000.
        run.states.splice(0, run.states.length - 1);
      }
      if (n > 20_000) throw new Error('runaway');
    }
    const status = renderJob(run.state).status!;
    expect(status.succeeded).toBe(10_000);
    expect(status.failed).toBe(Math.floor(n / 50));
    expect(maxPods).toBeLessThanOrEqual(MAX_FINISHED_PODS + 5);
    expect(run.state.events.length).toBeLessThanOrEqual(MAX_EVENTS);
    expect(run.state.podsForgotten).toBe(n - MAX_FINISHED_PODS);
    expect(maxSize).toBeLessThan(400_000);
  });

  it('keeps a 100,000-index completedIndexes as one interval', () => {
    const run = aRun(aJob({ completions: 100_000, parallelism: 2, completionMode: 'Indexed' }));
    const s = structuredClone(run.state);
    s.completedIndexes = '0-99997';
    run.state = s;
    // Index 0 was already complete: its pod does not count; index 1's pod is a duplicate and goes.
    run.exit(run.podOfIndex(0), 0);
    expect(run.activeIndexes()).toEqual([99998, 99999]);
    expect(run.terminating()).toHaveLength(1);
    run.finishTerminating();
    run.exitAll(() => 0);
    expect(renderJob(run.state).status).toMatchObject({ completedIndexes: '0-99999', succeeded: 100_000 });
    expect(jobPhase(run.state)).toBe('Complete');
  });
});
