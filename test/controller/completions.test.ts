/**
 * How many pods run and when the Job completes (job-semantics §6, job-semantics §7, job-semantics §16 step 10, job-semantics §17).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderJob } from '../../src/controller/index.js';
import { V1_MAX_RUNNING_PODS } from '../../src/controller/state.js';
import { aJob, aRun, scale, type JobOverrides } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('pods started on the first sync (job-semantics §6)', () => {
  const cases: Array<{ name: string; job: JobOverrides; wantActive: number; wantIndexes?: number[] }> = [
    { name: 'runs one pod when neither completions nor parallelism is set', job: {}, wantActive: 1 },
    { name: 'runs min(parallelism, completions) pods for a fixed completion count', job: { completions: 5, parallelism: 2 }, wantActive: 2 },
    { name: 'ignores parallelism above the remaining completions', job: { completions: 2, parallelism: 10 }, wantActive: 2 },
    { name: 'runs parallelism pods in work-queue mode (completions null)', job: { parallelism: 3 }, wantActive: 3 },
    { name: 'runs nothing with parallelism 0 (docs: paused until it is increased)', job: { completions: 3, parallelism: 0 }, wantActive: 0 },
    {
      name: 'gives an Indexed Job the lowest indexes first',
      job: { completions: 5, parallelism: 3, completionMode: 'Indexed' },
      wantActive: 3,
      wantIndexes: [0, 1, 2],
    },
  ];
  it.each(cases)('$name', ({ job, wantActive, wantIndexes }) => {
    const run = aRun(aJob(job));
    expect(run.active()).toHaveLength(wantActive);
    expect(renderJob(run.state).status?.active).toBe(wantActive);
    expect(run.actionsOf('startPod')).toHaveLength(wantActive);
    if (wantIndexes) expect(run.activeIndexes()).toEqual(wantIndexes);
  });
});

describe('completion (job-semantics §6, job-semantics §17)', () => {
  it('completes a NonIndexed Job once completions pods succeeded, with SuccessCriteriaMet then Complete (CompletionsReached)', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 2 }));
    run.advance(1000).exitAll(() => 0);
    expect(run.active()).toHaveLength(1);
    run.advance(1000).exitAll(() => 0);
    const status = renderJob(run.state).status!;
    expect(status.succeeded).toBe(3);
    expect(status.active).toBe(0);
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    expect(status.completionTime).toBe(status.conditions?.[1]?.lastTransitionTime);
    expect(status.startTime).toBe('2026-01-01T00:00:00Z');
    expect(run.state.events.map((e) => e.reason)).toContain('Completed');
    expect(run.actionsOf('setPhase')).toEqual([{ type: 'setPhase', phase: 'Complete' }]);
  });

  it('completes at once with completions 0 and no pod (TestElasticIndexedJob "scale down to 0")', () => {
    const run = aRun(aJob({ completions: 0, parallelism: 0 }));
    expect(run.actionsOf('startPod')).toHaveLength(0);
    expect(run.state.conditions.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
  });

  it('keeps a parallelism-0 Job running (no Suspended condition, startTime set) until parallelism grows', () => {
    const run = aRun(aJob({ completions: 1, parallelism: 0 }));
    expect(run.state.conditions).toEqual([]);
    expect(run.state.startTime).not.toBeNull();
    run.send(scale(1));
    expect(run.active()).toHaveLength(1);
  });

  it('completes an Indexed Job when every index succeeded, with completedIndexes as intervals (job-semantics §7)', () => {
    const run = aRun(aJob({ completions: 4, parallelism: 4, completionMode: 'Indexed' }));
    run.exit(run.podOfIndex(2), 0).exit(run.podOfIndex(0), 0).exit(run.podOfIndex(1), 0);
    expect(renderJob(run.state).status?.completedIndexes).toBe('0-2');
    run.exit(run.podOfIndex(3), 0);
    const status = renderJob(run.state).status!;
    expect(status.completedIndexes).toBe('0-3');
    expect(status.succeeded).toBe(4);
    expect(status.conditions?.at(-1)?.type).toBe('Complete');
  });

  it('replaces a failed index with a pod of the same (lowest missing) index', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 2, completionMode: 'Indexed' }));
    run.exit(run.podOfIndex(0), 1);
    run.fire('backoff');
    expect(run.activeIndexes()).toEqual([0, 1]);
  });
});

describe('work queue (completions null, job-semantics §6)', () => {
  it('starts no new pod after the first success and completes once none is active', () => {
    const run = aRun(aJob({ parallelism: 3 }));
    const [a, b, c] = run.active();
    run.exit(a!, 0);
    expect(run.actionsOf('startPod')).toHaveLength(0);
    expect(run.active()).toHaveLength(2);
    run.exit(b!, 1);
    expect(run.state.failed).toBe(1);
    expect(run.state.timers).toEqual({});
    expect(run.active()).toEqual([c]);
    run.exit(c!, 0);
    expect(run.state.conditions.map((x) => x.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(renderJob(run.state).status?.succeeded).toBe(2);
  });

  it('replaces failed pods while nothing has succeeded yet', () => {
    const run = aRun(aJob({ parallelism: 2 }));
    run.exit(run.active()[0]!, 1).fire('backoff');
    expect(run.active()).toHaveLength(2);
  });
});

describe('parallelism changes (job-semantics §6)', () => {
  it('starts more pods when parallelism is raised', () => {
    const run = aRun(aJob({ completions: 10, parallelism: 2 }));
    run.send(scale(5));
    expect(run.active()).toHaveLength(5);
    expect(run.state.job.spec.parallelism).toBe(5);
    expect(run.state.job.metadata.generation).toBe(2);
  });

  it('deletes the excess without counting it as failed when parallelism is lowered (TestParallelJobChangingParallelism)', () => {
    const run = aRun(aJob({ completions: 10, parallelism: 5, backoffLimit: 2 }));
    run.send(scale(2));
    expect(run.active()).toHaveLength(2);
    expect(run.terminating()).toHaveLength(3);
    expect(run.actionsOf('terminatePod')).toHaveLength(3);
    run.finishTerminating(143);
    expect(run.state.failed).toBe(0);
    expect(run.state.conditions).toEqual([]);
    expect(run.state.pods.map((p) => p.name)).toEqual(run.active());
  });

  it('deletes unscheduled and Pending pods before Running ones, newer before older (controller.ActivePods)', () => {
    const run = aRun(aJob({ completions: 10, parallelism: 3 }));
    const [a, b, c] = run.active();
    run.send({ type: 'podStatus', report: { podName: a!, phase: 'Running', nodeName: 'n', startedAt: run.now, ready: true, initContainerStatuses: [], containerStatuses: [] } });
    run.send({ type: 'podStatus', report: { podName: c!, phase: 'Running', nodeName: 'n', startedAt: run.now, ready: false, initContainerStatuses: [], containerStatuses: [] } });
    run.send(scale(1));
    expect(run.terminating().sort()).toEqual([b!, c!].sort());
    expect(run.active()).toEqual([a]);
  });

  it('never runs more than the remaining completions', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3 }));
    run.exit(run.active()[0]!, 0).exit(run.active()[0]!, 0);
    run.send(scale(5));
    expect(run.active()).toHaveLength(1);
  });

  it('creates as many pods as parallelism asks, however many (no cap: pods beyond worker capacity wait as Pending)', () => {
    const run = aRun(aJob({ completionMode: 'Indexed', completions: 5000, parallelism: 5000 }));
    expect(run.active()).toHaveLength(5000);
  });

  it('under the v1 shell runs at most V1_MAX_RUNNING_PODS attempts at once and tops up as they finish', () => {
    const run = aRun(aJob({ completionMode: 'Indexed', completions: 5000, parallelism: 5000 }), undefined, { maxRunningPods: V1_MAX_RUNNING_PODS });
    expect(run.active()).toHaveLength(V1_MAX_RUNNING_PODS);
    for (const name of run.active().slice(0, 10)) run.exit(name, 0);
    expect(run.active()).toHaveLength(V1_MAX_RUNNING_PODS);
    expect(renderJob(run.state).status?.succeeded).toBe(10);
  });
});

describe('Elastic Indexed Jobs (job-semantics §4, TestElasticIndexedJob)', () => {
  it('removes the highest indexes and stops counting completed indexes out of range when scaled down', () => {
    const job = aJob({ completions: 5, parallelism: 5, completionMode: 'Indexed' });
    const run = aRun(job);
    run.exit(run.podOfIndex(4), 0).exit(run.podOfIndex(0), 0);
    expect(renderJob(run.state).status?.succeeded).toBe(2);
    const smaller = structuredClone(run.state.job);
    smaller.spec.completions = 3;
    smaller.spec.parallelism = 3;
    run.send({ type: 'jobUpdated', job: smaller });
    const terminating = run.state.pods.filter((p) => p.deletion !== null).map((p) => p.index);
    expect(terminating).toEqual([3]);
    expect(renderJob(run.state).status?.completedIndexes).toBe('0');
    expect(renderJob(run.state).status?.succeeded).toBe(1);
    run.finishTerminating();
    expect(run.state.failed).toBe(0);
    run.exit(run.podOfIndex(1), 0).exit(run.podOfIndex(2), 0);
    expect(run.state.conditions.at(-1)?.type).toBe('Complete');
  });

  it('runs the new indexes when scaled up', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2, completionMode: 'Indexed' }));
    const bigger = structuredClone(run.state.job);
    bigger.spec.completions = 4;
    bigger.spec.parallelism = 4;
    run.send({ type: 'jobUpdated', job: bigger });
    expect(run.activeIndexes()).toEqual([0, 1, 2, 3]);
  });
});
