/**
 * Indexed Jobs: which indexes get pods, duplicates, failed indexes (job-semantics §5, job-semantics §7, job-semantics §12;
 * indexed_job_utils.go).
 */
import { countIndexes, firstMissingIndexes, hasIndex, intervalsOf, type Interval } from '../k8s/intervals.js';
import { activePods, compareForRemoval, isTerminating, onlyReplaceFailedPods } from './pods.js';
import type { JobState, PodRecord } from './state.js';

/**
 * `firstPendingIndexes`: the lowest `count` indexes below completions that are not completed,
 * not failed, not held by an active pod and — with podReplacementPolicy Failed — not held by a
 * terminating pod either.
 */
export function firstPendingIndexes(state: JobState, count: number, completions: number): number[] {
  if (count <= 0) return [];
  const held: Interval[] = [];
  for (const p of state.pods) {
    if (p.index === null) continue;
    if (p.deletion === null ? !isTerminalPhase(p) : onlyReplaceFailedPods(state) && isTerminating(p)) held.push([p.index, p.index]);
  }
  return firstMissingIndexes([intervalsOf(state.completedIndexes), intervalsOf(state.failedIndexes), held], completions, count);
}

function isTerminalPhase(p: PodRecord): boolean {
  return p.phase === 'Succeeded' || p.phase === 'Failed';
}

/**
 * `appendDuplicatedIndexPodsForRemoval`, extended to the indexes that are already done: active
 * pods without a valid index or with an index ≥ completions (ScaleDown), active pods of an index
 * that already completed or failed, and all but one active pod of a duplicated index (Duplicate).
 */
export function duplicatedOrOutOfRangePods(state: JobState, completions: number): Array<{ pod: PodRecord; cause: 'ScaleDown' | 'Duplicate' }> {
  const out: Array<{ pod: PodRecord; cause: 'ScaleDown' | 'Duplicate' }> = [];
  const byIndex = new Map<number, PodRecord[]>();
  for (const p of activePods(state)) {
    if (p.index === null || p.index >= completions) {
      out.push({ pod: p, cause: 'ScaleDown' });
    } else if (hasIndex(state.completedIndexes, p.index) || hasIndex(state.failedIndexes, p.index)) {
      out.push({ pod: p, cause: 'Duplicate' });
    } else {
      const list = byIndex.get(p.index) ?? [];
      list.push(p);
      byIndex.set(p.index, list);
    }
  }
  for (const list of byIndex.values()) {
    if (list.length < 2) continue;
    // Keep the pod that would be removed last (the most advanced one).
    const sorted = [...list].sort(compareForRemoval);
    for (const p of sorted.slice(0, -1)) out.push({ pod: p, cause: 'Duplicate' });
  }
  return out;
}

/** Number of succeeded indexes below completions (status.succeeded for Indexed Jobs). */
export function succeededIndexCount(state: JobState, completions: number): number {
  return countIndexes(state.completedIndexes, completions);
}
