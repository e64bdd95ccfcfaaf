/**
 * Carries out the CronJob controller's actions: a Job is started as a child workflow (abandoned
 * when the CronJob's run closes: Jobs outlive continue-as-new and an Orphan delete), a Job is
 * deleted with the `deleteJob` signal (workflows cannot send updates), the Schedule is written and
 * deleted by activities, Events are logged. Outcomes come back as triggers. No CronJob logic lives
 * here.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  rootCause,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { ScheduleActivities } from '../activities/schedules.js';
import type { CronJobAction, CronJobState, CronJobTrigger } from '../controller/cronjob/index.js';
import { assertNever } from '../controller/index.js';
import { JOB_WORKFLOW_TYPE, cronJobScheduleIdFor, deleteJobSignal, jobWorkflowStart, workflowIdFor } from './definitions.js';

export interface CronJobEffects {
  run(actions: readonly CronJobAction[]): void;
  /** Child starts, signals and activities still running (continue-as-new and the end wait for 0). */
  inFlight(): number;
}

export interface CronJobEffectsDeps {
  state: () => CronJobState;
  push: (trigger: CronJobTrigger) => void;
}

const { syncCronJobSchedule, deleteCronJobSchedule } = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '30s',
  // Temporal being briefly unreachable is retried; a spec Temporal refuses is not (InvalidSchedule).
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidSchedule'] },
});

export function createCronJobEffects({ state, push }: CronJobEffectsDeps): CronJobEffects {
  let inFlight = 0;
  const track = (p: Promise<unknown>) => {
    inFlight++;
    void p.finally(() => inFlight--);
  };
  const ids = () => {
    const { namespace, name } = state().cronJob.metadata;
    return { namespace, scheduleId: cronJobScheduleIdFor(namespace, name), cronJobWorkflowId: workflowInfo().workflowId };
  };

  const createJob = (action: Extract<CronJobAction, { type: 'createJob' }>) => {
    const name = action.job.metadata.name;
    track(
      startChild(JOB_WORKFLOW_TYPE, {
        ...jobWorkflowStart(action.job, state().settings),
        taskQueue: workflowInfo().taskQueue,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      }).then(
        () => push({ type: 'jobCreated', name }),
        (err: unknown) =>
          push({ type: 'jobCreateFailed', name, alreadyExists: err instanceof WorkflowExecutionAlreadyStartedError, message: (err as Error).message }),
      ),
    );
  };

  const deleteJob = (name: string, uid: string) => {
    track(
      getExternalWorkflowHandle(workflowIdFor(ids().namespace, name))
        .signal(deleteJobSignal, { propagationPolicy: 'Background', uid })
        .catch((err: unknown) => {
          // The Job's workflow has ended: the Job is gone already.
          log.info('job to delete is gone', { job: name, error: (err as Error).message });
          push({ type: 'jobGone', name });
        }),
    );
  };

  const syncSchedule = (action: Extract<CronJobAction, { type: 'syncSchedule' }>) => {
    const { scheduleId, cronJobWorkflowId } = ids();
    track(
      syncCronJobSchedule({ scheduleId, options: action.options, taskQueue: workflowInfo().taskQueue, tick: { cronJobWorkflowId } }).then(
        () => push({ type: 'scheduleSynced', key: action.key }),
        (err: unknown) => push({ type: 'scheduleSyncFailed', key: action.key, message: rootCause(err) ?? String(err) }),
      ),
    );
  };

  const deleteSchedule = () => {
    // Retried until it succeeds (a missing Schedule counts as deleted); only cancellation ends it otherwise.
    track(
      deleteCronJobSchedule({ scheduleId: ids().scheduleId }).then(
        () => push({ type: 'scheduleDeleted' }),
        (err: unknown) => log.warn('schedule not deleted', { error: rootCause(err) }),
      ),
    );
  };

  const run = (actions: readonly CronJobAction[]) => {
    for (const action of actions) {
      switch (action.type) {
        case 'createJob':
          createJob(action);
          break;
        case 'deleteJob':
          deleteJob(action.name, action.uid);
          break;
        case 'syncSchedule':
          syncSchedule(action);
          break;
        case 'deleteSchedule':
          deleteSchedule();
          break;
        case 'recordEvent': {
          const { reason, type, message } = action.event;
          log.info('event', { reason, eventType: type, message, object: `CronJob/${state().cronJob.metadata.name}` });
          break;
        }
        case 'complete': // the workflow loop ends the run
          break;
        default:
          assertNever(action);
      }
    }
  };

  return { run, inFlight: () => inFlight };
}
