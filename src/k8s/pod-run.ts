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
  /** The id of the workflow that runs the attempt, for its progress reports. */
  workflowId: string;
  /**
   * How progress is reported: `podReports` (a pod shard: reports batched per worker, several pods
   * per signal). Absent on attempts scheduled by the v1 Job shell, which takes one `podStatus`
   * signal per report.
   */
  reports?: 'podReports';
}

/** A pod a worker may run or have run: what locates its data and identifies it. */
export interface PodRef {
  namespace: string;
  jobUid: string;
  podName: string;
  podUid: string;
}

/** `watchPod`: re-attach to a pod on the worker that runs (or ran) it. */
export interface WatchPodInput extends PodRef {
  /** As for runPod: how often to heartbeat while the pod runs. */
  heartbeatIntervalMs: number;
}

/** `terminatePod`: stop a pod's processes now (SIGTERM, SIGKILL once the grace period is over). */
export interface TerminatePodInput extends PodRef {
  gracePeriodSeconds: number;
}

/** Failure types of pod activities that are not pod outcomes (ApplicationFailure.type). */
export const POD_FAILURE = {
  /** The worker could not set the pod up (its data directory, a bad container name). */
  setupFailed: 'PodSetupFailed',
  /** The worker is shutting down and terminated the pod (a drained node). */
  workerShutdown: 'WorkerShutdown',
  /** `watchPod`: this worker neither runs nor ran the pod (it restarted since): the pod is lost. */
  unknown: 'PodUnknown',
  /**
   * The pod was terminated before any of its processes started (a `terminatePod` that arrived
   * first, even before the pod reached this worker): it never ran, nothing of it counts.
   */
  notStarted: 'PodNotStarted',
  /**
   * Nothing re-attached to the pod within the re-attach window after its activity was detached
   * (the run that scheduled it is gone and no `watchPod` came): the worker terminated it. A
   * disruption like a lost node, not the pod's own failure.
   */
  abandoned: 'PodAbandoned',
  /**
   * The worker's pod launcher (the process that starts and holds the pod's processes) died while
   * the pod ran, and the pod's processes were killed with it: a disruption like a lost node, not
   * the pod's own failure.
   */
  launcherDied: 'PodLauncherDied',
} as const;

export type PodFailureType = (typeof POD_FAILURE)[keyof typeof POD_FAILURE];

/**
 * Something about a pod the worker wants a person to know (the controller turns each into a
 * Warning Event on the pod), e.g. `LogWriteFailed` when the pod's output could not be stored.
 */
export interface PodWarning {
  /** UpperCamelCase, like an Event reason. */
  reason: string;
  message: string;
}

/**
 * Progress of a running attempt (Running, ready, OnFailure restarts), sent by the worker to the
 * workflow that runs it. The final outcome is the activity's result.
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
 * the pod was terminated on request (`terminatePod`, or a cancelled `runPod` / `watchPod`): then
 * `terminatedByRequest` is true.
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
  /** Present only when there is something to warn about (kjob's own I/O failed for this pod). */
  warnings?: PodWarning[];
}
