/**
 * The Job controller's state: plain JSON (no Map, Set, Date, class or undefined), times in epoch
 * milliseconds, index sets as interval strings ("0-99,105"), pod history bounded. It is the whole
 * of what the workflow carries across continue-as-new.
 */
import type { PropagationPolicy } from '../k8s/job-strategy.js';
import type { ContainerStatus, JobConditionType, ConditionStatus, StoredJob } from '../k8s/types.js';

/** Values fixed when the Job was created (from kjob's config) that shape its behaviour. */
export interface JobSettings {
  /** First pod-failure backoff delay; doubles per consecutive failure (KJOB_BACKOFF_BASE_SECONDS). */
  backoffBaseMs: number;
  /** Cap of the pod-failure backoff (KJOB_BACKOFF_MAX_SECONDS). */
  backoffMaxMs: number;
  /** Cap of the in-place OnFailure restart delay (KJOB_RESTART_BACKOFF_MAX_SECONDS). */
  restartBackoffMaxMs: number;
  /** A worker silent this long has lost its pods (KJOB_POD_HEARTBEAT_TIMEOUT_SECONDS). */
  heartbeatTimeoutMs: number;
  /**
   * Pods one pod shard runs at most (KJOB_PODS_PER_SHARD); a Job with more running pods gets more
   * shards. Absent in Jobs created before wave 2 (then 100).
   */
  podsPerShard?: number;
}

export interface ConditionRecord {
  type: JobConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastProbeTime: number;
  lastTransitionTime: number;
}

/** Why a pod was told to stop (it has a deletionTimestamp). Decides whether it counts as failed. */
export type DeletionCause =
  | 'Suspend' // not counted
  | 'ScaleDown' // not counted
  | 'JobFailed' // counted as failed (Kubernetes counts pods removed because the Job failed)
  | 'JobSucceeded' // not counted
  | 'JobDeleted' // the Job is going away
  | 'User' // DELETE of the pod: counted per podReplacementPolicy
  | 'Duplicate'; // another pod of the same index already succeeded

export interface PodDeletion {
  at: number;
  gracePeriodSeconds: number;
  cause: DeletionCause;
}

export interface PodConditionRecord {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: number;
}

export type PodRecordPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** One pod attempt as the controller knows it. */
export interface PodRecord {
  name: string;
  uid: string;
  /** Completion index (Indexed Jobs), else null. */
  index: number | null;
  phase: PodRecordPhase;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  nodeName: string | null;
  ready: boolean;
  deletion: PodDeletion | null;
  /** Pod-level reason and message (`DeadlineExceeded`, a lost worker …). */
  reason: string | null;
  message: string | null;
  conditions: PodConditionRecord[];
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
  /** backoffLimitPerIndex bookkeeping, shown as annotations on the pod. */
  indexFailureCount: number | null;
  indexIgnoredFailureCount: number | null;
  /** How the pod's terminal outcome entered the Job status; null while it is not yet accounted. */
  counted: 'succeeded' | 'failed' | 'ignored' | 'none' | null;
}

export interface EventRecord {
  /** Monotonic per Job; names the event object (`<job>.<seq>`). */
  seq: number;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** The object the event is about: the Job, or one of its pods. */
  involvedKind: 'Job' | 'Pod';
  involvedName: string;
  firstTimestamp: number;
  lastTimestamp: number;
  count: number;
}

export interface IndexFailureRecord {
  failed: number;
  ignored: number;
  lastFailureTime: number;
}

export type { PropagationPolicy } from '../k8s/job-strategy.js';

export interface JobState {
  /** metadata + current (defaulted) spec; PATCH, suspend, resume and scale change it. */
  job: StoredJob;
  settings: JobSettings;
  startTime: number | null;
  completionTime: number | null;
  conditions: ConditionRecord[];
  succeeded: number;
  failed: number;
  /** Interval string, always present (empty when none). */
  completedIndexes: string;
  /** Interval string; null unless backoffLimitPerIndex is set. */
  failedIndexes: string | null;
  /** Active, terminating and the most recent finished pods (bounded: see MAX_FINISHED_PODS). */
  pods: PodRecord[];
  /** Finished pods dropped from `pods` to keep the state bounded. */
  podsForgotten: number;
  /** Job-level pod-failure backoff (failuresAfterLastSuccess / lastFailureTime of backoff_utils.go). */
  backoff: { failuresAfterLastSuccess: number; lastFailureTime: number | null };
  /** Per-index failure counts for backoffLimitPerIndex, keyed by index (decimal string). */
  indexFailures: Record<string, IndexFailureRecord>;
  /** Armed timers by id → fireAt (epoch ms). The shell re-arms them after continue-as-new. */
  timers: Record<string, number>;
  /** Kubernetes Events about the Job (bounded ring; `eventSeq` keeps counting). */
  events: EventRecord[];
  eventSeq: number;
  /** When the Job reached Complete or Failed. */
  finishedAt: number | null;
  /** Set once the Job was deleted (DELETE or TTL): it no longer exists for the API. */
  deletion: { at: number; propagationPolicy: PropagationPolicy } | null;
  /** Temporal asked for continue-as-new: start no pods until the running ones are done. */
  draining: boolean;
}

/** Finished pods kept for GET/logs; older ones are forgotten (counts stay exact). */
export const MAX_FINISHED_PODS = 100;
/** Pods per shard workflow: each is a pending activity of the shard's run (Temporal allows 2,000). */
export const DEFAULT_PODS_PER_SHARD = 100;

/** The v1 shell's cap on running attempts of one Job (see ReconcileEnv.maxRunningPods). */
export const V1_MAX_RUNNING_PODS = 200;
/** Events kept per Job. */
export const MAX_EVENTS = 200;
