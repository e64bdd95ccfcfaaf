/**
 * The working context of one `reconcile` call: the (already copied) state being changed, the
 * environment, the actions decided so far and the timers the pass wants armed. The helpers here
 * are the controller's only side channels, like `jm.podControl` and `jm.recorder` upstream.
 */
import type { Action } from './actions.js';
import { ownPod } from './clone.js';
import { podName, podUid, terminationGraceSeconds } from './pods.js';
import { MAX_EVENTS, type DeletionCause, type EventRecord, type JobState, type PodRecord } from './state.js';

export interface ReconcileEnv {
  /** Epoch milliseconds (the workflow's deterministic clock). */
  now: number;
  /** Five characters from `bcdfghjklmnpqrstvwxz2456789` (apimachinery util/rand alphabet). */
  randomSuffix: () => string;
  /**
   * At most this many pod attempts running (active or terminating) at once; the rest wait like
   * pods on a full cluster. Only the v1 workflow shell, which ran every attempt as an activity of
   * the Job's own run, sets it (200) — its recorded histories must replay with it.
   */
  maxRunningPods?: number;
}

export interface Ctx {
  state: JobState;
  env: ReconcileEnv;
  actions: Action[];
  /** Timers this pass wants armed (id → fireAt); reconciled against `state.timers` at the end. */
  timers: Record<string, number>;
}

export type TimerId = 'backoff' | 'index-backoff' | 'deadline' | 'ttl';

export function wantTimer(ctx: Ctx, id: TimerId, fireAt: number): void {
  ctx.timers[id] = fireAt;
}

/**
 * `recorder.Event`: appends a Kubernetes Event to the bounded ring and emits `recordEvent`.
 * A repeat of the latest event (same object, type, reason and message) is aggregated into it
 * (count + lastTimestamp), as the client-go event correlator does.
 */
export function recordEvent(
  ctx: Ctx,
  type: EventRecord['type'],
  reason: string,
  message: string,
  involved: { kind: 'Job' | 'Pod'; name: string } = { kind: 'Job', name: ctx.state.job.metadata.name },
): void {
  const { state, env } = ctx;
  const last = state.events[state.events.length - 1];
  if (
    last &&
    last.type === type &&
    last.reason === reason &&
    last.message === message &&
    last.involvedKind === involved.kind &&
    last.involvedName === involved.name
  ) {
    // Replaced, not changed: the events may be shared with the input state.
    const updated: EventRecord = { ...last, count: last.count + 1, lastTimestamp: env.now };
    state.events[state.events.length - 1] = updated;
    ctx.actions.push({ type: 'recordEvent', event: { ...updated } });
    return;
  }
  state.eventSeq += 1;
  const ev: EventRecord = {
    seq: state.eventSeq,
    type,
    reason,
    message,
    involvedKind: involved.kind,
    involvedName: involved.name,
    firstTimestamp: env.now,
    lastTimestamp: env.now,
    count: 1,
  };
  state.events.push(ev);
  if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
  ctx.actions.push({ type: 'recordEvent', event: { ...ev } });
}

/** Creates one pod record for `index` and emits `startPod` + `SuccessfulCreate` (podControl.CreatePods). */
export function createPod(ctx: Ctx, index: number | null): PodRecord {
  const { state, env } = ctx;
  const taken = new Set(state.pods.map((p) => p.name));
  let name = podName(state.job.metadata.name, index, env.randomSuffix());
  // The API server retries generateName on a conflict; so do we.
  for (let i = 0; taken.has(name) && i < 100; i++) name = podName(state.job.metadata.name, index, env.randomSuffix());
  const rec = index === null ? undefined : state.indexFailures[String(index)];
  const perIndex = index !== null && state.job.spec.backoffLimitPerIndex !== undefined && state.job.spec.backoffLimitPerIndex !== null;
  const pod: PodRecord = {
    name,
    uid: podUid(state.job.metadata.uid, name),
    index,
    phase: 'Pending',
    createdAt: env.now,
    startedAt: null,
    finishedAt: null,
    nodeName: null,
    ready: false,
    deletion: null,
    reason: null,
    message: null,
    conditions: [],
    initContainerStatuses: [],
    containerStatuses: [],
    indexFailureCount: perIndex ? (rec?.failed ?? 0) : null,
    indexIgnoredFailureCount: perIndex ? (rec?.ignored ?? 0) : null,
    counted: null,
  };
  state.pods.push(pod);
  ctx.actions.push({ type: 'startPod', pod });
  recordEvent(ctx, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`);
  return pod;
}

/** Causes whose pods never enter status.failed/succeeded: their finalizer is removed before deletion. */
const UNCOUNTED_CAUSES: readonly DeletionCause[] = ['Suspend', 'ScaleDown', 'JobSucceeded', 'Duplicate', 'JobDeleted'];

/**
 * Tells a pod to stop (sets its deletion timestamp) and emits `terminatePod`. Pods the controller
 * removes for scale-down, suspend, success or duplicates are never counted (their tracking
 * finalizer goes first). Pods removed because the Job failed are counted by `enactFate`; user
 * deletions by the next pass, according to podReplacementPolicy.
 */
export function deletePod(ctx: Ctx, shared: PodRecord, cause: DeletionCause, gracePeriodSeconds: number | null = null): void {
  const { state, env } = ctx;
  const pod = ownPod(state, shared);
  const grace = gracePeriodSeconds ?? terminationGraceSeconds(state);
  pod.deletion = { at: env.now, gracePeriodSeconds: grace, cause };
  if (pod.counted === null && UNCOUNTED_CAUSES.includes(cause)) pod.counted = 'none';
  ctx.actions.push({ type: 'terminatePod', podName: pod.name, gracePeriodSeconds: grace });
  // The garbage collector (Job deleted) and users delete pods without a job-controller event.
  if (cause !== 'JobDeleted' && cause !== 'User') recordEvent(ctx, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`);
}
