/**
 * What happens to a CronJob on create and update (defaults: `SetDefaults_CronJob`; the CronJob
 * registry strategy's `PrepareForCreate`/`PrepareForUpdate`), and the Jobs a CronJob makes
 * (cronjob controller utils.go: `getJobFromTemplate2`, `getJobName`). The HTTP API and the CronJob
 * workflow both call these.
 *
 * Pure: no imports outside k8s/, safe for the workflow bundle.
 */
import {
  CRONJOB_KIND,
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  type CronJob,
  type DefaultedCronJobSpec,
  type StoredCronJob,
} from './cronjob-types.js';
import { defaultTemplate, generateName, randomNameSuffix, rfc3339, type CreateOptions } from './defaults.js';
import { SERVER_MANAGED_METADATA, updatedMetadata } from './job-strategy.js';
import { formatRFC3339InZone } from './timezone.js';
import { JOB_API_VERSION, JOB_KIND, type Job, type OwnerReference } from './types.js';

export const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT = 3;
export const DEFAULT_FAILED_JOBS_HISTORY_LIMIT = 1;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * `SetDefaults_CronJob`: concurrencyPolicy Allow, suspend false, successfulJobsHistoryLimit 3,
 * failedJobsHistoryLimit 1; the job template's pod template gets core/v1's Pod defaults (as the
 * API server's nested defaulting does). Returns a new CronJob; idempotent.
 */
export function applyCronJobDefaults(cronJob: CronJob): CronJob & { spec: DefaultedCronJobSpec } {
  const out = clone(cronJob);
  const spec = (out.spec ?? {}) as DefaultedCronJobSpec;
  out.spec = spec;
  if (spec.concurrencyPolicy === undefined || (spec.concurrencyPolicy as string) === '') spec.concurrencyPolicy = 'Allow';
  if (spec.suspend === undefined) spec.suspend = false;
  if (spec.successfulJobsHistoryLimit === undefined) spec.successfulJobsHistoryLimit = DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT;
  if (spec.failedJobsHistoryLimit === undefined) spec.failedJobsHistoryLimit = DEFAULT_FAILED_JOBS_HISTORY_LIMIT;
  if (spec.jobTemplate?.spec?.template) {
    spec.jobTemplate = { ...spec.jobTemplate, spec: { ...spec.jobTemplate.spec, template: defaultTemplate(spec.jobTemplate.spec.template) } };
  }
  return out as CronJob & { spec: DefaultedCronJobSpec };
}

/** `PrepareForCreate` + `BeforeCreate`: defaults, generated name, namespace, uid, creationTimestamp, generation 1, no status. */
export function prepareCronJobForCreate(cronJob: CronJob, opts: CreateOptions): StoredCronJob {
  const d = applyCronJobDefaults(cronJob);
  const meta = { ...d.metadata };
  let name = meta.name ?? '';
  if (name === '' && meta.generateName) {
    const suffix = typeof opts.randomSuffix === 'function' ? opts.randomSuffix() : (opts.randomSuffix ?? randomNameSuffix());
    name = generateName(meta.generateName, suffix);
  }
  for (const managed of SERVER_MANAGED_METADATA) delete meta[managed];
  return {
    apiVersion: JOB_API_VERSION,
    kind: CRONJOB_KIND,
    metadata: { ...meta, name, namespace: opts.namespace, uid: opts.uid, creationTimestamp: rfc3339(opts.now), generation: 1 },
    spec: d.spec,
  };
}

/** `PrepareForUpdate`: identity and server-managed metadata kept from the stored CronJob; spec changes bump generation. */
export function prepareCronJobForUpdate(old: StoredCronJob, updated: Pick<CronJob, 'metadata' | 'spec'>): StoredCronJob {
  const spec = applyCronJobDefaults({ ...old, spec: updated.spec }).spec;
  const metadata = updatedMetadata(old.metadata, updated.metadata, JSON.stringify(spec) !== JSON.stringify(old.spec));
  return { apiVersion: old.apiVersion, kind: old.kind, metadata, spec };
}

/** `getJobName`: `<cronjob>-<scheduled time in Unix minutes>`, the same name for the same nominal time. */
export function getJobName(cronJobName: string, scheduledTimeMs: number): string {
  return `${cronJobName}-${Math.floor(Math.floor(scheduledTimeMs / 1000) / 60)}`;
}

/** `metav1.NewControllerRef(cronJob, batch/v1 CronJob)`. */
export function cronJobControllerRef(cronJob: Pick<StoredCronJob, 'metadata'>): OwnerReference {
  return {
    apiVersion: JOB_API_VERSION,
    kind: CRONJOB_KIND,
    name: cronJob.metadata.name,
    uid: cronJob.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The CronJob that controls a Job (its controller ownerReference of kind batch CronJob), if any. */
export function cronJobOwnerOf(job: Pick<Job, 'metadata'>): OwnerReference | null {
  const ref = (job.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref || ref.kind !== CRONJOB_KIND || !ref.apiVersion.startsWith('batch/')) return null;
  return ref;
}

/**
 * `getJobFromTemplate2`: the Job a CronJob starts for `scheduledTime` — the template's labels,
 * annotations and spec, the scheduled-timestamp annotation (RFC 3339 in the CronJob's time zone),
 * the controller ownerReference, and the deterministic name. Not yet prepared for create.
 */
export function jobFromCronJob(cronJob: StoredCronJob, scheduledTimeMs: number): Job {
  const template = cronJob.spec.jobTemplate;
  const annotations = { ...(template.metadata?.annotations ?? {}) };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = formatRFC3339InZone(scheduledTimeMs, cronJob.spec.timeZone);
  return {
    apiVersion: JOB_API_VERSION,
    kind: JOB_KIND,
    metadata: {
      name: getJobName(cronJob.metadata.name, scheduledTimeMs),
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      annotations,
      ownerReferences: [cronJobControllerRef(cronJob)],
    },
    spec: clone(template.spec),
  };
}
