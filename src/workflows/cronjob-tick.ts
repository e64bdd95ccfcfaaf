/**
 * What a CronJob's Temporal Schedule starts at each due time: it tells the CronJob the nominal time
 * (the `TemporalScheduledStartTime` search attribute Temporal sets on scheduled workflows; the start
 * time for a manual trigger without one) and ends. The CronJob decides what to do with it.
 */
import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { SA_SCHEDULED_START_TIME, cronJobScheduledSignal, type CronJobTickInput } from './definitions.js';

export async function cronJobTick(input: CronJobTickInput): Promise<void> {
  const info = workflowInfo();
  const at = info.typedSearchAttributes.get(SA_SCHEDULED_START_TIME) ?? info.startTime;
  try {
    await getExternalWorkflowHandle(input.cronJobWorkflowId).signal(cronJobScheduledSignal, { scheduledTime: at.toISOString() });
  } catch (err) {
    // The CronJob is gone (its Schedule is being deleted with it): nothing to run.
    log.info('cronjob tick found no cronjob', { cronJob: input.cronJobWorkflowId, error: (err as Error).message });
  }
}
