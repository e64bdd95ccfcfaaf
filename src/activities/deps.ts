/**
 * What the activities are given by the worker that hosts them (data directory, node name, logger,
 * the channel to the workflows): passed in by `createActivities`, never read from globals.
 */
import type { PodStatusReport } from '../k8s/pod-run.js';

/** The logger activities write to (the worker passes its JSON-lines logger). */
export interface ActivityLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** `workflowGone`: the workflow does not exist (any more): nobody will ever read this report. */
export type ReportDelivery = 'delivered' | 'workflowGone';

/**
 * How pod progress reaches the workflows (the worker wires these to Temporal signals). Transient
 * failures throw; the reporter retries them.
 */
export interface ReportChannel {
  /** One `podStatus` signal (the v1 Job shell). */
  podStatus(workflowId: string, report: PodStatusReport): Promise<ReportDelivery>;
  /** One `podReports` signal with several pods' reports (a pod shard). */
  podReports(workflowId: string, reports: PodStatusReport[]): Promise<ReportDelivery>;
}

/** What the worker counts about the pods it runs (its kubelet_* metrics); optional. */
export interface PodObserver {
  /** A pod's first container process started, `latencyMs` after its attempt was scheduled (the pod's creation). */
  podStarted(latencyMs: number): void;
}

export interface ActivityDeps {
  /** Root of pod working directories and logs (KJOB_DATA_DIR). */
  dataDir: string;
  /** This worker's identity (`<pid>@<host>`): the pods' `spec.nodeName`. */
  nodeName: string;
  log: ActivityLogger;
  reports: ReportChannel;
  /** PATH given to container processes; defaults to a standard PATH plus node's folder. */
  path?: string;
  observer?: PodObserver;
  /** How often batched reports are flushed, ms (default 50). */
  reportFlushIntervalMs?: number;
}
