/**
 * podFailurePolicy (job-semantics §13, job-semantics §16 step 5; pod_failure_policy_test.go TestMatchPodFailurePolicy).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderJob } from '../../src/controller/index.js';
import { matchPodFailurePolicy } from '../../src/controller/pod-failure-policy.js';
import type { PodRecord } from '../../src/controller/state.js';
import type { PodFailurePolicy } from '../../src/k8s/types.js';
import { aJob, aPod, aRun, podLost, T0, type PodOverrides } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

/** A failed pod (exit code 1 unless the case says otherwise): the shared builder, phase pinned. */
const aFailedPod = (overrides: PodOverrides = {}): PodRecord => aPod({ exit: [['main', 1]], ...overrides, phase: 'Failed' });

const disruption = { type: 'DisruptionTarget', status: 'True' as const, reason: 'WorkerLost', message: 'lost', lastTransitionTime: T0 };

describe('matchPodFailurePolicy', () => {
  const cases: Array<{ name: string; policy: PodFailurePolicy; pod: PodRecord; want: { action: string | null; countFailed: boolean; message?: string | null } }> = [
    {
      name: 'fails the Job when a FailJob rule matches exit code 42, with the exact message',
      policy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
      pod: aFailedPod({ exit: [['main', 42]] }),
      want: { action: 'FailJob', countFailed: true, message: 'Container main for pod default/myjob-abcde failed with exit code 42 matching FailJob rule at index 0' },
    },
    {
      name: 'does not match In when the code is not listed',
      policy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
      pod: aFailedPod({ exit: [['main', 1]] }),
      want: { action: null, countFailed: true, message: null },
    },
    {
      name: 'matches NotIn for a code outside the list',
      policy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1, 2] } }] },
      pod: aFailedPod({ exit: [['main', 3]] }),
      want: { action: 'Ignore', countFailed: false },
    },
    {
      name: 'never matches exit code 0, not even with NotIn',
      policy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1] } }] },
      pod: aFailedPod({ exit: [['main', 0], ['side', 1]] }),
      want: { action: null, countFailed: true, message: null },
    },
    {
      name: 'restricts the match to containerName',
      policy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'side', operator: 'In', values: [5] } }] },
      pod: aFailedPod({ exit: [['main', 5], ['side', 1]] }),
      want: { action: null, countFailed: true, message: null },
    },
    {
      name: 'looks at init containers after containers',
      policy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [7] } }] },
      pod: aFailedPod({ exit: [], initExit: [['setup', 7]] }),
      want: { action: 'FailJob', countFailed: true, message: 'Container setup for pod default/myjob-abcde failed with exit code 7 matching FailJob rule at index 0' },
    },
    {
      name: 'lets the first matching rule decide',
      policy: { rules: [{ action: 'Count', onExitCodes: { operator: 'In', values: [1] } }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] },
      pod: aFailedPod(),
      want: { action: 'Count', countFailed: true, message: null },
    },
    {
      name: 'matches a DisruptionTarget condition with the default status True',
      policy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
      pod: aFailedPod({ conditions: [disruption] }),
      want: { action: 'Ignore', countFailed: false },
    },
    {
      name: 'fails the Job on a condition rule with the condition message',
      policy: { rules: [{ action: 'Count', onExitCodes: { operator: 'In', values: [9] } }, { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      pod: aFailedPod({ conditions: [disruption] }),
      want: { action: 'FailJob', countFailed: true, message: 'Pod default/myjob-abcde has condition DisruptionTarget matching FailJob rule at index 1' },
    },
    {
      name: 'does not match a condition with another status',
      policy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'False' }] }] },
      pod: aFailedPod({ conditions: [disruption] }),
      want: { action: null, countFailed: true },
    },
    {
      name: 'returns FailIndex for a FailIndex rule',
      policy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }] },
      pod: aFailedPod(),
      want: { action: 'FailIndex', countFailed: true },
    },
  ];
  it.each(cases)('$name', ({ policy, pod, want }) => {
    expect(matchPodFailurePolicy(policy, pod, 'default')).toMatchObject(want);
  });
});

describe('podFailurePolicy in a running Job', () => {
  const policy: PodFailurePolicy = {
    rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    ],
  };

  it('fails the Job with PodFailurePolicy before the backoffLimit is looked at, terminating the other pods', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, backoffLimit: 0, podFailurePolicy: policy }));
    const [a, b, c] = run.active();
    run.exit(a!, 42);
    const msg = `Container main for pod default/${a} failed with exit code 42 matching FailJob rule at index 0`;
    expect(run.state.conditions.map((x) => [x.type, x.reason, x.message])).toEqual([['FailureTarget', 'PodFailurePolicy', msg]]);
    expect(run.terminating().sort()).toEqual([b, c].sort());
    run.finishTerminating();
    expect(run.state.conditions.map((x) => [x.type, x.reason, x.message])).toEqual([
      ['FailureTarget', 'PodFailurePolicy', msg],
      ['Failed', 'PodFailurePolicy', msg],
    ]);
    expect(renderJob(run.state).status?.failed).toBe(3);
  });

  it('neither counts nor fails on an ignored failure, and replaces the pod', () => {
    const run = aRun(aJob({ completions: 1, backoffLimit: 0, podFailurePolicy: policy }));
    run.send(podLost(run.active()[0]!));
    expect(run.state.failed).toBe(0);
    expect(run.state.conditions).toEqual([]);
    run.fire('backoff');
    expect(run.active()).toHaveLength(1);
  });

  it('counts a failure no rule matches toward backoffLimit (default handling)', () => {
    const run = aRun(aJob({ completions: 1, backoffLimit: 0, podFailurePolicy: policy }));
    run.exit(run.active()[0]!, 1);
    expect(run.state.conditions[0]).toMatchObject({ type: 'FailureTarget', reason: 'BackoffLimitExceeded' });
  });

  it('counts a user-deleted pod still terminating as failed when the Job fails ("every non-terminated pod is considered failed")', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, podFailurePolicy: policy }));
    const [a, b] = run.active();
    run.send({ type: 'podDeleteRequested', podName: a!, gracePeriodSeconds: 30 });
    expect(run.state.failed).toBe(0);
    run.exit(b!, 42);
    expect(renderJob(run.state).status).toMatchObject({ failed: 2, terminating: 1 });
    run.exit(a!, 0);
    expect(renderJob(run.state).status).toMatchObject({ failed: 2, succeeded: 0, terminating: 0 });
    expect(run.state.conditions.map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
  });

  it('waits for a deleted pod to reach Failed before counting or replacing it (podReplacementPolicy Failed is forced)', () => {
    const run = aRun(aJob({ completions: 1, podFailurePolicy: policy }));
    const a = run.active()[0]!;
    run.send({ type: 'podDeleteRequested', podName: a, gracePeriodSeconds: 1 });
    expect(renderJob(run.state).status).toMatchObject({ active: 0, terminating: 1, failed: 0 });
    expect(run.actionsOf('startPod')).toEqual([]);
    run.exit(a, 42);
    expect(run.state.conditions[0]).toMatchObject({ type: 'FailureTarget', reason: 'PodFailurePolicy' });
  });
});
