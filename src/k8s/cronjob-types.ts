/**
 * `batch/v1` CronJob, with Kubernetes' field names (k8s.io/api/batch/v1 types.go). A CronJob's
 * `jobTemplate.spec` is a JobSpec; after `applyCronJobDefaults` the defaulted fields are present
 * (`DefaultedCronJobSpec`).
 *
 * Pure types: no imports outside k8s/, safe for the workflow bundle.
 */
import type { JobSpec, ObjectMeta, ObjectReference } from './types.js';

export const CRONJOB_KIND = 'CronJob';

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec: JobSpec;
}

export interface CronJobSpec {
  /** Cron format (5 fields, or `@hourly` …); minute resolution. */
  schedule: string;
  /** An IANA time zone name; unset = UTC (kjob's controller runs its schedules in UTC). */
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

/** After `applyCronJobDefaults` (SetDefaults_CronJob). */
export interface DefaultedCronJobSpec extends CronJobSpec {
  concurrencyPolicy: ConcurrencyPolicy;
  suspend: boolean;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: CronJobSpec;
  status?: CronJobStatus;
}

/** A CronJob as kjob stores it: named, namespaced, with uid and a defaulted spec. */
export interface StoredCronJob {
  apiVersion: 'batch/v1';
  kind: 'CronJob';
  metadata: ObjectMeta & { name: string; namespace: string; uid: string; creationTimestamp: string };
  spec: DefaultedCronJobSpec;
}

export interface CronJobList {
  apiVersion: 'batch/v1';
  kind: 'CronJobList';
  metadata: { resourceVersion?: string; continue?: string };
  items: CronJob[];
}

/** The annotation on every Job a CronJob creates: its scheduled time, RFC 3339 in the CronJob's zone. */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** What `kubectl create job --from=cronjob/NAME` puts on the Job it makes. */
export const CRONJOB_INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate';
/**
 * Test-only knob: a CronJob with this annotation (a Go duration, e.g. `2s`) fires at that interval
 * instead of its `schedule`, but only when the API runs with `KJOB_TEST_KNOBS=1`. Lets tests see a
 * schedule fire within seconds; `schedule` itself has minute resolution.
 */
export const TEST_SCHEDULE_EVERY_ANNOTATION = 'kjob.dev/test-schedule-every';

/** The longest CronJob name: its Jobs are `<name>-<scheduled minutes>`, at most 63 characters. */
export const MAX_CRONJOB_NAME_LENGTH = 52;
