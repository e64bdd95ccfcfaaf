/**
 * The CronJob workflow's message handlers: each validates its payload (the same checks as HTTP)
 * and pushes a trigger. `update` answers once the change was reconciled and the Schedule follows it
 * (state and Schedule change together); `delete` once the deletion began.
 */
import { condition, log, setHandler } from '@temporalio/workflow';
import { renderCronJob, renderCronJobEvents, type CronJobState, type CronJobTrigger } from '../controller/cronjob/index.js';
import { validateCronJobUpdate } from '../k8s/cronjob-validate.js';
import type { EventList } from '../k8s/types.js';
import { cronJobUpdateShapeErrors, deleteRequestErrors, isJobFinishedReport, scheduledTimeOf } from '../k8s/validate-messages.js';
import {
  cronJobQuery,
  cronJobScheduledSignal,
  deleteCronJobUpdate,
  deletedQuery,
  eventsQuery,
  jobFinishedSignal,
  updateCronJobUpdate,
} from './definitions.js';
import { invalid, notFound } from './failures.js';

export interface CronJobHandlerDeps {
  state: () => CronJobState;
  push: (trigger: CronJobTrigger) => number;
  processedThrough: (seq: number) => Promise<void>;
}

const epoch = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

export function registerCronJobHandlers({ state, push, processedThrough }: CronJobHandlerDeps): void {
  const gone = () => notFound(`cronjobs.batch "${state().cronJob.metadata.name}"`);

  // A run is due: the Schedule's tick sends this; an operator may too (Temporal UI, CLI).
  setHandler(cronJobScheduledSignal, (request) => {
    const scheduledTime = scheduledTimeOf(request);
    if (scheduledTime === null) return log.warn('ignored scheduled signal without an RFC 3339 scheduledTime', { request });
    push({ type: 'scheduled', scheduledTime });
  });
  setHandler(jobFinishedSignal, (report) => {
    // Only this CronJob's Jobs count: a Job of a deleted namesake names another uid.
    if (!isJobFinishedReport(report) || report.ownerUid !== state().cronJob.metadata.uid) return log.info('ignored jobFinished report', { report });
    push({
      type: 'jobFinished',
      name: report.name,
      uid: report.uid,
      condition: report.condition,
      startTime: epoch(report.startTime),
      completionTime: epoch(report.completionTime),
    });
  });

  setHandler(cronJobQuery, () => renderCronJob(state()));
  setHandler(eventsQuery, (): EventList => ({ apiVersion: 'v1', kind: 'EventList', metadata: {}, items: renderCronJobEvents(state()) }));
  setHandler(deletedQuery, () => state().deletion !== null);

  setHandler(
    updateCronJobUpdate,
    async (cronJob) => {
      await processedThrough(push({ type: 'updated', cronJob }));
      await condition(() => state().schedule.syncing === null);
      return renderCronJob(state());
    },
    {
      validator: (cronJob) => {
        if (state().deletion) throw gone();
        const errors = cronJobUpdateShapeErrors(cronJob);
        if (errors.length === 0) errors.push(...validateCronJobUpdate(state().cronJob, cronJob));
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );
  setHandler(
    deleteCronJobUpdate,
    async (request) => {
      await processedThrough(push({ type: 'deleteRequested', propagationPolicy: request.propagationPolicy }));
      return renderCronJob(state());
    },
    {
      validator: (request) => {
        if (state().deletion) throw gone();
        const errors = deleteRequestErrors(request);
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );
}
