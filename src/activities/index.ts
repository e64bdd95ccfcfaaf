/**
 * The activities a kjob worker runs, built by a factory so that their dependencies (data
 * directory, node name, logger, the report channel to the workflows, the worker's PodRegistry)
 * are passed in, never read from globals.
 *
 * The worker splits them over its two task queues: `runPod` and `removePodData` on the shared
 * queue, `watchPod`, `terminatePod` and `removePodData` on its node queue.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { PodResult, RunPodInput, TerminatePodInput, WatchPodInput } from '../k8s/pod-run.js';
import { InvalidPathComponentError, removeJobPodData } from '../storage/pod-files.js';
import { PodLogNotFoundError, readPodLogChunk, type PodLogChunk, type PodLogChunkRequest } from '../storage/pod-logs.js';
import type { ActivityDeps } from './deps.js';
import { runPod, terminatePod, watchPod } from './pod-activities.js';
import { PodRegistry } from './pod-registry.js';

export type { ActivityDeps, ActivityLogger, ReportChannel, ReportDelivery } from './deps.js';
export { PodRegistry } from './pod-registry.js';
export type { PodLogChunk, PodLogChunkRequest, PodLogCursor } from '../storage/pod-logs.js';

/** What a node answers to a log read: a piece of the log, or why there is none. */
export type PodLogAnswer = PodLogChunk | { notFound: string };

export interface RemovePodDataInput {
  namespace: string;
  jobUid: string;
}

export interface PodActivities {
  /** Start a pod (or attach to it), heartbeat, return its outcome. */
  runPod(input: RunPodInput): Promise<PodResult>;
  /** Re-attach to a pod this worker runs, or return its recorded outcome; `PodUnknown` otherwise. */
  watchPod(input: WatchPodInput): Promise<PodResult>;
  /** SIGTERM now, SIGKILL after the grace period; returns at once. */
  terminatePod(input: TerminatePodInput): Promise<void>;
  removePodData(input: RemovePodDataInput): Promise<void>;
  /**
   * A piece of one of this node's pod logs, for an API on another machine (node task queue only;
   * the `podLog` workflow calls it). A log that does not exist is an answer, `{ notFound }` with the
   * kubelet's message, not a failure: it is the user's 400, not a failed activity in Temporal's UI.
   */
  readPodLog(input: PodLogChunkRequest): Promise<PodLogAnswer>;
}


/** The activities over `registry` (the worker's; by default a registry of their own). */
export function createActivities(deps: ActivityDeps, registry: PodRegistry = new PodRegistry(deps)): PodActivities {
  const host = { registry, nodeName: deps.nodeName, log: deps.log };
  return {
    runPod: (input) => runPod(host, input),
    watchPod: (input) => watchPod(host, input),
    terminatePod: (input) => terminatePod(host, input),
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
    readPodLog: async (input) => {
      try {
        return await readPodLogChunk(deps.dataDir, input);
      } catch (err) {
        if (err instanceof PodLogNotFoundError) return { notFound: err.message };
        if (err instanceof InvalidPathComponentError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPodDataPath');
        throw err;
      }
    },
  };
}
