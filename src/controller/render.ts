/**
 * State → the objects the API serves: the Job (spec + status exactly as `GET` returns it), its
 * Pods and its Events. One renderer for the `job` query and the HTTP API.
 */
import {
  JOB_API_VERSION,
  JOB_KIND,
  NEXT_ATTEMPT_ANNOTATION,
  type Job,
  type JobCondition,
  type JobStatus,
  type KubeEvent,
  type StoredJob,
  type OwnerReference,
  type Pod,
  type PodCondition,
} from '../k8s/types.js';
import { waitingContainerStatus } from '../k8s/container-status.js';
import type { JobPhase } from './actions.js';
import { clone } from './clone.js';
import { hasTrueCondition } from './conditions.js';
import { isIndexed, isTerminal, podAnnotations, podLabels, podSpec } from './pods.js';
import type { EventRecord, JobState, PodRecord } from './state.js';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A one-word summary for the Temporal UI (search attribute) and list filters. */
export function jobPhase(state: JobState): JobPhase {
  if (state.deletion !== null) return 'Deleting';
  if (hasTrueCondition(state, 'Complete')) return 'Complete';
  if (hasTrueCondition(state, 'Failed')) return 'Failed';
  if (state.job.spec.suspend) return 'Suspended';
  const started = state.pods.some((p) => p.startedAt !== null) || state.succeeded + state.failed + state.podsForgotten > 0;
  return started ? 'Running' : 'Pending';
}

/** The earliest backoff timer: when the next pod attempt may start (kjob's visible backoff). */
export function nextAttemptTime(state: JobState): number | null {
  const times = ['backoff', 'index-backoff'].map((id) => state.timers[id]).filter((t): t is number => t !== undefined);
  return times.length === 0 ? null : Math.min(...times);
}

function renderStatus(state: JobState): JobStatus {
  const active = state.pods.filter((p) => !isTerminal(p) && p.deletion === null);
  const finished = hasTrueCondition(state, 'Complete') || hasTrueCondition(state, 'Failed');
  const conditions: JobCondition[] = state.conditions.map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    lastProbeTime: iso(c.lastProbeTime),
    lastTransitionTime: iso(c.lastTransitionTime),
  }));
  const status: JobStatus = {};
  if (conditions.length > 0) status.conditions = conditions;
  if (state.startTime !== null) status.startTime = iso(state.startTime);
  if (state.completionTime !== null) status.completionTime = iso(state.completionTime);
  status.active = finished ? 0 : active.length;
  status.ready = finished ? 0 : active.filter((p) => p.ready).length;
  status.succeeded = isIndexed(state) ? countCompleted(state) : state.succeeded;
  status.failed = state.failed;
  status.terminating = state.pods.filter((p) => !isTerminal(p) && p.deletion !== null).length;
  if (isIndexed(state)) status.completedIndexes = state.completedIndexes;
  if (state.failedIndexes !== null) status.failedIndexes = state.failedIndexes;
  status.uncountedTerminatedPods = {};
  return status;
}

/** status.succeeded of an Indexed Job: its completed indexes below `completions`. */
export function countCompleted(state: JobState): number {
  let n = 0;
  const limit = state.job.spec.completions ?? 0;
  for (const part of state.completedIndexes.split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a) || a >= limit) continue;
    n += Math.min(b ?? a, limit - 1) - a + 1;
  }
  return n;
}

/** The Job as `GET` serves it: metadata, the current (defaulted) spec and the live status. */
export function renderJob(state: JobState): Job {
  const metadata = clone(state.job.metadata);
  metadata.generation = metadata.generation ?? 1;
  if (state.deletion !== null) {
    metadata.deletionTimestamp = iso(state.deletion.at);
    // As the API server does for a foreground delete: the Job stays visible until its pods are gone.
    if (state.deletion.propagationPolicy === 'Foreground') metadata.finalizers = ['foregroundDeletion'];
  }
  const next = nextAttemptTime(state);
  if (next !== null) metadata.annotations = { ...(metadata.annotations ?? {}), [NEXT_ATTEMPT_ANNOTATION]: iso(next) };
  return {
    apiVersion: JOB_API_VERSION,
    kind: JOB_KIND,
    metadata,
    spec: clone(state.job.spec),
    status: renderStatus(state),
  };
}

function ownerReference(state: Pick<JobState, 'job'>): OwnerReference {
  return {
    apiVersion: JOB_API_VERSION,
    kind: JOB_KIND,
    name: state.job.metadata.name,
    uid: state.job.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}


function podConditions(p: PodRecord): PodCondition[] {
  const out: PodCondition[] = [];
  if (p.nodeName !== null) out.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: iso(p.startedAt ?? p.createdAt) });
  out.push({
    type: 'Ready',
    status: p.ready && !isTerminal(p) ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: iso(p.finishedAt ?? p.startedAt ?? p.createdAt),
  });
  for (const c of p.conditions) {
    out.push({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastProbeTime: null, lastTransitionTime: iso(c.lastTransitionTime) });
  }
  return out;
}

/** One pod of the Job `state.job` as the API serves it (also from a record a pod shard published). */
export function renderPod(state: Pick<JobState, 'job'>, p: PodRecord): Pod {
  const template = state.job.spec.template.spec;
  const metadata: Pod['metadata'] = {
    name: p.name,
    generateName: p.index === null ? `${state.job.metadata.name}-` : `${state.job.metadata.name}-${p.index}-`,
    namespace: state.job.metadata.namespace,
    uid: p.uid,
    creationTimestamp: iso(p.createdAt),
    labels: podLabels(state, p),
    annotations: podAnnotations(state, p),
    ownerReferences: [ownerReference(state)],
  };
  if (p.deletion !== null) {
    // deletionTimestamp is when the grace period ends, as the API server sets it.
    metadata.deletionTimestamp = iso(p.deletion.at + p.deletion.gracePeriodSeconds * 1000);
    metadata.deletionGracePeriodSeconds = p.deletion.gracePeriodSeconds;
  }
  const containerStatuses = p.containerStatuses.length > 0 || isTerminal(p) ? p.containerStatuses : template.containers.map((c) => waitingContainerStatus(c, 'ContainerCreating'));
  const status: Pod['status'] = { phase: p.phase, conditions: podConditions(p), containerStatuses };
  if (p.initContainerStatuses.length > 0) status.initContainerStatuses = p.initContainerStatuses;
  if (p.startedAt !== null) status.startTime = iso(p.startedAt);
  if (p.reason !== null) status.reason = p.reason;
  if (p.message !== null) status.message = p.message;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec(state, p), status };
}

/** The Job's pods (active, terminating and the most recent finished ones), oldest first. */
export function renderPods(state: JobState): Pod[] {
  return state.pods.map((p) => renderPod(state, p));
}

/** The Job's Events (source `job-controller`), oldest first. */
export function renderEvents(state: JobState): KubeEvent[] {
  return state.events.map((e) => renderEvent(state.job, e, e.involvedKind === 'Pod' ? state.pods.find((p) => p.name === e.involvedName)?.uid : undefined));
}

/** One Event about the Job or one of its pods (`podUid` when the pod is still known). */
export function renderEvent(job: StoredJob, e: EventRecord, podUid?: string): KubeEvent {
  const { metadata } = job;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${metadata.name}.${e.seq}`, namespace: metadata.namespace, creationTimestamp: iso(e.firstTimestamp) },
    involvedObject:
      e.involvedKind === 'Job'
        ? { apiVersion: JOB_API_VERSION, kind: JOB_KIND, name: metadata.name, namespace: metadata.namespace, uid: metadata.uid }
        : { apiVersion: 'v1', kind: 'Pod', name: e.involvedName, namespace: metadata.namespace, ...(podUid ? { uid: podUid } : {}) },
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: { component: 'job-controller' },
    firstTimestamp: iso(e.firstTimestamp),
    lastTimestamp: iso(e.lastTimestamp),
    count: e.count,
    reportingComponent: 'job-controller',
  };
}
