/**
 * What one controller pass costs for an Indexed Job with P running pods whose pods finish in
 * random order (so completedIndexes is fragmented, as with real pods), when the workflow hands it
 * a batch of B outcomes at once (one pass per workflow task): `npx tsx bench/reconcile-cost.ts
 * [P=100,500,1000] [B=50]`. A workflow task must stay far below the SDK's 5 s sandbox limit
 * (isolateExecutionTimeout); the cost per pod should not grow with P.
 */
import { initialState, reconcile, type JobState, type Trigger } from '../src/controller/index.js';
import { countIndexes } from '../src/k8s/intervals.js';
import type { PodResult } from '../src/k8s/pod-run.js';
import { manifest, storedJob } from '../test/support/jobs.js';

const sizes = (process.argv[2] ?? '100,500,1000').split(',').map(Number);
const batch = Number(process.argv[3] ?? 50);

function exited(podName: string, now: number): Trigger {
  const result: PodResult = {
    podName,
    phase: 'Succeeded',
    nodeName: 'w',
    startedAt: now,
    finishedAt: now,
    terminatedByRequest: false,
    initContainerStatuses: [],
    containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: {} }],
  };
  return { type: 'podExited', result };
}

for (const P of sizes) {
  const job = storedJob(manifest('cost', 'true', { completionMode: 'Indexed', completions: 1_000_000, parallelism: P }));
  let n = 0;
  let now = 1;
  const env = () => ({ now: ++now, randomSuffix: () => (n++).toString(36).padStart(5, 'b').slice(-5) });
  let state: JobState = initialState(job, { backoffBaseMs: 10, backoffMaxMs: 100, restartBackoffMaxMs: 100, heartbeatTimeoutMs: 30_000 }, 0);
  state = reconcile(state, [{ type: 'jobStarted' }], env()).state;
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  /** One pass: B random running pods finish. */
  const pass = () => {
    const running = state.pods.filter((p) => p.phase === 'Pending' || p.phase === 'Running');
    const chosen = new Set<string>();
    while (chosen.size < Math.min(batch, running.length)) chosen.add(running[Math.floor(rnd() * running.length)]!.name);
    state = reconcile(state, [...chosen].map((name) => exited(name, now)), env()).state;
  };
  for (let i = 0; i < (4 * P) / batch; i++) pass(); // reach a fragmented steady state
  const passes = 40;
  const t0 = performance.now();
  for (let i = 0; i < passes; i++) pass();
  const ms = (performance.now() - t0) / passes;
  console.log(
    JSON.stringify({
      bench: 'reconcile pass',
      runningPods: P,
      batch,
      msPerPass: +ms.toFixed(2),
      msPerPod: +(ms / batch).toFixed(3),
      completedIndexIntervals: state.completedIndexes.split(',').length,
      completedIndexes: countIndexes(state.completedIndexes),
    }),
  );
}
