/**
 * When a Job or pod shard run continues as new, before Temporal would suggest it (4,096 events or
 * 4 MB): a worker that lost a workflow from its cache replays the run's whole history in one
 * workflow task, and on a busy machine a 4,096-event replay came near the task's 10 s timeout.
 * Shorter runs keep that replay to a few seconds and every run far below the 10,240-event warning.
 */
export const CONTINUE_AS_NEW_EVENTS = 2_500;
export const CONTINUE_AS_NEW_BYTES = 2 * 1024 * 1024;
