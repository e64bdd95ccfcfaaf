/**
 * The Job workflow as it was before wave 2 (kept for the histories recorded then; see jobV1).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  initialState,
  reconcile,
  renderEvents,
  renderJob,
  renderPods,
  type Action,
  type Trigger,
  type JobState,
  V1_MAX_RUNNING_PODS,
} from '../../controller/index.js';
import { formatFieldError } from '../../k8s/field-errors.js';
import type { EventList, PodList } from '../../k8s/types.js';
import { validateUpdate } from '../../k8s/job-strategy.js';
import { deleteRequestErrors, gracePeriodErrors, isPodStatusReport, jobUpdateShapeErrors, jobWorkflowInputProblem } from '../../k8s/validate-messages.js';
import { validateScale } from '../../k8s/validate.js';
import {
  SA_LABELS,
  labelSearchTerms,
  deleteJobUpdate,
  deletePodUpdate,
  deletedQuery,
  eventsQuery,
  jobQuery,
  podStatusSignal,
  podsQuery,
  resumeSignal,
  scaleSignal,
  suspendSignal,
  updateJobUpdate,
  type JobWorkflowInput,
} from '../definitions.js';
import { invalid, invalidInput, notFound } from '../failures.js';
import { randomSuffix } from '../random-suffix.js';
import { createEffects } from './effects.js';

/**
 * The v1 shell: every pod attempt an activity of the Job's own run (at most 200 at once), drained
 * before continue-as-new. Runs histories recorded before wave 2 and Jobs started then; unchanged
 * so that they replay. A run that continues as new becomes a v2 run.
 */
export async function jobV1(input: JobWorkflowInput): Promise<void> {
  const problem = jobWorkflowInputProblem(input);
  if (problem !== null) throw invalidInput(problem);
  let state: JobState = input.state ?? initialState(input.job, input.settings, Date.now());
  const inbox: Trigger[] = [{ type: 'jobStarted' }];
  let received = 1;
  let processed = 0;
  let exit: 'continueAsNew' | 'complete' | null = null;
  let continueAsNewAsked = false;

  const push = (trigger: Trigger): number => {
    inbox.push(trigger);
    return ++received;
  };
  const processedThrough = (seq: number) => condition(() => processed >= seq);
  const effects = createEffects(() => state, push);

  // Operator signals: usable from the API, the Temporal UI and `temporal workflow signal`.
  setHandler(suspendSignal, () => void push({ type: 'suspendRequested' }));
  setHandler(resumeSignal, () => void push({ type: 'resumeRequested' }));
  setHandler(scaleSignal, (request) => {
    const parallelism = (request as { parallelism?: unknown } | undefined)?.parallelism;
    const errors = validateScale(parallelism, state.job);
    if (errors.length > 0) {
      // A signal cannot answer; the bad value is logged and the Job is left unchanged.
      log.warn('ignored invalid scale signal', { errors: errors.map(formatFieldError) });
      return;
    }
    push({ type: 'scaleRequested', parallelism: parallelism as number });
  });
  setHandler(podStatusSignal, (report) => {
    if (!isPodStatusReport(report)) {
      log.warn('ignored malformed podStatus signal');
      return;
    }
    push({ type: 'podStatus', report });
  });

  setHandler(jobQuery, () => renderJob(state));
  setHandler(podsQuery, (): PodList => ({ apiVersion: 'v1', kind: 'PodList', metadata: {}, items: renderPods(state) }));
  setHandler(eventsQuery, (): EventList => ({ apiVersion: 'v1', kind: 'EventList', metadata: {}, items: renderEvents(state) }));
  setHandler(deletedQuery, () => state.deletion !== null);

  setHandler(
    updateJobUpdate,
    async (newJob) => {
      await processedThrough(push({ type: 'jobUpdated', job: newJob }));
      return renderJob(state);
    },
    {
      validator: (newJob) => {
        if (state.deletion) throw notFound(`jobs.batch "${state.job.metadata.name}"`);
        const shape = jobUpdateShapeErrors(newJob);
        if (shape.length > 0) throw invalid(shape);
        const errors = validateUpdate(state.job, newJob, state.startTime);
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );
  setHandler(
    deleteJobUpdate,
    async (request) => {
      await processedThrough(push({ type: 'jobDeleteRequested', propagationPolicy: request.propagationPolicy }));
      return renderJob(state);
    },
    {
      validator: (request) => {
        if (state.deletion) throw notFound(`jobs.batch "${state.job.metadata.name}"`);
        const errors = deleteRequestErrors(request);
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );
  setHandler(
    deletePodUpdate,
    async (request) => {
      await processedThrough(
        push({ type: 'podDeleteRequested', podName: request.podName, gracePeriodSeconds: request.gracePeriodSeconds }),
      );
      return { apiVersion: 'v1', kind: 'PodList', metadata: {}, items: renderPods(state).filter((p) => p.metadata.name === request.podName) };
    },
    {
      validator: (request) => {
        if (state.deletion) throw notFound(`jobs.batch "${state.job.metadata.name}"`);
        if (!state.pods.some((p) => p.name === request?.podName)) throw notFound(`pods "${String(request?.podName)}"`);
        const errors = gracePeriodErrors(request.gracePeriodSeconds);
        if (errors.length > 0) throw invalid(errors);
      },
    },
  );

  let labelsShown = labelSearchTerms(state.job.metadata.labels).join('\n');

  for (;;) {
    await condition(() => inbox.length > 0);
    while (inbox.length > 0) {
      const trigger = inbox.shift() as Trigger;
      const result = reconcile(state, trigger, { now: Date.now(), randomSuffix, maxRunningPods: V1_MAX_RUNNING_PODS });
      state = result.state;
      processed++;
      effects.run(result.actions);
      // `complete` is final. A later event after `continueAsNew` (a signal that raced the drain)
      // cancels it: the controller is asked again below.
      if (exit !== 'complete') exit = exitRequested(result.actions);
    }
    if (exit === 'complete') break;
    if (exit === 'continueAsNew') {
      await condition(allHandlersFinished);
      if (inbox.length === 0) break;
      exit = null;
      continueAsNewAsked = false;
      continue;
    }
    const labels = labelSearchTerms(state.job.metadata.labels).join('\n');
    if (labels !== labelsShown) {
      labelsShown = labels;
      upsertSearchAttributes([{ key: SA_LABELS, value: labels ? labels.split('\n') : [] }]);
    }
    if (!continueAsNewAsked && historyIsLarge(input)) {
      continueAsNewAsked = true;
      push({ type: 'continueAsNewSuggested' });
    }
  }

  if (exit === 'continueAsNew') {
    // Nothing runs now (the controller drained its pods); timers are re-armed by the next run.
    await continueAsNew<typeof jobV1>({
      job: state.job,
      settings: state.settings,
      state,
      continueAsNewAfterEvents: input.continueAsNewAfterEvents,
    });
  }
  // The Job is deleted: let housekeeping (pod data removal) and in-flight updates finish.
  await effects.settled();
  await condition(allHandlersFinished);
}

function exitRequested(actions: readonly Action[]): 'continueAsNew' | 'complete' | null {
  for (const a of actions) if (a.type === 'complete' || a.type === 'continueAsNew') return a.type;
  return null;
}

function historyIsLarge(input: JobWorkflowInput): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested) return true;
  return input.continueAsNewAfterEvents !== undefined && info.historyLength >= input.continueAsNewAfterEvents;
}
