/**
 * The CronJob workflow (id `cronjob:<namespace>/<name>`): a thin, deterministic shell around the
 * pure CronJob controller (controller/cronjob). It owns the CronJob (spec + status), its Temporal
 * Schedule (written by activities) and the Jobs it starts (child workflows). Each workflow task:
 * drain the inbox (due times from the Schedule's ticks, Job reports, updates) into one sync pass,
 * carry out the actions, publish the CronJob in the memo, and continue as new when the history is
 * large. No CronJob logic lives here.
 */
import { allHandlersFinished, condition, continueAsNew, log, uuid4, workflowInfo } from '@temporalio/workflow';
import { initialCronJobState, syncCronJob, type CronJobState, type CronJobTrigger } from '../controller/cronjob/index.js';
import { cronJobWorkflowInputProblem } from '../k8s/validate-messages.js';
import type { CronJobWorkflowInput } from './definitions.js';
import { createCronJobEffects } from './cronjob-effects.js';
import { registerCronJobHandlers } from './cronjob-handlers.js';
import { createCronJobPublisher } from './cronjob-publisher.js';
import { invalidInput } from './failures.js';

export async function cronJob(input: CronJobWorkflowInput): Promise<void> {
  const problem = cronJobWorkflowInputProblem(input);
  if (problem !== null) throw invalidInput(problem);

  let state: CronJobState = input.state ?? initialCronJobState(input.cronJob, input.settings, input.testKnobs === true);
  // A new run (first or continued) checks its Schedule: `started` is a no-op once it is in sync.
  const inbox: CronJobTrigger[] = [{ type: 'started' }];
  let processed = 0;
  let received = inbox.length;
  const push = (trigger: CronJobTrigger): number => {
    inbox.push(trigger);
    return ++received;
  };

  const effects = createCronJobEffects({ state: () => state, push });
  const publisher = createCronJobPublisher(input.published);
  registerCronJobHandlers({ state: () => state, push, processedThrough: (seq) => condition(() => processed >= seq) });

  // 1: drain what happened into one controller pass; 2: carry out its decisions; 3: publish.
  for (;;) {
    await condition(() => inbox.length > 0);
    const triggers = inbox.splice(0, inbox.length);
    const result = syncCronJob(state, triggers, { now: Date.now(), newUid: uuid4 });
    state = result.state;
    processed += triggers.length;
    effects.run(result.actions);
    publisher.publish(state);
    if (state.completed) break;
    if (historyIsLarge(input) && effects.inFlight() === 0) {
      await condition(allHandlersFinished);
      if (inbox.length > 0 || effects.inFlight() > 0) continue;
      log.info('continuing as new', { historyLength: workflowInfo().historyLength });
      await continueAsNew<typeof cronJob>({
        cronJob: input.cronJob,
        settings: state.settings,
        testKnobs: state.testKnobs,
        state,
        published: publisher.snapshot(),
        continueAsNewAfterEvents: input.continueAsNewAfterEvents,
      });
    }
  }
  // Deleted: the Schedule is gone; let the last signals to Jobs and the update handlers finish.
  await condition(() => effects.inFlight() === 0 && allHandlersFinished());
}

function historyIsLarge(input: CronJobWorkflowInput): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested) return true;
  return input.continueAsNewAfterEvents !== undefined && info.historyLength >= input.continueAsNewAfterEvents;
}
