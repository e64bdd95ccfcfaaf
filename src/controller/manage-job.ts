/**
 * `manageJob`: brings the number of active pods to what the spec wants — deleting on suspend and
 * scale-down, creating the missing ones (lowest pending indexes first) once any backoff delay has
 * passed (job-semantics §5, job-semantics §6, job-semantics §9, job-semantics §11, job-semantics §15).
 */
import { remainingIndexBackoff, remainingJobBackoff } from './backoff.js';
import { createPod, deletePod, wantTimer, type Ctx } from './context.js';
import { duplicatedOrOutOfRangePods, firstPendingIndexes, succeededIndexCount } from './indexes.js';
import { activePods, compareForRemoval, hasBackoffLimitPerIndex, isIndexed, isTerminal, isTerminating, onlyReplaceFailedPods } from './pods.js';
import type { DeletionCause, PodRecord } from './state.js';

/** Number of succeeded pods (NonIndexed) or completed indexes below completions (Indexed). */
export function succeededCount(ctx: Ctx): number {
  const { state } = ctx;
  if (!isIndexed(state)) return state.succeeded;
  return succeededIndexCount(state, state.job.spec.completions ?? 0);
}

/** How many pods should be active (`wantActive` in manageJob). */
export function wantActive(ctx: Ctx, active: number): number {
  const { spec } = ctx.state.job;
  const parallelism = spec.parallelism;
  if (spec.completions === null || spec.completions === undefined) {
    // Work queue: once any pod succeeded, no new pods; the running ones finish (job-semantics §6).
    return succeededCount(ctx) > 0 ? active : parallelism;
  }
  return Math.max(0, Math.min(parallelism, spec.completions - succeededCount(ctx)));
}

/**
 * `manageJob`. Returns the number of pods still active afterwards. Unlike upstream there is no
 * 500-per-sync cap: creating a pod here cannot fail, and the workflow would get no event to
 * trigger the next batch.
 */
export function manageJob(ctx: Ctx): number {
  const { state, env } = ctx;
  const spec = state.job.spec;
  const active = activePods(state);

  if (spec.suspend) {
    // Suspend deletes every active pod; their finalizers go first, so they are not counted (job-semantics §11).
    for (const p of active) deletePod(ctx, p, 'Suspend');
    return 0;
  }

  const want = wantActive(ctx, active.length);
  const rmAtLeast = Math.max(0, active.length - want);
  const toDelete: Array<{ pod: PodRecord; cause: DeletionCause }> = [];
  if (isIndexed(state)) toDelete.push(...duplicatedOrOutOfRangePods(state, spec.completions ?? 0));
  if (toDelete.length < rmAtLeast) {
    const chosen = new Set(toDelete.map((d) => d.pod.name));
    const left = active.filter((p) => !chosen.has(p.name)).sort(compareForRemoval);
    for (const p of left.slice(0, rmAtLeast - toDelete.length)) toDelete.push({ pod: p, cause: 'ScaleDown' });
  }
  for (const d of toDelete) deletePod(ctx, d.pod, d.cause);
  // Upstream returns after deleting and creates in the next sync, which the deletions themselves
  // trigger at once. Here no event may follow for a while (a terminating pod can take its whole
  // grace period), so the same pass goes on to create what is missing.
  const stillActive = active.length - toDelete.length;

  const terminating = onlyReplaceFailedPods(state) ? state.pods.filter(isTerminating).length : 0;
  if (stillActive + terminating >= want) return stillActive;

  if (!hasBackoffLimitPerIndex(state)) {
    const remaining = remainingJobBackoff(state, env.now);
    if (remaining > 0) {
      wantTimer(ctx, 'backoff', env.now + remaining);
      return stillActive;
    }
  }
  // The v1 shell's cap on running attempts (env.maxRunningPods): the rest wait, as pods wait for
  // capacity on a full cluster.
  const cap = env.maxRunningPods ?? Number.POSITIVE_INFINITY;
  const running = cap === Number.POSITIVE_INFINITY ? 0 : state.pods.filter((p) => !isTerminal(p)).length;
  const diff = Math.min(want - stillActive - terminating, cap - running);
  if (diff <= 0) return stillActive;
  // Draining for continue-as-new: let the running pods finish, start none (timers stay armed).
  if (!isIndexed(state)) {
    if (state.draining) return stillActive;
    for (let i = 0; i < diff; i++) createPod(ctx, null);
    return stillActive + diff;
  }

  let indexes = firstPendingIndexes(state, diff, spec.completions ?? 0);
  if (hasBackoffLimitPerIndex(state)) {
    // getPodCreationInfoForIndependentIndexes: indexes still backing off wait; the earliest
    // of them arms one timer.
    let earliest: number | null = null;
    indexes = indexes.filter((ix) => {
      const remaining = remainingIndexBackoff(state, ix, env.now);
      if (remaining > 0 && (earliest === null || remaining < earliest)) earliest = remaining;
      return remaining === 0;
    });
    if (earliest !== null) wantTimer(ctx, 'index-backoff', env.now + earliest);
  }
  if (state.draining) return stillActive;
  for (const ix of indexes) createPod(ctx, ix);
  return stillActive + indexes.length;
}
