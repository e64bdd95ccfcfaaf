/**
 * The pod activities on top of the PodRegistry: `runPod` (shared task queue) starts a pod and
 * stays attached to it, `watchPod` (node task queue) re-attaches to a pod this worker runs or
 * reads its recorded outcome, `terminatePod` (node task queue) stops one at once.
 *
 * While attached, an activity heartbeats every `heartbeatIntervalMs` (details: `{ nodeName }`, so a
 * heartbeat timeout still tells the workflow where the pod runs) until it hands the outcome over.
 * How it ends when the SDK cancels it depends on why (`CancelledFailure.message`, Temporal TS SDK
 * 1.24: core's ActivityCancelReason plus two reasons the SDK adds itself):
 *
 * | reason | meaning | the pod |
 * |---|---|---|
 * | `CANCELLED` | the workflow asked (cancellation scope) | terminated with the template's grace period; the activity returns its result |
 * | `WORKER_SHUTDOWN` | this worker stops | terminated (template grace); `WorkerShutdown` once a process had started |
 * | `NOT_FOUND` | the server no longer knows the activity (its run closed, e.g. continue-as-new) | detached: keeps running for the re-attach window |
 * | `TIMED_OUT` | the server timed the activity out (heartbeat timeout during an outage) | detached |
 * | `PAUSED` / `RESET` | an operator paused or reset the activity | detached (a later attempt re-attaches) |
 * | `HEARTBEAT_DETAILS_CONVERSION_FAILED` | the SDK could not encode heartbeat details | detached |
 *
 * A detached activity rethrows its CancelledFailure at once; the workflow's next move (a
 * `watchPod` on this node) finds the pod still running, or its outcome on disk.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { POD_FAILURE, type PodResult, type RunPodInput, type TerminatePodInput, type WatchPodInput } from '../k8s/pod-run.js';
import type { PodOutcome } from '../storage/pod-outcome.js';
import type { ActivityLogger } from './deps.js';
import type { Attachment, PodRegistry } from './pod-registry.js';

/** The reason of an activity cancellation, as the SDK words it. */
export function cancellationReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof CancelledFailure ? reason.message : String(reason);
}

/** An outcome as an activity hands it over: a result, or the failure it records. */
function handOver(outcome: PodOutcome): PodResult {
  if (outcome.kind === 'result') return outcome.result;
  throw ApplicationFailure.nonRetryable(outcome.message, outcome.type);
}

export interface PodActivityHost {
  registry: PodRegistry;
  nodeName: string;
  log: ActivityLogger;
}

export async function runPod(host: PodActivityHost, input: RunPodInput): Promise<PodResult> {
  const attachment = host.registry.start(input, Context.current().info.scheduledTimestampMs);
  return attached(host, attachment, input.heartbeatIntervalMs, { namespace: input.namespace, job: input.jobName, pod: input.podName });
}

export async function watchPod(host: PodActivityHost, input: WatchPodInput): Promise<PodResult> {
  const fields = { namespace: input.namespace, pod: input.podName };
  const attachment = host.registry.attach(input.podUid, input.heartbeatIntervalMs);
  if (attachment) return attached(host, attachment, input.heartbeatIntervalMs, fields);
  const outcome = await host.registry.recordedOutcome(input);
  if (outcome) return handOver(outcome);
  host.log.info('watchPod: this node does not know the pod', fields);
  throw ApplicationFailure.nonRetryable(
    `pod ${input.namespace}/${input.podName} (uid ${input.podUid}) is unknown on node ${host.nodeName}: it never ran here, or the worker restarted since`,
    POD_FAILURE.unknown,
  );
}

export function terminatePod(host: PodActivityHost, input: TerminatePodInput): Promise<void> {
  host.registry.terminate(input, input.gracePeriodSeconds);
  return Promise.resolve();
}

/** Heartbeats while attached and hands the outcome over; see the table above for cancellations. */
async function attached(host: PodActivityHost, attachment: Attachment, intervalMs: number, fields: Record<string, unknown>): Promise<PodResult> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat({ nodeName: host.nodeName });
  beat();
  const heartbeat = setInterval(beat, Math.max(10, intervalMs));
  const cancellation = ctx.cancellationSignal;
  let onAbort: () => void = () => undefined;
  const cancelled = new Promise<'cancelled'>((resolve) => {
    onAbort = () => resolve('cancelled');
    if (cancellation.aborted) onAbort();
    else cancellation.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([attachment.outcome, cancelled]);
    if (first !== 'cancelled') return handOver(first);
    const reason = cancellationReason(cancellation);
    const grace = attachment.terminationGracePeriodSeconds;
    if (reason === 'CANCELLED') {
      host.registry.stop(attachment.podUid, 'request', grace);
    } else if (reason === 'WORKER_SHUTDOWN') {
      host.registry.stop(attachment.podUid, 'shutdown', grace);
    } else {
      host.log.info('activity detached from its pod', { ...fields, reason });
      host.registry.detach(attachment);
      throw cancellation.reason;
    }
    // Heartbeats go on while the processes get their grace period.
    const outcome = await attachment.outcome;
    // Stopped by this very cancellation before any process started: the cancellation is the answer.
    if (outcome.kind === 'failure' && outcome.type === POD_FAILURE.notStarted) throw cancellation.reason;
    return handOver(outcome);
  } finally {
    clearInterval(heartbeat);
    cancellation.removeEventListener('abort', onAbort);
    host.registry.detach(attachment);
  }
}
