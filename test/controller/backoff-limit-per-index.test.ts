/**
 * backoffLimitPerIndex, maxFailedIndexes, failedIndexes (job-semantics §12, job-semantics §13 FailIndex, job-semantics §5
 * annotations; integration TestBackoffLimitPerIndex*).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderJob, renderPods } from '../../src/controller/index.js';
import { aJob, aRun, aSettings, T0, type Run } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

/** Exits every active pod with `codeOf(index)`, firing backoff timers, until the Job finished. */
function runToEnd(run: Run, codeOf: (index: number) => number, maxSteps = 200): void {
  for (let i = 0; i < maxSteps; i++) {
    if (run.state.conditions.some((c) => c.type === 'Complete' || c.type === 'Failed')) return;
    const active = run.state.pods.filter((p) => (p.phase === 'Pending' || p.phase === 'Running') && p.deletion === null);
    if (active.length > 0) {
      run.advance(10);
      run.exit(active[0]!.name, codeOf(active[0]!.index ?? -1));
    } else if (run.terminating().length > 0) {
      run.finishTerminating();
    } else {
      const timer = run.state.timers['index-backoff'] !== undefined ? 'index-backoff' : 'backoff';
      run.fire(timer);
    }
  }
  throw new Error('the Job did not finish');
}

describe('backoffLimitPerIndex', () => {
  it('reproduces the docs example: completions 10, BLPI 1, maxFailedIndexes 5, odd indexes succeed', () => {
    const run = aRun(
      aJob({ completions: 10, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 1, maxFailedIndexes: 5 }),
      aSettings({ backoffBaseMs: 50 }),
    );
    expect(renderJob(run.state).status?.failedIndexes).toBe('');
    runToEnd(run, (ix) => (ix % 2 === 1 ? 0 : 1));
    const status = renderJob(run.state).status!;
    expect(status).toMatchObject({ completedIndexes: '1,3,5,7,9', failedIndexes: '0,2,4,6,8', succeeded: 5, failed: 10, active: 0 });
    expect(status.conditions?.map((c) => [c.type, c.reason, c.message])).toEqual([
      ['FailureTarget', 'FailedIndexes', 'Job has failed indexes'],
      ['Failed', 'FailedIndexes', 'Job has failed indexes'],
    ]);
  });

  it('gives an index backoffLimitPerIndex + 1 attempts and keeps the other indexes running', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 1 }));
    run.exit(run.podOfIndex(0), 1);
    expect(run.state.failedIndexes).toBe('');
    expect(run.state.timers['index-backoff']).toBe(T0 + 10_000);
    expect(run.state.timers.backoff).toBeUndefined();
    run.fire('index-backoff');
    const retry = run.podOfIndex(0);
    expect(renderPods(run.state).find((p) => p.metadata.name === retry)?.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']).toBe('1');
    run.exit(retry, 1);
    expect(run.state.failedIndexes).toBe('0');
    expect(run.activeIndexes()).toEqual([1, 2]);
    expect(run.state.conditions).toEqual([]);
    run.exit(run.podOfIndex(1), 0).exit(run.podOfIndex(2), 0);
    expect(run.state.conditions.map((c) => c.reason)).toEqual(['FailedIndexes', 'FailedIndexes']);
    expect(renderJob(run.state).status).toMatchObject({ failed: 2, succeeded: 2, completedIndexes: '1,2', failedIndexes: '0' });
  });

  it('fails the Job with MaxFailedIndexesExceeded and counts the terminated pods as failed', () => {
    const run = aRun(aJob({ completions: 4, parallelism: 4, completionMode: 'Indexed', backoffLimitPerIndex: 0, maxFailedIndexes: 1 }));
    run.exit(run.podOfIndex(0), 1);
    expect(run.state.conditions).toEqual([]);
    run.exit(run.podOfIndex(1), 1);
    expect(run.state.conditions.map((c) => [c.type, c.reason, c.message])).toEqual([
      ['FailureTarget', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes'],
    ]);
    run.finishTerminating();
    expect(renderJob(run.state).status).toMatchObject({ failed: 4, failedIndexes: '0,1' });
    expect(run.state.conditions.at(-1)).toMatchObject({ type: 'Failed', reason: 'MaxFailedIndexesExceeded' });
  });

  it('backs indexes off independently', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 3 }));
    run.exit(run.podOfIndex(0), 1);
    run.advance(5000).exit(run.podOfIndex(1), 1);
    expect(run.state.timers['index-backoff']).toBe(T0 + 10_000);
    run.fire('index-backoff');
    expect(run.activeIndexes()).toEqual([0]);
    expect(run.state.timers['index-backoff']).toBe(T0 + 15_000);
    run.fire('index-backoff');
    expect(run.activeIndexes()).toEqual([0, 1]);
  });

  it('doubles the per-index delay with the index failure count', () => {
    const run = aRun(aJob({ completions: 1, completionMode: 'Indexed', backoffLimitPerIndex: 5 }));
    run.exit(run.podOfIndex(0), 1).fire('index-backoff');
    run.exit(run.podOfIndex(0), 1);
    expect(run.state.timers['index-backoff']).toBe(run.now + 20_000);
  });

  it('fails an index at once on a FailIndex rule', () => {
    const run = aRun(
      aJob({
        completions: 2,
        parallelism: 2,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 5,
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] },
      }),
    );
    run.exit(run.podOfIndex(1), 3);
    expect(run.state.failedIndexes).toBe('1');
    expect(run.state.failed).toBe(1);
    expect(run.state.timers).toEqual({});
  });

  it('tracks ignored failures apart, in the ignored-failure-count annotation', () => {
    const run = aRun(
      aJob({
        completions: 1,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 0,
        podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [9] } }] },
      }),
    );
    run.exit(run.podOfIndex(0), 9);
    expect(run.state.failedIndexes).toBe('');
    expect(run.state.failed).toBe(0);
    run.fire('index-backoff');
    const annotations = renderPods(run.state).find((p) => p.metadata.name === run.podOfIndex(0))?.metadata.annotations;
    expect(annotations).toMatchObject({ 'batch.kubernetes.io/job-index-failure-count': '0', 'batch.kubernetes.io/job-index-ignored-failure-count': '1' });
  });

  it('checks an explicit global backoffLimit first ("job index fails due to exceeding the global backoff limit first")', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 2, backoffLimit: 1 }));
    run.exit(run.podOfIndex(0), 1).exit(run.podOfIndex(1), 1);
    expect(run.state.conditions[0]).toMatchObject({ type: 'FailureTarget', reason: 'BackoffLimitExceeded' });
  });
});
