/**
 * One pod attempt: the kubelet of kjob. Runs the init containers in order, then the containers
 * side by side, each as a local process group; restarts failed containers in place for
 * `restartPolicy: OnFailure` with the crash-loop backoff; enforces the pod's own
 * `activeDeadlineSeconds`; heartbeats; on cancellation terminates the processes (SIGTERM, SIGKILL
 * after the grace period) and still returns their real exit codes.
 *
 * Every process outcome is data (PodResult). Only what is not a pod outcome throws: a working
 * directory that cannot be made (`PodSetupFailed`), a cancellation that arrived before any process
 * started (the CancelledFailure itself), or a worker shutdown that terminated the pod
 * (`WorkerShutdown`, which the workflow records as a lost pod).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { PodResult, RunPodInput } from '../k8s/pod-run.js';
import { waitingContainerStatus } from '../k8s/container-status.js';
import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus } from '../k8s/types.js';
import { podWorkDir, resolveWorkingDir, validContainerName, type PodRef } from '../storage/pod-files.js';
import { ContainerLogWriter, readLogTail } from '../storage/pod-logs.js';
import { containerProcess, type DownwardPod } from './container-env.js';
import { CrashLoopBackoff, goDuration } from './crash-loop-backoff.js';
import type { ActivityDeps } from './deps.js';
import { startContainerProcess, type ContainerProcess, type ProcessExit } from './process-group.js';
import { errorMessage, StatusReporter } from './status-reporter.js';

/** kubelet activeDeadlineHandler: the pod's reason and message when its deadline passes. */
export const DEADLINE_EXCEEDED_REASON = 'DeadlineExceeded';
export const DEADLINE_EXCEEDED_MESSAGE = 'Pod was active on the node longer than the specified deadline';

/** Exit code of a container that could not be started (containerd reports 128 with StartError). */
export const START_ERROR_EXIT_CODE = 128;

/** Docker's PATH for images that set none; the node binary's folder is added so `node` works. */
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

type Kind = 'init' | 'main';

/** Kubernetes time format for container states: RFC3339 with seconds. */
function k8sTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The SDK cancels running activities with reason `WORKER_SHUTDOWN` when the worker stops. */
function isWorkerShutdown(err: unknown): boolean {
  return err instanceof CancelledFailure && err.message === 'WORKER_SHUTDOWN';
}

/** How long a finished attempt waits for its last status reports before returning anyway. */
const REPORT_DRAIN_TIMEOUT_MS = 10_000;

interface StopRequest {
  /** `error`: the worker failed to run the pod (not a pod outcome). */
  kind: 'cancel' | 'deadline' | 'error';
  error?: unknown;
}

class PodAttempt {
  private readonly ref: PodRef;
  private readonly initStatuses: ContainerStatus[];
  private readonly statuses: ContainerStatus[];
  private readonly running = new Set<ContainerProcess>();
  private readonly stopController = new AbortController();
  private readonly reporter: StatusReporter;
  private readonly attemptStartedAt = Date.now();
  private readonly downward: DownwardPod;
  private readonly baseEnv: Record<string, string>;
  private readonly fields: Record<string, unknown>;
  private stop: StopRequest | null = null;
  private startedAt: number | null = null;
  private pendingRestarts = 0;
  private lastSignature = '';

  constructor(
    private readonly deps: ActivityDeps,
    private readonly input: RunPodInput,
    private readonly workDir: string,
    private readonly ctx: Context,
  ) {
    const spec = input.spec;
    this.ref = { dataDir: deps.dataDir, namespace: input.namespace, jobUid: input.jobUid, podName: input.podName };
    const hasInit = (spec.initContainers ?? []).length > 0;
    this.initStatuses = (spec.initContainers ?? []).map((c) => waitingContainerStatus(c, 'PodInitializing'));
    this.statuses = spec.containers.map((c) => waitingContainerStatus(c, hasInit ? 'PodInitializing' : 'ContainerCreating'));
    this.fields = { namespace: input.namespace, job: input.jobName, pod: input.podName };
    this.reporter = new StatusReporter((r) => deps.reportStatus(input.workflowId, r), deps.log, this.fields);
    this.downward = {
      name: input.podName,
      namespace: input.namespace,
      uid: input.podUid,
      labels: input.labels,
      annotations: input.annotations,
      nodeName: deps.nodeName,
      serviceAccountName: spec.serviceAccountName ?? 'default',
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
    };
    this.baseEnv = {
      PATH: deps.path ?? `${FALLBACK_PATH}:${path.dirname(process.execPath)}`,
      HOME: workDir,
      HOSTNAME: spec.hostname ?? input.podName,
    };
  }

  async run(): Promise<PodResult> {
    const heartbeat = setInterval(() => this.ctx.heartbeat(), Math.max(10, this.input.heartbeatIntervalMs));
    this.ctx.heartbeat();
    // The abort listener runs synchronously, so a cancellation that is already there stops the
    // attempt before its first process is spawned; the signal's reason is the CancelledFailure.
    const cancellation = this.ctx.cancellationSignal;
    const onCancel = () => this.requestStop({ kind: 'cancel', error: cancellation.reason });
    if (cancellation.aborted) onCancel();
    else cancellation.addEventListener('abort', onCancel, { once: true });
    const deadlineSeconds = this.input.spec.activeDeadlineSeconds;
    // kubelet activeDeadlineHandler counts from the pod's start on the node.
    const deadline =
      deadlineSeconds !== undefined
        ? setTimeout(() => this.requestStop({ kind: 'deadline' }), deadlineSeconds * 1000)
        : undefined;
    let initSucceeded = true;
    try {
      const inits = this.input.spec.initContainers ?? [];
      for (let i = 0; i < inits.length; i++) {
        if (!(await this.guarded('init', i))) {
          initSucceeded = false;
          break;
        }
      }
      if (initSucceeded && !this.stop) {
        if (inits.length > 0) for (const s of this.statuses) s.state = { waiting: { reason: 'ContainerCreating' } };
        await Promise.all(this.input.spec.containers.map((_, i) => this.guarded('main', i)));
      }
    } finally {
      clearInterval(heartbeat);
      if (deadline) clearTimeout(deadline);
      cancellation.removeEventListener('abort', onCancel);
    }
    await this.reporter.drain(REPORT_DRAIN_TIMEOUT_MS);
    if (this.stop?.kind === 'error') {
      // Not a pod outcome: the worker itself failed (e.g. its disk). Every process is gone by now.
      const message = `pod ${this.input.namespace}/${this.input.podName} could not be run: ${errorMessage(this.stop.error)}`;
      throw ApplicationFailure.nonRetryable(message, 'PodSetupFailed');
    }
    if (this.stop?.kind === 'cancel' && this.startedAt !== null && isWorkerShutdown(this.stop.error)) {
      // The worker is being stopped (a drained node): its pods were terminated, and the workflow
      // treats the attempt as lost (DisruptionTarget) rather than as the pod's own failure.
      throw ApplicationFailure.nonRetryable(
        `the worker ${this.deps.nodeName} shut down while the pod was running; its processes were terminated`,
        'WorkerShutdown',
      );
    }
    if (this.stop?.kind === 'cancel' && this.startedAt === null) {
      this.deps.log.info('pod cancelled before any process started', this.fields);
      throw this.stop.error;
    }
    return this.result(initSucceeded);
  }

  private result(initSucceeded: boolean): PodResult {
    const allSucceeded =
      initSucceeded && this.statuses.every((s) => s.state.terminated !== undefined && s.state.terminated.exitCode === 0);
    const deadline = this.stop?.kind === 'deadline';
    const result: PodResult = {
      podName: this.input.podName,
      phase: allSucceeded && !deadline ? 'Succeeded' : 'Failed',
      nodeName: this.deps.nodeName,
      startedAt: this.startedAt ?? this.attemptStartedAt,
      finishedAt: Date.now(),
      terminatedByRequest: this.stop?.kind === 'cancel',
      initContainerStatuses: structuredClone(this.initStatuses),
      containerStatuses: structuredClone(this.statuses),
    };
    if (deadline) {
      result.reason = DEADLINE_EXCEEDED_REASON;
      result.message = DEADLINE_EXCEEDED_MESSAGE;
    }
    this.deps.log.info('pod finished', { ...this.fields, phase: result.phase, reason: result.reason });
    return result;
  }

  private container(kind: Kind, i: number): { c: Container; status: ContainerStatus } {
    const c = (kind === 'init' ? this.input.spec.initContainers ?? [] : this.input.spec.containers)[i];
    const status = (kind === 'init' ? this.initStatuses : this.statuses)[i];
    if (!c || !status) throw new Error(`no ${kind} container ${i}`);
    return { c, status };
  }

  /**
   * runToCompletion, but an unexpected error (the worker's own I/O) stops the whole pod instead of
   * leaving the other containers' processes running behind a rejected promise.
   */
  private async guarded(kind: Kind, i: number): Promise<boolean> {
    try {
      return await this.runToCompletion(kind, i);
    } catch (err) {
      this.deps.log.error('pod attempt failed on the worker', { ...this.fields, error: errorMessage(err) });
      this.requestStop({ kind: 'error', error: err });
      return false;
    }
  }

  /** Runs a container until it succeeds, or fails for good (Never, or the pod is stopping). */
  private async runToCompletion(kind: Kind, i: number): Promise<boolean> {
    const { c, status } = this.container(kind, i);
    const backoff = new CrashLoopBackoff(this.input.restartBackoffBaseMs, this.input.restartBackoffMaxMs);
    for (;;) {
      if (this.stop) return false;
      const exit = await this.runOnce(kind, i);
      if (exit.exitCode === 0 || this.input.spec.restartPolicy !== 'OnFailure' || this.stop) {
        this.maybeReport();
        return exit.exitCode === 0;
      }
      // kubelet crash-loop backoff (pkg/kubelet/kuberuntime doBackOff): wait, then restart in place.
      const delay = backoff.next(Date.now());
      const terminated = status.state;
      const previous = status.lastState;
      status.lastState = terminated;
      status.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${this.input.podName}_${this.input.namespace}(${this.input.podUid})`,
        },
      };
      this.pendingRestarts++;
      this.maybeReport();
      await this.sleepUnlessStopped(delay);
      this.pendingRestarts--;
      if (this.stop) {
        // Stopped while backing off: the last run's termination is the container's final state.
        status.state = terminated;
        status.lastState = previous;
        return false;
      }
      status.restartCount++;
      this.deps.log.info('restarting container', { ...this.fields, container: c.name, restartCount: status.restartCount });
    }
  }

  private sleepUnlessStopped(ms: number): Promise<void> {
    const signal = this.stopController.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** One run of one container: start, stream output to its log, wait for the exit. */
  private async runOnce(kind: Kind, i: number): Promise<ProcessExit> {
    const { c, status } = this.container(kind, i);
    const restartCount = status.restartCount;
    const writer = ContainerLogWriter.forRun(this.ref, c.name, restartCount);
    const startFailed = (message: string): ProcessExit => {
      writer.close();
      const now = k8sTime(Date.now());
      this.terminate(status, {
        exitCode: START_ERROR_EXIT_CODE,
        reason: 'StartError',
        message,
        startedAt: now,
        finishedAt: now,
      });
      this.deps.log.warn('container could not start', { ...this.fields, container: c.name, message });
      return { exitCode: START_ERROR_EXIT_CODE, signal: null };
    };

    let argv: string[];
    let env: Record<string, string>;
    try {
      ({ argv, env } = containerProcess(c, this.downward, this.baseEnv));
    } catch (err) {
      return startFailed(err instanceof Error ? err.message : String(err));
    }
    const cwd = resolveWorkingDir(this.workDir, c.workingDir);
    if (cwd === null) {
      return startFailed(`chdir to cwd ("${c.workingDir ?? ''}") set in config.json failed: outside the pod's working directory`);
    }
    if (cwd !== this.workDir && cwd.startsWith(this.workDir + path.sep)) {
      try {
        await mkdir(cwd, { recursive: true });
      } catch (err) {
        return startFailed(`chdir to cwd ("${cwd}") set in config.json failed: ${errorMessage(err)}`);
      }
    }

    const outcome = await startContainerProcess({
      argv,
      env,
      cwd,
      graceSeconds: this.input.terminationGracePeriodSeconds,
      onOutput: (stream, chunk) => writer.write(stream, chunk),
    });
    if (!outcome.started) return startFailed(outcome.message);

    const proc = outcome.process;
    const startedAt = Date.now();
    this.running.add(proc);
    // A stop that arrived while the process was being started applies to it too.
    if (this.stop) this.terminateProcess(proc);
    status.state = { running: { startedAt: k8sTime(startedAt) } };
    status.started = true;
    status.ready = kind === 'main';
    this.deps.log.info('container started', { ...this.fields, container: c.name, pid: proc.pid, restartCount });
    if (this.startedAt === null) this.startedAt = startedAt;
    this.maybeReport();

    const exit = await proc.finished;
    this.running.delete(proc);
    writer.close();
    if (writer.error) {
      this.deps.log.error('container output could not be logged', { ...this.fields, container: c.name, error: writer.error.message });
    }
    const terminated: ContainerStateTerminated = {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      startedAt: k8sTime(startedAt),
      finishedAt: k8sTime(Date.now()),
    };
    if (exit.signal !== null) terminated.signal = exit.signal;
    // terminationMessagePolicy FallbackToLogsOnError: the log tail becomes the message on failure.
    if (exit.exitCode !== 0) {
      const tail = await readLogTail(this.ref, c.name, restartCount).catch(() => '');
      if (tail !== '') terminated.message = tail;
    }
    this.terminate(status, terminated);
    this.deps.log.info('container exited', {
      ...this.fields,
      container: c.name,
      exitCode: exit.exitCode,
      signal: exit.signal,
      restartCount,
    });
    return exit;
  }

  private terminate(status: ContainerStatus, terminated: ContainerStateTerminated): void {
    status.state = { terminated } satisfies ContainerState;
    status.ready = false;
    status.started = false;
  }

  private podReady(): boolean {
    return this.statuses.length > 0 && this.statuses.every((s) => s.state.running !== undefined);
  }

  /**
   * Reports when the first process has started and whenever readiness or a restart count changes.
   * A change that only says the pod is finishing is not sent: the activity's result follows.
   */
  private maybeReport(): void {
    if (this.startedAt === null) return;
    const signature = JSON.stringify([
      this.podReady(),
      this.statuses.map((s) => [s.ready, s.restartCount]),
      this.initStatuses.map((s) => s.restartCount),
    ]);
    if (signature === this.lastSignature) return;
    const first = this.lastSignature === '';
    this.lastSignature = signature;
    if (!first && this.running.size === 0 && this.pendingRestarts === 0) return;
    this.reporter.push({
      podName: this.input.podName,
      phase: 'Running',
      nodeName: this.deps.nodeName,
      startedAt: this.startedAt,
      ready: this.podReady(),
      initContainerStatuses: structuredClone(this.initStatuses),
      containerStatuses: structuredClone(this.statuses),
    });
  }

  private requestStop(request: StopRequest): void {
    if (this.stop) return;
    this.stop = request;
    const why = { cancel: 'pod cancelled', deadline: 'pod deadline exceeded', error: 'pod failed on the worker' }[request.kind];
    this.deps.log.info(`${why}, terminating`, { ...this.fields, running: this.running.size });
    this.stopController.abort();
    this.graceSeconds = request.kind === 'cancel' && !isWorkerShutdown(request.error) ? this.requestedGrace() : Promise.resolve(this.input.terminationGracePeriodSeconds);
    for (const proc of this.running) this.terminateProcess(proc);
  }

  private graceSeconds: Promise<number> = Promise.resolve(0);

  /**
   * The grace period of this deletion: a user's `DELETE …/pods/<pod>?gracePeriodSeconds=N` is
   * recorded by the Job workflow (the pod's `deletionGracePeriodSeconds`); a cancellation carries
   * no data, so ask. Falls back to the template's terminationGracePeriodSeconds.
   */
  private async requestedGrace(): Promise<number> {
    const fallback = this.input.terminationGracePeriodSeconds;
    if (!this.deps.deletionGracePeriod) return fallback;
    try {
      const lookup = this.deps.deletionGracePeriod(this.input.workflowId, this.input.podName);
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000).unref());
      const grace = await Promise.race([lookup, timeout]);
      return grace !== null && Number.isFinite(grace) && grace >= 0 ? grace : fallback;
    } catch (err) {
      this.deps.log.warn('could not read the pod deletion grace period; using the template value', { ...this.fields, error: errorMessage(err) });
      return fallback;
    }
  }

  /** SIGTERM to the group, SIGKILL once the grace period is over (kubelet killContainer). */
  private terminateProcess(proc: ContainerProcess): void {
    const signalledAt = Date.now();
    proc.signalGroup('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    void proc.finished.finally(() => {
      done = true;
      clearTimeout(timer);
    });
    void this.graceSeconds.then((grace) => {
      if (!done) timer = setTimeout(() => proc.signalGroup('SIGKILL'), Math.max(0, grace * 1000 - (Date.now() - signalledAt)));
    });
  }
}

/** The `runPod` activity. */
export async function runPod(deps: ActivityDeps, input: RunPodInput): Promise<PodResult> {
  const ctx = Context.current();
  let workDir: string;
  try {
    workDir = podWorkDir({ dataDir: deps.dataDir, namespace: input.namespace, jobUid: input.jobUid, podName: input.podName });
    // Container names become log paths: reject anything that is not a DNS label up front.
    for (const c of [...(input.spec.initContainers ?? []), ...input.spec.containers]) validContainerName(c.name);
    await mkdir(workDir, { recursive: true });
  } catch (err) {
    const message = `cannot set up pod ${input.namespace}/${input.podName}: ${errorMessage(err)}`;
    deps.log.error('pod setup failed', { namespace: input.namespace, job: input.jobName, pod: input.podName, error: message });
    throw ApplicationFailure.nonRetryable(message, 'PodSetupFailed');
  }
  return new PodAttempt(deps, input, workDir, ctx).run();
}
