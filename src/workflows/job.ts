/**
 * The Job workflow: a thin, deterministic shell around the pure controller. Handlers validate
 * and push triggers onto an inbox; one loop drains it through `reconcile` and hands the resulting
 * actions to the effects. Queries render the controller state. No Job logic lives here.
 */
import {
  ApplicationFailure,
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
} from '../controller/index.js';
import { formatFieldError, type FieldError } from '../k8s/field-errors.js';
import type { PodStatusReport } from '../k8s/pod-run.js';
import type { EventList, PodList } from '../k8s/types.js';
import { isPropagationPolicy, PROPAGATION_POLICIES, validateUpdate } from '../k8s/job-strategy.js';
import { validateJob, validateScale } from '../k8s/validate.js';
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
} from './definitions.js';
import { createEffects } from './effects.js';

const POD_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Pod-name suffixes from the workflow's seeded PRNG: deterministic on replay. */
function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += POD_NAME_ALPHABET[Math.floor(Math.random() * POD_NAME_ALPHABET.length)];
  return s;
}

function invalid(errors: FieldError[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'Invalid',
    message: errors.map(formatFieldError).join(', '),
    details: [errors],
    nonRetryable: true,
  });
}

function notFound(what: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'NotFound', message: `${what} not found`, nonRetryable: true });
}

function isPodStatusReport(x: unknown): x is PodStatusReport {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.podName === 'string' &&
    r.phase === 'Running' &&
    typeof r.nodeName === 'string' &&
    typeof r.startedAt === 'number' &&
    typeof r.ready === 'boolean' &&
    Array.isArray(r.containerStatuses) &&
    Array.isArray(r.initContainerStatuses)
  );
}

/**
 * The input must be a Job the API would have accepted: a workflow started by hand (Temporal UI,
 * `temporal workflow start`) gets the same validation, and a bad one fails at once, non-retryably,
 * with Kubernetes-worded field errors instead of a workflow task failing forever.
 */
function checkInput(input: JobWorkflowInput): void {
  const fail = (message: string) => {
    throw ApplicationFailure.create({ type: 'Invalid', message: `invalid Job workflow input: ${message}`, nonRetryable: true });
  };
  if (typeof input !== 'object' || input === null) fail('expected { job, settings }');
  if (input.state !== undefined) return; // carried over by continue-as-new from a validated run
  const { job: j, settings } = input;
  if (typeof j !== 'object' || j === null || typeof j.spec !== 'object' || typeof j.metadata !== 'object' || j.spec === null || j.metadata === null) {
    fail('job must be a batch/v1 Job with metadata and spec');
  }
  for (const key of ['name', 'namespace', 'uid'] as const) {
    if (typeof j.metadata[key] !== 'string' || j.metadata[key] === '') fail(`job.metadata.${key} is required`);
  }
  const errors = validateJob(j);
  if (errors.length > 0) fail(errors.map(formatFieldError).join(', '));
  const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (typeof settings !== 'object' || settings === null || !ok(settings.backoffBaseMs) || !ok(settings.backoffMaxMs) || !ok(settings.restartBackoffMaxMs) || !ok(settings.heartbeatTimeoutMs)) {
    fail('settings needs positive backoffBaseMs, backoffMaxMs, restartBackoffMaxMs and heartbeatTimeoutMs');
  }
}

export async function job(input: JobWorkflowInput): Promise<void> {
  checkInput(input);
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
        if (typeof newJob !== 'object' || newJob === null || typeof newJob.spec !== 'object' || typeof newJob.metadata !== 'object') {
          throw invalid([{ type: 'FieldValueRequired', field: 'spec', detail: 'the update needs the whole Job (metadata and spec)' }]);
        }
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
        if (!isPropagationPolicy(request?.propagationPolicy)) {
          throw invalid([
            {
              type: 'FieldValueNotSupported',
              field: 'propagationPolicy',
              value: request?.propagationPolicy,
              detail: `supported values: ${PROPAGATION_POLICIES.map((p) => `"${p}"`).join(', ')}`,
            },
          ]);
        }
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
        const g = request.gracePeriodSeconds ?? null;
        if (g !== null && (!Number.isInteger(g) || g < 0)) {
          throw invalid([{ type: 'FieldValueInvalid', field: 'gracePeriodSeconds', value: g, detail: 'must be greater than or equal to 0' }]);
        }
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
    await continueAsNew<typeof job>({
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
