/**
 * The activities a kjob worker runs, built by a factory so that their dependencies (data
 * directory, node name, logger, the status-report channel to the Job workflow) are passed in,
 * never read from globals.
 */
import type { PodResult, RunPodInput, TerminatePodInput, WatchPodInput } from '../k8s/pod-run.js';
import type { ActivityDeps } from './deps.js';
import { ApplicationFailure } from '@temporalio/activity';
import { InvalidPathComponentError, removeJobPodData } from '../storage/pod-files.js';
import { runPod } from './pod.js';

export type { ActivityDeps, ActivityLogger } from './deps.js';

export interface RemovePodDataInput {
  namespace: string;
  jobUid: string;
}

export interface PodActivities {
  runPod(input: RunPodInput): Promise<PodResult>;
  watchPod(input: WatchPodInput): Promise<PodResult>;
  terminatePod(input: TerminatePodInput): Promise<void>;
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
