/**
 * successPolicy (job-semantics §14; success_policy_test.go TestMatchSuccessPolicy, e2e "with
 * successPolicy should succeeded when all indexes succeeded").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderJob } from '../../src/controller/index.js';
import { matchSuccessPolicy } from '../../src/controller/success-policy.js';
import type { SuccessPolicy } from '../../src/k8s/types.js';
import { aJob, aRun, podRunning } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('matchSuccessPolicy', () => {
  const cases: Array<{ name: string; policy: SuccessPolicy; completions: number; completed: string; want: string | null }> = [
    { name: 'matches nothing before any index succeeded', policy: { rules: [{ succeededCount: 0 }] }, completions: 5, completed: '', want: null },
    { name: 'matches succeededIndexes when all listed indexes succeeded', policy: { rules: [{ succeededIndexes: '0,2-3' }] }, completions: 5, completed: '0,2,3', want: 'Matched rules at index 0' },
    { name: 'does not match succeededIndexes when one listed index is missing', policy: { rules: [{ succeededIndexes: '0,2-3' }] }, completions: 5, completed: '0,2', want: null },
    { name: 'matches succeededCount when enough indexes succeeded', policy: { rules: [{ succeededCount: 2 }] }, completions: 5, completed: '1,4', want: 'Matched rules at index 0' },
    { name: 'does not match succeededCount with too few', policy: { rules: [{ succeededCount: 3 }] }, completions: 5, completed: '1,4', want: null },
    {
      name: 'matches both when enough of the listed indexes succeeded',
      policy: { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }] },
      completions: 5,
      completed: '1,2',
      want: 'Matched rules at index 0',
    },
    {
      name: 'does not count succeeded indexes outside the listed set for both',
      policy: { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }] },
      completions: 5,
      completed: '2,3,4',
      want: null,
    },
    {
      name: 'reports the index of the first rule met',
      policy: { rules: [{ succeededIndexes: '4' }, { succeededCount: 1 }] },
      completions: 5,
      completed: '0',
      want: 'Matched rules at index 1',
    },
  ];
  it.each(cases)('$name', ({ policy, completions, completed, want }) => {
    expect(matchSuccessPolicy(policy, completions, completed)).toBe(want);
  });
});

describe('successPolicy in a running Job', () => {
  it('adds SuccessCriteriaMet/SuccessPolicy, deletes the lingering pods without counting them, then Complete', () => {
    const run = aRun(aJob({ completions: 5, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
    run.send(podRunning(run.podOfIndex(1)));
    run.exit(run.podOfIndex(0), 0);
    expect(run.state.conditions.map((c) => [c.type, c.reason, c.message])).toEqual([['SuccessCriteriaMet', 'SuccessPolicy', 'Matched rules at index 0']]);
    expect(run.terminating()).toHaveLength(2);
    expect(run.actionsOf('startPod')).toEqual([]);
    run.finishTerminating(1);
    const status = renderJob(run.state).status!;
    expect(status.conditions?.map((c) => [c.type, c.reason])).toEqual([
      ['SuccessCriteriaMet', 'SuccessPolicy'],
      ['Complete', 'SuccessPolicy'],
    ]);
    expect(status).toMatchObject({ failed: 0, succeeded: 1, completedIndexes: '0' });
    expect(status.completionTime).toBeDefined();
  });

  it('uses reason SuccessPolicy even when every index succeeded (e2e)', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, completionMode: 'Indexed', successPolicy: { rules: [{ succeededCount: 2 }] } }));
    run.exit(run.podOfIndex(0), 0).exit(run.podOfIndex(1), 0);
    expect(run.state.conditions.map((c) => c.reason)).toEqual(['SuccessPolicy', 'SuccessPolicy']);
  });

  it('lets a failure criterion met in the same sync win (job-semantics §14)', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
    // Both outcomes are seen by the same pass (as after a batch of pod updates upstream).
    const s = structuredClone(run.state);
    for (const p of s.pods) {
      p.phase = p.index === 0 ? 'Succeeded' : 'Failed';
      p.finishedAt = run.now;
    }
    run.state = s;
    run.send(podRunning('unknown-pod'));
    expect(run.state.conditions[0]).toMatchObject({ type: 'FailureTarget', reason: 'BackoffLimitExceeded' });
  });

  it('no longer evaluates failure policies once SuccessCriteriaMet is set', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
    run.exit(run.podOfIndex(0), 0);
    run.exit(run.terminating()[0]!, 1);
    expect(run.state.conditions.map((c) => c.type)).toEqual(['SuccessCriteriaMet']);
    run.exit(run.terminating()[0]!, 1);
    expect(run.state.conditions.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(run.state.failed).toBe(0);
  });
});
