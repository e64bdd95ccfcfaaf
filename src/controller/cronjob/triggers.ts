/**
 * What the CronJob controller hears (triggers: past-tense facts) and what it decides (actions:
 * imperatives the workflow shell carries out). Both are plain JSON.
 */
import type { CronJobScheduleOptions } from '../../k8s/cronjob-schedule.js';
import type { StoredCronJob } from '../../k8s/cronjob-types.js';
import type { PropagationPolicy } from '../../k8s/job-strategy.js';
import type { StoredJob } from '../../k8s/types.js';
import type { CronJobEventRecord } from './state.js';

export type CronJobTrigger =
  /** The workflow started (first run): write the Schedule. */
  | { type: 'started' }
  /** The Schedule fired (or an operator signalled) for this nominal time. */
  | { type: 'scheduled'; scheduledTime: number }
  | { type: 'jobCreated'; name: string }
  | { type: 'jobCreateFailed'; name: string; alreadyExists: boolean; message: string }
  /** A Job this CronJob controls finished or was deleted (the Job told its owner). */
  | { type: 'jobFinished'; name: string; uid: string; condition: 'Complete' | 'Failed' | 'Deleted'; startTime: number | null; completionTime: number | null }
  /** A Job this CronJob tried to delete no longer exists. */
  | { type: 'jobGone'; name: string }
  | { type: 'updated'; cronJob: StoredCronJob }
  | { type: 'deleteRequested'; propagationPolicy: PropagationPolicy }
  | { type: 'scheduleSynced'; key: string }
  | { type: 'scheduleSyncFailed'; key: string; message: string }
  | { type: 'scheduleDeleted' };

export type CronJobAction =
  /** Start the Job's workflow (a child of the CronJob's, abandoned on close). */
  | { type: 'createJob'; job: StoredJob }
  /** Delete the Job (propagationPolicy Background, as the controller's deleteJob does). */
  | { type: 'deleteJob'; name: string; uid: string }
  /** Create or update the Temporal Schedule with these options (`key` identifies them). */
  | { type: 'syncSchedule'; key: string; options: CronJobScheduleOptions }
  | { type: 'deleteSchedule' }
  | { type: 'recordEvent'; event: CronJobEventRecord }
  /** Nothing is left to do: the CronJob is gone. */
  | { type: 'complete' };
