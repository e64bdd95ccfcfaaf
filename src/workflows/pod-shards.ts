/**
 * The Job's side of its pod shards (docs/architecture.md): where each pod runs, and one message
 * per shard per workflow task. A new pod goes to the least loaded shard with room (at most
 * `settings.podsPerShard` live pods each); when all are full a new shard is started as a child
 * workflow (parent-close policy ABANDON, so the shards outlive a continue-as-new of the Job). The
 * placement is bookkeeping, not Job logic: which pods exist is the controller's decision.
 */
import { ParentClosePolicy, getExternalWorkflowHandle, log, startChild, workflowInfo } from '@temporalio/workflow';
import { DEFAULT_PODS_PER_SHARD, type JobState, type PodRecord, type Trigger } from '../controller/index.js';
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
import { shardSummary } from './ui.js';

export interface PodShards {
  /** Places a new pod on a shard; it is sent with the next `flush`. */
  start(pod: PodRecord): void;
  terminate(termination: PodTermination): void;
  /** The Job no longer keeps the pod: its shard unpublishes it. */
  forget(podName: string): void;
  /** Sends every shard what this workflow task decided; with `closing`, tells them to close. */
  flush(closing: boolean): void;
  /** A shard's report: frees the slots of pods that ended; returns the triggers for the controller. */
  report(report: ShardReport): PodTrigger[];
  ids(): string[];
  allClosed(): boolean;
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

const emptyAssignment = (): PodAssignment => ({ start: [], terminate: [], remove: [] });
const isEmpty = (a: PodAssignment) => a.start.length === 0 && a.terminate.length === 0 && a.remove.length === 0 && a.job === undefined;
const ENDED: ReadonlySet<PodTrigger['type']> = new Set(['podExited', 'podLost', 'podNotStarted', 'podStartFailed']);

export function createPodShards({ jobWorkflowId, continueAsNewAfterEvents, carried, state, push }: PodShardsDeps): PodShards {
  const shards: Shard[] = (carried?.shards ?? []).map((s) => ({ ...s, live: new Set(s.live), pending: emptyAssignment(), closeSent: s.closed }));
  const podShard = new Map<string, number>(Object.entries(carried?.podShard ?? {}));
  let jobGeneration = carried?.jobGeneration ?? state().job.metadata.generation ?? 1;
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
    const index = shards.length;
    const shard: Shard = { id: shardIdFor(jobWorkflowId, index), index, started: false, closed: false, live: new Set(), pending: emptyAssignment(), closeSent: false };
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
    const { job, settings } = state();
    const input: ShardWorkflowInput = { jobWorkflowId, shard: shard.index, job, settings, initial: assignment };
    if (continueAsNewAfterEvents !== undefined) input.continueAsNewAfterEvents = continueAsNewAfterEvents;
    shard.started = true;
    startChild(SHARD_WORKFLOW_TYPE, {
      workflowId: shard.id,
      args: [input],
      taskQueue: workflowInfo().taskQueue,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: shardSummary(jobWorkflowId, shard.index),
    }).catch((err: unknown) => lose(shard, (err as Error).message));
  };

  const send = (shard: Shard, assignment: PodAssignment) => {
    getExternalWorkflowHandle(shard.id)
      .signal(assignPodsSignal, assignment)
      .catch((err: unknown) => lose(shard, (err as Error).message));
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
      const job = state().job;
      const generation = job.metadata.generation ?? 1;
      const jobChanged = generation !== jobGeneration;
      jobGeneration = generation;
      for (const shard of shards) {
        if (shard.closed) continue;
        const assignment = shard.pending;
        shard.pending = emptyAssignment();
        if (!shard.started) {
          if (assignment.start.length > 0) launch(shard, assignment);
          else if (closing) shard.closed = true; // never started: nothing to close
          continue;
        }
        if (jobChanged) assignment.job = job;
        if (closing && !shard.closeSent) {
          assignment.close = true;
          shard.closeSent = true;
        }
        if (!isEmpty(assignment) || assignment.close) send(shard, assignment);
      }
    },
    report({ shard: index, triggers, closed }) {
      const shard = shards[index];
      if (shard) {
        for (const t of triggers) if (ENDED.has(t.type)) shard.live.delete(podNameOf(t));
        if (closed) shard.closed = true;
      }
      return triggers;
    },
    ids: () => shards.map((s) => s.id),
    allClosed: () => shards.every((s) => s.closed),
    snapshot: () => ({
      shards: shards.map(({ id, index, started, closed, live }) => ({ id, index, started, closed, live: [...live] })),
      podShard: Object.fromEntries(podShard),
      jobGeneration,
    }),
  };
}

function podNameOf(t: PodTrigger): string {
  return t.type === 'podExited' ? t.result.podName : t.type === 'podStatus' ? t.report.podName : t.podName;
}
