/**
 * A pod shard (docs/architecture.md): runs a bounded slice of one Job's pods, one `runPod`
 * activity per attempt, relays what happens to them to its Job (one `shardReport` per workflow
 * task), publishes them (one memo key per pod) and continues as new on its own, re-attaching to
 * its running pods on their nodes. It decides nothing about the Job: which pods exist, and when
 * they stop, is the controller's call.
 *
 * Liveness is the node's, not the heartbeat's: when a pod's activity times out (Temporal was down,
 * or the worker is), the shard asks the pod's node (`watchPod` on its node queue) before it
 * reports the pod lost; a live worker answers with the pod's real outcome.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
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
import { isPodStatusReport } from '../k8s/validate-messages.js';
import {
  assignPodsSignal,
  nodeTaskQueue,
  podMemoKey,
  podReportsSignal,
  shardReportSignal,
  type PodAssignment,
  type PodTrigger,
  type ShardWorkflowInput,
} from './definitions.js';
import { nextResourceVersion } from './job-publisher.js';
import { podSummary, shardDetails } from './ui.js';

/** Where a pod's attempt is, as far as the shard knows. */
type AttemptState =
  /** runPod scheduled; no worker has said it runs the pod (yet). */
  | 'scheduled'
  /** A worker (`node`) runs it: runPod attached, or watchPod after a continue-as-new. */
  | 'running'
  /** Its activity timed out: watchPod asks its node. */
  | 'probing'
  | 'ended';

interface ShardPod {
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

/** What a shard carries across continue-as-new. */
interface ShardCarried {
  job: StoredJob;
  pods: Record<string, ShardPod>;
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

export async function podShard(input: ShardWorkflowInput): Promise<void> {
  const info = workflowInfo();
  const settings: JobSettings = input.settings;
  const carried = input.carried as ShardCarried | undefined;
  const s: ShardCarried = carried ?? { job: input.job, pods: {}, tombstones: [], queued: [], closing: false, nodes: [], rv: 0 };
  const tombstones = new Set(s.tombstones);
  const nodes = new Set(s.nodes);

  const assignments: PodAssignment[] = input.initial ? [input.initial] : [];
  const reports: PodStatusReport[] = [];
  const outbox: PodTrigger[] = [];
  const dirty = new Set<string>();
  const removed = new Set<string>();
  const scopes = new Map<string, CancellationScope>();
  const probes = new Map<string, number>();
  let inFlight = 0;
  let draining = false;

  setHandler(assignPodsSignal, (a) => void assignments.push(a));
  setHandler(podReportsSignal, (batch) => {
    for (const r of Array.isArray(batch) ? batch : []) if (isPodStatusReport(r)) reports.push(r);
  });

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
      taskQueue: nodeTaskQueue(info.taskQueue, node),
      // A node that does not pick the probe up within the heartbeat timeout is gone.
      scheduleToStartTimeout: settings.heartbeatTimeoutMs,
      startToCloseTimeout: YEAR_MS,
      heartbeatTimeout: settings.heartbeatTimeoutMs,
      retry: { maximumAttempts: 1 },
    }).watchPod,
    housekeeping: proxyActivities<PodActivities>({
      taskQueue: nodeTaskQueue(info.taskQueue, node),
      scheduleToCloseTimeout: 60_000,
      retry: { maximumAttempts: 3, initialInterval: 500 },
    }),
  });

  const ref = (p: ShardPod): PodRef => ({ namespace: s.job.metadata.namespace, jobUid: s.job.metadata.uid, podName: p.record.name, podUid: p.record.uid });
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
    // The node the pod reported from; else the worker that took the activity (an empty identity
    // when Temporal does not know it).
    const node = s.pods[name]?.node ?? ((err instanceof ActivityFailure && err.identity) || null);
    if (cause instanceof TimeoutFailure) return probe(name, node);
    if (cause instanceof CancelledFailure || isCancellation(err)) return end(name, { type: 'podNotStarted', podName: name });
    if (cause instanceof ApplicationFailure) {
      switch (cause.type) {
        case POD_FAILURE.workerShutdown:
          // The worker was stopped while the pod ran (a drained node): a disruption, not the pod's failure.
          return end(name, { type: 'podLost', podName: name, message: `the worker running the pod shut down: ${cause.message}` });
        case POD_FAILURE.notStarted:
          return end(name, { type: 'podNotStarted', podName: name });
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
    const attempt = { ...podAttemptSpec({ job: s.job, settings }, pod), workflowId: info.workflowId, reports: 'podReports' as const };
    scope.run(() => pods.runPod.executeWithOptions({ summary: podSummary(pod) }, [attempt])).then(
      (result: PodResult) => end(pod.name, { type: 'podExited', result }),
      (err: unknown) => failed(pod.name, err),
    );
  };

  const sendTermination = (p: ShardPod) => {
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

  // ---- report and publish ---------------------------------------------------------------------

  const job = getExternalWorkflowHandle(input.jobWorkflowId);
  const report = (closed: boolean) => {
    if (outbox.length === 0 && !closed) return;
    const triggers = outbox.splice(0, outbox.length);
    track(
      job.signal(shardReportSignal, { shard: input.shard, triggers, ...(closed ? { closed } : {}) }).catch((err: unknown) => {
        log.warn('could not report to the Job', { job: input.jobWorkflowId, error: (err as Error).message });
      }),
    );
  };

  const publish = () => {
    if (dirty.size === 0 && removed.size === 0) return;
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
    upsertMemo(memo);
    setCurrentDetails(shardDetails(Object.values(s.pods).map((p) => p.record)));
  };

  // ---- the loop -------------------------------------------------------------------------------

  // A new run (continue-as-new): re-attach to the pods the last run saw running.
  for (const [name, p] of Object.entries(s.pods)) {
    if ((p.attempt === 'running' || p.attempt === 'probing') && p.node !== null) watch(name, p.node);
  }
  const queued = s.queued.splice(0, s.queued.length);
  for (const pod of queued) startAttempt(pod);

  const live = () => Object.values(s.pods).filter((p) => p.attempt !== 'ended');
  const hasWork = () => assignments.length > 0 || reports.length > 0 || outbox.length > 0 || dirty.size > 0 || removed.size > 0;

  for (;;) {
    await condition(() => hasWork() || (s.closing && live().length === 0 && inFlight === 0) || (draining && readyToContinue()));
    for (const a of assignments.splice(0, assignments.length)) apply(a);
    for (const r of reports.splice(0, reports.length)) applyReport(r);
    report(false);
    publish();

    if (s.closing && live().length === 0 && inFlight === 0) break;
    if (!draining && historyIsLarge(input)) draining = true;
    if (draining && readyToContinue()) {
      await condition(allHandlersFinished);
      if (hasWork()) continue;
      s.tombstones = [...tombstones];
      s.nodes = [...nodes];
      // Temporal does not carry the memo over: the next run starts with every pod published.
      const memo = Object.fromEntries(Object.values(s.pods).map((p) => [podMemoKey(p.record.name), { ...p.record, rv: p.rv }]));
      await makeContinueAsNewFunc<typeof podShard>({ memo })({ ...input, initial: undefined, carried: s });
    }
  }

  // Closed: the Job was deleted and none of this shard's pods runs. Remove their data on every
  // node that ran one (a node that is gone took its data with it), then tell the Job.
  await Promise.allSettled(
    [...nodes].map((node) => onNode(node).housekeeping.removePodData({ namespace: s.job.metadata.namespace, jobUid: s.job.metadata.uid })),
  );
  report(true);
  await condition(() => inFlight === 0);
  await condition(allHandlersFinished);

  /** Every pod's node is known or the pod ended, and nothing this run started is still in flight. */
  function readyToContinue(): boolean {
    return inFlight === 0 && outbox.length === 0 && Object.values(s.pods).every((p) => p.attempt !== 'scheduled');
  }
}

function historyIsLarge(input: ShardWorkflowInput): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested) return true;
  return input.continueAsNewAfterEvents !== undefined && info.historyLength >= input.continueAsNewAfterEvents;
}
