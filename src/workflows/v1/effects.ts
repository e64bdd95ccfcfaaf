/**
 * Turns the controller's actions into Temporal commands: pod attempts as activities (one
 * cancellation scope each), timers as cancellable sleeps, search-attribute upserts, data
 * clean-up. Outcomes come back as triggers through `emit`. No Job logic lives here.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  TimeoutFailure,
  isCancellation,
  log,
  proxyActivities,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../../activities/index.js';
import { assertNever, podAttemptSpec, type Action, type JobState, type Trigger } from '../../controller/index.js';
import { POD_FAILURE, type PodAttemptSpec } from '../../k8s/pod-run.js';
import { SA_PHASE } from '../definitions.js';

type Activities = ReturnType<typeof createActivities>;

/** Pods may run for a very long time; Temporal needs some start-to-close bound. */
const POD_START_TO_CLOSE_MS = 365 * 24 * 3600 * 1000;

export interface Effects {
  run(actions: readonly Action[]): void;
  /** Resolves once background work that must finish before the workflow ends is done. */
  settled(): Promise<void>;
}

/** Maps a failed pod activity to what it means for the pod. */
export function podFailureEvent(podName: string, err: unknown): Trigger {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    return {
      type: 'podLost',
      podName,
      message: `the worker running the pod stopped heartbeating (${cause.timeoutType ?? 'timeout'}); it is presumed lost`,
    };
  }
  if (cause instanceof CancelledFailure || isCancellation(err)) return { type: 'podNotStarted', podName };
  if (cause instanceof ApplicationFailure && cause.type === 'WorkerShutdown') {
    // The worker was stopped while the pod ran (like a drained node): a disruption, not a pod failure.
    return { type: 'podLost', podName, message: `the worker running the pod shut down: ${cause.message}` };
  }
  if (cause instanceof ApplicationFailure && cause.type === POD_FAILURE.launcherDied) {
    // The worker's pod launcher died and took the pod's processes with it: lost like its node.
    return { type: 'podLost', podName, message: cause.message };
  }
  if (cause instanceof ApplicationFailure) {
    return { type: 'podStartFailed', podName, message: `${cause.type ?? 'Error'}: ${cause.message}` };
  }
  return { type: 'podStartFailed', podName, message: cause instanceof Error ? cause.message : String(cause) };
}

export function createEffects(state: () => JobState, emit: (trigger: Trigger) => void): Effects {
  const settings = state().settings;
  const pods = proxyActivities<Activities>({
    startToCloseTimeout: POD_START_TO_CLOSE_MS,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    // Every retry decision is the controller's, as in Kubernetes: never let Temporal retry a pod.
    retry: { maximumAttempts: 1 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const housekeeping = proxyActivities<Activities>({
    startToCloseTimeout: 5 * 60_000,
    retry: { maximumAttempts: 5, initialInterval: 1000 },
  });

  const podScopes = new Map<string, CancellationScope>();
  const timerScopes = new Map<string, CancellationScope>();
  const pending = new Set<Promise<unknown>>();

  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const startPod = (podName: string, pod: PodAttemptSpec) => {
    if (podScopes.has(podName)) return;
    const scope = new CancellationScope({ cancellable: true });
    podScopes.set(podName, scope);
    const done = scope
      .run(() => pods.runPod({ workflowId: workflowInfo().workflowId, ...pod }))
      .then(
        (result) => emit({ type: 'podExited', result }),
        (err: unknown) => emit(podFailureEvent(podName, err)),
      )
      .finally(() => podScopes.delete(podName));
    track(done);
  };

  const cancelTimer = (timerId: string) => {
    timerScopes.get(timerId)?.cancel();
    timerScopes.delete(timerId);
  };

  const armTimer = (timerId: string, fireAt: number) => {
    cancelTimer(timerId);
    const scope = new CancellationScope({ cancellable: true });
    timerScopes.set(timerId, scope);
    void scope
      .run(() => sleep(Math.max(1, fireAt - Date.now())))
      .then(
        () => {
          if (timerScopes.get(timerId) === scope) {
            timerScopes.delete(timerId);
            emit({ type: 'timerFired', timerId });
          }
        },
        (err: unknown) => {
          if (!isCancellation(err)) throw err;
        },
      );
  };

  const run = (actions: readonly Action[]) => {
    for (const action of actions) {
      switch (action.type) {
        case 'startPod':
          startPod(action.pod.name, podAttemptSpec(state(), action.pod));
          break;
        case 'terminatePod':
          podScopes.get(action.podName)?.cancel();
          break;
        case 'armTimer':
          armTimer(action.timerId, action.fireAt);
          break;
        case 'cancelTimer':
          cancelTimer(action.timerId);
          break;
        case 'recordEvent':
          log.info('event', {
            reason: action.event.reason,
            eventType: action.event.type,
            message: action.event.message,
            object: `${action.event.involvedKind}/${action.event.involvedName}`,
          });
          break;
        case 'setPhase':
          upsertSearchAttributes([{ key: SA_PHASE, value: action.phase }]);
          break;
        case 'removePodData':
          track(
            housekeeping.removePodData({ namespace: action.namespace, jobUid: action.jobUid }).catch((err: unknown) => {
              log.warn('could not remove pod data', { error: (err as Error).message });
            }),
          );
          break;
        case 'forgetPod':
          // v1 readers query the Job's state, which no longer has the pod.
          break;
        case 'continueAsNew':
        case 'complete':
          // Handled by the workflow loop, which owns the run's lifetime.
          break;
        default:
          assertNever(action);
      }
    }
  };

  return {
    run,
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
