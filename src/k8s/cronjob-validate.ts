/**
 * CronJob validation with Kubernetes' rules and messages (pkg/apis/batch/validation:
 * `ValidateCronJobCreate`, `ValidateCronJobUpdate`, `validateCronJobSpec`, `validateScheduleFormat`,
 * `validateTimeZone`, `ValidateJobTemplateSpec`). The job template is validated as a Job spec (with
 * kjob's Job decisions, see validate.ts) under `spec.jobTemplate.spec`.
 *
 * Pure: no imports outside k8s/, safe for the workflow bundle (the CronJob workflow validates its
 * input and updates with these same functions).
 */
import { parseStandardCron } from './cron.js';
import { CONCURRENCY_POLICIES, MAX_CRONJOB_NAME_LENGTH, type CronJob, type CronJobSpec } from './cronjob-types.js';
import { invalid, notSupported, path, required, type FieldError, type FieldPath } from './field-errors.js';
import { isKnownTimeZone } from './timezone.js';
import { validateAnnotations, validateJobObjectMeta, validateJobSpecFields, validateLabels } from './validate.js';

const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';

function nonNegative(value: number | undefined, p: FieldPath): FieldError[] {
  return value !== undefined && value < 0 ? [invalid(p, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/**
 * `validateScheduleFormat`: robfig's parse error, and no `TZ=`/`CRON_TZ=` in the schedule (only an
 * update of a CronJob whose old schedule had one may keep it, and then not together with timeZone).
 */
export function validateSchedule(schedule: string, p: FieldPath, allowTZInSchedule = false, timeZone?: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsed = parseStandardCron(schedule, isKnownTimeZone);
  if (!parsed.ok) errs.push(invalid(p, schedule, parsed.error));
  if (allowTZInSchedule && schedule.includes('TZ') && timeZone !== undefined) {
    errs.push(invalid(p, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZInSchedule && schedule.includes('TZ')) {
    errs.push(invalid(p, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** The characters a tz database name component may have (validation.go, after IANA's theory.html). */
const VALID_TIME_ZONE_CHARACTERS = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** `validateTimeZone`. */
export function validateTimeZone(timeZone: string | undefined, p: FieldPath): FieldError[] {
  if (timeZone === undefined) return [];
  if (timeZone.length === 0) return [invalid(p, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !VALID_TIME_ZONE_CHARACTERS.test(part)) {
      return [invalid(p, timeZone, `unknown time zone ${timeZone}`)];
    }
  }
  if (timeZone.toLowerCase() === 'local') {
    return [invalid(p, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  }
  // time.LoadLocation's error.
  if (!isKnownTimeZone(timeZone)) return [invalid(p, timeZone, `unknown time zone ${timeZone}`)];
  return [];
}

/**
 * `validateCronJobSpec` in upstream order: schedule, startingDeadlineSeconds, timeZone (only when
 * new or changed), concurrencyPolicy, the job template, the history limits.
 */
export function validateCronJobSpec(spec: CronJobSpec, oldSpec: CronJobSpec | null, p: FieldPath = path('spec')): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = spec.schedule ?? '';
  if (schedule.length === 0) errs.push(required(p.child('schedule'), ''));
  else errs.push(...validateSchedule(schedule, p.child('schedule'), oldSpec?.schedule.includes('TZ') ?? false, spec.timeZone));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, p.child('startingDeadlineSeconds')));
  if (oldSpec === null || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, p.child('timeZone')));

  const cp = p.child('concurrencyPolicy');
  const policy = (spec.concurrencyPolicy ?? '') as string;
  if (policy === '') errs.push(required(cp, ''));
  else if (!(CONCURRENCY_POLICIES as readonly string[]).includes(policy)) errs.push(notSupported(cp, policy, CONCURRENCY_POLICIES));

  errs.push(...validateJobTemplateSpec(spec.jobTemplate, p.child('jobTemplate')));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, p.child('successfulJobsHistoryLimit')));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, p.child('failedJobsHistoryLimit')));
  return errs;
}

/**
 * `ValidateJobTemplateSpec`: the spec as a Job's (kjob's rules included); the selector is always
 * generated, so none may be given and manualSelector may not be true. kjob also checks the
 * template's labels and annotations, which every Job created from it carries.
 */
export function validateJobTemplateSpec(template: CronJobSpec['jobTemplate'] | undefined, p: FieldPath): FieldError[] {
  const sp = p.child('spec');
  if (!template?.spec) return [required(sp, '')];
  const errs: FieldError[] = [];
  const mp = p.child('metadata');
  errs.push(...validateLabels(template.metadata?.labels, mp.child('labels')));
  errs.push(...validateAnnotations(template.metadata?.annotations, mp.child('annotations')));
  errs.push(...validateJobSpecFields(template.spec, sp, { template: true }));
  if (template.spec.selector !== undefined) errs.push(invalid(sp.child('selector'), template.spec.selector, '`selector` will be auto-generated'));
  if (template.spec.manualSelector === true) errs.push(notSupported(sp.child('manualSelector'), true, ['nil', 'false']));
  return errs;
}

/**
 * `ValidateCronJobCreate`: ObjectMeta (kjob's DNS-label names, as for Jobs), the spec, and a name
 * short enough for the Jobs it creates (`<name>-<scheduled minutes>` must fit 63 characters).
 */
export function validateCronJob(cronJob: CronJob): FieldError[] {
  const errs = validateJobObjectMeta(cronJob.metadata ?? {});
  errs.push(...validateCronJobSpec(cronJob.spec, null));
  const name = cronJob.metadata?.name ?? '';
  if (name.length > MAX_CRONJOB_NAME_LENGTH) {
    errs.push(invalid(path('metadata', 'name'), name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  }
  return errs;
}

function immutable(newValue: unknown, oldValue: unknown, p: FieldPath): FieldError[] {
  return newValue === oldValue ? [] : [invalid(p, newValue ?? null, 'field is immutable')];
}

/**
 * `ValidateCronJobUpdate`: ObjectMeta (identity immutable) and the spec against the old one. Every
 * spec field may change; the 52-character name limit is not checked again.
 */
export function validateCronJobUpdate(old: CronJob, updated: CronJob): FieldError[] {
  const mp = path('metadata');
  const errs = validateJobObjectMeta(updated.metadata ?? {});
  errs.push(...immutable(updated.metadata.name, old.metadata.name, mp.child('name')));
  errs.push(...immutable(updated.metadata.namespace, old.metadata.namespace, mp.child('namespace')));
  errs.push(...immutable(updated.metadata.uid, old.metadata.uid, mp.child('uid')));
  errs.push(...immutable(updated.metadata.creationTimestamp, old.metadata.creationTimestamp, mp.child('creationTimestamp')));
  errs.push(...validateCronJobSpec(updated.spec, old.spec));
  return errs;
}
