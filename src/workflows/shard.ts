/**
 * A pod shard (docs/architecture.md): a child workflow of a Job that runs one slice of the Job's
 * pods with a pod runner, relays what happens to them to its Job (one `shardReport` per workflow
 * task), publishes them (one memo key per pod) and continues as new on its own, re-attaching to its
 * running pods on their nodes. A Job runs its first slice itself; shards take the rest.
 */
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  makeContinueAsNewFunc,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { PodStatusReport } from '../k8s/pod-run.js';
import { isPodStatusReport } from '../k8s/validate-messages.js';
import { assignPodsSignal, podReportsSignal, shardReportSignal, type PodAssignment, type ShardWorkflowInput } from './definitions.js';
import { createPodRunner, type RunnerCarried } from './pod-runner.js';
import { shardDetails } from './ui.js';

export async function podShard(input: ShardWorkflowInput): Promise<void> {
  const info = workflowInfo();
  const runner = createPodRunner({
    workflowId: info.workflowId,
    taskQueue: info.taskQueue,
    job: input.job,
    settings: input.settings,
    carried: input.carried as RunnerCarried | undefined,
  });
  const assignments: PodAssignment[] = input.initial ? [input.initial] : [];
  const reports: PodStatusReport[] = [];
  setHandler(assignPodsSignal, (a) => void assignments.push(a));
  setHandler(podReportsSignal, (batch) => {
    for (const r of Array.isArray(batch) ? batch : []) if (isPodStatusReport(r)) reports.push(r);
  });

  const job = getExternalWorkflowHandle(input.jobWorkflowId);
  let signalling = 0;
  const report = (closed: boolean) => {
    const triggers = runner.takeTriggers();
    if (triggers.length === 0 && !closed) return;
    signalling++;
    job
      .signal(shardReportSignal, { shard: input.shard, triggers, ...(closed ? { closed } : {}) })
      .catch((err: unknown) => log.warn('could not report to the Job', { job: input.jobWorkflowId, error: (err as Error).message }))
      .finally(() => signalling--);
  };
  const publish = () => {
    const memo = runner.takeMemo();
    if (memo === null) return;
    upsertMemo(memo);
    setCurrentDetails(shardDetails(runner.records()));
  };

  const hasWork = () => assignments.length > 0 || reports.length > 0 || runner.hasNews();
  const closed = () => runner.closing() && runner.live() === 0 && runner.idle() && signalling === 0;
  let draining = false;
  for (;;) {
    await condition(() => hasWork() || closed() || (draining && runner.readyToContinue() && signalling === 0));
    for (const a of assignments.splice(0, assignments.length)) runner.assign(a);
    runner.report(reports.splice(0, reports.length));
    report(false);
    publish();

    if (closed()) break;
    if (!draining && historyIsLarge(input)) {
      draining = true;
      runner.drain();
    }
    if (draining && runner.readyToContinue() && signalling === 0) {
      await condition(allHandlersFinished);
      if (hasWork()) continue;
      // Temporal does not carry the memo over: the next run starts with every pod published.
      await makeContinueAsNewFunc<typeof podShard>({ memo: runner.fullMemo() })({ ...input, initial: undefined, carried: runner.carried() });
    }
  }

  // Closed: the Job was deleted and none of this shard's pods runs. Remove their data on every
  // node that ran one (a node that is gone took its data with it), then tell the Job.
  await runner.removeData();
  report(true);
  await condition(() => signalling === 0);
  await condition(allHandlersFinished);
}

function historyIsLarge(input: ShardWorkflowInput): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested) return true;
  return input.continueAsNewAfterEvents !== undefined && info.historyLength >= input.continueAsNewAfterEvents;
}
