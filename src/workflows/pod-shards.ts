/**
 * The Job's side of where its pods run (docs/architecture.md). Shard 0 is the Job's own run: its
 * pod runner runs the first `settings.podsPerShard` pods as activities of the Job workflow, so a
 * small Job's pods are one workflow task away from their controller. Pods beyond that go to pod
 * shards, child workflows (parent-close policy ABANDON, so they outlive a continue-as-new of the
 * Job), each told what to do with one signal per workflow task. A new pod goes to the least loaded
 * shard with room, the Job's own first; when all are full a new shard is started. The placement is
 * bookkeeping, not Job logic: which pods exist is the controller's decision.
 */
import { ParentClosePolicy, getExternalWorkflowHandle, log, startChild, workflowInfo } from '@temporalio/workflow';
import { DEFAULT_PODS_PER_SHARD, type JobState, type PodRecord, type Trigger } from '../controller/index.js';
import type { PodStatusReport } from '../k8s/pod-run.js';
import {
  SHARD_WORKFLOW_TYPE,
  assignPodsSignal,
  shardIdFor,
  type PodAssignment,
  type PodShardsSnapshot,
  type PodTermination,
  type PodTrigger,
  type ShardReport,
  type ShardWorkflowInput,
} from './definitions.js';
import { createPodRunner, type PodRunner, type RunnerCarried } from './pod-runner.js';
import { shardSummary } from './ui.js';

export interface PodShards {
  /** Places a new pod on a shard; it is sent with the next `flush`. */
  start(pod: PodRecord): void;
  terminate(termination: PodTermination): void;
  /** The Job no longer keeps the pod: its shard unpublishes it. */
  forget(podName: string): void;
  /** Carries out what this workflow task decided: the Job's own pods now, one signal per shard. */
  flush(closing: boolean): void;
  /** A shard's report: frees the slots of pods that ended; returns the triggers for the controller. */
  report(report: ShardReport): PodTrigger[];
  /** Progress of the Job's own pods (workers send it to the Job workflow). */
  reportOwn(reports: readonly PodStatusReport[]): void;
  /** What happened to the Job's own pods since the last call. */
  takeOwnTriggers(): PodTrigger[];
  /** The memo changes of the Job's own pods since the last call, or null. */
  takeOwnMemo(): Record<string, unknown> | null;
  /** Every own pod published (for the next run's memo). */
  ownMemo(): Record<string, unknown>;
  ownRecords(): PodRecord[];
  /** Own pods have news (outcomes or memo changes) to take. */
  hasNews(): boolean;
  /** Workflow ids whose memo publishes the Job's pods: the Job's own, then its shards'. */
  ids(): string[];
  allClosed(): boolean;
  /**
   * Ahead of a continue-as-new: the Job's own runner starts no more pods in this run, and with
   * `holdShardStarts` neither do the shards: their starts wait in the snapshot for the next run,
   * so no signal is in flight for long even while the Job starts pods all the time (terminations
   * and removals still go out at once).
   */
  drain(holdShardStarts?: boolean): void;
  /**
   * The run may continue as new: no child start or signal to a shard is in flight (one still
   * being delivered when its run closes can be dropped), and every own pod's node is known.
   */
  readyToContinue(): boolean;
  snapshot(): PodShardsSnapshot;
}

interface Shard {
  id: string;
  index: number;
  started: boolean;
  closed: boolean;
  /** Pods placed here that have not ended. */
  live: Set<string>;
  pending: PodAssignment;
  closeSent: boolean;
}

export interface PodShardsDeps {
  jobWorkflowId: string;
  /** Test hook, passed on to the shards: continue as new at this history length. */
  continueAsNewAfterEvents?: number;
  carried: PodShardsSnapshot | undefined;
  state: () => JobState;
  push: (trigger: Trigger) => void;
}

const OWN = 0;
const emptyAssignment = (): PodAssignment => ({ start: [], terminate: [], remove: [] });
const isEmpty = (a: PodAssignment) => a.start.length === 0 && a.terminate.length === 0 && a.remove.length === 0 && a.job === undefined;
const ENDED: ReadonlySet<PodTrigger['type']> = new Set(['podExited', 'podLost', 'podNotStarted', 'podStartFailed']);

export function createPodShards({ jobWorkflowId, continueAsNewAfterEvents, carried, state, push }: PodShardsDeps): PodShards {
  const fresh = (index: number): Shard => ({
    id: index === OWN ? jobWorkflowId : shardIdFor(jobWorkflowId, index),
    index,
    started: index === OWN,
    closed: false,
    live: new Set(),
    pending: emptyAssignment(),
    closeSent: false,
  });
  const shards: Shard[] = carried
    ? carried.shards.map((s) => ({ ...s, live: new Set(s.live), pending: s.pending ?? emptyAssignment(), closeSent: s.closed }))
    : [fresh(OWN)];
  const podShard = new Map<string, number>(Object.entries(carried?.podShard ?? {}));
  let jobGeneration = carried?.jobGeneration ?? state().job.metadata.generation ?? 1;
  const { job, settings } = state();
  const own: PodRunner = createPodRunner({
    workflowId: jobWorkflowId,
    taskQueue: workflowInfo().taskQueue,
    job,
    settings,
    carried: carried?.own as RunnerCarried | undefined,
  });
  let ownClosing: Promise<void> | null = null;
  let inFlight = 0;
  /** Draining with shard starts held (see drain). */
  let holding = false;
  const track = (p: Promise<unknown>) => {
    inFlight++;
    void p.finally(() => inFlight--);
  };
  const capacity = () => state().settings.podsPerShard ?? DEFAULT_PODS_PER_SHARD;

  const shardOf = (podName: string): Shard | undefined => {
    const i = podShard.get(podName);
    return i === undefined ? undefined : shards[i];
  };

  const place = (): Shard => {
    let best: Shard | undefined;
    for (const s of shards) {
      if (s.closed || s.live.size >= capacity()) continue;
      if (!best || s.live.size < best.live.size) best = s;
    }
    if (best) return best;
    const shard = fresh(shards.length);
    shards.push(shard);
    return shard;
  };

  /** A shard that cannot be reached has lost its pods, as a lost node has. */
  const lose = (shard: Shard, why: string) => {
    log.warn('pod shard unreachable; its pods are lost', { shard: shard.id, error: why });
    shard.closed = true;
    for (const podName of shard.live) push({ type: 'podLost', podName, message: `the pod shard ${shard.id} is gone: ${why}` });
    shard.live.clear();
  };

  const launch = (shard: Shard, assignment: PodAssignment) => {
    const input: ShardWorkflowInput = { jobWorkflowId, shard: shard.index, job: state().job, settings: state().settings, initial: assignment };
    if (continueAsNewAfterEvents !== undefined) input.continueAsNewAfterEvents = continueAsNewAfterEvents;
    shard.started = true;
    const started = startChild(SHARD_WORKFLOW_TYPE, {
      workflowId: shard.id,
      args: [input],
      taskQueue: workflowInfo().taskQueue,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: shardSummary(jobWorkflowId, shard.index),
    }).catch((err: unknown) => lose(shard, (err as Error).message));
    track(started);
  };

  const send = (shard: Shard, assignment: PodAssignment) => {
    track(
      getExternalWorkflowHandle(shard.id)
        .signal(assignPodsSignal, assignment)
        .catch((err: unknown) => lose(shard, (err as Error).message)),
    );
  };

  /** The Job's own pods ended: free their slots as a shard report would. */
  const ownEnded = (triggers: PodTrigger[]) => {
    for (const t of triggers) if (ENDED.has(t.type)) shards[OWN]?.live.delete(podNameOf(t));
    return triggers;
  };

  /** Closing the Job's own slice: once none of its pods runs, remove their data on their nodes. */
  const closeOwn = (shard: Shard) => {
    if (ownClosing || own.live() > 0 || !own.idle()) return;
    ownClosing = own.removeData().then(() => {
      shard.closed = true;
    });
  };

  return {
    start(pod) {
      const shard = place();
      shard.live.add(pod.name);
      podShard.set(pod.name, shard.index);
      shard.pending.start.push(pod);
    },
    terminate(termination) {
      shardOf(termination.podName)?.pending.terminate.push(termination);
    },
    forget(podName) {
      shardOf(podName)?.pending.remove.push(podName);
      podShard.delete(podName);
    },
    flush(closing) {
      const current = state().job;
      const generation = current.metadata.generation ?? 1;
      const jobChanged = generation !== jobGeneration;
      jobGeneration = generation;
      // A deleted Job's shards are told everything at once.
      if (closing) holding = false;
      for (const shard of shards) {
        if (shard.closed) continue;
        const assignment = shard.pending;
        shard.pending = emptyAssignment();
        if (holding && shard.index !== OWN) {
          if (!shard.started) {
            shard.pending = assignment;
            continue;
          }
          shard.pending.start = assignment.start;
          assignment.start = [];
        }
        if (jobChanged) assignment.job = current;
        if (shard.index === OWN) {
          if (closing) assignment.close = true;
          own.assign(assignment);
          if (closing) closeOwn(shard);
          continue;
        }
        if (!shard.started) {
          if (assignment.start.length > 0) launch(shard, assignment);
          else if (closing) shard.closed = true; // never started: nothing to close
          continue;
        }
        if (closing && !shard.closeSent) {
          assignment.close = true;
          shard.closeSent = true;
        }
        if (!isEmpty(assignment) || assignment.close) send(shard, assignment);
      }
    },
    report({ shard: index, triggers, closed }) {
      const shard = index === OWN ? undefined : shards[index];
      if (shard) {
        for (const t of triggers) if (ENDED.has(t.type)) shard.live.delete(podNameOf(t));
        if (closed) shard.closed = true;
      }
      return triggers;
    },
    reportOwn: (reports) => own.report(reports),
    takeOwnTriggers: () => ownEnded(own.takeTriggers()),
    takeOwnMemo: () => own.takeMemo(),
    ownMemo: () => own.fullMemo(),
    ownRecords: () => own.records(),
    hasNews: () => own.hasNews(),
    ids: () => shards.map((s) => s.id),
    allClosed: () => shards.every((s) => s.closed),
    drain: (holdShardStarts = false) => {
      own.drain();
      if (holdShardStarts) holding = true;
    },
    readyToContinue: () => inFlight === 0 && own.readyToContinue(),
    snapshot: () => ({
      shards: shards.map(({ id, index, started, closed, live, pending }) => ({
        id,
        index,
        started,
        closed,
        live: [...live],
        ...(isEmpty(pending) ? {} : { pending }),
      })),
      podShard: Object.fromEntries(podShard),
      jobGeneration,
      own: own.carried(),
    }),
  };
}

function podNameOf(t: PodTrigger): string {
  return t.type === 'podExited' ? t.result.podName : t.type === 'podStatus' ? t.report.podName : t.podName;
}
