/**
 * `podLog`: one piece of a pod's log, read on the node that ran the pod, for an API instance on
 * another machine — what the Kubernetes API server does by proxying to the kubelet. Temporal is
 * the one network every kjob process already reaches, so the read travels as an activity on the
 * node's own task queue (`<taskQueue>/<pid>@<host>`, polled only by that worker) and needs no
 * address, port or credentials of its own. A node that does not pick the read up within
 * `scheduleToStartMs` is gone (its worker stopped or lost its connection): the activity times out
 * and the API says so. No retries: the API decides, and a log read is cheap to ask again.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PodActivities, PodLogAnswer } from '../activities/index.js';
import type { PodLogWorkflowInput } from './definitions.js';

/** A follow read waits up to its `waitMs` on the node; the rest is the read itself. */
const READ_TIMEOUT_MS = 30_000;

export async function podLog(input: PodLogWorkflowInput): Promise<PodLogAnswer> {
  const { readPodLog } = proxyActivities<Pick<PodActivities, 'readPodLog'>>({
    taskQueue: input.nodeTaskQueue,
    scheduleToStartTimeout: input.scheduleToStartMs,
    startToCloseTimeout: READ_TIMEOUT_MS + (input.request.waitMs ?? 0),
    retry: { maximumAttempts: 1 },
  });
  return readPodLog(input.request);
}
