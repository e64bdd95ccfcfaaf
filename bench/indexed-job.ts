/**
 * End to end with the real stack, in one process like `npm start` minus the API: a throwaway dev
 * server and a kjob worker (scripts/throwaway-stack.ts), then an Indexed Job of `true` pods started
 * with `client.workflow.start('job', …)` and polled through its published status
 * (`describe().memo.status`) until Complete.
 *
 *   npx tsx bench/indexed-job.ts [completions=3000] [parallelism=300] [rounds=1]
 *
 * The worker may run `parallelism` pods at once (KJOB_WORKER_MAX_PODS). Prints one JSON line per
 * Job: pods/s from start until Complete was seen (polled every 100 ms), and the delay of this
 * process's event loop (the worker's main thread) while the Job ran, p50/p99/max in ms, and the
 * process's peak RSS and thread count (what forking a container from it costs grows with them).
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { jobSettingsFrom } from '../src/config.js';
import type { JobStatus } from '../src/k8s/types.js';
import { JOB_MEMO, JOB_WORKFLOW_TYPE, workflowIdFor } from '../src/workflows/definitions.js';
import { startThrowawayStack } from '../scripts/throwaway-stack.js';
import { manifest, storedJob } from '../test/support/jobs.js';

const [COMPLETIONS = 3000, PARALLELISM = 300, ROUNDS = 1] = process.argv.slice(2).map(Number);

const stack = await startThrowawayStack('bench-indexed', { workerMaxPods: PARALLELISM });
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const raw = manifest(`bench-${round}-${Date.now().toString(36)}`, 'true', {
      completionMode: 'Indexed',
      completions: COMPLETIONS,
      parallelism: PARALLELISM,
      backoffLimit: 0,
    });
    // `true` itself, not `sh -c true`: the pod is one exec.
    const job = storedJob({ ...raw, spec: { ...raw.spec, template: { spec: { ...raw.spec.template.spec, containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } } } });
    const workflowId = workflowIdFor('default', job.metadata.name);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    let peakRss = 0;
    let threads = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      threads = Math.max(threads, Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0));
    }, 500);
    const t0 = performance.now();
    delay.enable();
    const handle = await stack.client.workflow.start(JOB_WORKFLOW_TYPE, {
      taskQueue: stack.config.taskQueue,
      workflowId,
      args: [{ job, settings: jobSettingsFrom(stack.config) }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    let status: JobStatus | undefined;
    let finished: string | undefined;
    while (finished === undefined) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await handle.describe()).memo?.[JOB_MEMO.status] as JobStatus | undefined;
      finished = (status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
    }
    const seconds = (performance.now() - t0) / 1000;
    delay.disable();
    clearInterval(sampler);
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    console.log(
      JSON.stringify({
        bench: 'indexed job end to end',
        round,
        completions: COMPLETIONS,
        parallelism: PARALLELISM,
        succeeded: status?.succeeded ?? 0,
        failed: status?.failed ?? 0,
        condition: finished,
        seconds: Math.round(seconds * 10) / 10,
        podsPerSecond: Math.round(((status?.succeeded ?? 0) / seconds) * 10) / 10,
        mainThreadDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        workerPeakRssMb: Math.round(peakRss / 1e6),
        workerThreads: threads,
      }),
    );
  }
} finally {
  await stack.stop();
}
