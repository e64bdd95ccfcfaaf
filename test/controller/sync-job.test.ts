/**
 * One controller pass from a given state, read like upstream's TestControllerSyncJob
 * (pkg/controller/job/job_controller_test.go): "these pods → one sync → these counts, conditions
 * and pod creations/deletions". Case names are upstream's where the case is upstream's. Pods that
 * finished are new to the controller (not yet accounted), as pods with a tracking finalizer are.
 * States are frozen: a pass that changed its input would throw.
 */
import { describe, expect, it } from 'vitest';
import { renderJob, type PodRecord } from '../../src/controller/index.js';
import type { StoredJob } from '../../src/k8s/types.js';
import { MAX_FINISHED_PODS } from '../../src/controller/state.js';
import { aJob, aPod, aState, deletePod, podExited, syncOnce, T0 } from '../support/builders.js';

/** Pods that finished long enough ago for any pod-failure backoff to have passed. */
const LONG_AGO = T0 - 3_600_000;

const running = (n: number, over: Partial<PodRecord> = {}) => Array.from({ length: n }, (_, i) => aPod({ name: `run-${i}`, ...over }));
const pending = (n: number) => Array.from({ length: n }, (_, i) => aPod({ name: `pend-${i}`, phase: 'Pending' }));
const succeeded = (n: number) => Array.from({ length: n }, (_, i) => aPod({ name: `ok-${i}`, exit: [['main', 0]], finishedAt: LONG_AGO }));
const failed = (n: number) => Array.from({ length: n }, (_, i) => aPod({ name: `bad-${i}`, exit: [['main', 1]], finishedAt: LONG_AGO }));
const indexed = (index: number, over: Parameters<typeof aPod>[0] = {}) => aPod({ name: `idx-${index}-${over.phase ?? 'x'}-${over.exit?.[0]?.[1] ?? 'r'}`, index, ...over });

interface Case {
  name: string;
  job: StoredJob;
  pods: PodRecord[];
  conditions?: Array<{ type: 'Suspended'; status: 'True' }>;
  want: {
    creations: number;
    deletions: number;
    active: number;
    ready?: number;
    succeeded: number;
    failed: number;
    /** True conditions after the pass, as [type, reason]. */
    conditions?: Array<[string, string]>;
    completedIndexes?: string;
    createdIndexes?: number[];
  };
}

const cases: Case[] = [
  { name: 'job start', job: aJob({ parallelism: 2, completions: 5 }), pods: [], want: { creations: 2, deletions: 0, active: 2, succeeded: 0, failed: 0 } },
  { name: 'WQ job start', job: aJob({ parallelism: 2, completions: null }), pods: [], want: { creations: 2, deletions: 0, active: 2, succeeded: 0, failed: 0 } },
  { name: 'pending pods', job: aJob({ parallelism: 2, completions: 5 }), pods: pending(2), want: { creations: 0, deletions: 0, active: 2, ready: 0, succeeded: 0, failed: 0 } },
  {
    name: 'correct # of pods',
    job: aJob({ parallelism: 3, completions: 5 }),
    pods: [...running(2), aPod({ name: 'not-ready', ready: false })],
    want: { creations: 0, deletions: 0, active: 3, ready: 2, succeeded: 0, failed: 0 },
  },
  { name: 'too few active pods', job: aJob({ parallelism: 2, completions: 5 }), pods: [...running(1), ...succeeded(1)], want: { creations: 1, deletions: 0, active: 2, succeeded: 1, failed: 0 } },
  { name: 'too many active pods', job: aJob({ parallelism: 2, completions: 5 }), pods: running(3), want: { creations: 0, deletions: 1, active: 2, succeeded: 0, failed: 0 } },
  {
    name: 'new failed pod (its backoff has passed)',
    job: aJob({ parallelism: 2, completions: 5 }),
    pods: [...running(1), ...failed(1)],
    want: { creations: 1, deletions: 0, active: 2, succeeded: 0, failed: 1 },
  },
  {
    name: 'job finish',
    job: aJob({ parallelism: 2, completions: 5 }),
    pods: succeeded(5),
    want: { creations: 0, deletions: 0, active: 0, succeeded: 5, failed: 0, conditions: [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']] },
  },
  { name: 'WQ job finishing', job: aJob({ parallelism: 2, completions: null }), pods: [...running(1), ...succeeded(1)], want: { creations: 0, deletions: 0, active: 1, succeeded: 1, failed: 0 } },
  {
    name: 'WQ job all finished',
    job: aJob({ parallelism: 2, completions: null }),
    pods: succeeded(2),
    want: { creations: 0, deletions: 0, active: 0, succeeded: 2, failed: 0, conditions: [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']] },
  },
  {
    name: 'WQ job all finished despite one failure',
    job: aJob({ parallelism: 2, completions: null }),
    pods: [...succeeded(1), ...failed(1)],
    want: { creations: 0, deletions: 0, active: 0, succeeded: 1, failed: 1, conditions: [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']] },
  },
  { name: 'more active pods than parallelism', job: aJob({ parallelism: 2, completions: 5 }), pods: running(10), want: { creations: 0, deletions: 8, active: 2, succeeded: 0, failed: 0 } },
  {
    name: 'more active pods than remaining completions',
    job: aJob({ parallelism: 3, completions: 4 }),
    pods: [...running(3), ...succeeded(2)],
    want: { creations: 0, deletions: 1, active: 2, succeeded: 2, failed: 0 },
  },
  {
    name: 'too many job failures',
    job: aJob({ parallelism: 2, completions: 5, backoffLimit: 0 }),
    pods: failed(1),
    want: { creations: 0, deletions: 0, active: 0, succeeded: 0, failed: 1, conditions: [['FailureTarget', 'BackoffLimitExceeded'], ['Failed', 'BackoffLimitExceeded']] },
  },
  {
    name: 'indexed job start',
    job: aJob({ parallelism: 2, completions: 5, completionMode: 'Indexed' }),
    pods: [],
    want: { creations: 2, deletions: 0, active: 2, succeeded: 0, failed: 0, completedIndexes: '', createdIndexes: [0, 1] },
  },
  {
    name: 'indexed job completed',
    job: aJob({ parallelism: 2, completions: 3, completionMode: 'Indexed' }),
    pods: [indexed(0, { exit: [['main', 0]] }), indexed(1, { exit: [['main', 0]] }), indexed(2, { exit: [['main', 0]] })],
    want: {
      creations: 0,
      deletions: 0,
      active: 0,
      succeeded: 3,
      failed: 0,
      completedIndexes: '0-2',
      conditions: [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']],
    },
  },
  {
    name: 'indexed job repeated completed index',
    job: aJob({ parallelism: 2, completions: 3, completionMode: 'Indexed' }),
    pods: [indexed(0, { exit: [['main', 0]] }), indexed(1, { exit: [['main', 0]] }), indexed(1, { name: 'idx-1-again', exit: [['main', 0]] })],
    want: { creations: 1, deletions: 0, active: 1, succeeded: 2, failed: 0, completedIndexes: '0,1', createdIndexes: [2] },
  },
  {
    name: 'indexed job some running and completed pods',
    job: aJob({ parallelism: 8, completions: 6, completionMode: 'Indexed' }),
    pods: [indexed(0), indexed(2), indexed(3, { exit: [['main', 0]] }), indexed(4, { exit: [['main', 0]] })],
    want: { creations: 2, deletions: 0, active: 4, succeeded: 2, failed: 0, completedIndexes: '3,4', createdIndexes: [1, 5] },
  },
  {
    name: 'indexed job some failed pods (their backoff has passed)',
    job: aJob({ parallelism: 3, completions: 4, completionMode: 'Indexed' }),
    pods: [indexed(0, { exit: [['main', 1]], finishedAt: LONG_AGO }), indexed(1, { exit: [['main', 1]], finishedAt: LONG_AGO }), indexed(2)],
    want: { creations: 2, deletions: 0, active: 3, succeeded: 0, failed: 2, completedIndexes: '', createdIndexes: [0, 1] },
  },
  {
    name: 'indexed job repeated indexes',
    job: aJob({ parallelism: 5, completions: 5, completionMode: 'Indexed' }),
    pods: [indexed(0, { exit: [['main', 0]] }), indexed(1), indexed(1, { name: 'idx-1-dup' }), indexed(2), indexed(2, { name: 'idx-2-dup', phase: 'Pending' })],
    want: { creations: 2, deletions: 2, active: 4, succeeded: 1, failed: 0, completedIndexes: '0', createdIndexes: [3, 4] },
  },
  {
    name: 'indexed job with indexes outside of range',
    job: aJob({ parallelism: 2, completions: 5, completionMode: 'Indexed' }),
    pods: [indexed(0, { exit: [['main', 0]] }), indexed(5), indexed(6)],
    want: { creations: 2, deletions: 2, active: 2, succeeded: 1, failed: 0, completedIndexes: '0', createdIndexes: [1, 2] },
  },
  {
    name: 'suspending a job with satisfied expectations',
    job: aJob({ parallelism: 2, completions: 4, suspend: true }),
    pods: running(2),
    want: { creations: 0, deletions: 2, active: 0, succeeded: 0, failed: 0, conditions: [['Suspended', 'JobSuspended']] },
  },
  {
    name: 'resuming a suspended job',
    job: aJob({ parallelism: 2, completions: 4, suspend: false }),
    pods: [],
    conditions: [{ type: 'Suspended', status: 'True' }],
    want: { creations: 2, deletions: 0, active: 2, succeeded: 0, failed: 0, conditions: [] },
  },
];

describe('one sync from a given state (TestControllerSyncJob)', () => {
  it.each(cases)('$name', ({ job, pods, conditions, want }) => {
    const state = aState({
      job,
      pods,
      conditions: (conditions ?? []).map((c) => ({ ...c, reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: T0, lastTransitionTime: T0 })),
      ...(conditions ? { startTime: null } : {}),
    });
    const { state: after, actions } = syncOnce(state);
    const status = renderJob(after).status!;
    const created = actions.filter((a) => a.type === 'startPod');
    expect(created).toHaveLength(want.creations);
    expect(actions.filter((a) => a.type === 'terminatePod')).toHaveLength(want.deletions);
    expect(status).toMatchObject({ active: want.active, succeeded: want.succeeded, failed: want.failed });
    if (want.ready !== undefined) expect(status.ready).toBe(want.ready);
    if (want.completedIndexes !== undefined) expect(status.completedIndexes).toBe(want.completedIndexes);
    if (want.createdIndexes !== undefined) expect(created.map((a) => a.pod.index)).toEqual(want.createdIndexes);
    if (want.conditions !== undefined) {
      expect((status.conditions ?? []).filter((c) => c.status === 'True').map((c) => [c.type, c.reason])).toEqual(want.conditions);
    }
  });
});

describe('a batch of triggers is one pass', () => {
  it('counts every pod outcome of the batch and creates their replacements once', () => {
    const state = aState({ job: aJob({ parallelism: 3, completions: 6 }), pods: running(3) });
    const exits = ['run-0', 'run-1', 'run-2'].map((name) => podExited(name, 0, { at: T0 + 500 }));
    const { state: after, actions } = syncOnce(state, exits);
    expect(renderJob(after).status).toMatchObject({ succeeded: 3, active: 3 });
    expect(actions.filter((a) => a.type === 'startPod')).toHaveLength(3);
  });

  it('completes the Job in the pass that sees the last outcomes', () => {
    const state = aState({ job: aJob({ parallelism: 2, completions: 2 }), pods: running(2) });
    const { state: after } = syncOnce(state, [podExited('run-0', 0), podExited('run-1', 0)]);
    expect(after.conditions.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(after.events.filter((e) => e.reason === 'Completed')).toHaveLength(1);
  });

  it('fails the Job once for several failures past backoffLimit in one batch', () => {
    const state = aState({ job: aJob({ parallelism: 3, completions: 3, backoffLimit: 1 }), pods: running(3) });
    const { state: after } = syncOnce(state, [podExited('run-0', 1), podExited('run-1', 1), podExited('run-2', 1)]);
    expect(renderJob(after).status).toMatchObject({ failed: 3, active: 0 });
    expect(after.conditions.map((c) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
  });
});

describe('forgetting pods', () => {
  it('tells the shell which pods it forgot when more than MAX_FINISHED_PODS finished pods are kept', () => {
    const done = Array.from({ length: MAX_FINISHED_PODS + 3 }, (_, i) => aPod({ name: `old-${i}`, exit: [['main', 0]], finishedAt: T0 + i, counted: 'succeeded' }));
    const { state: after, actions } = syncOnce(aState({ job: aJob({ completions: 500, parallelism: 1 }), pods: done, succeeded: done.length }));
    const forgotten = actions.flatMap((a) => (a.type === 'forgetPod' ? [a.podName] : []));
    expect(forgotten).toEqual(['old-0', 'old-1', 'old-2']);
    expect(after.pods.some((p) => forgotten.includes(p.name))).toBe(false);
  });

  it('forgets a finished pod a user deletes', () => {
    const { actions } = syncOnce(aState({ pods: [aPod({ name: 'fin', exit: [['main', 0]], counted: 'succeeded' })], succeeded: 1 }), deletePod('fin'));
    expect(actions.filter((a) => a.type === 'forgetPod')).toEqual([{ type: 'forgetPod', podName: 'fin' }]);
  });
});

describe("the worker's own trouble with a pod", () => {
  it('becomes a Warning Event about the pod, and the pod still counts by its exit code', () => {
    const state = aState({ job: aJob({ completions: 1 }), pods: [aPod({ name: 'p' })] });
    const exited = podExited('p', 0);
    if (exited.type === 'podExited') exited.result.warnings = [{ reason: 'LogWriteFailed', message: 'kjob could not write the log of container "main": ENOSPC' }];
    const { state: after } = syncOnce(state, exited);
    expect(after.events.find((e) => e.reason === 'LogWriteFailed')).toMatchObject({ type: 'Warning', involvedKind: 'Pod', involvedName: 'p', message: expect.stringContaining('ENOSPC') });
    expect(renderJob(after).status).toMatchObject({ succeeded: 1, failed: 0 });
  });
});
