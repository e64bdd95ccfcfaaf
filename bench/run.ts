/**
 * kjob benchmarks (timing claims live here, not in tests). Starts a throwaway dev server and one
 * worker, then measures:
 *   1. latency: create → Complete of a 1-pod Job whose command is `true` (median and p90 of N);
 *   2. throughput: an Indexed Job of `true` pods (completions C, parallelism P): pods per second;
 *   3. a large Job: completions L, to show the history stays bounded (continue-as-new count).
 *
 *   npm run bench -- [N=10] [C=200] [P=20] [L=1000] [LP=50]
 * Prints one JSON line per result.
 */
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { jobSettingsFrom, type Config } from '../src/config.js';
import { JOB_WORKFLOW_TYPE, jobQuery, workflowIdFor } from '../src/workflows/definitions.js';
import { startThrowawayStack } from '../scripts/throwaway-stack.js';
import { manifest, storedJob } from '../test/support/jobs.js';

const [N = 10, C = 200, P = 20, L = 1000, LP = 50] = process.argv.slice(2).map(Number);

async function runJob(client: Client, config: Config, raw: ReturnType<typeof manifest>): Promise<{ ms: number; runs: number; status: unknown }> {
  const job = storedJob(raw);
  const t0 = performance.now();
  const handle = await client.workflow.start(JOB_WORKFLOW_TYPE, {
    taskQueue: config.taskQueue,
    workflowId: workflowIdFor('default', job.metadata.name),
    args: [{ job, settings: jobSettingsFrom(config) }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
  for (;;) {
    // A busy worker may not answer a query in time; that is not the Job's outcome: ask again.
    const j = await handle.query(jobQuery).catch(() => null);
    if (j === null) continue;
    if ((j.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) {
      const ms = performance.now() - t0;
      // Every run of the Job's workflow id (continue-as-new closes one and starts the next).
      let runs = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs++;
      return { ms, runs, status: j.status };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const stack = await startThrowawayStack('bench');
  const { client, config } = stack;
  const id = () => randomUUID().slice(0, 6);

  // Warm-up (workflow bundle caches, first activity).
  await runJob(client, config, manifest(`warm-${id()}`, 'true'));

  const latencies: number[] = [];
  for (let i = 0; i < N; i++) latencies.push((await runJob(client, config, manifest(`lat-${id()}`, 'true'))).ms);
  console.log(JSON.stringify({ bench: 'one-pod job create→Complete', n: N, medianMs: Math.round(percentile(latencies, 50)), p90Ms: Math.round(percentile(latencies, 90)) }));

  const tp = await runJob(client, config, manifest(`tp-${id()}`, 'true', { completionMode: 'Indexed', completions: C, parallelism: P }));
  console.log(JSON.stringify({ bench: 'indexed job throughput', completions: C, parallelism: P, seconds: +(tp.ms / 1000).toFixed(2), podsPerSecond: +(C / (tp.ms / 1000)).toFixed(1), workflowRuns: tp.runs }));

  const large = await runJob(client, config, manifest(`large-${id()}`, 'true', { completionMode: 'Indexed', completions: L, parallelism: LP }));
  console.log(JSON.stringify({ bench: 'large indexed job', completions: L, parallelism: LP, seconds: +(large.ms / 1000).toFixed(2), podsPerSecond: +(L / (large.ms / 1000)).toFixed(1), workflowRuns: large.runs, status: large.status }));

  await stack.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
