/**
 * A large Indexed Job of `true` pods, as in the load reports that found Jobs ended `Failed` and a
 * worker thread crashed: every pod must count as succeeded, and no workflow task may come near the
 * SDK's 5 s sandbox limit (isolateExecutionTimeout) or fail — which is what a controller pass whose
 * cost grows with the square of the running pods, or a pod reported lost because its worker was
 * busy, would cause at this size.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MEMO, workflowIdFor, type JobMemo } from '../../src/workflows/definitions.js';
import { manifest, startJob, uniqueName } from '../support/jobs.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

/** temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE */
const TIMEOUT_TYPE_START_TO_CLOSE = 1;
/** temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND */
const WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND = 1;

/** Continue as new this early (the default is 2,500 events), so that this size shows how runs hand over. */
const CONTINUE_AT = 400;

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ podsPerShard: 100 });
});
afterAll(async () => {
  await stack?.stop();
});

interface TaskStats {
  longestMs: number;
  failedTasks: number;
  /** Why each failed or timed-out workflow task ended so. */
  failures: string[];
  runs: number;
  longestHistory: number;
}

/** Workflow-task times of every run of `workflowId`, from its histories. */
async function taskStats(client: Client, workflowId: string): Promise<TaskStats> {
  const stats: TaskStats = { longestMs: 0, failedTasks: 0, failures: [], runs: 0, longestHistory: 0 };
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    stats.runs++;
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const events = history.events ?? [];
    stats.longestHistory = Math.max(stats.longestHistory, events.length);
    let started: number | null = null;
    for (const e of events) {
      const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      if (e.workflowTaskStartedEventAttributes) started = at;
      if (e.workflowTaskCompletedEventAttributes && started !== null) stats.longestMs = Math.max(stats.longestMs, at - started);
      // UNHANDLED_COMMAND: the server refused a continue-as-new because signals came in during
      // the task; the worker runs the task again with them (Temporal's own way to lose no signal).
      const failed = e.workflowTaskFailedEventAttributes?.cause === WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND ? null : e.workflowTaskFailedEventAttributes;
      // A task that waited too long on the worker's sticky queue (SCHEDULE_TO_START, a busy
      // machine) is not a failure: the server hands it to any worker. One that ran too long is.
      const timedOut = e.workflowTaskTimedOutEventAttributes?.timeoutType === TIMEOUT_TYPE_START_TO_CLOSE ? e.workflowTaskTimedOutEventAttributes : null;
      if (failed || timedOut) stats.failedTasks++;
      if (failed) stats.failures.push(`event ${e.eventId}: failed (cause ${failed.cause}): ${failed.failure?.message ?? ''}`);
      if (timedOut) stats.failures.push(`event ${e.eventId}: timed out (${timedOut.timeoutType})`);
    }
  }
  return stats;
}

describe('a large Job', () => {
  it('when 600 Indexed `true` pods run 300 at a time on the Job and two pod shards, then all succeed and no workflow task fails or nears the 5 s sandbox limit', { timeout: 300_000 }, async () => {
    const name = uniqueName('large');
    const started = await startJob(stack, manifest(name, 'true', { completionMode: 'Indexed', completions: 600, parallelism: 300, backoffLimit: 0 }), { continueAsNewAfterEvents: CONTINUE_AT });
    const job = await started.waitForCondition('Complete', 300_000);
    expect(job.status).toMatchObject({ succeeded: 600, failed: 0, completedIndexes: '0-599' });

    const jobId = workflowIdFor('default', name);
    const memo = (await stack.client.workflow.getHandle(jobId).describe()).memo as unknown as JobMemo;
    // 300 at a time, 100 per shard: the Job's own slice and two pod shards.
    expect(memo[JOB_MEMO.shards]).toHaveLength(3);
    for (const id of memo.shards) {
      const stats = await taskStats(stack.client, id);
      expect({ id, failures: stats.failures }).toEqual({ id, failures: [] });
      expect(stats.longestMs, `${id}: longest workflow task`).toBeLessThan(4_000);
      // Runs continue as new while pods start all the time: none overshoots by much.
      expect(stats.runs, `${id}: runs`).toBeGreaterThan(1);
      expect(stats.longestHistory, `${id}: longest run`).toBeLessThan(CONTINUE_AT + 800);
    }
  });
});
