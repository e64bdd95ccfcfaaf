/**
 * The CronJob controller's public surface (pure and deterministic, like the Job controller beside
 * it): state, triggers and actions, one sync pass, and the renderer.
 */
export type { CronJobState, ChildJob, CreatingJob, FinishedJob, CronJobEventRecord } from './state.js';
export type { CronJobTrigger, CronJobAction } from './triggers.js';
export { initialCronJobState, syncCronJob } from './sync-cronjob.js';
export type { CronJobEnv, CronJobSyncResult } from './sync-cronjob.js';
export { renderCronJob, renderCronJobStatus, renderCronJobEvents, FOREGROUND_DELETION_FINALIZER } from './render.js';
