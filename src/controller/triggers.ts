/**
 * What triggers a controller pass: the inputs of `reconcile` (named apart from Kubernetes Events,
 * which the controller records). Past-tense facts from the workflow shell (pod outcomes, timers)
 * and requests from users (suspend, scale, patch, delete). The shell validates request payloads
 * before they become triggers.
 */
import type { PodResult, PodStatusReport } from '../k8s/pod-run.js';
import type { StoredJob } from '../k8s/types.js';
import type { PropagationPolicy } from './state.js';

export type Trigger =
  /** The workflow started (first run) or continued as new; reconcile from scratch. */
  | { type: 'jobStarted' }
  /** A running attempt reported progress (`podStatus` signal from the activity). */
  | { type: 'podStatus'; report: PodStatusReport }
  /** The attempt's activity returned: all its processes have exited. */
  | { type: 'podExited'; result: PodResult }
  /** The attempt was cancelled before any worker started it: no process ever ran. */
  | { type: 'podNotStarted'; podName: string }
  /** The attempt's worker stopped heartbeating (lost node). */
  | { type: 'podLost'; podName: string; message: string }
  /** The worker could not set the attempt up (e.g. no working directory). */
  | { type: 'podStartFailed'; podName: string; message: string }
  | { type: 'timerFired'; timerId: string }
  | { type: 'suspendRequested' }
  | { type: 'resumeRequested' }
  | { type: 'scaleRequested'; parallelism: number }
  /** A PATCH, already validated against the Job it replaces. */
  | { type: 'jobUpdated'; job: StoredJob }
  | { type: 'jobDeleteRequested'; propagationPolicy: PropagationPolicy }
  | { type: 'podDeleteRequested'; podName: string; gracePeriodSeconds: number | null }
  /** Temporal suggests continue-as-new (history large). */
  | { type: 'continueAsNewSuggested' };

export type TriggerType = Trigger['type'];
