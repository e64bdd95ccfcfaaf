/**
 * The bare Temporal fan-out baseline, driven from here: its worker runs as a separate process on
 * the same dev server kjob uses, and each measurement is one `bareFanOut` workflow, timed from
 * start to result.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { bareFanOut } from '../bare/workflows.js';
import { startOwnedProcess, type OwnedProcess } from './child-process.js';
import type { ThroughputResult } from './spawn-baseline.js';

export const BARE_WORKFLOW_TYPES = ['bareFanOut', 'bareSlice'];

export interface BareWorker {
  taskQueue: string;
  process: OwnedProcess;
}

export async function startBareWorker(opts: { address: string; namespace: string; maxActivities: number; logFile: string }): Promise<BareWorker> {
  const taskQueue = `bench-bare-${randomUUID().slice(0, 8)}`;
  const proc = startOwnedProcess({
    command: process.execPath,
    args: ['--import', 'tsx', path.join(import.meta.dirname, '../bare/worker.ts'), opts.address, opts.namespace, taskQueue, String(opts.maxActivities)],
    cwd: path.join(import.meta.dirname, '../..'),
    env: process.env,
    logFile: opts.logFile,
  });
  await proc.waitFor(/^ready$/m, 120_000);
  return { taskQueue, process: proc };
}

export async function runBareFanOut(client: Client, worker: BareWorker, completions: number, parallelism: number): Promise<ThroughputResult & { slices: number }> {
  const t0 = performance.now();
  const result = await client.workflow.execute(bareFanOut, {
    taskQueue: worker.taskQueue,
    workflowId: `bench-bare-${completions}x${parallelism}-${randomUUID().slice(0, 8)}`,
    args: [{ completions, parallelism }],
  });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, podsPerSecond: completions / seconds, succeeded: result.succeeded, failed: result.failed, slices: result.slices };
}
