/**
 * Checks run after every controller test on every state its scenarios produced:
 * - STYLE convention 3: the state survives a JSON round trip unchanged (no Map, Set, Date, class
 *   or undefined);
 * - the status invariants the API server enforces for Jobs with managedBy (job-semantics §4, job-semantics §17,
 *   job-semantics §18): no Complete with Failed, terminal conditions only after their interim ones, finished
 *   Jobs with no active/terminating pods, ready ≤ active, completionTime only with Complete and
 *   not before startTime, failedIndexes and completedIndexes disjoint, `failed` never decreasing.
 * Register with `afterEach(expectPlainJsonStates)`.
 */
import { expect } from 'vitest';
import { renderJob, type JobState } from '../../src/controller/index.js';
import { intervalsOf, type Interval } from '../../src/k8s/intervals.js';
import { drainRuns } from './builders.js';

function overlaps(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.some(([x, y]) => b.some(([u, v]) => x <= v && u <= y));
}

function expectStatusInvariants(s: JobState): void {
  const status = renderJob(s).status ?? {};
  const has = (type: string) => (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  expect(has('Complete') && has('Failed'), 'Complete and Failed together').toBe(false);
  if (has('Failed')) expect(has('FailureTarget'), 'Failed without FailureTarget').toBe(true);
  if (has('Complete')) expect(has('SuccessCriteriaMet'), 'Complete without SuccessCriteriaMet').toBe(true);
  expect(has('SuccessCriteriaMet') && has('FailureTarget'), 'SuccessCriteriaMet with FailureTarget').toBe(false);
  if (has('Complete') || has('Failed')) {
    expect(status.active, 'finished Job with active pods').toBe(0);
    expect(status.terminating, 'finished Job with terminating pods').toBe(0);
  }
  expect(status.ready ?? 0).toBeLessThanOrEqual(status.active ?? 0);
  if (status.completionTime !== undefined) {
    expect(has('Complete'), 'completionTime without Complete').toBe(true);
    if (status.startTime !== undefined) expect(Date.parse(status.completionTime)).toBeGreaterThanOrEqual(Date.parse(status.startTime));
  }
  if (status.failedIndexes) expect(overlaps(intervalsOf(status.failedIndexes), intervalsOf(status.completedIndexes ?? '')), 'failedIndexes overlap completedIndexes').toBe(false);
}

export function expectPlainJsonStates(): void {
  for (const run of drainRuns()) {
    let failed = 0;
    for (const s of run.states) {
      expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
      expectStatusInvariants(s);
      expect(s.failed, 'status.failed decreased').toBeGreaterThanOrEqual(failed);
      failed = s.failed;
    }
  }
}
