/**
 * Pod records: predicates, names, the pod spec the controller builds from the template
 * (job-semantics §5) and the removal order of active pods (controller.ActivePods).
 */
import type { PodAttemptSpec } from '../k8s/pod-run.js';
import {
  JOB_COMPLETION_INDEX_ENV,
  JOB_COMPLETION_INDEX_KEY,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  LABEL_CONTROLLER_UID,
  LABEL_JOB_NAME,
  LABEL_LEGACY_CONTROLLER_UID,
  LABEL_LEGACY_JOB_NAME,
  type Container,
  type PodSpec,
} from '../k8s/types.js';
import { clone } from './clone.js';
import type { JobState, PodRecord } from './state.js';

/** Kubernetes' default terminationGracePeriodSeconds. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

export function isTerminal(p: PodRecord): boolean {
  return p.phase === 'Succeeded' || p.phase === 'Failed';
}

/** Active = Pending or Running without a deletion timestamp (status.active, job-semantics §18). */
export function isActive(p: PodRecord): boolean {
  return !isTerminal(p) && p.deletion === null;
}

/** Terminating = Pending or Running with a deletion timestamp (status.terminating, job-semantics §15). */
export function isTerminating(p: PodRecord): boolean {
  return !isTerminal(p) && p.deletion !== null;
}

export function activePods(state: JobState): PodRecord[] {
  return state.pods.filter(isActive);
}

export function isIndexed(state: JobState): boolean {
  return state.job.spec.completionMode === 'Indexed';
}

export function hasBackoffLimitPerIndex(state: JobState): boolean {
  return isIndexed(state) && state.job.spec.backoffLimitPerIndex !== undefined && state.job.spec.backoffLimitPerIndex !== null;
}

/** `onlyReplaceFailedPods`: podReplacementPolicy Failed (forced by a podFailurePolicy). */
export function onlyReplaceFailedPods(state: JobState): boolean {
  return state.job.spec.podReplacementPolicy === 'Failed' || state.job.spec.podFailurePolicy !== undefined;
}

export function terminationGraceSeconds(state: Pick<JobState, 'job'>): number {
  return state.job.spec.template.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
}

/** Sum of restartCount over containers and init containers (`pastBackoffLimitOnFailure`). */
export function restartCount(p: PodRecord): number {
  let n = 0;
  for (const cs of p.initContainerStatuses) n += cs.restartCount;
  for (const cs of p.containerStatuses) n += cs.restartCount;
  return n;
}

/**
 * A generated pod name: `<job>-<suffix>` or `<job>-<index>-<suffix>`, the generateName prefix cut
 * to 58 characters (apiserver `SimpleNameGenerator`); for Indexed Jobs the Job name is cut so that
 * `-<index>-` survives (`podGenerateNameWithIndex`).
 */
export function podName(jobName: string, index: number | null, suffix: string): string {
  const maxPrefix = 58;
  if (index === null) {
    const prefix = `${jobName}-`;
    return `${prefix.slice(0, maxPrefix)}${suffix}`;
  }
  const tail = `-${index}-`;
  return `${jobName.slice(0, Math.max(0, maxPrefix - tail.length))}${tail}${suffix}`;
}

/** FNV-1a, used to derive a stable UUID-shaped pod uid from the Job uid and the pod name. */
function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A deterministic UUID-shaped uid (the controller has no randomness of its own). */
export function podUid(jobUid: string, name: string): string {
  const key = `${jobUid}/${name}`;
  const hex = [0x811c9dc5, 0x01234567, 0x89abcdef, 0x13579bdf]
    .map((seed) => fnv1a(key, seed).toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function podLabels(state: Pick<JobState, 'job'>, p: PodRecord): Record<string, string> {
  const { metadata, spec } = state.job;
  const labels: Record<string, string> = {
    ...(spec.template.metadata?.labels ?? {}),
    [LABEL_CONTROLLER_UID]: metadata.uid,
    [LABEL_LEGACY_CONTROLLER_UID]: metadata.uid,
    [LABEL_JOB_NAME]: metadata.name,
    [LABEL_LEGACY_JOB_NAME]: metadata.name,
  };
  if (p.index !== null) labels[JOB_COMPLETION_INDEX_KEY] = String(p.index);
  return labels;
}

export function podAnnotations(state: Pick<JobState, 'job'>, p: PodRecord): Record<string, string> {
  const annotations: Record<string, string> = { ...(state.job.spec.template.metadata?.annotations ?? {}) };
  if (p.index !== null) annotations[JOB_COMPLETION_INDEX_KEY] = String(p.index);
  if (p.indexFailureCount !== null) annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(p.indexFailureCount);
  if (p.indexIgnoredFailureCount !== null && p.indexIgnoredFailureCount > 0) {
    annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(p.indexIgnoredFailureCount);
  }
  return annotations;
}

/** `addCompletionIndexEnvVariable`: JOB_COMPLETION_INDEX from the index label via the Downward API. */
function withIndexEnv(c: Container): Container {
  if ((c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return c;
  return {
    ...c,
    env: [
      ...(c.env ?? []),
      { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_KEY}']` } } },
    ],
  };
}

/** The pod spec: the template's, plus hostname and JOB_COMPLETION_INDEX for Indexed Jobs, plus nodeName. */
export function podSpec(state: Pick<JobState, 'job'>, p: PodRecord): PodSpec {
  const template = state.job.spec.template.spec;
  const spec: PodSpec = clone(template);
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_SECONDS;
  if (p.index !== null) {
    spec.hostname = `${state.job.metadata.name}-${p.index}`;
    spec.containers = spec.containers.map(withIndexEnv);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withIndexEnv);
  }
  if (p.nodeName !== null) spec.nodeName = p.nodeName;
  return spec;
}

/** Everything a worker needs to run the attempt `name` of the Job in `state`. */
export function podRunInput(state: JobState, name: string): PodAttemptSpec {
  const p = state.pods.find((x) => x.name === name);
  if (!p) throw new Error(`podRunInput: unknown pod ${name}`);
  return podAttemptSpec(state, p);
}

/**
 * The attempt `p` of the Job as the worker runs it: the pod's metadata (as the Downward API sees
 * it), its spec (the template plus the controller's additions) and the Job's timings. Pure, so the
 * pod shards build the same spec from the pod record the Job sends them.
 */
export function podAttemptSpec(state: Pick<JobState, 'job' | 'settings'>, p: PodRecord): PodAttemptSpec {
  const { metadata } = state.job;
  return {
    namespace: metadata.namespace,
    jobName: metadata.name,
    jobUid: metadata.uid,
    podName: p.name,
    podUid: p.uid,
    index: p.index,
    labels: podLabels(state, p),
    annotations: podAnnotations(state, p),
    spec: podSpec(state, p),
    terminationGracePeriodSeconds: terminationGraceSeconds(state),
    restartBackoffBaseMs: state.settings.backoffBaseMs,
    restartBackoffMaxMs: state.settings.restartBackoffMaxMs,
    heartbeatIntervalMs: state.settings.heartbeatTimeoutMs / 3,
  };
}

const phaseRank: Record<PodRecord['phase'], number> = { Pending: 0, Running: 1, Succeeded: 2, Failed: 2 };

/**
 * `controller.ActivePods` ordering, the pods to delete first coming first: unscheduled before
 * scheduled, Pending before Running, not ready before ready, ready for less time first, more
 * restarts first, newer before older.
 */
export function compareForRemoval(a: PodRecord, b: PodRecord): number {
  const aScheduled = a.nodeName !== null ? 1 : 0;
  const bScheduled = b.nodeName !== null ? 1 : 0;
  if (aScheduled !== bScheduled) return aScheduled - bScheduled;
  if (phaseRank[a.phase] !== phaseRank[b.phase]) return phaseRank[a.phase] - phaseRank[b.phase];
  if (a.ready !== b.ready) return (a.ready ? 1 : 0) - (b.ready ? 1 : 0);
  if (a.ready && b.ready && a.startedAt !== b.startedAt) return (b.startedAt ?? 0) - (a.startedAt ?? 0);
  const ra = restartCount(a);
  const rb = restartCount(b);
  if (ra !== rb) return rb - ra;
  return b.createdAt - a.createdAt;
}
