/**
 * The Job workflow's message handlers: each validates its payload (k8s/validate-messages.ts, the
 * same checks as HTTP) and pushes a trigger; updates wait until their trigger was reconciled and
 * answer with the result. Queries render the controller's state (off the read path: readers use
 * the published memo).
 */
import { log, setHandler } from '@temporalio/workflow';
import { renderEvents, renderJob, renderPods, type JobState, type Trigger } from '../controller/index.js';
import { formatFieldError } from '../k8s/field-errors.js';
import { validateUpdate } from '../k8s/job-strategy.js';
import type { EventList, PodList } from '../k8s/types.js';
import { deleteRequestErrors, gracePeriodErrors, isPodStatusReport, jobUpdateShapeErrors } from '../k8s/validate-messages.js';
import { validateScale } from '../k8s/validate.js';
import {
  deleteJobSignal,
  deleteJobUpdate,
  deletePodUpdate,
  deletedQuery,
  eventsQuery,
  jobQuery,
  podReportsSignal,
  podsQuery,
  resumeSignal,
  scaleSignal,
  shardReportSignal,
  suspendSignal,
  updateJobUpdate,
} from './definitions.js';
import { invalid, notFound } from './failures.js';
import type { PodShards } from './pod-shards.js';

export interface JobHandlerDeps {
  state: () => JobState;
  /** Queues a trigger; returns its sequence number. */
  push: (trigger: Trigger) => number;
  /** Resolves once the trigger with sequence number `seq` was reconciled. */
  processedThrough: (seq: number) => Promise<void>;
  shards: PodShards;
}

export function registerJobHandlers({ state, push, processedThrough, shards }: JobHandlerDeps): void {
  const job = () => state().job;
  const gone = () => notFound(`jobs.batch "${job().metadata.name}"`);
  const podList = (items = renderPods(state())): PodList => ({ apiVersion: 'v1', kind: 'PodList', metadata: {}, items });

  // Operator signals: usable from the API, the Temporal UI and `temporal workflow signal`.
  setHandler(suspendSignal, () => void push({ type: 'suspendRequested' }));
  setHandler(resumeSignal, () => void push({ type: 'resumeRequested' }));
  setHandler(scaleSignal, (request) => {
    const parallelism = (request as { parallelism?: unknown } | undefined)?.parallelism;
    const errors = validateScale(parallelism, job());
    // A signal cannot answer: a bad value is logged and the Job is left unchanged.
    if (errors.length > 0) return log.warn('ignored invalid scale signal', { errors: errors.map(formatFieldError) });
    push({ type: 'scaleRequested', parallelism: parallelism as number });
  });
  // A CronJob deletes its Jobs with this signal (workflows cannot send updates): the delete
  // update's checks, and a uid precondition so a Job recreated under the name is left alone.
  setHandler(deleteJobSignal, (request) => {
    if (state().deletion) return;
    const uid = (request as { uid?: unknown } | undefined)?.uid;
    if (uid !== undefined && uid !== job().metadata.uid) return log.info('ignored deleteJob signal for another uid', { uid });
    const errors = deleteRequestErrors(request);
    if (errors.length > 0) return log.warn('ignored invalid deleteJob signal', { errors: errors.map(formatFieldError) });
    push({ type: 'jobDeleteRequested', propagationPolicy: request.propagationPolicy });
  });
  setHandler(shardReportSignal, (report) => {
    for (const trigger of shards.report(report)) push(trigger);
  });
  // Progress of the pods the Job runs itself (its first slice), from their workers.
  setHandler(podReportsSignal, (batch) => shards.reportOwn((Array.isArray(batch) ? batch : []).filter(isPodStatusReport)));

  setHandler(jobQuery, () => renderJob(state()));
  setHandler(podsQuery, () => podList());
  setHandler(eventsQuery, (): EventList => ({ apiVersion: 'v1', kind: 'EventList', metadata: {}, items: renderEvents(state()) }));
  setHandler(deletedQuery, () => state().deletion !== null);

  setHandler(
    updateJobUpdate,
    async (newJob) => {
      await processedThrough(push({ type: 'jobUpdated', job: newJob }));
      return renderJob(state());
    },
    {
      validator: (newJob) => {
        if (state().deletion) throw gone();
        const errors = jobUpdateShapeErrors(newJob);
        if (errors.length === 0) errors.push(...validateUpdate(job(), newJob, state().startTime));
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );
  setHandler(
    deleteJobUpdate,
    async (request) => {
      await processedThrough(push({ type: 'jobDeleteRequested', propagationPolicy: request.propagationPolicy }));
      return renderJob(state());
    },
    {
      validator: (request) => {
        if (state().deletion) throw gone();
        const errors = deleteRequestErrors(request);
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );
  setHandler(
    deletePodUpdate,
    async ({ podName, gracePeriodSeconds }) => {
      await processedThrough(push({ type: 'podDeleteRequested', podName, gracePeriodSeconds }));
      return podList(renderPods(state()).filter((p) => p.metadata.name === podName));
    },
    {
      validator: (request) => {
        if (state().deletion) throw gone();
        if (!state().pods.some((p) => p.name === request?.podName)) throw notFound(`pods "${String(request?.podName)}"`);
        const errors = gracePeriodErrors(request.gracePeriodSeconds);
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );
}
