/**
 * The contract between the workflow (which decides) and the `runPod` activity (which runs one
 * pod attempt on a worker). Pure types: imported by controller, workflows and activities.
 */
import type { ContainerStatus, PodSpec } from './types.js';

/** What the controller decides about one pod attempt (`podRunInput`): the pod to run. */
export interface PodAttemptSpec {
  namespace: string;
  jobName: string;
  jobUid: string;
  podName: string;
  podUid: string;
  /** Completion index for Indexed Jobs, else null. */
  index: number | null;
  /** Pod metadata as the Downward API sees it (labels/annotations incl. the controller's). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The pod spec to run: the Job's template plus what the controller adds (env, hostname). */
  spec: PodSpec;
  /** Seconds between SIGTERM and SIGKILL when the attempt is cancelled. */
  terminationGracePeriodSeconds: number;
  /** The kubelet's crash-loop backoff for `restartPolicy: OnFailure`, in milliseconds. */
  restartBackoffBaseMs: number;
  restartBackoffMaxMs: number;
  /** How often to heartbeat; the workflow's heartbeat timeout is three times this. */
  heartbeatIntervalMs: number;
}

/** Everything a worker needs to run one pod attempt: the pod, and where to report its progress. */
export interface RunPodInput extends PodAttemptSpec {
  /** The id of the workflow that runs the attempt, for its progress reports (`podStatus` signal). */
  workflowId: string;
}

/**
 * Progress of a running attempt, sent by the activity to the Job workflow as the `podStatus`
 * signal (Running, ready, OnFailure restarts). The final outcome is the activity's result.
 */
export interface PodStatusReport {
  podName: string;
  phase: 'Running';
  nodeName: string;
  /** Epoch milliseconds when the first container process started. */
  startedAt: number;
  /** True while all (non-init) containers' processes are running. */
  ready: boolean;
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
}

/**
 * The outcome of one pod attempt. A non-zero exit code is data, not an error. Returned also when
 * the attempt was cancelled (the processes were terminated): then `terminatedByRequest` is true.
 */
export interface PodResult {
  podName: string;
  phase: 'Succeeded' | 'Failed';
  nodeName: string;
  startedAt: number;
  finishedAt: number;
  /** Pod-level reason, e.g. `DeadlineExceeded` for the pod's own activeDeadlineSeconds. */
  reason?: string;
  message?: string;
  terminatedByRequest: boolean;
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
}
