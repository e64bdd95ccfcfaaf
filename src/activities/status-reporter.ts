/**
 * Progress reports of all pods of this worker to the workflows that run them, batched.
 *
 * Reports are snapshots, so only the newest one per pod matters. They are coalesced per target
 * workflow and flushed at most every `flushIntervalMs` (50 ms): a pod shard (`reports:
 * 'podReports'`) gets one `podReports` signal with every pending report of its pods, the v1 Job
 * shell one `podStatus` signal per report. At flush time reports of pods that have finished since
 * are dropped (their outcome says everything), so a pod shorter than the interval sends none.
 *
 * A failed send is retried with backoff for as long as it takes (an outage of Temporal), keeping
 * only the newest report per pod, until it is delivered, its pod finishes, or the target workflow
 * is gone (NotFound: nobody is there to read it). Nothing here ever delays a pod's outcome.
 */
import type { PodStatusReport } from '../k8s/pod-run.js';
import type { ActivityLogger, ReportChannel } from './deps.js';
import { errorMessage } from './errors.js';

export interface ReportTarget {
  workflowId: string;
  /** `podReports`: batched (pod shards); `podStatus`: one signal per report (the v1 Job shell). */
  signal: 'podReports' | 'podStatus';
}

export interface StatusReporterOptions {
  flushIntervalMs?: number;
  /** First retry delay after a failed send; doubles up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

interface Queue {
  target: ReportTarget;
  /** Newest unsent report per pod uid. */
  pending: Map<string, PodStatusReport>;
  sending: boolean;
  failures: number;
  /** Epoch ms before which no send is tried (after a failure). */
  retryAt: number;
}

export class StatusReporter {
  private readonly queues = new Map<string, Queue>();
  /** Pods whose reports are no longer wanted (finished), by uid. */
  private readonly finishedPods = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly channel: ReportChannel,
    private readonly log: ActivityLogger,
    options: StatusReporterOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
  }

  /** Queues the newest report of pod `podUid` for `target`. */
  push(target: ReportTarget, podUid: string, report: PodStatusReport): void {
    if (this.closed || this.finishedPods.has(podUid)) return;
    const key = `${target.signal}\u0000${target.workflowId}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { target, pending: new Map(), sending: false, failures: 0, retryAt: 0 };
      this.queues.set(key, queue);
    }
    queue.pending.delete(podUid); // re-insert: the map's order is the order of the newest reports
    queue.pending.set(podUid, report);
    this.schedule(Math.max(Date.now() + this.flushIntervalMs, queue.retryAt));
  }

  /** Pod `podUid` finished: its pending report is dropped and later ones are ignored. */
  finished(podUid: string): void {
    this.finishedPods.add(podUid);
    for (const queue of this.queues.values()) {
      if (queue.pending.delete(podUid) && queue.failures > 0) {
        this.log.info('pod status report dropped', { workflowId: queue.target.workflowId, reason: 'the pod finished; its outcome says everything' });
      }
    }
  }

  /** Forgets a finished pod (the registry forgot it too; no report of it can come any more). */
  forget(podUid: string): void {
    this.finishedPods.delete(podUid);
  }

  /** Stops sending (worker shutdown). Reports still pending are dropped. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queues.clear();
  }

  /** Number of reports waiting to be sent (for tests and logs). */
  get pendingCount(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.pending.size;
    return n;
  }

  private schedule(at: number): void {
    if (this.closed) return;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.flush(), Math.max(0, at - Date.now()));
  }

  private flush(): void {
    this.timer = null;
    const now = Date.now();
    let next = Infinity;
    for (const [key, queue] of this.queues) {
      if (queue.sending) continue;
      if (queue.pending.size === 0) {
        this.queues.delete(key);
        continue;
      }
      if (queue.retryAt > now) {
        next = Math.min(next, queue.retryAt);
        continue;
      }
      void this.send(queue);
    }
    if (next !== Infinity) this.schedule(next);
  }

  private async send(queue: Queue): Promise<void> {
    const batch = [...queue.pending];
    queue.pending.clear();
    queue.sending = true;
    const { target } = queue;
    let unsent = batch;
    try {
      if (target.signal === 'podReports') {
        const delivery = await this.channel.podReports(target.workflowId, batch.map(([, r]) => r));
        unsent = [];
        if (delivery === 'workflowGone') this.gone(target, batch.length);
      } else {
        while (unsent.length > 0) {
          const [, report] = unsent[0] as [string, PodStatusReport];
          const delivery = await this.channel.podStatus(target.workflowId, report);
          unsent = unsent.slice(1);
          if (delivery === 'workflowGone') {
            this.gone(target, unsent.length + 1);
            unsent = [];
          }
        }
      }
      queue.failures = 0;
      queue.retryAt = 0;
    } catch (err) {
      queue.failures++;
      const delay = Math.min(this.retryBaseMs * 2 ** (queue.failures - 1), this.retryMaxMs);
      queue.retryAt = Date.now() + delay;
      // Put back what was not delivered, unless a newer report came meanwhile or the pod finished.
      for (const [uid, report] of unsent) {
        if (!queue.pending.has(uid) && !this.finishedPods.has(uid)) queue.pending.set(uid, report);
      }
      this.log.warn('pod status report failed, retrying', {
        workflowId: target.workflowId,
        attempt: queue.failures,
        retryInMs: delay,
        reports: queue.pending.size,
        error: errorMessage(err),
      });
    } finally {
      queue.sending = false;
    }
    if (this.closed) return;
    if (queue.pending.size > 0) this.schedule(Math.max(queue.retryAt, Date.now() + (queue.failures > 0 ? 0 : this.flushIntervalMs)));
  }

  private gone(target: ReportTarget, dropped: number): void {
    this.log.info('pod status reports dropped: the workflow is gone', { workflowId: target.workflowId, reports: dropped });
  }
}
