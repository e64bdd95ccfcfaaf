/**
 * CronJob defaulting, validation (messages compared to Kubernetes' word for word), the Jobs a
 * CronJob makes (getJobName, getJobFromTemplate2) and its Temporal Schedule.
 */
import { describe, expect, it } from 'vitest';
import { decodeCronJob } from '../../src/k8s/decode.js';
import { applyCronJobDefaults, cronJobOwnerOf, getJobName, jobFromCronJob, prepareCronJobForCreate, prepareCronJobForUpdate } from '../../src/k8s/cronjob-strategy.js';
import { cronJobScheduleOptions } from '../../src/k8s/cronjob-schedule.js';
import type { CronJob, StoredCronJob } from '../../src/k8s/cronjob-types.js';
import { validateCronJob, validateCronJobUpdate } from '../../src/k8s/cronjob-validate.js';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import { formatRFC1123ZUTC, formatRFC3339InZone } from '../../src/k8s/timezone.js';

/** A valid CronJob; `spec` and `template` override only what a case is about. */
function aCronJob(spec: Record<string, unknown> = {}, name = 'hello', jobSpec: Record<string, unknown> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/5 * * * *',
      ...spec,
      jobTemplate: {
        spec: {
          ...jobSpec,
          template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['date'] }] } },
        },
      },
    } as CronJob['spec'],
  };
}

const stored = (cj: CronJob, now = '2025-01-01T00:00:00Z'): StoredCronJob => prepareCronJobForCreate(cj, { namespace: 'default', uid: 'uid-1', now });
const errorsOf = (cj: CronJob) => validateCronJob(stored(cj)).map(formatFieldError);

describe('applyCronJobDefaults (SetDefaults_CronJob)', () => {
  it('fills concurrencyPolicy Allow, suspend false, history limits 3 and 1, and the pod defaults of the template', () => {
    const d = applyCronJobDefaults(aCronJob());
    expect(d.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(d.spec.jobTemplate.spec.template.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 });
    // Job defaults (completions, backoffLimit) are applied to the Jobs, not to the template.
    expect(d.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(applyCronJobDefaults(d)).toEqual(d);
  });

  it('keeps what the user set', () => {
    const d = applyCronJobDefaults(aCronJob({ concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 5 }));
    expect(d.spec).toMatchObject({ concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 5 });
  });
});

describe('validateCronJob (ValidateCronJobCreate)', () => {
  const long = 'a'.repeat(53);
  const cases: Array<{ name: string; cronJob: CronJob; want: string[] }> = [
    { name: 'accepts a valid CronJob', cronJob: aCronJob(), want: [] },
    { name: 'accepts every descriptor', cronJob: aCronJob({ schedule: '@every 1h' }), want: [] },
    { name: 'accepts a 52-character name', cronJob: aCronJob({}, 'a'.repeat(52)), want: [] },
    { name: 'accepts an IANA time zone', cronJob: aCronJob({ timeZone: 'America/New_York' }), want: [] },
    { name: 'requires a schedule', cronJob: aCronJob({ schedule: '' }), want: ['spec.schedule: Required value'] },
    {
      name: 'reports the cron parser error',
      cronJob: aCronJob({ schedule: '61 * * * *' }),
      want: ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
    },
    {
      name: 'rejects TZ= in the schedule',
      cronJob: aCronJob({ schedule: 'TZ=UTC 0 0 * * *' }),
      want: ['spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    },
    {
      name: 'rejects CRON_TZ= with a bad location twice, as upstream',
      cronJob: aCronJob({ schedule: 'CRON_TZ=Nowhere/Land 0 0 * * *' }),
      want: [
        'spec.schedule: Invalid value: "CRON_TZ=Nowhere/Land 0 0 * * *": provided bad location Nowhere/Land: unknown time zone Nowhere/Land',
        'spec.schedule: Invalid value: "CRON_TZ=Nowhere/Land 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    },
    {
      name: 'rejects a negative startingDeadlineSeconds',
      cronJob: aCronJob({ startingDeadlineSeconds: -1 }),
      want: ['spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0'],
    },
    {
      name: 'rejects an unknown time zone',
      cronJob: aCronJob({ timeZone: 'Mars/Olympus_Mons' }),
      want: ['spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons'],
    },
    {
      name: 'rejects a time zone with characters no zone has',
      cronJob: aCronJob({ timeZone: 'Europe/Ber lin' }),
      want: ['spec.timeZone: Invalid value: "Europe/Ber lin": unknown time zone Europe/Ber lin'],
    },
    { name: 'rejects an empty time zone', cronJob: aCronJob({ timeZone: '' }), want: ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'] },
    {
      name: 'rejects Local',
      cronJob: aCronJob({ timeZone: 'Local' }),
      want: ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    },
    {
      name: 'rejects an unknown concurrencyPolicy',
      cronJob: aCronJob({ concurrencyPolicy: 'Sometimes' }),
      want: ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'],
    },
    {
      name: 'rejects negative history limits',
      cronJob: aCronJob({ successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }),
      want: [
        'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
        'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
      ],
    },
    {
      name: 'validates the job template as a Job spec, under spec.jobTemplate.spec',
      cronJob: aCronJob({}, 'hello', { parallelism: -1, backoffLimit: -2 }),
      want: [
        'spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
        'spec.jobTemplate.spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
      ],
    },
    {
      name: 'refuses a selector in the job template',
      cronJob: aCronJob({}, 'hello', { selector: { matchLabels: { a: 'b' } } }),
      want: ['spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated'],
    },
    {
      name: 'refuses manualSelector in the job template',
      cronJob: aCronJob({}, 'hello', { manualSelector: true }),
      want: ['spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"'],
    },
    {
      name: 'rejects a name longer than 52 characters (its Jobs would be too long)',
      cronJob: aCronJob({}, long),
      want: [`metadata.name: Invalid value: "${long}": must be no more than 52 characters`],
    },
  ];
  it.each(cases)('$name', ({ cronJob, want }) => {
    expect(errorsOf(cronJob)).toEqual(want);
  });

  it('requires the restart policy of the pod template as for Jobs', () => {
    const cj = aCronJob();
    delete (cj.spec.jobTemplate.spec.template.spec as { restartPolicy?: string }).restartPolicy;
    expect(errorsOf(cj)).toEqual(['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  });
});

describe('validateCronJobUpdate', () => {
  it('lets every spec field change and keeps identity immutable', () => {
    const old = stored(aCronJob());
    const updated = prepareCronJobForUpdate(old, { metadata: old.metadata, spec: { ...old.spec, schedule: '@hourly', suspend: true, concurrencyPolicy: 'Replace' } });
    expect(validateCronJobUpdate(old, updated)).toEqual([]);
    expect(updated.metadata.generation).toBe(2);
    const renamed = { ...updated, metadata: { ...updated.metadata, uid: 'other' } };
    expect(validateCronJobUpdate(old, renamed).map(formatFieldError)).toEqual(['metadata.uid: Invalid value: "other": field is immutable']);
  });

  it('does not check the 52-character limit again', () => {
    const old = { ...stored(aCronJob()), metadata: { ...stored(aCronJob()).metadata, name: 'a'.repeat(60) } };
    expect(validateCronJobUpdate(old, old)).toEqual([]);
  });
});

describe('decodeCronJob', () => {
  it('decodes every CronJob field and warns about unknown ones', () => {
    const d = decodeCronJob({ ...aCronJob({ timeZone: 'UTC', startingDeadlineSeconds: 30, concurrencyPolicy: 'Forbid' }), extra: 1 });
    expect(d.errors).toEqual([]);
    expect(d.warnings).toEqual(['extra']);
    expect(d.cronJob?.spec).toMatchObject({ schedule: '*/5 * * * *', timeZone: 'UTC', startingDeadlineSeconds: 30, concurrencyPolicy: 'Forbid' });
  });

  it('reports wrong types as field errors', () => {
    const d = decodeCronJob(aCronJob({ suspend: 'yes' }));
    expect(d.errors.map(formatFieldError)).toEqual(['spec.suspend: Invalid value: "string": spec.suspend in body must be of type boolean: "string"']);
  });

  it('refuses a Job', () => {
    expect(decodeCronJob({ apiVersion: 'batch/v1', kind: 'Job' }).kindError).toBe('Job in version "v1" cannot be handled as a CronJob: no conversion from kind Job to CronJob');
  });
});

describe('the Jobs a CronJob creates', () => {
  const at = Date.UTC(2025, 4, 6, 7, 8, 0);

  it('names them <cronjob>-<scheduled time in Unix minutes> (getJobName)', () => {
    expect(getJobName('hello', at)).toBe(`hello-${at / 60_000}`);
    expect(getJobName('hello', at + 59_999)).toBe(`hello-${at / 60_000}`);
  });

  it('copies the template labels and annotations, adds the scheduled timestamp and the controller ownerReference', () => {
    const cj = stored(aCronJob({ timeZone: 'Asia/Tokyo' }));
    cj.spec.jobTemplate.metadata = { labels: { app: 'x' }, annotations: { note: 'y' } };
    const job = jobFromCronJob(cj, at);
    expect(job.metadata).toEqual({
      name: `hello-${at / 60_000}`,
      labels: { app: 'x' },
      annotations: { note: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2025-05-06T16:08:00+09:00' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
    });
    expect(job.spec).toEqual(cj.spec.jobTemplate.spec);
    expect(cronJobOwnerOf(job)?.uid).toBe('uid-1');
  });

  it('writes the timestamp in UTC without a time zone', () => {
    expect(jobFromCronJob(stored(aCronJob()), at).metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2025-05-06T07:08:00Z');
  });
});

describe('cronJobScheduleOptions', () => {
  it('runs the schedule in the time zone, paused when suspended, catch-up window from startingDeadlineSeconds', () => {
    const cj = stored(aCronJob({ schedule: '0 9 * * *', timeZone: 'Europe/Paris', suspend: true, startingDeadlineSeconds: 120 }));
    const r = cronJobScheduleOptions(cj, false);
    expect(r).toMatchObject({ ok: true, options: { spec: { cronExpressions: ['0 9 * * *'], timezone: 'Europe/Paris' }, paused: true, catchupWindowMs: 120_000 } });
  });

  it('uses a one-minute catch-up window by default and Temporal’s 10-second minimum', () => {
    expect(cronJobScheduleOptions(stored(aCronJob()), false)).toMatchObject({ options: { catchupWindowMs: 60_000 } });
    expect(cronJobScheduleOptions(stored(aCronJob({ startingDeadlineSeconds: 0 })), false)).toMatchObject({ options: { catchupWindowMs: 10_000 } });
  });

  it('honours the test-only interval annotation only with test knobs on', () => {
    const cj = stored({ ...aCronJob(), metadata: { name: 'hello', annotations: { 'kjob.dev/test-schedule-every': '2s' } } });
    expect(cronJobScheduleOptions(cj, true)).toMatchObject({ options: { spec: { intervals: [{ every: 2000, offset: 0 }] } } });
    expect(cronJobScheduleOptions(cj, false)).toMatchObject({ options: { spec: { cronExpressions: ['0,5,10,15,20,25,30,35,40,45,50,55 * * * *'] } } });
  });
});

describe('time formats', () => {
  it('formats RFC 1123Z in UTC as Go does', () => {
    expect(formatRFC1123ZUTC(Date.UTC(2025, 0, 2, 3, 4, 5))).toBe('Thu, 02 Jan 2025 03:04:05 +0000');
  });
  it('formats RFC 3339 with the zone offset, Z for zero', () => {
    expect(formatRFC3339InZone(Date.UTC(2025, 6, 1, 12), 'America/New_York')).toBe('2025-07-01T08:00:00-04:00');
    expect(formatRFC3339InZone(Date.UTC(2025, 0, 1, 12), 'Europe/London')).toBe('2025-01-01T12:00:00Z');
  });
});
