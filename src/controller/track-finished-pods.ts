/**
 * Accounting of pods that finished since the last pass (job_controller.go
 * `trackJobStatusAndRemoveFinalizers` / `getNewFinishedPods`): succeeded pods and completed
 * indexes, failed pods through the pod failure policy, per-index failures and the backoff record.
 */
import { formatIntervals, intervalsHave, intervalsOf, type Interval } from '../k8s/intervals.js';
import { newBackoffRecord, type FinishedPodTime } from './backoff.js';
import { ownPod } from './clone.js';
import type { Ctx } from './context.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { hasBackoffLimitPerIndex, isIndexed, isTerminal, onlyReplaceFailedPods } from './pods.js';
import type { PodRecord } from './state.js';

export interface TrackResult {
  /** The FailureTarget message of the first newly failed pod that matched a FailJob rule. */
  failJobMessage: string | null;
}

/**
 * `isPodFailed`: a pod counts as failed when its phase is Failed, or — only with
 * podReplacementPolicy TerminatingOrFailed — as soon as a user deleted it (job-semantics §8).
 */
function isNewlyFinished(ctx: Ctx, p: PodRecord): boolean {
  if (p.counted !== null) return false;
  if (isTerminal(p)) return true;
  return p.deletion?.cause === 'User' && !onlyReplaceFailedPods(ctx.state);
}

/**
 * `getFinishedTime`: the latest container finish time, else the pod's own finish time, else the
 * time the deletion was requested (deletionTimestamp − grace period), else creation time.
 */
function finishedTime(p: PodRecord): number {
  let latest: number | null = null;
  for (const cs of [...p.containerStatuses, ...p.initContainerStatuses]) {
    const t = cs.state.terminated?.finishedAt;
    if (t) {
      const ms = Date.parse(t);
      if (!Number.isNaN(ms) && (latest === null || ms > latest)) latest = ms;
    }
  }
  return latest ?? p.finishedAt ?? p.deletion?.at ?? p.createdAt;
}

/** Folds every newly finished pod into the Job status. Keeps: each pod is counted at most once. */
export function trackFinishedPods(ctx: Ctx): TrackResult {
  const { state } = ctx;
  const spec = state.job.spec;
  const indexed = isIndexed(state);
  const perIndex = hasBackoffLimitPerIndex(state);
  const completions = spec.completions ?? 0;
  const newlyFinished = state.pods.filter((p) => isNewlyFinished(ctx, p));
  const forBackoff: FinishedPodTime[] = [];
  let failJobMessage: string | null = null;
  // The index sets are read once and written once per pass, however many pods finished.
  const completed = indexSet(state.completedIndexes);
  const failedIdx = indexSet(state.failedIndexes);

  for (const shared of newlyFinished) {
    const p = ownPod(state, shared);
    const at = finishedTime(p);
    const indexInRange = p.index !== null && p.index < completions;
    if (p.phase === 'Succeeded') {
      if (!indexed) {
        state.succeeded += 1;
        p.counted = 'succeeded';
      } else if (indexInRange && p.index !== null && !completed.has(p.index) && !failedIdx.has(p.index)) {
        // Only the first success of an index counts (job-semantics §6, job-semantics §23).
        completed.add(p.index);
        p.counted = 'succeeded';
      } else {
        p.counted = 'none';
      }
      forBackoff.push({ succeeded: true, finishedAt: at });
      continue;
    }

    // Failed (or, with TerminatingOrFailed, deleted by a user and not yet exited).
    forBackoff.push({ succeeded: false, finishedAt: at });
    if (indexed && !indexInRange) {
      // Indexed pods outside [0, completions) are not counted (elastic scale-down).
      p.counted = 'none';
      continue;
    }
    const match = isTerminal(p) ? matchPodFailurePolicy(spec.podFailurePolicy, p, state.job.metadata.namespace) : null;
    const countFailed = match?.countFailed ?? true;
    if (perIndex && p.index !== null) {
      const priorFailed = p.indexFailureCount ?? 0;
      const priorIgnored = p.indexIgnoredFailureCount ?? 0;
      // Like getNewIndexFailureCounts: the index's counts come from its latest failed pod.
      state.indexFailures[String(p.index)] = {
        failed: countFailed ? priorFailed + 1 : priorFailed,
        ignored: countFailed ? priorIgnored : priorIgnored + 1,
        lastFailureTime: at,
      };
      const blpi = spec.backoffLimitPerIndex ?? 0;
      // An index fails when a counted failure's pod already had backoffLimitPerIndex failures,
      // or at once on a FailIndex rule (job-semantics §12, job-semantics §13).
      if (countFailed && (match?.action === 'FailIndex' || priorFailed >= blpi) && !completed.has(p.index)) {
        failedIdx.add(p.index);
      }
    }
    if (!countFailed) {
      p.counted = 'ignored';
      continue;
    }
    p.counted = 'failed';
    state.failed += 1;
    if (match?.action === 'FailJob' && failJobMessage === null) failJobMessage = match.message;
  }

  if (completed.changed()) state.completedIndexes = completed.text();
  if (failedIdx.changed()) state.failedIndexes = failedIdx.text();
  state.backoff = newBackoffRecord(state.backoff, forBackoff);
  return { failJobMessage };
}

/** An index string being added to during one pass: read once, formatted once. */
function indexSet(text: string | null) {
  const base = intervalsOf(text);
  const added = new Set<number>();
  return {
    has: (i: number) => added.has(i) || intervalsHave(base, i),
    add: (i: number) => void added.add(i),
    changed: () => added.size > 0,
    text: () => formatIntervals([...base, ...[...added].map((i): Interval => [i, i])]),
  };
}
