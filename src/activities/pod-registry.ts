/**
 * The pods this worker runs, by pod uid: the worker's kubelet. A pod here lives independently of
 * the activity that asked for it. Activities *attach* to a pod to heartbeat and hand over its
 * outcome; when the last one *detaches* while the pod runs (the run that scheduled it is gone),
 * the pod keeps running for a re-attach window (the heartbeat timeout) so that a `watchPod` from
 * the workflow's next run can pick it up, and is terminated if none comes.
 *
 * Every terminal outcome is written to `<pod dir>/outcome.json` before anyone is told of it, so a
 * pod the registry has forgotten (finished pods are kept in memory for 10 minutes, at most 1,000)
 * can still be answered from disk.
 *
 * A termination for a pod this worker does not know leaves a tombstone: if the pod's start
 * arrives later (the two raced through different task queues), it is not run (`PodNotStarted`).
 *
 * The pods' processes are started by the registry's pod launcher, a small child process of the
 * worker (pod-launcher.ts), started with the first pod and stopped by `shutdown()`.
 */
import { POD_FAILURE, type PodRef, type PodStatusReport, type RunPodInput } from '../k8s/pod-run.js';
import { podWorkDir, validContainerName, type PodRef as PodFiles } from '../storage/pod-files.js';
import { readPodOutcome, writePodOutcome, type PodOutcome } from '../storage/pod-outcome.js';
import type { ActivityDeps } from './deps.js';
import { errorMessage } from './errors.js';
import { ChildProcessLauncher, type PodLauncher } from './pod-launcher.js';
import { Pod, type PodHost } from './pod.js';
import { StatusReporter, type StatusReporterOptions } from './status-reporter.js';

/** Warning reason when the outcome could not be written to disk (it is still handed over). */
export const OUTCOME_NOT_RECORDED_REASON = 'OutcomeNotRecorded';

export interface PodRegistryOptions {
  /** How long a finished pod (or a tombstone) stays in memory (default 10 minutes). */
  retainFinishedMs?: number;
  /** At most this many finished pods (and as many tombstones) stay in memory (default 1,000). */
  maxFinished?: number;
  reporter?: StatusReporterOptions;
  /**
   * Starts the pods' processes. Default: a launcher process of the registry's own, stopped by
   * `shutdown()`; a launcher passed in is left running (its owner closes it).
   */
  launcher?: PodLauncher;
}

/** An activity's hold on a pod: it heartbeats while attached and hands over the outcome. */
export interface Attachment {
  readonly podUid: string;
  readonly outcome: Promise<PodOutcome>;
  /** The template's grace period (for a cancelled runPod). */
  readonly terminationGracePeriodSeconds: number;
}

interface Entry {
  uid: string;
  pod: Pod;
  files: PodFiles;
  done: Promise<PodOutcome>;
  outcome: PodOutcome | null;
  finishedAt: number;
  attachments: Set<AttachmentImpl>;
  abandonTimer: NodeJS.Timeout | undefined;
}

class AttachmentImpl implements Attachment {
  constructor(
    readonly podUid: string,
    readonly outcome: Promise<PodOutcome>,
    readonly terminationGracePeriodSeconds: number,
    /** The re-attach window once this attachment detaches: the heartbeat timeout. */
    readonly reattachWindowMs: number,
  ) {}
}

function reattachWindowMs(heartbeatIntervalMs: number): number {
  // The workflow's heartbeat timeout is three times the interval (pod-run.ts).
  return 3 * Math.max(10, heartbeatIntervalMs);
}

export class PodRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Uids of finished entries, oldest first (for forgetting them). */
  private readonly finishedOrder = new Map<string, number>();
  /** Pods terminated before this worker ever saw them: uid → when. */
  private readonly tombstones = new Map<string, number>();
  private readonly retainFinishedMs: number;
  private readonly maxFinished: number;
  private shuttingDown = false;
  readonly reporter: StatusReporter;
  readonly launcher: PodLauncher;
  private readonly ownsLauncher: boolean;
  private readonly host: PodHost;

  constructor(
    private readonly deps: ActivityDeps,
    options: PodRegistryOptions = {},
  ) {
    this.retainFinishedMs = options.retainFinishedMs ?? 10 * 60_000;
    this.maxFinished = options.maxFinished ?? 1000;
    this.reporter = new StatusReporter(deps.reports, deps.log, {
      ...(deps.reportFlushIntervalMs !== undefined ? { flushIntervalMs: deps.reportFlushIntervalMs } : {}),
      ...options.reporter,
    });
    this.ownsLauncher = options.launcher === undefined;
    this.launcher = options.launcher ?? new ChildProcessLauncher({ nodeName: deps.nodeName, log: deps.log });
    this.host = { nodeName: deps.nodeName, log: deps.log, launcher: this.launcher, ...(deps.path !== undefined ? { path: deps.path } : {}) };
  }

  /**
   * Starts the pod, or attaches to it when this uid already runs (or ran) here. `scheduledAt`
   * (epoch ms, when its attempt was scheduled) times the pod's start for the worker's metrics.
   */
  start(input: RunPodInput, scheduledAt?: number): Attachment {
    const window = reattachWindowMs(input.heartbeatIntervalMs);
    const grace = input.terminationGracePeriodSeconds;
    const existing = this.attach(input.podUid, input.heartbeatIntervalMs);
    if (existing) return existing;
    const fields = { namespace: input.namespace, job: input.jobName, pod: input.podName };
    const refused = (type: PodOutcome & { kind: 'failure' }) => new AttachmentImpl(input.podUid, Promise.resolve(type), grace, window);
    if (this.tombstones.has(input.podUid)) {
      this.deps.log.info('pod not started: it was terminated before it arrived', fields);
      return refused({
        kind: 'failure',
        type: POD_FAILURE.notStarted,
        message: `pod ${input.namespace}/${input.podName} was terminated before it reached node ${this.deps.nodeName}`,
      });
    }
    if (this.shuttingDown) {
      return refused({
        kind: 'failure',
        type: POD_FAILURE.notStarted,
        message: `node ${this.deps.nodeName} is shutting down and does not start pods`,
      });
    }
    let files: PodFiles;
    let workDir: string;
    try {
      files = { dataDir: this.deps.dataDir, namespace: input.namespace, jobUid: input.jobUid, podName: input.podName };
      workDir = podWorkDir(files);
      // Container names become log paths: reject anything that is not a DNS label up front.
      for (const c of [...(input.spec.initContainers ?? []), ...input.spec.containers]) validContainerName(c.name);
    } catch (err) {
      const message = `cannot set up pod ${input.namespace}/${input.podName}: ${errorMessage(err)}`;
      this.deps.log.error('pod setup failed', { ...fields, error: message });
      return refused({ kind: 'failure', type: POD_FAILURE.setupFailed, message });
    }

    const target = { workflowId: input.workflowId, signal: input.reports ?? 'podStatus' } as const;
    let started = false;
    const onReport = (report: PodStatusReport) => {
      if (!started) {
        started = true;
        this.deps.observer?.podStarted(Math.max(0, report.startedAt - (scheduledAt ?? report.startedAt)));
      }
      this.reporter.push(target, input.podUid, report);
    };
    const pod = new Pod(this.host, input, files, workDir, onReport);
    const fresh = { uid: input.podUid, pod, files, outcome: null, finishedAt: 0, attachments: new Set<AttachmentImpl>(), abandonTimer: undefined };
    const entry: Entry = Object.assign(fresh, {
      done: pod
        .run()
        .catch((err: unknown): PodOutcome => ({
          kind: 'failure',
          type: POD_FAILURE.setupFailed,
          message: `pod ${input.namespace}/${input.podName} could not be run: ${errorMessage(err)}`,
        }))
        .then((outcome) => this.finish(entry, outcome)),
    });
    this.entries.set(input.podUid, entry);
    return this.attachTo(entry, grace, window);
  }

  /** Attaches to a pod this registry runs or remembers; null when it does not know the uid. */
  attach(podUid: string, heartbeatIntervalMs: number): Attachment | null {
    const entry = this.entry(podUid);
    if (!entry) return null;
    return this.attachTo(entry, entry.pod.input.terminationGracePeriodSeconds, reattachWindowMs(heartbeatIntervalMs));
  }

  /**
   * The attachment lets go. If it was the last one and the pod still runs, the pod is terminated
   * unless something re-attaches within the window.
   */
  detach(attachment: Attachment): void {
    const entry = this.entries.get(attachment.podUid);
    if (!entry || !(attachment instanceof AttachmentImpl) || !entry.attachments.delete(attachment)) return;
    if (entry.outcome !== null || entry.attachments.size > 0) return;
    clearTimeout(entry.abandonTimer);
    const windowMs = attachment.reattachWindowMs;
    this.deps.log.info('pod detached; waiting for a re-attach', { ...entry.pod.fields, windowMs });
    entry.abandonTimer = setTimeout(() => {
      if (entry.outcome === null && entry.attachments.size === 0) {
        entry.pod.stop('abandoned', entry.pod.input.terminationGracePeriodSeconds);
      }
    }, windowMs);
  }

  /** A stop asked by an attached activity (its cancellation): `request` or `shutdown`. */
  stop(podUid: string, reason: 'request' | 'shutdown', graceSeconds: number): void {
    this.entries.get(podUid)?.pod.stop(reason, graceSeconds);
  }

  /**
   * `terminatePod`: SIGTERM now, SIGKILL after `graceSeconds`. Idempotent; a finished pod is left
   * alone; an unknown one gets a tombstone so that it is never started here.
   */
  terminate(ref: PodRef, graceSeconds: number): void {
    const entry = this.entry(ref.podUid);
    const fields = { namespace: ref.namespace, pod: ref.podName, graceSeconds };
    if (entry) {
      if (entry.outcome === null) entry.pod.stop('request', graceSeconds);
      return;
    }
    if (!this.tombstones.has(ref.podUid)) {
      this.deps.log.info('termination of a pod this node does not run: it will not be started here', fields);
      this.tombstones.set(ref.podUid, Date.now());
      this.prune();
    }
  }

  /**
   * The outcome of a pod this worker ran: from memory, else from its outcome.json (as long as the
   * pod's data exists). Null while the pod runs, or when this worker never ran it.
   */
  async recordedOutcome(ref: PodRef): Promise<PodOutcome | null> {
    const entry = this.entry(ref.podUid);
    if (entry) return entry.outcome;
    if (this.tombstones.has(ref.podUid)) {
      return { kind: 'failure', type: POD_FAILURE.notStarted, message: `pod ${ref.namespace}/${ref.podName} was terminated before it reached node ${this.deps.nodeName}` };
    }
    try {
      return await readPodOutcome({ dataDir: this.deps.dataDir, ...ref }, ref.podUid);
    } catch (err) {
      this.deps.log.warn('pod outcome could not be read', { namespace: ref.namespace, pod: ref.podName, error: errorMessage(err) });
      return null;
    }
  }

  /** Pods still running. */
  get runningCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.outcome === null) n++;
    return n;
  }

  /**
   * The worker stops: every running pod is terminated with its own grace period; resolves once
   * all are gone and the registry's own launcher has stopped. New starts are refused from now on.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const running = [...this.entries.values()].filter((e) => e.outcome === null);
    if (running.length > 0) this.deps.log.info('terminating the pods of this node', { pods: running.length });
    for (const e of running) e.pod.stop('shutdown', e.pod.input.terminationGracePeriodSeconds);
    await Promise.all(running.map((e) => e.done));
    this.reporter.close();
    if (this.ownsLauncher) await this.launcher.close();
  }

  private attachTo(entry: Entry, grace: number, windowMs: number): Attachment {
    const attachment = new AttachmentImpl(entry.uid, entry.done, grace, windowMs);
    if (entry.outcome === null) {
      entry.attachments.add(attachment);
      clearTimeout(entry.abandonTimer);
      entry.abandonTimer = undefined;
    }
    return attachment;
  }

  /** The entry of `podUid`, unless it finished so long ago that it is forgotten. */
  private entry(podUid: string): Entry | undefined {
    this.prune();
    return this.entries.get(podUid);
  }

  /** Records the outcome durably, then lets everyone know. */
  private async finish(entry: Entry, outcome: PodOutcome): Promise<PodOutcome> {
    this.reporter.finished(entry.uid);
    try {
      await writePodOutcome(entry.files, entry.uid, outcome);
    } catch (err) {
      // The outcome is still handed over (the activity result is the primary channel); it just
      // cannot be answered from disk later.
      this.deps.log.error('pod outcome could not be recorded', { ...entry.pod.fields, error: errorMessage(err) });
      if (outcome.kind === 'result') {
        (outcome.result.warnings ??= []).push({
          reason: OUTCOME_NOT_RECORDED_REASON,
          message: `kjob could not record the outcome of pod ${entry.pod.input.podName} on node ${this.deps.nodeName}: ${errorMessage(err)}`,
        });
      }
    }
    entry.outcome = outcome;
    entry.finishedAt = Date.now();
    entry.attachments.clear();
    clearTimeout(entry.abandonTimer);
    this.finishedOrder.set(entry.uid, entry.finishedAt);
    this.prune();
    return outcome;
  }

  /** Forgets finished pods and tombstones older than the retention time or beyond the limit. */
  private prune(): void {
    const cutoff = Date.now() - this.retainFinishedMs;
    for (const [uid, at] of this.finishedOrder) {
      if (at >= cutoff && this.finishedOrder.size <= this.maxFinished) break;
      this.finishedOrder.delete(uid);
      this.entries.delete(uid);
      this.reporter.forget(uid);
    }
    for (const [uid, at] of this.tombstones) {
      if (at >= cutoff && this.tombstones.size <= this.maxFinished) break;
      this.tombstones.delete(uid);
    }
  }
}
