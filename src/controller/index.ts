/**
 * The Job controller's public surface. Pure and deterministic: no Temporal, Node, Express or I/O.
 * Implemented in the sibling files; this module only re-exports.
 */
export type { JobState, JobSettings, PodRecord, PodDeletion, EventRecord, PropagationPolicy } from './state.js';
export type { Trigger } from './triggers.js';
export type { Action, JobPhase } from './actions.js';
export { initialState, reconcile } from './reconcile.js';
export { DEFAULT_PODS_PER_SHARD, V1_MAX_RUNNING_PODS } from './state.js';
export type { ReconcileEnv, ReconcileResult } from './reconcile.js';
export { renderJob, renderPods, renderEvents, jobPhase, nextAttemptTime } from './render.js';
export { podAttemptSpec, podRunInput } from './pods.js';
export { assertNever } from './assert-never.js';
export { applyResult, applyStatusReport, failPod, markLost } from './pod-record.js';
export { NEXT_ATTEMPT_ANNOTATION } from '../k8s/types.js';
export { syncReport } from './metrics.js';
export type { SyncReport, FailurePolicyAction } from './metrics.js';
