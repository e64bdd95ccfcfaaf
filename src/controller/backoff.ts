/**
 * Pod-failure backoff (job-semantics §9; backoff_utils.go). The record keeps
 * `failuresAfterLastSuccess` and `lastFailureTime`; the delay before creating pods is
 * `min(base · 2^(n−1), cap)` measured from `lastFailureTime`.
 */
import type { JobState } from './state.js';

/** A pod outcome fed to the backoff record: its finish time and whether it succeeded. */
export interface FinishedPodTime {
  succeeded: boolean;
  finishedAt: number;
}

/**
 * `newBackoffRecord`: folds the pods that finished in this pass into the record. With no new
 * success, every new failure adds one and the latest failure time wins; with a new success,
 * n becomes the number of failures that finished after the latest success (0 if none).
 */
export function newBackoffRecord(
  record: JobState['backoff'],
  finished: readonly FinishedPodTime[],
): JobState['backoff'] {
  const succeeded = finished.filter((p) => p.succeeded).map((p) => p.finishedAt).sort((a, b) => a - b);
  const failed = finished.filter((p) => !p.succeeded).map((p) => p.finishedAt).sort((a, b) => a - b);
  if (succeeded.length === 0) {
    if (failed.length === 0) return record;
    return {
      failuresAfterLastSuccess: record.failuresAfterLastSuccess + failed.length,
      lastFailureTime: failed[failed.length - 1] ?? null,
    };
  }
  const lastSuccess = succeeded[succeeded.length - 1] ?? 0;
  let n = 0;
  let lastFailureTime: number | null = null;
  for (let i = failed.length - 1; i >= 0; i--) {
    const t = failed[i] ?? 0;
    if (!(t > lastSuccess)) break;
    if (lastFailureTime === null) lastFailureTime = t;
    n++;
  }
  return { failuresAfterLastSuccess: n, lastFailureTime };
}

/** The delay after `failures` consecutive failures: base, doubling, capped (`getRemainingTimeForFailuresCount`). */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  let d = baseMs;
  for (let i = 1; i < failures; i++) {
    d *= 2;
    if (d >= maxMs) return maxMs;
  }
  return Math.min(d, maxMs);
}

/**
 * `getRemainingTimeForFailuresCount`: how long pod creation must still wait, 0 when the delay has
 * passed (or there is nothing to wait for).
 */
export function remainingBackoff(
  failures: number,
  lastFailureTime: number | null,
  now: number,
  baseMs: number,
  maxMs: number,
): number {
  if (failures === 0 || lastFailureTime === null) return 0;
  const delay = backoffDelay(failures, baseMs, maxMs);
  const elapsed = now - lastFailureTime;
  if (delay < elapsed) return 0;
  return Math.max(0, delay - elapsed);
}

/** The Job-level remaining backoff (`backoffRecord.getRemainingTime`). */
export function remainingJobBackoff(state: JobState, now: number): number {
  return remainingBackoff(
    state.backoff.failuresAfterLastSuccess,
    state.backoff.lastFailureTime,
    now,
    state.settings.backoffBaseMs,
    state.settings.backoffMaxMs,
  );
}

/**
 * `getRemainingTimePerIndex`: with backoffLimitPerIndex each index backs off on its own; k is the
 * index's failure count plus its ignored-failure count (both including the last failed pod).
 */
export function remainingIndexBackoff(state: JobState, index: number, now: number): number {
  const rec = state.indexFailures[String(index)];
  if (!rec) return 0;
  return remainingBackoff(rec.failed + rec.ignored, rec.lastFailureTime, now, state.settings.backoffBaseMs, state.settings.backoffMaxMs);
}
