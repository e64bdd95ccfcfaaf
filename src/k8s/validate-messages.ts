/**
 * Validation of what reaches a Job workflow without passing the HTTP API: its input (a workflow
 * started by hand from the Temporal UI or `temporal workflow start`), and the payloads of signals
 * and updates (which the UI lets anyone type). The same validators as HTTP, so a bad message gets
 * the Kubernetes-worded errors a bad request gets. Each returns FieldErrors (empty when valid) or
 * a type guard; the workflow turns them into failures.
 *
 * Pure: no imports outside k8s/, safe for the workflow bundle.
 */
import type { StoredCronJob } from './cronjob-types.js';
import { validateCronJob } from './cronjob-validate.js';
import type { FieldError } from './field-errors.js';
import { formatFieldError } from './field-errors.js';
import { isPropagationPolicy, PROPAGATION_POLICIES } from './job-strategy.js';
import type { PodStatusReport } from './pod-run.js';
import type { StoredJob } from './types.js';
import { validateJob } from './validate.js';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * A Job workflow's input `{ job, settings }` as the API would have made it; a message describing
 * what is wrong, or null. Input carried over by continue-as-new (`state` set) was validated by the
 * run that made it.
 */
export function jobWorkflowInputProblem(input: unknown): string | null {
  if (!isObject(input)) return 'expected { job, settings }';
  if (input.state !== undefined) return null;
  const { job, settings } = input;
  if (!isObject(job) || !isObject(job.spec) || !isObject(job.metadata)) return 'job must be a batch/v1 Job with metadata and spec';
  for (const key of ['name', 'namespace', 'uid'] as const) {
    if (typeof job.metadata[key] !== 'string' || job.metadata[key] === '') return `job.metadata.${key} is required`;
  }
  const errors = validateJob(job as unknown as StoredJob);
  if (errors.length > 0) return errors.map(formatFieldError).join(', ');
  if (!isObject(settings) || !positive(settings.backoffBaseMs) || !positive(settings.backoffMaxMs) || !positive(settings.restartBackoffMaxMs) || !positive(settings.heartbeatTimeoutMs)) {
    return 'settings needs positive backoffBaseMs, backoffMaxMs, restartBackoffMaxMs and heartbeatTimeoutMs';
  }
  return null;
}

/** A `podStatus` report as a pod attempt sends it (anything else is ignored). */
export function isPodStatusReport(x: unknown): x is PodStatusReport {
  if (!isObject(x)) return false;
  return (
    typeof x.podName === 'string' &&
    x.phase === 'Running' &&
    typeof x.nodeName === 'string' &&
    typeof x.startedAt === 'number' &&
    typeof x.ready === 'boolean' &&
    Array.isArray(x.containerStatuses) &&
    Array.isArray(x.initContainerStatuses)
  );
}

/** The `update` update's payload: the whole Job (metadata and spec). */
export function jobUpdateShapeErrors(job: unknown): FieldError[] {
  if (isObject(job) && isObject(job.spec) && isObject(job.metadata)) return [];
  return [{ type: 'FieldValueRequired', field: 'spec', detail: 'the update needs the whole Job (metadata and spec)' }];
}

/** The `delete` update's payload: `{ propagationPolicy }`. */
export function deleteRequestErrors(request: unknown): FieldError[] {
  const policy = isObject(request) ? request.propagationPolicy : undefined;
  if (isPropagationPolicy(policy)) return [];
  return [
    {
      type: 'FieldValueNotSupported',
      field: 'propagationPolicy',
      value: policy,
      detail: `supported values: ${PROPAGATION_POLICIES.map((p) => `"${p}"`).join(', ')}`,
    },
  ];
}

/** The `deletePod` update's grace period: absent/null (the pod's own) or a whole number ≥ 0. */
export function gracePeriodErrors(gracePeriodSeconds: unknown): FieldError[] {
  const g = gracePeriodSeconds ?? null;
  if (g === null || (typeof g === 'number' && Number.isInteger(g) && g >= 0)) return [];
  return [{ type: 'FieldValueInvalid', field: 'gracePeriodSeconds', value: g, detail: 'must be greater than or equal to 0' }];
}

// ---- CronJob workflows ---------------------------------------------------------------------------

/** A CronJob workflow's input `{ cronJob, settings, testKnobs }` as the API would have made it; a message, or null. */
export function cronJobWorkflowInputProblem(input: unknown): string | null {
  if (!isObject(input)) return 'expected { cronJob, settings, testKnobs }';
  if (input.state !== undefined) return null;
  const { cronJob, settings } = input;
  if (!isObject(cronJob) || !isObject(cronJob.spec) || !isObject(cronJob.metadata)) return 'cronJob must be a batch/v1 CronJob with metadata and spec';
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (typeof cronJob.metadata[key] !== 'string' || cronJob.metadata[key] === '') return `cronJob.metadata.${key} is required`;
  }
  const errors = validateCronJob(cronJob as unknown as StoredCronJob);
  if (errors.length > 0) return errors.map(formatFieldError).join(', ');
  if (!isObject(settings) || !positive(settings.backoffBaseMs) || !positive(settings.backoffMaxMs) || !positive(settings.restartBackoffMaxMs) || !positive(settings.heartbeatTimeoutMs)) {
    return 'settings needs positive backoffBaseMs, backoffMaxMs, restartBackoffMaxMs and heartbeatTimeoutMs';
  }
  return null;
}

/** The `update` update of a CronJob: the whole CronJob (metadata and spec). */
export function cronJobUpdateShapeErrors(cronJob: unknown): FieldError[] {
  if (isObject(cronJob) && isObject(cronJob.spec) && isObject(cronJob.metadata)) return [];
  return [{ type: 'FieldValueRequired', field: 'spec', detail: 'the update needs the whole CronJob (metadata and spec)' }];
}

/** The `scheduled` signal's time (RFC 3339) in epoch milliseconds, or null when it is not one. */
export function scheduledTimeOf(request: unknown): number | null {
  const t = isObject(request) && typeof request.scheduledTime === 'string' ? Date.parse(request.scheduledTime) : NaN;
  return Number.isFinite(t) ? t : null;
}

/** A `jobFinished` report as a Job workflow sends it (anything else is ignored). */
export function isJobFinishedReport(x: unknown): x is { name: string; uid: string; ownerUid: string; condition: 'Complete' | 'Failed' | 'Deleted'; startTime: string | null; completionTime: string | null } {
  if (!isObject(x)) return false;
  const time = (v: unknown) => v === null || (typeof v === 'string' && Number.isFinite(Date.parse(v)));
  return (
    typeof x.name === 'string' &&
    typeof x.uid === 'string' &&
    typeof x.ownerUid === 'string' &&
    (x.condition === 'Complete' || x.condition === 'Failed' || x.condition === 'Deleted') &&
    time(x.startTime) &&
    time(x.completionTime)
  );
}
