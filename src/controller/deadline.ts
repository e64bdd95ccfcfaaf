/**
 * activeDeadlineSeconds (job-semantics §10; job_controller.go `pastActiveDeadline`).
 */
import type { JobState } from './state.js';

/** When the deadline passes, or null when no deadline runs (unset, not started, or suspended). */
export function activeDeadlineAt(state: JobState): number | null {
  const ads = state.job.spec.activeDeadlineSeconds;
  if (ads === undefined || ads === null || state.startTime === null || state.job.spec.suspend) return null;
  return state.startTime + ads * 1000;
}

/**
 * `pastActiveDeadline`: true once the Job has been continuously active for
 * activeDeadlineSeconds, measured from status.startTime. Never while suspended: Kubernetes
 * resets startTime on resume so the deadline counts active time only.
 */
export function pastActiveDeadline(state: JobState, now: number): boolean {
  const at = activeDeadlineAt(state);
  return at !== null && now >= at;
}
