/**
 * How a pod record changes with what its attempt reports: the kubelet's status updates as the API
 * server would store them. Shared by the controller (its own records) and the pod shards (the
 * records they publish), so both show a pod the same way. Each function changes the record it is
 * given: pass a copy you own.
 */
import type { PodResult, PodStatusReport } from '../k8s/pod-run.js';
import type { PodRecord } from './state.js';

/** The reason and message kjob puts on a pod whose worker was lost (like a lost node). */
export const WORKER_LOST_REASON = 'WorkerLost';
export const WORKER_LOST_MESSAGE = 'The worker running the pod stopped heartbeating';
export const START_ERROR_REASON = 'StartError';
export const NOT_STARTED_MESSAGE = 'The pod was stopped before it started';

/** A running attempt's progress: Running on its node, readiness and container states. */
export function applyStatusReport(p: PodRecord, report: PodStatusReport): void {
  p.phase = 'Running';
  p.nodeName = report.nodeName;
  p.startedAt = p.startedAt ?? report.startedAt;
  p.ready = report.ready;
  p.initContainerStatuses = report.initContainerStatuses;
  p.containerStatuses = report.containerStatuses;
}

/** The attempt's outcome: all its processes have exited. */
export function applyResult(p: PodRecord, result: PodResult): void {
  p.phase = result.phase;
  p.nodeName = result.nodeName || p.nodeName;
  p.startedAt = p.startedAt ?? result.startedAt;
  p.finishedAt = result.finishedAt;
  p.ready = false;
  p.reason = result.reason ?? null;
  p.message = result.message ?? null;
  p.initContainerStatuses = result.initContainerStatuses;
  p.containerStatuses = result.containerStatuses;
}

/** A pod that ends without an exit of its own (never started, lost, start error) is Failed. */
export function failPod(p: PodRecord, now: number, reason: string | null, message: string | null): void {
  p.phase = 'Failed';
  p.finishedAt = now;
  p.ready = false;
  p.reason = reason;
  p.message = message;
  p.containerStatuses = p.containerStatuses.map((cs) => ({ ...cs, ready: false }));
}

/** Like a pod on a lost node: Failed with a DisruptionTarget condition (job-semantics §24). */
export function markLost(p: PodRecord, now: number, message: string): void {
  failPod(p, now, null, null);
  p.conditions = [
    ...p.conditions.filter((c) => c.type !== 'DisruptionTarget'),
    { type: 'DisruptionTarget', status: 'True', reason: WORKER_LOST_REASON, message, lastTransitionTime: now },
  ];
}
