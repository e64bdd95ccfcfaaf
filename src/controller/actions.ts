/**
 * What to do: the outputs of `reconcile`, carried out by the workflow shell (src/workflows/effects.ts).
 */
import type { EventRecord, PodRecord } from './state.js';

export type Action =
  /** Run the pod attempt (a new pod record; `podAttemptSpec` turns it into what a worker runs). */
  | { type: 'startPod'; pod: PodRecord }
  /** Cancel the pod attempt: SIGTERM, then SIGKILL after the grace period. */
  | { type: 'terminatePod'; podName: string; gracePeriodSeconds: number }
  /** The pod left the Job's records (deleted, or finished and forgotten): readers no longer see it. */
  | { type: 'forgetPod'; podName: string }
  /** Arm (or re-arm) a timer; when it fires the shell sends `timerFired`. */
  | { type: 'armTimer'; timerId: string; fireAt: number }
  | { type: 'cancelTimer'; timerId: string }
  /** A Kubernetes Event was recorded in the state; the shell logs it. */
  | { type: 'recordEvent'; event: EventRecord }
  /** The phase shown in the Temporal UI changed (search attribute). */
  | { type: 'setPhase'; phase: JobPhase }
  /** Delete the pods' logs and working directories. */
  | { type: 'removePodData'; namespace: string; jobUid: string }
  /** Draining finished: continue as new with the current state. */
  | { type: 'continueAsNew' }
  /** The Job is deleted and no pod of it runs any more: the workflow ends. */
  | { type: 'complete' };

export type ActionType = Action['type'];

/** A one-word summary of the Job for the Temporal UI and list filters. */
export type JobPhase = 'Pending' | 'Running' | 'Suspended' | 'Complete' | 'Failed' | 'Deleting';
