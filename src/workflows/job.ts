/**
 * The Job workflow: a thin, deterministic shell around the pure controller (docs/architecture.md).
 * Each workflow task: drain the inbox into one `reconcile` pass, carry out the actions (pods go to
 * the shards, timers, events), publish what readers need, and continue as new when the history is
 * large. No Job logic lives here.
 */
import { ApplicationFailure, allHandlersFinished, condition, makeContinueAsNewFunc, patched, proxySinks, workflowInfo } from '@temporalio/workflow';
import { initialState, reconcile, renderJob, syncReport, type JobState, type Trigger } from '../controller/index.js';
import type { Job } from '../k8s/types.js';
import { jobWorkflowInputProblem } from '../k8s/validate-messages.js';
import type { JobWorkflowInput, KjobSinks } from './definitions.js';
import { invalidInput } from './failures.js';
import { createJobEffects } from './job-effects.js';
import { registerJobHandlers } from './job-handlers.js';
import { createOwnerNotifier } from './job-owner.js';
import { createJobPublisher } from './job-publisher.js';
import { createPodShards } from './pod-shards.js';
import { randomSuffix } from './random-suffix.js';
import { CONTINUE_AS_NEW_BYTES, CONTINUE_AS_NEW_EVENTS } from './run-limits.js';
import { jobDetails } from './ui.js';
import { jobV1 } from './v1/job.js';

const { metrics } = proxySinks<KjobSinks>();

/** Jobs started before wave 2 ran their pods in the Job's own run; their histories take that path. */
export const SHARDED_PODS_PATCH = 'kjob-v2-sharded-pods';
/**
 * A run that drains ahead of continue-as-new holds its shards' starts and carries what it has not
 * reconciled into the next run, instead of waiting for a moment with nothing in flight (a Job
 * starting pods all the time rarely has one: a 20,000-pod run reached 11,094 events).
 */
export const DRAIN_CARRIES_PATCH = 'kjob-drain-carries-inbox';

export async function job(input: JobWorkflowInput): Promise<Job | void> {
  if (!patched(SHARDED_PODS_PATCH)) return jobV1(input);
  const problem = jobWorkflowInputProblem(input);
  if (problem !== null) throw invalidInput(problem);

  let state: JobState = input.state ?? initialState(input.job, input.settings, Date.now());
  const inbox: Trigger[] = [{ type: 'jobStarted' }, ...(input.inbox ?? [])];
  let processed = 0;
  let received = inbox.length;
  const push = (trigger: Trigger): number => {
    inbox.push(trigger);
    return ++received;
  };

  const shards = createPodShards({
    jobWorkflowId: workflowInfo().workflowId,
    continueAsNewAfterEvents: input.continueAsNewAfterEvents,
    carried: input.shards,
    state: () => state,
    push,
  });
  const effects = createJobEffects({ state: () => state, shards, push });
  const publisher = createJobPublisher(input.published);
  const owner = createOwnerNotifier(input.state);
  registerJobHandlers({ state: () => state, push, processedThrough: (seq) => condition(() => processed >= seq), shards });

  // 1: drain what happened into one controller pass; 2: carry out its decisions; 3: publish.
  let deleted = false;
  for (;;) {
    await condition(() => inbox.length > 0 || shards.hasNews() || (deleted && shards.allClosed()));
    const received = inbox.splice(0, inbox.length);
    const result = reconcile(state, [...received, ...shards.takeOwnTriggers()], { now: Date.now(), randomSuffix });
    // The controller's metrics, counted by the worker (a sink: skipped on replay, no command).
    if (!workflowInfo().unsafe.isReplaying) metrics.jobSynced(syncReport(state, result.state, result.actions));
    state = result.state;
    processed += received.length;
    effects.run(result.actions);
    if (result.actions.some((a) => a.type === 'complete')) deleted = true;
    shards.flush(deleted);
    publisher.publish(state, shards.ids(), shards.takeOwnMemo(), () => jobDetails(state, shards.ownRecords()));
    owner.notify(state);
    if (deleted && shards.allClosed()) break;
    if (!deleted && historyIsLarge(input)) {
      // Pods of the Job's own slice must each have a known node first (the next run re-attaches
      // to them there); meanwhile it starts no more of them.
      const carries = patched(DRAIN_CARRIES_PATCH);
      shards.drain(carries);
      await owner.settled();
      const ready = () => allHandlersFinished() && shards.readyToContinue();
      if (carries) {
        // What arrives meanwhile is carried over, not reconciled here — unless an update waits
        // for its reconcile (it must finish in this run) or an own pod's outcome is news.
        await condition(() => shards.hasNews() || (inbox.length > 0 && !allHandlersFinished()) || ready());
        if (shards.hasNews() || !ready()) continue;
      } else {
        await condition(() => inbox.length > 0 || shards.hasNews() || ready());
        if (inbox.length > 0 || shards.hasNews()) continue;
      }
      await makeContinueAsNewFunc<typeof job>({ memo: { ...publisher.memo(), ...shards.ownMemo() } })({
        job: input.job,
        settings: state.settings,
        state,
        shards: shards.snapshot(),
        published: publisher.snapshot(),
        continueAsNewAfterEvents: input.continueAsNewAfterEvents,
        ...(carries && inbox.length > 0 ? { inbox: inbox.splice(0, inbox.length) } : {}),
      });
    }
  }
  // The Job is deleted and its shards have stopped their pods and removed their data. The run
  // ends as the Job did, so the Temporal UI tells them apart: a failed Job's workflow fails, the
  // others complete with the Job's last state as their result.
  await owner.settled();
  await condition(allHandlersFinished);
  const failed = state.conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) throw ApplicationFailure.nonRetryable(`Job ${state.job.metadata.name} failed: ${failed.reason}: ${failed.message}`, `Job${failed.reason}`);
  return renderJob(state);
}

function historyIsLarge(input: JobWorkflowInput): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested || info.historyLength >= CONTINUE_AS_NEW_EVENTS || info.historySize >= CONTINUE_AS_NEW_BYTES) return true;
  return input.continueAsNewAfterEvents !== undefined && info.historyLength >= input.continueAsNewAfterEvents;
}
