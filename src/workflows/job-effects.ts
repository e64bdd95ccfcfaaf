/**
 * Carries out the controller's actions in the v2 Job workflow: pods go to the pod shards (batched
 * until the end of the workflow task), timers become sleeps, Kubernetes Events are logged. The
 * phase and labels shown in the Temporal UI are published by the publisher from the state. No Job
 * logic lives here.
 */
import { log } from '@temporalio/workflow';
import { assertNever, type Action, type JobState, type Trigger } from '../controller/index.js';
import type { PodShards } from './pod-shards.js';
import { createTimers } from './timers.js';

export interface JobEffects {
  run(actions: readonly Action[]): void;
}

export interface JobEffectsDeps {
  state: () => JobState;
  shards: PodShards;
  push: (trigger: Trigger) => void;
}

export function createJobEffects({ state, shards, push }: JobEffectsDeps): JobEffects {
  const timers = createTimers(push);

  const terminate = (podName: string) => {
    const deletion = state().pods.find((p) => p.name === podName)?.deletion;
    // The controller set the deletion timestamp in the same pass; a pod without one is gone already.
    if (deletion) shards.terminate({ podName, deletion });
  };

  const run = (actions: readonly Action[]) => {
    for (const action of actions) {
      switch (action.type) {
        case 'startPod':
          shards.start(action.pod);
          break;
        case 'terminatePod':
          terminate(action.podName);
          break;
        case 'forgetPod':
          shards.forget(action.podName);
          break;
        case 'armTimer':
          timers.arm(action.timerId, action.fireAt);
          break;
        case 'cancelTimer':
          timers.cancel(action.timerId);
          break;
        case 'recordEvent': {
          const { reason, type, message, involvedKind, involvedName } = action.event;
          log.info('event', { reason, eventType: type, message, object: `${involvedKind}/${involvedName}` });
          break;
        }
        case 'setPhase': // published from the state (job-publisher.ts)
        case 'removePodData': // each shard removes its pods' data on their nodes when it closes
        case 'continueAsNew': // the v1 shell's drain; a v2 Job continues as new at any task
        case 'complete': // the workflow loop ends the run once the shards have closed
          break;
        default:
          assertNever(action);
      }
    }
  };

  return { run };
}
