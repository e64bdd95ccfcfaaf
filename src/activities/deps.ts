/**
 * What the activities are given by the worker that hosts them (data directory, node name, logger,
 * the channels to the Job workflow): passed in by `createActivities`, never read from globals.
 */
import type { PodStatusReport } from '../k8s/pod-run.js';

/** The logger activities write to (the worker passes its JSON-lines logger). */
export interface ActivityLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ActivityDeps {
  /** Root of pod working directories and logs (KJOB_DATA_DIR). */
  dataDir: string;
  /** This worker's identity (`<pid>@<host>`): the pods' `spec.nodeName`. */
  nodeName: string;
  log: ActivityLogger;
  /** Sends a running attempt's progress to its Job workflow (the `podStatus` signal). */
  reportStatus: (workflowId: string, report: PodStatusReport) => Promise<void>;
  /** PATH given to container processes; defaults to a standard PATH plus node's folder. */
  path?: string;
  /**
   * The grace period the Job workflow recorded for this pod's deletion (a user's DELETE with
   * gracePeriodSeconds), or null; looked up when an attempt is cancelled.
   */
  deletionGracePeriod?: (workflowId: string, podName: string) => Promise<number | null>;
}
