/**
 * The CronJob controller's state, what the CronJob workflow owns and carries across
 * continue-as-new: the CronJob (metadata + spec), its Jobs (being created, active, finished and
 * kept, being deleted), the status times, the Temporal Schedule's sync state and the CronJob's
 * Events. Plain JSON; times in epoch milliseconds; lists bounded.
 */
import type { StoredCronJob } from '../../k8s/cronjob-types.js';
import type { PropagationPolicy } from '../../k8s/job-strategy.js';
import type { JobSettings } from '../state.js';

/** A Job of this CronJob, by name and uid (`status.active` holds ObjectReferences to these). */
export interface ChildJob {
  name: string;
  uid: string;
}

/** A Job whose start was requested and not yet confirmed (its workflow is being started). */
export interface CreatingJob extends ChildJob {
  scheduledTime: number;
}

export type FinishedType = 'Complete' | 'Failed';

/** A finished Job that still exists; the history limits delete the oldest. */
export interface FinishedJob extends ChildJob {
  type: FinishedType;
  startTime: number | null;
  completionTime: number | null;
}

export interface CronJobEventRecord {
  seq: number;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  firstTimestamp: number;
  lastTimestamp: number;
  count: number;
}

/**
 * The Temporal Schedule's sync state. `desired` keys are JSON of the schedule options; one sync
 * runs at a time, so a change made while one runs is synced when it returns.
 */
export interface ScheduleSyncState {
  /** The options last written to the Schedule (key), or null before the first write. */
  synced: string | null;
  /** The options being written now. */
  syncing: string | null;
  /** Options Temporal refused (not retried until the CronJob changes). */
  failed: string | null;
  /** A deleteSchedule is running. */
  deleting: boolean;
  /** The Schedule is gone (the CronJob is being deleted). */
  deleted: boolean;
}

export interface CronJobState {
  cronJob: StoredCronJob;
  /** Copied into every Job this CronJob creates (kjob's config at the CronJob's creation). */
  settings: JobSettings;
  /** KJOB_TEST_KNOBS was on when the CronJob was created (honours kjob.dev/test-schedule-every). */
  testKnobs: boolean;
  creating: CreatingJob[];
  active: ChildJob[];
  finished: FinishedJob[];
  /** Jobs this CronJob asked to delete whose deletion it has not seen yet. */
  deleting: ChildJob[];
  lastScheduleTime: number | null;
  lastSuccessfulTime: number | null;
  schedule: ScheduleSyncState;
  events: CronJobEventRecord[];
  eventSeq: number;
  /** Set once the CronJob was deleted. */
  deletion: { at: number; propagationPolicy: PropagationPolicy } | null;
  /** Everything is done: the workflow may end. */
  completed: boolean;
}

/** Events kept per CronJob. */
export const MAX_CRONJOB_EVENTS = 100;
/** Finished Jobs tracked for the history limits; past this the oldest are no longer tracked. */
export const MAX_TRACKED_FINISHED_JOBS = 1000;
