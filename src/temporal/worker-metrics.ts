/**
 * A worker's Prometheus metrics (prom-client), served on KJOB_WORKER_METRICS_ADDRESS:
 *
 * - the Kubernetes job controller's metrics, as upstream names them (pkg/controller/job/metrics,
 *   subsystem `job_controller`): the controller runs in the Job workflows this worker executes,
 *   and each pass reports to the worker through the `metrics` sink (never on replay), so the
 *   counters count real passes; sum them over workers;
 * - the kubelet's view of this node's pods (`kubelet_running_pods`, `kubelet_started_pods_total`,
 *   `kubelet_pod_start_duration_seconds`);
 * - process metrics.
 *
 * Temporal's own worker metrics (task latencies, slots, polls) come from the SDK runtime's
 * Prometheus exporter when KJOB_TEMPORAL_METRICS_ADDRESS is set (installTemporalLogging).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { InjectedSinks } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PodObserver } from '../activities/deps.js';
import type { SyncReport } from '../controller/index.js';
import type { Logger } from '../log.js';
import { processMetrics } from '../process-metrics.js';
import type { KjobSinks } from '../workflows/definitions.js';

export interface WorkerMetrics {
  /** This worker's own series (serveMetrics adds the process metrics). */
  readonly registry: Registry;
  /** The workflows' `metrics` sink (Worker.create's `sinks`). */
  readonly sinks: InjectedSinks<KjobSinks>;
  /** Given to the activities (pods starting on this node). */
  readonly observer: PodObserver;
  /** Counts one controller pass (what the sink calls). */
  jobSynced(report: SyncReport): void;
  /** Where kubelet_running_pods reads the node's running pods from. */
  setRunningPods(count: () => number): void;
}

/** The kubelet's buckets for pod start durations (pkg/kubelet/metrics), seconds. */
const POD_START_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600];

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const syncs = new Counter({
    name: 'job_controller_job_sync_total',
    help: 'The number of job syncs (controller passes of the Job workflows this worker ran).',
    labelNames: ['completion_mode', 'result', 'action'],
    registers,
  });
  const finished = new Counter({
    name: 'job_controller_job_finished_total',
    help: 'The number of finished jobs.',
    labelNames: ['completion_mode', 'result', 'reason'],
    registers,
  });
  const podsFinished = new Counter({
    name: 'job_controller_job_pods_finished_total',
    help: 'The number of finished Pods that are fully tracked.',
    labelNames: ['completion_mode', 'result'],
    registers,
  });
  const policy = new Counter({
    name: 'job_controller_pod_failures_handled_by_failure_policy_total',
    help: 'The number of failed Pods handled by failure policy with respect to the failure policy action applied based on the matched rule.',
    labelNames: ['action'],
    registers,
  });
  const started = new Counter({ name: 'kubelet_started_pods_total', help: 'Cumulative number of pods started on this node.', registers });
  const startDuration = new Histogram({
    name: 'kubelet_pod_start_duration_seconds',
    help: "Duration in seconds from the pod's creation (its attempt scheduled) to its first container process running on this node.",
    buckets: POD_START_BUCKETS,
    registers,
  });
  let runningPods: () => number = () => 0;
  new Gauge({
    name: 'kubelet_running_pods',
    help: 'Number of pods running on this node.',
    registers,
    collect() {
      this.set(runningPods());
    },
  });

  const jobSynced = (r: SyncReport) => {
    const mode = r.completionMode;
    syncs.inc({ completion_mode: mode, result: 'success', action: r.action });
    if (r.podsSucceeded > 0) podsFinished.inc({ completion_mode: mode, result: 'succeeded' }, r.podsSucceeded);
    if (r.podsFailed > 0) podsFinished.inc({ completion_mode: mode, result: 'failed' }, r.podsFailed);
    for (const [action, n] of Object.entries(r.failurePolicy)) if (n) policy.inc({ action }, n);
    if (r.finished) finished.inc({ completion_mode: mode, result: r.finished.result, reason: r.finished.reason });
  };

  return {
    registry,
    sinks: { metrics: { jobSynced: { fn: (_info, report) => jobSynced(report), callDuringReplay: false } } },
    observer: {
      podStarted(latencyMs) {
        started.inc();
        startDuration.observe(latencyMs / 1000);
      },
    },
    jobSynced,
    setRunningPods(count) {
      runningPods = count;
    },
  };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` of `registry` on `host:port` (port 0 picks one). With a token, requests
 * need `Authorization: Bearer <token>` as the API's do.
 */
export async function serveMetrics(registry: Registry, address: { host: string; port: number }, options: { token?: string | null; log: Logger }): Promise<MetricsServer> {
  const expected = options.token ? Buffer.from(options.token) : null;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the worker serves /metrics only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (expected) {
      const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
        return;
      }
    }
    const all = Registry.merge([registry, processMetrics()]);
    all.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => {
        options.log.error('metrics could not be collected', { error: (err as Error).message });
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const url = `http://${host}:${port}/metrics`;
  options.log.info(`worker metrics on ${url}`, { url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
