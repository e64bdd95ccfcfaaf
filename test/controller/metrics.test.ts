/**
 * What one controller pass reports for the job controller's metrics (pkg/controller/job/metrics):
 * sync action, pods newly counted, pod failure policy actions, and the Job finishing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { syncReport } from '../../src/controller/index.js';
import { aJob, aPod, aState, podExited, syncOnce } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

const policy = {
  rules: [
    { action: 'Ignore' as const, onExitCodes: { operator: 'In' as const, values: [42] } },
    { action: 'FailJob' as const, onExitCodes: { operator: 'In' as const, values: [3] } },
  ],
};

describe('syncReport', () => {
  it('reports pods_created with the count when a pass starts pods', () => {
    const before = aState({ job: aJob({ completions: 3, parallelism: 2 }) });
    const { state, actions } = syncOnce(before);
    expect(syncReport(before, state, actions)).toEqual({
      completionMode: 'NonIndexed',
      action: 'pods_created',
      podsCreated: 2,
      podsSucceeded: 0,
      podsFailed: 0,
      failurePolicy: {},
      finished: null,
    });
  });

  it('reports tracking, one succeeded pod and the Job finished as CompletionsReached when the last pod succeeds', () => {
    const before = aState({ pods: [aPod()] });
    const { state, actions } = syncOnce(before, podExited('myjob-abcde', 0));
    expect(syncReport(before, state, actions)).toMatchObject({ action: 'tracking', podsSucceeded: 1, podsFailed: 0, finished: { result: 'succeeded', reason: 'CompletionsReached' } });
  });

  it('counts a succeeded index of an Indexed Job once', () => {
    const before = aState({ job: aJob({ completionMode: 'Indexed', completions: 2, parallelism: 1 }), pods: [aPod({ index: 0 })] });
    const { state, actions } = syncOnce(before, podExited('myjob-0-abcde', 0));
    expect(syncReport(before, state, actions)).toMatchObject({ completionMode: 'Indexed', podsSucceeded: 1, finished: null });
  });

  it('reports an Ignore rule match without a failed pod', () => {
    const before = aState({ job: aJob({ podFailurePolicy: policy }), pods: [aPod()] });
    const { state, actions } = syncOnce(before, podExited('myjob-abcde', 42));
    expect(syncReport(before, state, actions)).toMatchObject({ podsFailed: 0, failurePolicy: { Ignore: 1 }, finished: null });
  });

  it('reports a FailJob rule match, the failed pod and the Job failed by PodFailurePolicy', () => {
    const before = aState({ job: aJob({ podFailurePolicy: policy }), pods: [aPod()] });
    const { state, actions } = syncOnce(before, podExited('myjob-abcde', 3));
    const report = syncReport(before, state, actions);
    expect(report).toMatchObject({ podsFailed: 1, failurePolicy: { FailJob: 1 } });
    // The Job fails in this pass or the next, once its pods are gone (FailureTarget first).
    const next = report.finished ? null : syncOnce(state);
    const finished = report.finished ?? (next ? syncReport(state, next.state, next.actions).finished : null);
    expect(finished).toEqual({ result: 'failed', reason: 'PodFailurePolicy' });
  });

  it('reports reconciling for a pass that changes nothing', () => {
    const before = syncOnce(aState()).state;
    const { state, actions } = syncOnce(before);
    expect(syncReport(before, state, actions)).toMatchObject({ action: 'reconciling', podsCreated: 0, podsSucceeded: 0, podsFailed: 0, finished: null });
  });
});
