/**
 * Runs a slice of one Job's pods as activities of the current workflow run (the pod shard's, or
 * the Job's own first slice): one `runPod` per attempt, progress reports applied to the pod
 * records it publishes, prompt termination on the pod's node, and the node asked before a timed-out
 * pod is called lost (docs/architecture.md). It decides nothing about the Job: which pods exist,
 * and when they stop, comes in as assignments; what happens to them goes out as triggers.
 *
 * Liveness is the node's, not the heartbeat's: when a pod's activity times out (Temporal was down,
 * or the worker is), the runner asks the pod's node (`watchPod` on its node queue) before it
 * reports the pod lost; a live worker answers with the pod's real outcome.
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
} from '@temporalio/workflow';
import type { PodActivities } from '../activities/index.js';
import {
  applyResult,
  applyStatusReport,
  failPod,
  markLost,
  podAttemptSpec,
  type JobSettings,
  type PodDeletion,
  type PodRecord,
} from '../controller/index.js';
import { POD_FAILURE, type PodRef, type PodResult, type PodStatusReport } from '../k8s/pod-run.js';
import type { StoredJob } from '../k8s/types.js';
import { nodeTaskQueue, podMemoKey, type PodAssignment, type PodTrigger } from './definitions.js';
import { nextResourceVersion } from './job-publisher.js';
import { podSummary } from './ui.js';

/** Where a pod's attempt is, as far as the shard knows. */
type AttemptState =
  /** runPod scheduled; no worker has said it runs the pod (yet). */
  | 'scheduled'
  /** A worker (`node`) runs it: runPod attached, or watchPod after a continue-as-new. */
  | 'running'
  /** Its activity timed out: watchPod asks its node. */
  | 'probing'
  | 'ended';

export interface RunnerPod {
  /** The pod as published (and rendered by the API with the Job's spec). */
  record: PodRecord;
  node: string | null;
  attempt: AttemptState;
  /** The Job asked to stop it. */
  deletion: PodDeletion | null;
  terminationSent: boolean;
  /** resourceVersion of the published record; 0 until first published. */
  rv: number;
}

/** What a pod runner carries across continue-as-new. */
export interface RunnerCarried {
  job: StoredJob;
  pods: Record<string, RunnerPod>;
  /** Pods the Job stopped before their start reached the shard. */
  tombstones: string[];
  /** Starts that arrived while the previous run drained. */
  queued: PodRecord[];
  closing: boolean;
  /** Every node that ran a pod of this shard (their data is removed on close). */
  nodes: string[];
  rv: number;
}


const YEAR_MS = 365 * 24 * 3600 * 1000;
/**
 * A node that does not answer this many probes in a row (each waits a heartbeat timeout for the
 * node to pick it up) has lost the pod: one heartbeat timeout to notice, three to be sure.
 */
const MAX_PROBES = 3;

export interface PodRunner {
  /** What the Job decided for these pods: start (queued while draining), terminate, forget, close. */
  assign(assignment: PodAssignment): void;
  /** Progress reports from the workers running the pods. */
  report(reports: readonly PodStatusReport[]): void;
  /** What happened to the pods since the last call, for the Job's controller. */
  takeTriggers(): PodTrigger[];
  /** The memo changes since the last call (`pod/<name>` keys; null removes), or null. */
  takeMemo(): Record<string, unknown> | null;
  /** Whether triggers or memo changes wait to be taken. */
  hasNews(): boolean;
  /** Every pod published, for the next run's memo (Temporal does not carry memos over). */
  fullMemo(): Record<string, unknown>;
  records(): PodRecord[];
  /** Pods not yet ended. */
  live(): number;
  closing(): boolean;
  /** Stop starting pods (queue them for the next run) ahead of a continue-as-new. */
  drain(): void;
  /** Every pod's node is known or the pod ended, and no activity of this run is in flight. */
  readyToContinue(): boolean;
  /** Nothing this run scheduled (terminations, data removal) is still in flight. */
  idle(): boolean;
  carried(): RunnerCarried;
  /** Removes the pods' data on every node that ran one (after `close`, once no pod runs). */
  removeData(): Promise<void>;
}

export interface PodRunnerOptions {
  /** The id of the workflow that runs the pods: where workers send their reports. */
  workflowId: string;
  taskQueue: string;
  job: StoredJob;
  settings: JobSettings;
  carried?: RunnerCarried;
}

export function createPodRunner({ workflowId, taskQueue, job, settings, carried }: PodRunnerOptions): PodRunner {
  const s: RunnerCarried = carried ?? { job, pods: {}, tombstones: [], queued: [], closing: false, nodes: [], rv: 0 };
  const tombstones = new Set(s.tombstones);
  const nodes = new Set(s.nodes);
  const outbox: PodTrigger[] = [];
  const dirty = new Set<string>();
  const removed = new Set<string>();
  const scopes = new Map<string, CancellationScope>();
  const probes = new Map<string, number>();
  let inFlight = 0;
  let draining = false;

  const pods = proxyActivities<PodActivities>({
    startToCloseTimeout: YEAR_MS,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    // Every retry decision is the controller's, as in Kubernetes: never let Temporal retry a pod.
    retry: { maximumAttempts: 1 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  /** Activities on one worker's own task queue. */
  const onNode = (node: string) => ({
    watch: proxyActivities<PodActivities>({
      taskQueue: nodeTaskQueue(taskQueue, node),
      // A node that does not pick the probe up within the heartbeat timeout is gone.
      scheduleToStartTimeout: settings.heartbeatTimeoutMs,
      startToCloseTimeout: YEAR_MS,
      heartbeatTimeout: settings.heartbeatTimeoutMs,
      retry: { maximumAttempts: 1 },
    }).watchPod,
    housekeeping: proxyActivities<PodActivities>({
      taskQueue: nodeTaskQueue(taskQueue, node),
      scheduleToCloseTimeout: 60_000,
      retry: { maximumAttempts: 3, initialInterval: 500 },
    }),
  });

  const ref = (p: RunnerPod): PodRef => ({ namespace: s.job.metadata.namespace, jobUid: s.job.metadata.uid, podName: p.record.name, podUid: p.record.uid });
  const changed = (name: string) => dirty.add(name);
  /** Fire-and-forget work this run must finish before it may end (an unstarted activity dies with the run). */
  const track = (p: Promise<unknown>) => {
    inFlight++;
    void p.finally(() => inFlight--);
  };

  // ---- what happens to a pod's attempt -------------------------------------------------------

  const end = (name: string, trigger: PodTrigger) => {
    const p = s.pods[name];
    if (!p || p.attempt === 'ended') return;
    p.attempt = 'ended';
    scopes.delete(name);
    probes.delete(name);
    const record = { ...p.record };
    switch (trigger.type) {
      case 'podExited':
        applyResult(record, trigger.result);
        break;
      case 'podLost':
        markLost(record, Date.now(), trigger.message);
        break;
      case 'podNotStarted':
        failPod(record, Date.now(), null, null);
        break;
      case 'podStartFailed':
        failPod(record, Date.now(), 'StartError', trigger.message);
        break;
      case 'podStatus':
        return;
    }
    p.record = record;
    if (record.nodeName) nodes.add(record.nodeName);
    changed(name);
    outbox.push(trigger);
  };

  /** Maps a failed pod activity to what it means for the pod (probe the node on a timeout). */
  const failed = (name: string, err: unknown) => {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    // The node the pod reported from; else the one its heartbeats named (runPod heartbeats with
    // `{ nodeName }`); an activity failure's `identity` is empty after a heartbeat timeout.
    const beat = cause instanceof TimeoutFailure ? (cause.lastHeartbeatDetails as { nodeName?: unknown } | undefined) : undefined;
    const node = s.pods[name]?.node ?? (typeof beat?.nodeName === 'string' ? beat.nodeName : null) ?? ((err instanceof ActivityFailure && err.identity) || null);
    if (cause instanceof TimeoutFailure) return probe(name, node);
    if (cause instanceof CancelledFailure || isCancellation(err)) return end(name, { type: 'podNotStarted', podName: name });
    if (cause instanceof ApplicationFailure) {
      switch (cause.type) {
        case POD_FAILURE.workerShutdown:
          // The worker was stopped while the pod ran (a drained node): a disruption, not the pod's failure.
          return end(name, { type: 'podLost', podName: name, message: `the worker running the pod shut down: ${cause.message}` });
        case POD_FAILURE.notStarted:
          return end(name, { type: 'podNotStarted', podName: name });
        case POD_FAILURE.launcherDied:
          // The worker's pod launcher died and its watchdogs killed the pod's processes: lost like its node.
          return end(name, { type: 'podLost', podName: name, message: cause.message });
        case POD_FAILURE.abandoned:
          return end(name, { type: 'podLost', podName: name, message: `the worker ${node ?? ''} stopped the pod: nothing re-attached to it in time` });
        case POD_FAILURE.unknown:
          return end(name, { type: 'podLost', podName: name, message: `the worker ${node ?? ''} no longer knows the pod (it restarted)` });
        default:
          return end(name, { type: 'podStartFailed', podName: name, message: `${cause.type ?? 'Error'}: ${cause.message}` });
      }
    }
    return end(name, { type: 'podStartFailed', podName: name, message: cause instanceof Error ? cause.message : String(cause) });
  };

  /** The pod's activity timed out: ask its node before calling it lost. */
  const probe = (name: string, node: string | null) => {
    const p = s.pods[name];
    if (!p) return;
    const n = (probes.get(name) ?? 0) + 1;
    probes.set(name, n);
    if (node === null || n > MAX_PROBES) {
      const silence = (settings.heartbeatTimeoutMs * (n > MAX_PROBES ? MAX_PROBES + 1 : 1)) / 1000;
      return end(name, { type: 'podLost', podName: name, message: `the worker ${node ?? '(unknown)'} running the pod did not answer for ${silence}s` });
    }
    log.info('pod activity timed out; asking its node', { pod: name, node, probe: n });
    p.node = node;
    p.attempt = 'probing';
    watch(name, node);
  };

  /** Attaches to the pod on its node; its outcome (or the node's silence) ends it. */
  const watch = (name: string, node: string) => {
    const p = s.pods[name];
    if (!p) return;
    onNode(node)
      .watch.executeWithOptions({ summary: `re-attach to ${podSummary(p.record)} on ${node}` }, [{ ...ref(p), heartbeatIntervalMs: settings.heartbeatTimeoutMs / 3 }])
      .then(
        (result) => end(name, { type: 'podExited', result }),
        (err: unknown) => {
          const cause = err instanceof ActivityFailure ? err.cause : err;
          // Not picked up in time: the node is gone — or still reconnecting after an outage of
          // Temporal's, so ask again (MAX_PROBES in all) before calling the pod lost.
          if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') probe(name, node);
          else failed(name, err);
        },
      );
  };

  const startAttempt = (pod: PodRecord) => {
    if (s.pods[pod.name]) return; // a repeated assignment
    s.pods[pod.name] = { record: { ...pod }, node: null, attempt: 'scheduled', deletion: null, terminationSent: false, rv: 0 };
    changed(pod.name);
    if (tombstones.delete(pod.name)) return end(pod.name, { type: 'podNotStarted', podName: pod.name });
    const scope = new CancellationScope({ cancellable: true });
    scopes.set(pod.name, scope);
    const attempt = { ...podAttemptSpec({ job: s.job, settings }, pod), workflowId: workflowId, reports: 'podReports' as const };
    scope.run(() => pods.runPod.executeWithOptions({ summary: podSummary(pod) }, [attempt])).then(
      (result: PodResult) => end(pod.name, { type: 'podExited', result }),
      (err: unknown) => failed(pod.name, err),
    );
  };

  const sendTermination = (p: RunnerPod) => {
    if (p.node === null || p.deletion === null || p.terminationSent) return;
    p.terminationSent = true;
    track(
      onNode(p.node)
        .housekeeping.terminatePod({ ...ref(p), gracePeriodSeconds: p.deletion.gracePeriodSeconds })
        .catch((err: unknown) => log.warn('could not reach the pod node to terminate it', { pod: p.record.name, node: p.node, error: (err as Error).message })),
    );
  };

  const terminate = (podName: string, deletion: PodDeletion) => {
    const p = s.pods[podName];
    if (!p) {
      tombstones.add(podName);
      return;
    }
    p.deletion = deletion;
    p.record = { ...p.record, deletion };
    changed(podName);
    if (p.attempt === 'ended') return;
    // The node is known: terminate there, now. Otherwise no worker has said it runs the pod:
    // cancel the activity (at once if none took it) and terminate on the node once it reports.
    if (p.node !== null) sendTermination(p);
    else scopes.get(podName)?.cancel();
  };

  const applyReport = (r: PodStatusReport) => {
    const p = s.pods[r.podName];
    if (!p || p.attempt === 'ended') return; // stale (reports are at-least-once)
    p.node = r.nodeName;
    if (p.attempt === 'scheduled') p.attempt = 'running';
    const record = { ...p.record };
    applyStatusReport(record, r);
    p.record = record;
    changed(r.podName);
    // A newer report of the same pod replaces an unsent one.
    const i = outbox.findIndex((t) => t.type === 'podStatus' && t.report.podName === r.podName);
    if (i >= 0) outbox.splice(i, 1);
    outbox.push({ type: 'podStatus', report: r });
    sendTermination(p);
  };

  const apply = (a: PodAssignment) => {
    if (a.job) s.job = a.job;
    for (const pod of a.start) {
      if (draining) s.queued.push(pod);
      else startAttempt(pod);
    }
    for (const t of a.terminate) terminate(t.podName, t.deletion);
    for (const name of a.remove) {
      if (!s.pods[name]) continue;
      delete s.pods[name];
      dirty.delete(name);
      removed.add(name);
    }
    if (a.close) s.closing = true;
  };

  // A new run (continue-as-new): re-attach to the pods the last run saw running.
  for (const [name, p] of Object.entries(s.pods)) {
    if ((p.attempt === 'running' || p.attempt === 'probing') && p.node !== null) watch(name, p.node);
  }
  for (const pod of s.queued.splice(0, s.queued.length)) startAttempt(pod);

  const live = () => Object.values(s.pods).filter((p) => p.attempt !== 'ended').length;

  return {
    assign: apply,
    report: (reports) => {
      for (const r of reports) applyReport(r);
    },
    takeTriggers: () => outbox.splice(0, outbox.length),
    takeMemo: () => {
      if (dirty.size === 0 && removed.size === 0) return null;
      s.rv = nextResourceVersion(s.rv, Date.now());
      const memo: Record<string, unknown> = {};
      for (const name of dirty) {
        const p = s.pods[name];
        if (!p) continue;
        p.rv = s.rv;
        memo[podMemoKey(name)] = { ...p.record, rv: p.rv };
      }
      for (const name of removed) memo[podMemoKey(name)] = null;
      dirty.clear();
      removed.clear();
      return memo;
    },
    hasNews: () => outbox.length > 0 || dirty.size > 0 || removed.size > 0,
    fullMemo: () => Object.fromEntries(Object.values(s.pods).map((p) => [podMemoKey(p.record.name), { ...p.record, rv: p.rv }])),
    records: () => Object.values(s.pods).map((p) => p.record),
    live,
    closing: () => s.closing,
    drain: () => {
      draining = true;
    },
    readyToContinue: () => inFlight === 0 && outbox.length === 0 && Object.values(s.pods).every((p) => p.attempt !== 'scheduled'),
    idle: () => inFlight === 0,
    carried: () => ({ ...s, tombstones: [...tombstones], nodes: [...nodes] }),
    removeData: async () => {
      const { namespace, uid } = s.job.metadata;
      await Promise.allSettled([...nodes].map((node) => onNode(node).housekeeping.removePodData({ namespace, jobUid: uid })));
    },
  };
}
