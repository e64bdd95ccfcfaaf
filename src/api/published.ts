/**
 * The objects the API serves, made from the state Job and shard workflows publish in their memo
 * (docs/architecture.md, "Reads: published state"): the Job from its memo's `job`, `status` and
 * `rv`; its pods from the `pod/<name>` keys of its shards; its Events from the memo's `events`.
 * Pure: the gateway describes the workflows, this module only shapes what it read.
 */
import { renderEvent, renderPod } from '../controller/render.js';
import type { Job, KubeEvent, Pod, StoredJob } from '../k8s/types.js';
import { JOB_MEMO, POD_MEMO_PREFIX, type JobMemo, type PublishedPod } from '../workflows/definitions.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The Job's published memo, or null when the workflow publishes none: Jobs started before wave 2
 * (the v1 shell) have no `status` key and are read with the `job` query instead.
 */
export function jobMemoOf(memo: Record<string, unknown> | undefined): JobMemo | null {
  if (!memo || !isObject(memo[JOB_MEMO.status])) return null;
  const job = memo[JOB_MEMO.job];
  if (!isObject(job) || !isObject(job.metadata) || !isObject(job.spec)) return null;
  const rv = memo[JOB_MEMO.rv];
  return {
    job: job as unknown as JobMemo['job'],
    status: memo[JOB_MEMO.status] as JobMemo['status'],
    events: Array.isArray(memo[JOB_MEMO.events]) ? (memo[JOB_MEMO.events] as JobMemo['events']) : [],
    shards: Array.isArray(memo[JOB_MEMO.shards]) ? (memo[JOB_MEMO.shards] as string[]).filter((s) => typeof s === 'string') : [],
    rv: typeof rv === 'number' && Number.isFinite(rv) ? rv : 0,
  };
}

/** The memo a Job starts with (create publishes at once, so a GET right after the 201 finds it). */
export function initialJobMemo(job: StoredJob, rv: number): Record<string, unknown> {
  const memo: JobMemo = { job, status: {}, events: [], shards: [], rv };
  return { ...memo };
}

/** The Job as GET serves it: published metadata and spec, status, and resourceVersion = rv. */
export function renderPublishedJob(memo: JobMemo): Job {
  return { ...memo.job, metadata: { ...memo.job.metadata, resourceVersion: String(memo.rv) }, status: memo.status };
}

/**
 * The Job as pods and events are rendered from (renderPod and renderEvent read the identity and
 * the template; the published `job` is the stored Job plus rendered metadata such as
 * deletionTimestamp, which they do not look at).
 */
export function storedJobOf(memo: JobMemo): StoredJob {
  return memo.job as StoredJob;
}

/** The pods a shard's memo holds (`pod/<name>` keys; a removed pod's key is null or gone). */
export function publishedPodsOf(memo: Record<string, unknown> | undefined): PublishedPod[] {
  const pods: PublishedPod[] = [];
  for (const [key, value] of Object.entries(memo ?? {})) {
    if (!key.startsWith(POD_MEMO_PREFIX) || !isObject(value) || typeof value.name !== 'string') continue;
    pods.push(value as unknown as PublishedPod);
  }
  return pods;
}

/** The Job's pods, oldest first (then by name), each with its own resourceVersion. */
export function renderPublishedPods(memo: JobMemo, pods: readonly PublishedPod[]): Pod[] {
  const job = { job: storedJobOf(memo) };
  return [...pods]
    .sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => {
      const pod = renderPod(job, p);
      pod.metadata.resourceVersion = String(p.rv);
      return pod;
    });
}

/**
 * The Job's Events, oldest first. An Event's resourceVersion is its lastTimestamp in microseconds
 * (the scale of the workflows' rv): it changes exactly when the Event does (count, lastTimestamp).
 */
export function renderPublishedEvents(memo: JobMemo): KubeEvent[] {
  const job = storedJobOf(memo);
  return memo.events.map((e) => {
    const event = renderEvent(job, e);
    event.metadata.resourceVersion = String(e.lastTimestamp * 1000);
    return event;
  });
}

/** A list's resourceVersion: the highest resourceVersion among its items ("" when it has none). */
export function listResourceVersion(items: ReadonlyArray<{ metadata: { resourceVersion?: string } }>): string {
  let max = -1;
  for (const item of items) {
    const rv = Number(item.metadata.resourceVersion);
    if (item.metadata.resourceVersion && Number.isFinite(rv) && rv > max) max = rv;
  }
  return max < 0 ? '' : String(max);
}
