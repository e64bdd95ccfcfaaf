/** The workflow bundle's entry: exports workflow functions only. */
export { job } from './job.js';
export { podShard } from './shard.js';
export { cronJob } from './cronjob.js';
export { cronJobTick } from './cronjob-tick.js';
export { podLog } from './pod-log.js';
