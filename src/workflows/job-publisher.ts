/**
 * Publishes what readers need from a Job workflow, so that `GET`/list/watch never wait on a worker
 * (docs/architecture.md, "Reads: published state"): the memo keys of JOB_MEMO and the search
 * attributes the Temporal UI filters on. At most one `upsertMemo` and one `upsertSearchAttributes`
 * per workflow task, carrying only the keys whose value changed (each is a history event).
 */
import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { jobPhase, renderJob, type JobState } from '../controller/index.js';
import { JOB_MEMO, SA_LABELS, SA_PHASE, labelSearchTerms, type JobMemo, type PublishedSnapshot } from './definitions.js';

/** The newest Events a Job publishes (the `events` query still has all the controller keeps). */
export const PUBLISHED_EVENTS = 50;

export interface JobPublisher {
  /** Publishes the Job, and `pods` (the memo changes of the Job's own pods) in the same upsert. */
  publish(state: JobState, shardIds: string[], pods: Record<string, unknown> | null, details: () => string): void;
  snapshot(): PublishedSnapshot;
  /**
   * The Job's keys as last published, for the next run's start: Temporal does not carry a memo
   * across continue-as-new (search attributes it does carry).
   */
  memo(): Record<string, unknown>;
}

/** FNV-1a over a string, as a short hex key: enough to tell a changed value from an unchanged one. */
export function contentHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `${a.toString(16)}${b.toString(16)}:${text.length}`;
}

/**
 * A resourceVersion that grows with every change and is comparable across objects: the workflow's
 * clock in microseconds, or one more than the last if the clock has not moved.
 */
export function nextResourceVersion(previous: number, now: number): number {
  return Math.max(previous + 1, now * 1000);
}

export function createJobPublisher(carried: PublishedSnapshot | undefined): JobPublisher {
  const hashes: Record<string, string> = { ...(carried?.hashes ?? {}) };
  let rv = carried?.rv ?? 0;
  let last: Partial<JobMemo> = {};

  /** True (and remembered) when `value` differs from what `key` last published. */
  const changed = (key: string, value: unknown): boolean => {
    const h = contentHash(JSON.stringify(value));
    if (hashes[key] === h) return false;
    hashes[key] = h;
    return true;
  };

  const publish = (state: JobState, shardIds: string[], pods: Record<string, unknown> | null, details: () => string) => {
    const { status = {}, ...job } = renderJob(state);
    const memo: JobMemo = { job, status, events: state.events.slice(-PUBLISHED_EVENTS), shards: shardIds, rv };
    last = memo;
    const update: Record<string, unknown> = { ...(pods ?? {}) };
    for (const key of [JOB_MEMO.job, JOB_MEMO.status, JOB_MEMO.events, JOB_MEMO.shards] as const) {
      if (changed(key, memo[key])) update[key] = memo[key];
    }
    if (Object.keys(update).length > 0) {
      // The Temporal UI's view of the Job (workflow page, "current details"); not a history event.
      setCurrentDetails(details());
      rv = nextResourceVersion(rv, Date.now());
      update[JOB_MEMO.rv] = rv;
      last.rv = rv;
      upsertMemo(update);
    }

    const phase = jobPhase(state);
    const labels = labelSearchTerms(state.job.metadata.labels);
    const attributes = [];
    if (changed('sa:phase', phase)) attributes.push({ key: SA_PHASE, value: phase });
    if (changed('sa:labels', labels)) attributes.push({ key: SA_LABELS, value: labels });
    if (attributes.length > 0) upsertSearchAttributes(attributes);
  };

  return { publish, snapshot: () => ({ hashes: { ...hashes }, rv }), memo: () => ({ ...last }) };
}
