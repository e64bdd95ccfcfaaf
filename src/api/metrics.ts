/**
 * `GET /metrics` of the API, in Prometheus' text format (prom-client):
 *
 * - the kube-state-metrics series of Jobs and CronJobs (`kube_job_*`, `kube_cronjob_*`, same
 *   names, labels and values as kube-state-metrics v2), computed at each scrape from the state the
 *   workflows publish: one Visibility list of Jobs and one of CronJobs, each result's memo — no
 *   query per Job, no worker involved (docs/architecture.md, "Reads: published state");
 * - the API's own request counter and latency histogram (`apiserver_request_total`,
 *   `apiserver_request_duration_seconds`, as the Kubernetes API server names them);
 * - the process metrics prom-client collects (`process_*`, `nodejs_*`).
 *
 * The controller's metrics (`job_controller_*`) and the pods' (`kubelet_*`) come from the workers,
 * where the controller runs and the pods live (temporal/worker-metrics.ts).
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CronJob } from '../k8s/cronjob-types.js';
import type { Job, JobCondition } from '../k8s/types.js';
import type { Logger } from '../log.js';
import { processMetrics } from '../process-metrics.js';
import type { CronJobsGateway } from './cronjobs-gateway.js';
import type { JobsGateway } from './jobs-gateway.js';

export interface ApiMetrics {
  /** Counts and times every request (install before the routes). */
  middleware: RequestHandler;
  /** The `/metrics` handler. */
  handler: RequestHandler;
}

/** Request latency buckets of the Kubernetes API server (apiserver_request_duration_seconds), trimmed. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.5, 2, 3, 5, 10, 30, 60];

/** `verb` and `resource` of a request, as the API server labels them (LIST vs GET, WATCH, pods/log). */
export function requestLabels(method: string, path: string, query: Record<string, unknown>): { verb: string; resource: string; subresource: string } {
  const m = /^\/(?:apis\/batch\/v1|api\/v1)(?:\/namespaces\/[^/]+)?\/(jobs|cronjobs|pods|events)(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/.exec(path);
  const watch = query.watch === 'true' || query.watch === '1' || query.follow === 'true';
  if (!m) {
    const known = ['/healthz', '/readyz', '/metrics', '/api', '/apis', '/version'].find((p) => path === p || path.startsWith(`${p}/`)) ?? (path.startsWith('/openapi') ? '/openapi' : 'other');
    return { verb: method.toUpperCase(), resource: known, subresource: '' };
  }
  const [, resource = '', name, subresource = ''] = m;
  const verbs: Record<string, string> = { GET: name ? 'GET' : 'LIST', POST: 'CREATE', PATCH: 'PATCH', PUT: 'UPDATE', DELETE: name ? 'DELETE' : 'DELETECOLLECTION' };
  const verb = watch && method === 'GET' ? (subresource === 'log' ? 'CONNECT' : 'WATCH') : (verbs[method.toUpperCase()] ?? method.toUpperCase());
  return { verb, resource, subresource };
}

const epochSeconds = (iso: string | undefined): number | null => {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms / 1000;
};

/** kube-state-metrics turns label keys into Prometheus label names: `label_` + key with [^a-zA-Z0-9_] as `_`. */
export function promLabelName(prefix: string, key: string): string {
  return `${prefix}_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** A gauge of one scrape: registered on `registry`, with the label names its samples use. */
function gauge(registry: Registry, name: string, help: string, labelNames: readonly string[]): Gauge {
  return new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
}

/** The `kube_<kind>_labels` family: one series per object, one label per object label (kube-state-metrics). */
function labelsFamily(registry: Registry, name: string, help: string, idLabels: string[], objects: Array<{ id: Record<string, string>; labels: Record<string, string> }>): void {
  const names = new Set<string>();
  for (const o of objects) for (const k of Object.keys(o.labels)) names.add(promLabelName('label', k));
  const g = gauge(registry, name, help, [...idLabels, ...[...names].sort()]);
  for (const o of objects) {
    const labels: Record<string, string> = { ...o.id };
    for (const [k, v] of Object.entries(o.labels)) labels[promLabelName('label', k)] = v;
    g.set(labels, 1);
  }
}

/** kube-state-metrics' condition encoding: one series per possible status, 1 on the one that holds. */
function setCondition(g: Gauge, id: Record<string, string>, c: JobCondition): void {
  for (const s of ['true', 'false', 'unknown'] as const) g.set({ ...id, condition: s }, c.status.toLowerCase() === s ? 1 : 0);
}

/** The Job series of kube-state-metrics (internal/store/job.go), from the published Jobs. */
export function collectJobs(registry: Registry, jobs: readonly Job[]): void {
  const ID = ['namespace', 'job_name'];
  const info = gauge(registry, 'kube_job_info', 'Information about job.', ID);
  const created = gauge(registry, 'kube_job_created', 'Unix creation timestamp', ID);
  const parallelism = gauge(registry, 'kube_job_spec_parallelism', 'The maximum desired number of pods the job should run at any given time.', ID);
  const completions = gauge(registry, 'kube_job_spec_completions', 'The desired number of successfully finished pods the job should be run with.', ID);
  const deadline = gauge(registry, 'kube_job_spec_active_deadline_seconds', 'The duration in seconds relative to the startTime that the job may be active before the system tries to terminate it.', ID);
  const suspended = gauge(registry, 'kube_job_spec_suspend', 'Whether the job is suspended (kjob; kube-state-metrics has no such series).', ID);
  const active = gauge(registry, 'kube_job_status_active', 'The number of actively running pods.', ID);
  const succeeded = gauge(registry, 'kube_job_status_succeeded', 'The number of pods which reached Phase Succeeded.', ID);
  const failed = gauge(registry, 'kube_job_status_failed', 'The number of pods which reached Phase Failed and the reason for failure.', [...ID, 'reason']);
  const start = gauge(registry, 'kube_job_status_start_time', 'StartTime represents time when the job was acknowledged by the Job Manager.', ID);
  const completion = gauge(registry, 'kube_job_status_completion_time', 'CompletionTime represents time when the job was completed.', ID);
  const complete = gauge(registry, 'kube_job_complete', 'The job has completed its execution.', [...ID, 'condition']);
  const failedCond = gauge(registry, 'kube_job_failed', 'The job has failed its execution.', [...ID, 'condition']);
  const owner = gauge(registry, 'kube_job_owner', "Information about the Job's owner.", [...ID, 'owner_kind', 'owner_name', 'owner_is_controller']);
  const objects: Array<{ id: Record<string, string>; labels: Record<string, string> }> = [];
  for (const job of jobs) {
    const id = { namespace: job.metadata.namespace ?? '', job_name: job.metadata.name ?? '' };
    const spec = job.spec;
    const status = job.status ?? {};
    objects.push({ id, labels: job.metadata.labels ?? {} });
    info.set(id, 1);
    const createdAt = epochSeconds(job.metadata.creationTimestamp);
    if (createdAt !== null) created.set(id, createdAt);
    if (spec.parallelism !== undefined) parallelism.set(id, spec.parallelism);
    if (spec.completions !== undefined && spec.completions !== null) completions.set(id, spec.completions);
    if (spec.activeDeadlineSeconds !== undefined) deadline.set(id, spec.activeDeadlineSeconds);
    suspended.set(id, spec.suspend ? 1 : 0);
    active.set(id, status.active ?? 0);
    succeeded.set(id, status.succeeded ?? 0);
    // kube-state-metrics: without a Failed condition one series without reason; with one, a series
    // per known reason, carrying the failed count on the reason that holds.
    const failedCondition = (status.conditions ?? []).find((c) => c.type === 'Failed' && c.status === 'True');
    if (!failedCondition) failed.set(id, status.failed ?? 0);
    else {
      for (const reason of ['BackoffLimitExceeded', 'DeadlineExceeded', 'Evicted']) failed.set({ ...id, reason }, failedCondition.reason === reason ? (status.failed ?? 0) : 0);
      if (!['BackoffLimitExceeded', 'DeadlineExceeded', 'Evicted'].includes(failedCondition.reason ?? '')) failed.set({ ...id, reason: failedCondition.reason ?? '' }, status.failed ?? 0);
    }
    const startTime = epochSeconds(status.startTime);
    if (startTime !== null) start.set(id, startTime);
    const completionTime = epochSeconds(status.completionTime);
    if (completionTime !== null) completion.set(id, completionTime);
    for (const c of status.conditions ?? []) {
      if (c.type === 'Complete') setCondition(complete, id, c);
      if (c.type === 'Failed') setCondition(failedCond, id, c);
    }
    const owners = job.metadata.ownerReferences ?? [];
    if (owners.length === 0) owner.set({ ...id, owner_kind: '<none>', owner_name: '<none>', owner_is_controller: '<none>' }, 1);
    for (const o of owners) owner.set({ ...id, owner_kind: o.kind, owner_name: o.name, owner_is_controller: String(o.controller ?? false) }, 1);
  }
  labelsFamily(registry, 'kube_job_labels', 'Kubernetes labels converted to Prometheus labels.', ID, objects);
}

/** The CronJob series of kube-state-metrics (internal/store/cronjob.go), from the published CronJobs. */
export function collectCronJobs(registry: Registry, cronJobs: readonly CronJob[]): void {
  const ID = ['namespace', 'cronjob'];
  const info = gauge(registry, 'kube_cronjob_info', 'Info about cronjob.', [...ID, 'schedule', 'concurrency_policy', 'timezone']);
  const created = gauge(registry, 'kube_cronjob_created', 'Unix creation timestamp', ID);
  const active = gauge(registry, 'kube_cronjob_status_active', 'Active holds pointers to currently running jobs.', ID);
  const lastSchedule = gauge(registry, 'kube_cronjob_status_last_schedule_time', 'LastScheduleTime keeps information of when was the last time the job was successfully scheduled.', ID);
  const lastSuccess = gauge(registry, 'kube_cronjob_status_last_successful_time', 'LastSuccessfulTime keeps information of when was the last time the job was completed successfully.', ID);
  const suspend = gauge(registry, 'kube_cronjob_spec_suspend', 'Suspend flag tells the controller to suspend subsequent executions.', ID);
  const deadline = gauge(registry, 'kube_cronjob_spec_starting_deadline_seconds', 'Deadline in seconds for starting the job if it misses scheduled time for any reason.', ID);
  const successfulLimit = gauge(registry, 'kube_cronjob_spec_successful_job_history_limit', 'Successful job history limit tells the controller how many completed jobs should be preserved.', ID);
  const failedLimit = gauge(registry, 'kube_cronjob_spec_failed_job_history_limit', 'Failed job history limit tells the controller how many failed jobs should be preserved.', ID);
  const objects: Array<{ id: Record<string, string>; labels: Record<string, string> }> = [];
  for (const cj of cronJobs) {
    const id = { namespace: cj.metadata.namespace ?? '', cronjob: cj.metadata.name ?? '' };
    const spec = cj.spec;
    const status = cj.status ?? {};
    objects.push({ id, labels: cj.metadata.labels ?? {} });
    info.set({ ...id, schedule: spec.schedule, concurrency_policy: spec.concurrencyPolicy ?? 'Allow', timezone: spec.timeZone ?? 'UTC' }, 1);
    const createdAt = epochSeconds(cj.metadata.creationTimestamp);
    if (createdAt !== null) created.set(id, createdAt);
    active.set(id, status.active?.length ?? 0);
    const scheduled = epochSeconds(status.lastScheduleTime);
    if (scheduled !== null) lastSchedule.set(id, scheduled);
    const success = epochSeconds(status.lastSuccessfulTime);
    if (success !== null) lastSuccess.set(id, success);
    suspend.set(id, spec.suspend ? 1 : 0);
    if (spec.startingDeadlineSeconds !== undefined) deadline.set(id, spec.startingDeadlineSeconds);
    if (spec.successfulJobsHistoryLimit !== undefined) successfulLimit.set(id, spec.successfulJobsHistoryLimit);
    if (spec.failedJobsHistoryLimit !== undefined) failedLimit.set(id, spec.failedJobsHistoryLimit);
  }
  labelsFamily(registry, 'kube_cronjob_labels', 'Kubernetes labels converted to Prometheus labels.', ID, objects);
}

export function createApiMetrics({ jobs, cronJobs, log }: { jobs: JobsGateway; cronJobs: CronJobsGateway; log: Logger }): ApiMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
    labelNames: ['verb', 'resource', 'subresource', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb and resource (watches and log follows excluded).',
    labelNames: ['verb', 'resource', 'subresource'],
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const stateUp = new Gauge({
    name: 'kjob_published_state_up',
    help: 'Whether the last scrape could list the published Jobs and CronJobs (0: Temporal did not answer; the kube_* series are missing).',
    registers: [registry],
  });
  const listDuration = new Gauge({
    name: 'kjob_published_state_list_seconds',
    help: 'How long the last scrape took to list the published Jobs and CronJobs.',
    registers: [registry],
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = process.hrtime.bigint();
    res.on('finish', () => {
      const labels = requestLabels(req.method, req.path, req.query as Record<string, unknown>);
      requests.inc({ ...labels, code: String(res.statusCode) });
      if (labels.verb !== 'WATCH' && labels.verb !== 'CONNECT') duration.observe(labels, Number(process.hrtime.bigint() - end) / 1e9);
    });
    next();
  };

  /** Scrapes arriving together share one listing. */
  let inFlight: Promise<string> | null = null;
  const scrape = async (): Promise<string> => {
    const state = new Registry();
    const t0 = Date.now();
    try {
      const [jobList, cronJobList] = await Promise.all([jobs.list(null), cronJobs.list(null)]);
      collectJobs(state, jobList);
      collectCronJobs(state, cronJobList);
      stateUp.set(1);
    } catch (err) {
      stateUp.set(0);
      log.warn('metrics: could not list published Jobs', { error: (err as Error).message });
    }
    listDuration.set((Date.now() - t0) / 1000);
    return Registry.merge([registry, processMetrics(), state]).metrics();
  };

  const handler: RequestHandler = async (_req, res) => {
    inFlight ??= scrape().finally(() => {
      inFlight = null;
    });
    const text = await inFlight;
    // Exactly prom-client's content type (Express' send would reorder its parameters).
    res.setHeader('Content-Type', registry.contentType);
    res.end(text);
  };

  return { middleware, handler };
}
