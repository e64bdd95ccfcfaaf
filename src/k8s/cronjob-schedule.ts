/**
 * The Temporal Schedule a CronJob runs on, as plain JSON: when it fires (`toTemporalScheduleSpec`
 * of its `schedule` in its `timeZone`), whether it is paused (`suspend`), and its catch-up window
 * (`startingDeadlineSeconds`). Overlap is always ALLOW_ALL: kjob applies `concurrencyPolicy` itself,
 * against the CronJob's active Jobs, as the Kubernetes controller does.
 *
 * Pure: no imports outside k8s/, safe for the workflow bundle.
 */
import { parseGoDuration, parseStandardCron, toTemporalScheduleSpec, type TemporalScheduleSpec } from './cron.js';
import { TEST_SCHEDULE_EVERY_ANNOTATION, type StoredCronJob } from './cronjob-types.js';
import { isKnownTimeZone } from './timezone.js';

/** Without startingDeadlineSeconds, a Schedule takes actions that are at most this late after an outage. */
export const DEFAULT_CATCHUP_WINDOW_MS = 60_000;
/** Temporal's smallest catch-up window. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;

export interface CronJobScheduleOptions {
  spec: TemporalScheduleSpec;
  paused: boolean;
  /** Shown in the Temporal UI's Schedules page. */
  note: string;
  catchupWindowMs: number;
}

export type ScheduleOptionsResult = { ok: true; options: CronJobScheduleOptions } | { ok: false; error: string };

/**
 * The Schedule of `cronJob`. With `testKnobs` (KJOB_TEST_KNOBS=1, tests only) the annotation
 * `kjob.dev/test-schedule-every: <Go duration>` replaces the cron spec by that interval.
 */
export function cronJobScheduleOptions(cronJob: StoredCronJob, testKnobs: boolean): ScheduleOptionsResult {
  const { spec, metadata } = cronJob;
  const createdAt = Date.parse(metadata.creationTimestamp);
  let scheduleSpec: TemporalScheduleSpec;
  const knob = testKnobs ? metadata.annotations?.[TEST_SCHEDULE_EVERY_ANNOTATION] : undefined;
  const every = knob !== undefined ? parseGoDuration(knob) : null;
  if (every?.ok && every.ms >= 1000) {
    scheduleSpec = { intervals: [{ every: Math.floor(every.ms / 1000) * 1000, offset: 0 }] };
  } else {
    const parsed = parseStandardCron(spec.schedule, isKnownTimeZone);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    scheduleSpec = toTemporalScheduleSpec(parsed.schedule, Number.isFinite(createdAt) ? createdAt : 0, spec.timeZone);
  }
  const catchupWindowMs =
    spec.startingDeadlineSeconds !== undefined ? Math.max(MIN_CATCHUP_WINDOW_MS, spec.startingDeadlineSeconds * 1000) : DEFAULT_CATCHUP_WINDOW_MS;
  const what = `CronJob ${metadata.namespace}/${metadata.name}`;
  return {
    ok: true,
    options: {
      spec: scheduleSpec,
      paused: spec.suspend,
      note: spec.suspend ? `${what} is suspended (spec.suspend)` : `${what} (managed by kjob; change it through the CronJob)`,
      catchupWindowMs,
    },
  };
}
