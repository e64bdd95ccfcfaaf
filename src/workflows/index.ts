/** The workflow bundle's entry: exports workflow functions only. */
export { job } from './job.js';
export { podShard } from './shard.js';
