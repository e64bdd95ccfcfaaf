/**
 * One container of a pod, run to completion the way the kubelet's SyncPod loop does for it: have
 * the pod launcher start the process (a StartError when it cannot start, as containerd reports
 * it) with its output going to the CRI log of this run, wait for the exit, and for `restartPolicy:
 * OnFailure` restart it in place after the crash-loop backoff until it succeeds or the pod stops.
 *
 * The container's status object is the pod's (the pod reads it for reports and the result); this
 * module is the only one that changes it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunPodInput } from '../k8s/pod-run.js';
import type { Container, ContainerStateTerminated, ContainerStatus } from '../k8s/types.js';
import { containerDoneFile, containerLogFile, resolveWorkingDir, type PodRef } from '../storage/pod-files.js';
import { readLogTail, writeUnstartedRunLog } from '../storage/pod-logs.js';
import { containerProcess, type DownwardPod } from './container-env.js';
import { CrashLoopBackoff, goDuration } from './crash-loop-backoff.js';
import type { ActivityLogger } from './deps.js';
import { errorMessage } from './errors.js';
import { LauncherDiedError, type PodLauncher, type ProcessExit } from './pod-launcher.js';
import type { Terminator } from './terminator.js';

/** Exit code of a container that could not be started (containerd reports 128 with StartError). */
export const START_ERROR_EXIT_CODE = 128;

/** Event reason of the Warning a pod gets when its output could not be stored. */
export const LOG_WRITE_FAILED_REASON = 'LogWriteFailed';

export type ContainerKind = 'init' | 'main';

/** What a container run needs from its pod. */
export interface ContainerPod {
  input: RunPodInput;
  files: PodRef;
  workDir: string;
  downward: DownwardPod;
  baseEnv: Record<string, string>;
  log: ActivityLogger;
  fields: Record<string, unknown>;
  terminator: Terminator;
  /** Starts the processes (the worker's launcher). */
  launcher: PodLauncher;
  /** Aborted when the pod stops: no further runs or restarts. */
  stopping: AbortSignal;
  /** A process of this container started at `at` (epoch ms). */
  started(at: number): void;
  /** The container's status changed in a way a report may carry. */
  changed(): void;
  warn(reason: string, message: string): void;
}

/** Kubernetes time format for container states: RFC3339 with seconds. */
export function k8sTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ContainerRun {
  /** A process of this container is running. */
  running = false;
  /** Waiting out a crash-loop backoff before the next run. */
  backingOff = false;

  constructor(
    private readonly pod: ContainerPod,
    readonly kind: ContainerKind,
    private readonly container: Container,
    readonly status: ContainerStatus,
  ) {}

  /** Runs the container until it succeeds, or fails for good (Never, or the pod is stopping). */
  async toCompletion(): Promise<boolean> {
    const { input } = this.pod;
    const status = this.status;
    const backoff = new CrashLoopBackoff(input.restartBackoffBaseMs, input.restartBackoffMaxMs);
    for (;;) {
      if (this.pod.stopping.aborted) return false;
      const exit = await this.once();
      if (exit.exitCode === 0 || input.spec.restartPolicy !== 'OnFailure' || this.pod.stopping.aborted) {
        this.pod.changed();
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
          message: `back-off ${goDuration(delay)} restarting failed container=${this.container.name} pod=${input.podName}_${input.namespace}(${input.podUid})`,
        },
      };
      this.backingOff = true;
      this.pod.changed();
      await sleepUnless(this.pod.stopping, delay);
      this.backingOff = false;
      if (this.pod.stopping.aborted) {
        // Stopped while backing off: the last run's termination is the container's final state.
        status.state = terminated;
        status.lastState = previous;
        return false;
      }
      status.restartCount++;
      this.pod.log.info('restarting container', { ...this.pod.fields, container: this.container.name, restartCount: status.restartCount });
    }
  }

  /** One run: start (its output goes to its log), wait for the exit. */
  private async once(): Promise<ProcessExit> {
    const { pod, container: c, status } = this;
    const restartCount = status.restartCount;
    const startFailed = (message: string): ProcessExit => {
      const now = k8sTime(Date.now());
      this.terminated({ exitCode: START_ERROR_EXIT_CODE, reason: 'StartError', message, startedAt: now, finishedAt: now });
      pod.log.warn('container could not start', { ...pod.fields, container: c.name, message });
      return { exitCode: START_ERROR_EXIT_CODE, signal: null, logError: null };
    };
    /** A start that fails here, before the launcher is asked, leaves the same (empty) log. */
    const failedBeforeStart = async (message: string): Promise<ProcessExit> => {
      await writeUnstartedRunLog(pod.files, c.name, restartCount);
      return startFailed(message);
    };

    let argv: string[];
    let env: Record<string, string>;
    try {
      ({ argv, env } = containerProcess(c, pod.downward, pod.baseEnv));
    } catch (err) {
      return failedBeforeStart(errorMessage(err));
    }
    const cwd = resolveWorkingDir(pod.workDir, c.workingDir);
    if (cwd === null) {
      return failedBeforeStart(`chdir to cwd ("${c.workingDir ?? ''}") set in config.json failed: outside the pod's working directory`);
    }
    if (cwd !== pod.workDir && cwd.startsWith(pod.workDir + path.sep)) {
      try {
        await mkdir(cwd, { recursive: true });
      } catch (err) {
        return failedBeforeStart(`chdir to cwd ("${cwd}") set in config.json failed: ${errorMessage(err)}`);
      }
    }

    const outcome = await pod.launcher.start({
      argv,
      env,
      cwd,
      log: containerLogFile(pod.files, c.name, restartCount),
      done: containerDoneFile(pod.files, c.name, restartCount),
    });
    if (!outcome.started) return startFailed(outcome.message);

    const proc = outcome.process;
    const startedAt = Date.now();
    // A termination asked while the process was being started applies to it too.
    pod.terminator.track(proc);
    this.running = true;
    status.state = { running: { startedAt: k8sTime(startedAt) } };
    status.started = true;
    status.ready = this.kind === 'main';
    pod.log.info('container started', { ...pod.fields, container: c.name, pid: proc.pid, restartCount });
    pod.started(startedAt);
    pod.changed();

    const exit = await proc.finished;
    this.running = false;
    const terminated: ContainerStateTerminated = {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      startedAt: k8sTime(startedAt),
      finishedAt: k8sTime(Date.now()),
    };
    if (exit.signal !== null) terminated.signal = exit.signal;
    if (exit.lost !== undefined) {
      // Not the container's own end: kjob's launcher died and the watchdog killed the process.
      // The pod stops (PodLauncherDied); the status says what happened meanwhile.
      terminated.message = `${exit.lost}; the container's processes were killed`;
      this.terminated(terminated);
      pod.log.error('container killed: its launcher died', { ...pod.fields, container: c.name, reason: exit.lost, restartCount });
      throw new LauncherDiedError(exit.lost);
    }
    if (exit.logError !== null) {
      // kjob's own I/O failed (a full disk): the exit code is still the process's, and the status
      // says why the log is missing instead of a silently empty log.
      const why = `kjob could not write the log of container "${c.name}" (run ${restartCount}) on node ${pod.downward.nodeName}: ${exit.logError}`;
      terminated.message = `${why}; its output since then is lost`;
      pod.log.error('container output could not be logged', { ...pod.fields, container: c.name, error: exit.logError });
      pod.warn(LOG_WRITE_FAILED_REASON, why);
    } else if (exit.exitCode !== 0) {
      // terminationMessagePolicy FallbackToLogsOnError: the log tail becomes the message on failure.
      const tail = await readLogTail(pod.files, c.name, restartCount).catch(() => '');
      if (tail !== '') terminated.message = tail;
    }
    this.terminated(terminated);
    pod.log.info('container exited', { ...pod.fields, container: c.name, exitCode: exit.exitCode, signal: exit.signal, restartCount });
    return exit;
  }

  private terminated(terminated: ContainerStateTerminated): void {
    this.status.state = { terminated };
    this.status.ready = false;
    this.status.started = false;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleepUnless(signal: AbortSignal, ms: number): Promise<void> {
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
