/**
 * Tells the CronJob that controls a Job when the Job finishes (Complete or Failed) or is being
 * deleted, with the `jobFinished` signal: the CronJob keeps its active list, lastSuccessfulTime and
 * history limits from these reports, where the Kubernetes controller lists its Jobs. A shell
 * concern: which phase the Job is in is the controller's; this only reports changes of it.
 */
import { getExternalWorkflowHandle, log, patched } from '@temporalio/workflow';
import { jobPhase, renderJob, type JobState } from '../controller/index.js';
import { cronJobOwnerOf } from '../k8s/cronjob-strategy.js';
import { cronJobWorkflowIdFor, jobFinishedSignal, type JobFinishedReport } from './definitions.js';

/** Jobs recorded before CronJobs existed send nothing (their histories replay unchanged). */
export const CRONJOB_OWNER_PATCH = 'kjob-cronjob-owner-reports';

export interface OwnerNotifier {
  notify(state: JobState): void;
  /** Resolves once every report was delivered (or found no CronJob). */
  settled(): Promise<void>;
}

type Reported = JobFinishedReport['condition'];

function reportable(state: JobState): Reported | null {
  const phase = jobPhase(state);
  if (phase === 'Deleting') return 'Deleted';
  return phase === 'Complete' || phase === 'Failed' ? phase : null;
}

/** `carried`: the state this run started from (after continue-as-new its outcome was reported already). */
export function createOwnerNotifier(carried: JobState | undefined): OwnerNotifier {
  let last: Reported | null = carried ? reportable(carried) : null;
  const pending: Array<Promise<void>> = [];
  return {
    notify(state) {
      const owner = cronJobOwnerOf(state.job);
      if (owner === null) return;
      const condition = reportable(state);
      if (condition === null || condition === last) return;
      last = condition;
      if (!patched(CRONJOB_OWNER_PATCH)) return;
      const { metadata } = state.job;
      const status = renderJob(state).status ?? {};
      const report: JobFinishedReport = {
        name: metadata.name,
        uid: metadata.uid,
        ownerUid: owner.uid,
        condition,
        startTime: status.startTime ?? null,
        completionTime: status.completionTime ?? null,
      };
      pending.push(
        getExternalWorkflowHandle(cronJobWorkflowIdFor(metadata.namespace, owner.name))
          .signal(jobFinishedSignal, report)
          .catch((err: unknown) => log.info('owning cronjob not told (it is gone)', { cronJob: owner.name, error: (err as Error).message })),
      );
    },
    settled: async () => {
      await Promise.all(pending);
    },
  };
}
