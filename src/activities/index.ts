/**
 * The activities a kjob worker runs, built by a factory so that their dependencies (data
 * directory, node name, logger, the status-report channel to the Job workflow) are passed in,
 * never read from globals.
 */
import type { PodResult, PodStatusReport, RunPodInput } from '../k8s/pod-run.js';
import { ApplicationFailure } from '@temporalio/activity';
import { InvalidPathComponentError, removeJobPodData } from '../storage/pod-files.js';
import { runPod } from './pod.js';

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

export interface RemovePodDataInput {
  namespace: string;
  jobUid: string;
}

export interface PodActivities {
  runPod(input: RunPodInput): Promise<PodResult>;
  removePodData(input: RemovePodDataInput): Promise<void>;
}

export function createActivities(deps: ActivityDeps): PodActivities {
  return {
    runPod: (input) => runPod(deps, input),
    removePodData: async ({ namespace, jobUid }) => {
      try {
        await removeJobPodData(deps.dataDir, namespace, jobUid);
      } catch (err) {
        // A malformed namespace or uid will never become valid: do not let Temporal retry it.
        if (err instanceof InvalidPathComponentError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPodDataPath');
        throw err;
      }
      deps.log.info('pod data removed', { namespace, jobUid });
    },
  };
}
