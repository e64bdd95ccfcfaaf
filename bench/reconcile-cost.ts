/**
 * How long the pure controller takes per event for a Job with many running pods (the workflow
 * runs one reconcile per event): `npx tsx bench/reconcile-cost.ts [pods=1000]`.
 */
import { initialState, reconcile, type JobState } from '../src/controller/index.js';
import { manifest, storedJob } from '../test/support/jobs.js';

const pods = Number(process.argv[2] ?? 1000);
const job = storedJob(manifest('cost', 'true', { completionMode: 'Indexed', completions: pods * 2, parallelism: pods }));
let n = 0;
const env = (now: number) => ({ now, randomSuffix: () => (n++).toString(36).padStart(5, 'b').slice(-5) });
let state: JobState = initialState(job, { backoffBaseMs: 10, backoffMaxMs: 100, restartBackoffMaxMs: 100, heartbeatTimeoutMs: 30_000 }, 0);
state = reconcile(state, { type: 'jobStarted' }, env(1)).state;
const names = state.pods.map((p) => p.name);
const t0 = performance.now();
for (const [i, podName] of names.entries()) {
  state = reconcile(state, { type: 'podStatus', report: { podName, phase: 'Running', nodeName: 'w', startedAt: 2 + i, ready: true, initContainerStatuses: [], containerStatuses: [] } }, env(2 + i)).state;
}
const t1 = performance.now();
for (const [i, podName] of names.entries()) {
  const finishedAt = 5000 + i;
  state = reconcile(state, {
    type: 'podExited',
    result: { podName, phase: 'Succeeded', nodeName: 'w', startedAt: 2, finishedAt, terminatedByRequest: false, initContainerStatuses: [], containerStatuses: [{ name: 'main', image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: {} }] },
  }, env(finishedAt)).state;
}
const t2 = performance.now();
console.log(JSON.stringify({ bench: 'reconcile per event', runningPods: pods, podStatusMsPerEvent: +((t1 - t0) / pods).toFixed(3), podExitedMsPerEvent: +((t2 - t1) / pods).toFixed(3), succeeded: state.succeeded }));
