/**
 * One pod on this worker, from its working directory to its outcome: the init containers in order,
 * then the containers side by side (each a ContainerRun), the pod's own `activeDeadlineSeconds`,
 * and a stop when something ends the pod early (a termination request, the worker shutting down,
 * nobody attached any more, the deadline, or the worker's own I/O failing). The Terminator stops
 * the processes; reports go out through `onReport`; the PodRegistry owns the pod and records its
 * outcome.
 *
 * Every process outcome is data (a PodResult). Only what is not a pod outcome is a failure: a
 * working directory that cannot be made or a log that cannot be opened (`PodSetupFailed`), a pod
 * stopped before any process started (`PodNotStarted`), a worker shutdown that terminated it
 * (`WorkerShutdown`), a pod nobody re-attached to (`PodAbandoned`) and a pod whose processes died
 * with the worker's pod launcher (`PodLauncherDied`).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { waitingContainerStatus } from '../k8s/container-status.js';
import { POD_FAILURE, type PodResult, type PodStatusReport, type PodWarning, type RunPodInput } from '../k8s/pod-run.js';
import type { PodRef } from '../storage/pod-files.js';
import type { PodOutcome } from '../storage/pod-outcome.js';
import type { DownwardPod } from './container-env.js';
import { ContainerRun, type ContainerPod } from './container-run.js';
import type { ActivityLogger } from './deps.js';
import { errorMessage } from './errors.js';
import { LauncherDiedError, type PodLauncher } from './pod-launcher.js';
import { Terminator } from './terminator.js';

/** kubelet activeDeadlineHandler: the pod's reason and message when its deadline passes. */
export const DEADLINE_EXCEEDED_REASON = 'DeadlineExceeded';
export const DEADLINE_EXCEEDED_MESSAGE = 'Pod was active on the node longer than the specified deadline';

export { START_ERROR_EXIT_CODE } from './container-run.js';

/** Docker's PATH for images that set none; the node binary's folder is added so `node` works. */
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Why a pod stops before its containers are done. `request`: terminatePod or a cancelled runPod;
 * `shutdown`: the worker stops; `abandoned`: nothing re-attached in time; `deadline`: the pod's
 * activeDeadlineSeconds; `error`: the worker failed to run it; `launcher`: the worker's pod
 * launcher died under it (its processes died too).
 */
export type StopReason = 'request' | 'shutdown' | 'abandoned' | 'deadline' | 'error' | 'launcher';

export interface PodHost {
  nodeName: string;
  log: ActivityLogger;
  /** PATH given to container processes; defaults to a standard PATH plus node's folder. */
  path?: string;
  /** Starts the pod's processes and writes their logs. */
  launcher: PodLauncher;
}

export class Pod {
  readonly fields: Record<string, unknown>;
  /** Epoch ms when the first process started; null until then. */
  startedAt: number | null = null;
  private readonly attemptStartedAt = Date.now();
  private readonly inits: ContainerRun[];
  private readonly mains: ContainerRun[];
  private readonly terminator = new Terminator();
  private readonly stopping = new AbortController();
  private readonly warnings: PodWarning[] = [];
  private stopReason: StopReason | null = null;
  private stopError: unknown = null;
  /** Every container loop has returned: nothing is left to stop. */
  private settled = false;
  private lastSignature = '';

  constructor(
    private readonly host: PodHost,
    readonly input: RunPodInput,
    private readonly files: PodRef,
    private readonly workDir: string,
    private readonly onReport: (report: PodStatusReport) => void,
  ) {
    const spec = input.spec;
    this.fields = { namespace: input.namespace, job: input.jobName, pod: input.podName };
    const hasInit = (spec.initContainers ?? []).length > 0;
    const context = this.containerContext();
    this.inits = (spec.initContainers ?? []).map(
      (c) => new ContainerRun(context, 'init', c, waitingContainerStatus(c, 'PodInitializing')),
    );
    this.mains = spec.containers.map(
      (c) => new ContainerRun(context, 'main', c, waitingContainerStatus(c, hasInit ? 'PodInitializing' : 'ContainerCreating')),
    );
  }

  /** The reason the pod was stopped early, if it was. */
  get stoppedBy(): StopReason | null {
    return this.stopReason;
  }

  /**
   * Ends the pod early: SIGTERM to its processes now, SIGKILL after `graceSeconds`. The first
   * reason is the one its outcome tells; a later call can only shorten the grace period.
   */
  stop(reason: StopReason, graceSeconds: number, error?: unknown): void {
    if (this.settled) return;
    if (this.stopReason === null) {
      this.stopReason = reason;
      this.stopError = error ?? null;
      const why = {
        request: 'pod termination requested',
        shutdown: 'worker shutting down',
        abandoned: 'nothing re-attached to the pod in time',
        deadline: 'pod deadline exceeded',
        error: 'pod failed on the worker',
        launcher: 'pod launcher died',
      }[reason];
      this.host.log.info(`${why}, terminating`, { ...this.fields, graceSeconds, running: this.runningCount() });
      this.stopping.abort();
    }
    this.terminator.terminate(graceSeconds);
  }

  /** Runs the pod to its outcome. Called once, by the registry. */
  async run(): Promise<PodOutcome> {
    const { input } = this;
    try {
      await mkdir(this.workDir, { recursive: true });
    } catch (err) {
      const message = `cannot set up pod ${input.namespace}/${input.podName}: ${errorMessage(err)}`;
      this.host.log.error('pod setup failed', { ...this.fields, error: message });
      return { kind: 'failure', type: POD_FAILURE.setupFailed, message };
    }
    const deadlineSeconds = input.spec.activeDeadlineSeconds;
    // kubelet activeDeadlineHandler counts from the pod's start on the node.
    const deadline =
      deadlineSeconds !== undefined
        ? setTimeout(() => this.stop('deadline', input.terminationGracePeriodSeconds), deadlineSeconds * 1000)
        : undefined;
    let initSucceeded = true;
    try {
      for (const init of this.inits) {
        if (!(await this.guarded(init))) {
          initSucceeded = false;
          break;
        }
      }
      if (initSucceeded && !this.stopping.signal.aborted) {
        if (this.inits.length > 0) for (const m of this.mains) m.status.state = { waiting: { reason: 'ContainerCreating' } };
        await Promise.all(this.mains.map((m) => this.guarded(m)));
      }
    } finally {
      this.settled = true;
      clearTimeout(deadline);
      this.terminator.dispose();
    }
    return this.outcome(initSucceeded);
  }

  private outcome(initSucceeded: boolean): PodOutcome {
    const { input } = this;
    const name = `${input.namespace}/${input.podName}`;
    switch (this.stopReason) {
      case 'launcher':
        // Not the pod's outcome either: kjob lost the processes. The workflow treats it as a lost pod.
        return {
          kind: 'failure',
          type: POD_FAILURE.launcherDied,
          message: `${errorMessage(this.stopError)}; the processes of pod ${name} were killed with it`,
        };
      case 'error':
        // Not a pod outcome: the worker itself failed (e.g. its disk). Every process is gone by now.
        return { kind: 'failure', type: POD_FAILURE.setupFailed, message: `pod ${name} could not be run: ${errorMessage(this.stopError)}` };
      case 'request':
      case 'shutdown':
      case 'abandoned':
        if (this.startedAt === null) {
          this.host.log.info('pod stopped before any process started', { ...this.fields, reason: this.stopReason });
          return { kind: 'failure', type: POD_FAILURE.notStarted, message: `pod ${name} was terminated before any of its processes started` };
        }
        if (this.stopReason === 'shutdown') {
          // The worker is being stopped (a drained node): its pods were terminated, and the
          // workflow treats the attempt as lost (DisruptionTarget) rather than as the pod's own failure.
          return {
            kind: 'failure',
            type: POD_FAILURE.workerShutdown,
            message: `the worker ${this.host.nodeName} shut down while the pod was running; its processes were terminated`,
          };
        }
        if (this.stopReason === 'abandoned') {
          return {
            kind: 'failure',
            type: POD_FAILURE.abandoned,
            message: `nothing re-attached to pod ${name} on ${this.host.nodeName} after its activity was detached; the worker terminated it`,
          };
        }
        break;
      default:
        break;
    }
    return { kind: 'result', result: this.result(initSucceeded) };
  }

  private result(initSucceeded: boolean): PodResult {
    const allSucceeded =
      initSucceeded && this.mains.every((m) => m.status.state.terminated !== undefined && m.status.state.terminated.exitCode === 0);
    const deadline = this.stopReason === 'deadline';
    const result: PodResult = {
      podName: this.input.podName,
      phase: allSucceeded && !deadline ? 'Succeeded' : 'Failed',
      nodeName: this.host.nodeName,
      startedAt: this.startedAt ?? this.attemptStartedAt,
      finishedAt: Date.now(),
      terminatedByRequest: this.stopReason === 'request',
      initContainerStatuses: this.inits.map((r) => structuredClone(r.status)),
      containerStatuses: this.mains.map((r) => structuredClone(r.status)),
    };
    if (deadline) {
      result.reason = DEADLINE_EXCEEDED_REASON;
      result.message = DEADLINE_EXCEEDED_MESSAGE;
    }
    if (this.warnings.length > 0) result.warnings = [...this.warnings];
    this.host.log.info('pod finished', { ...this.fields, phase: result.phase, reason: result.reason });
    return result;
  }

  /**
   * A container's run to completion, but an unexpected error (the worker's own I/O) stops the
   * whole pod instead of leaving the other containers' processes running behind a rejected promise.
   */
  private async guarded(run: ContainerRun): Promise<boolean> {
    try {
      return await run.toCompletion();
    } catch (err) {
      this.host.log.error('pod attempt failed on the worker', { ...this.fields, error: errorMessage(err) });
      this.stop(err instanceof LauncherDiedError ? 'launcher' : 'error', this.input.terminationGracePeriodSeconds, err);
      return false;
    }
  }

  private containerContext(): ContainerPod {
    const { input, host } = this;
    const spec = input.spec;
    const downward: DownwardPod = {
      name: input.podName,
      namespace: input.namespace,
      uid: input.podUid,
      labels: input.labels,
      annotations: input.annotations,
      nodeName: host.nodeName,
      serviceAccountName: spec.serviceAccountName ?? 'default',
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
    };
    return {
      input,
      files: this.files,
      workDir: this.workDir,
      downward,
      baseEnv: {
        PATH: host.path ?? `${FALLBACK_PATH}:${path.dirname(process.execPath)}`,
        HOME: this.workDir,
        HOSTNAME: spec.hostname ?? input.podName,
      },
      log: host.log,
      fields: this.fields,
      terminator: this.terminator,
      launcher: host.launcher,
      stopping: this.stopping.signal,
      started: (at) => {
        this.startedAt ??= at;
      },
      changed: () => this.maybeReport(),
      // One warning per reason (the first): a crash-looping container on a full disk must not
      // grow the result with every restart.
      warn: (reason, message) => {
        if (!this.warnings.some((w) => w.reason === reason)) this.warnings.push({ reason, message });
      },
    };
  }

  private runningCount(): number {
    return [...this.inits, ...this.mains].filter((r) => r.running).length;
  }

  private podReady(): boolean {
    return this.mains.length > 0 && this.mains.every((m) => m.status.state.running !== undefined);
  }

  /**
   * Reports when the first process has started and whenever readiness or a restart count changes.
   * A change that only says the pod is finishing is not sent: the outcome follows.
   */
  private maybeReport(): void {
    if (this.startedAt === null) return;
    const signature = JSON.stringify([
      this.podReady(),
      this.mains.map((m) => [m.status.ready, m.status.restartCount]),
      this.inits.map((i) => i.status.restartCount),
    ]);
    if (signature === this.lastSignature) return;
    const first = this.lastSignature === '';
    this.lastSignature = signature;
    const all = [...this.inits, ...this.mains];
    if (!first && !all.some((r) => r.running || r.backingOff)) return;
    this.onReport({
      podName: this.input.podName,
      phase: 'Running',
      nodeName: this.host.nodeName,
      startedAt: this.startedAt,
      ready: this.podReady(),
      initContainerStatuses: this.inits.map((r) => structuredClone(r.status)),
      containerStatuses: this.mains.map((r) => structuredClone(r.status)),
    });
  }
}
