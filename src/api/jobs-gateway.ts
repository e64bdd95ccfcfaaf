/**
 * The API's only Temporal client user: starts Job workflows, queries and updates them, lists them
 * through Visibility, and is the one place where Temporal client errors become ApiErrors
 * (WorkflowNotFoundError → NotFound, WorkflowExecutionAlreadyStartedError → AlreadyExists,
 * rejected queries on closed workflows → NotFound, unreachable server → 503). Routes never see a
 * Temporal error, so nothing a user sends can surface as a 500.
 */
import {
  ApplicationFailure,
  Client,
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowHandle,
} from '@temporalio/client';
import { jobSettingsFrom, type Config } from '../config.js';
import type { Logger } from '../log.js';
import type { EventList, Job, PodList, StoredJob } from '../k8s/types.js';
import type { FieldError } from '../k8s/field-errors.js';
import type { PropagationPolicy } from '../k8s/job-strategy.js';
import {
  deleteJobUpdate,
  deletePodUpdate,
  eventsQuery,
  JOB_WORKFLOW_TYPE,
  jobQuery,
  jobWorkflowStart,
  podsQuery,
  SA_NAME,
  SA_NAMESPACE,
  updateJobUpdate,
  workflowIdFor,
} from '../workflows/definitions.js';

import { isDnsLabel, isDnsSubdomain } from './params.js';
import { AlreadyExists, ApiError, Conflict, invalidJob, JOBS, NotFound, PODS, ServiceUnavailable, type Resource } from './status.js';

/** Finalizer the controller renders on a Job deleted with propagationPolicy Foreground. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * A Job whose deletion has begun is gone for the API, except during a Foreground delete, where
 * Kubernetes keeps serving it (with deletionTimestamp and the foregroundDeletion finalizer) until
 * its pods are gone (garbage collector, "foreground cascading deletion").
 */
export function isGone(job: Job): boolean {
  return job.metadata.deletionTimestamp !== undefined && !(job.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

export interface Readiness {
  temporal: boolean;
  workers: boolean;
  message: string;
}

export interface JobsGateway {
  /** Starts the Job's workflow; AlreadyExists when a live Job has the name. */
  create(job: StoredJob): Promise<Job>;
  /** The Job as the `job` query renders it; NotFound when it does not exist (or is being deleted). */
  get(namespace: string, name: string): Promise<Job>;
  /** Every live Job of `namespace` (all namespaces when null), sorted by namespace then name. */
  list(namespace: string | null): Promise<Job[]>;
  update(job: StoredJob): Promise<Job>;
  delete(namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<Job>;
  /** The Job and its pods; null when the Job does not exist. */
  pods(namespace: string, name: string): Promise<{ job: Job; pods: PodList } | null>;
  /** The Job's events; null when the Job does not exist. */
  events(namespace: string, name: string): Promise<EventList | null>;
  deletePod(namespace: string, jobName: string, podName: string, gracePeriodSeconds: number | null): Promise<PodList>;
  readiness(): Promise<Readiness>;
}

export interface GatewayOptions {
  config: Config;
  client: Client;
  log: Logger;
  /** How long a query may wait for a worker before the API answers 503 (default 10 s). */
  queryTimeoutMs?: number;
  /** How long the create response waits for the first `job` query before rendering the input. */
  createQueryTimeoutMs?: number;
}

/** Queries of several Jobs at once (list, pods and events across Jobs). */
const QUERY_CONCURRENCY = 16;
/** A recently created Job is looked up directly while Visibility may still lag (see list). */
const RECENT_CREATE_MS = 60_000;
const RECENT_CREATE_MAX = 1_000;
/** Pollers seen this recently count as a live worker (a poll lasts up to ~70 s). */
const POLLER_FRESH_MS = 120_000;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
/** Readiness probes are usually given a second or two. */
const PROBE_TIMEOUT_MS = 2_000;

/** Runs fn over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Maps a Temporal client error about `resource` `name` to an ApiError; unknown errors pass through. */
export function mapTemporalError(err: unknown, resource: Resource, name: string): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowNotFoundError || err instanceof QueryRejectedError) return new NotFound(resource, name);
  if (err instanceof WorkflowExecutionAlreadyStartedError) return new AlreadyExists(resource, name);
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      // The workflow validates updates again (same validators as the API): its verdict is a 422.
      if (cause.type === 'Invalid') return invalidJob(name, (cause.details?.[0] ?? []) as FieldError[]);
      if (cause.type === 'NotFound') return new NotFound(resource, name);
      return new Conflict(resource, name, cause.message);
    }
    return new Conflict(resource, name, err.message);
  }
  if (err instanceof QueryNotRegisteredError) {
    return new ServiceUnavailable(`the worker running ${resource.resource} "${name}" does not answer kjob's queries (${err.message}); is it an older kjob version?`);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ServiceUnavailable(`no kjob worker handled the request for ${resource.resource} "${name}" in time`);
  }
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : null;
  if (grpc) {
    // grpc status codes: 4 DEADLINE_EXCEEDED (no worker answered), 5 NOT_FOUND, 14 UNAVAILABLE.
    if (grpc.code === 5) return new NotFound(resource, name);
    if (grpc.code === 4) return new ServiceUnavailable(`no kjob worker answered for ${resource.resource} "${name}" in time`);
    return new ServiceUnavailable(`Temporal is unavailable: ${grpc.details || grpc.message}`);
  }
  if (err instanceof ServiceError) return new ServiceUnavailable(`Temporal is unavailable: ${err.message}`);
  return err;
}

export function createJobsGateway(options: GatewayOptions): JobsGateway {
  const { config, client, log } = options;
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  const createQueryTimeoutMs = options.createQueryTimeoutMs ?? 3_000;
  // Updates wait for the workflow to take the change in; give them more room than queries.
  const updateTimeoutMs = 3 * queryTimeoutMs;
  // A client whose queries are rejected by closed workflows: a Job whose workflow ended does not
  // exist, and answering from a closed run would need a worker to replay its history.
  const live = new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: client.options.dataConverter,
    workflow: { queryRejectCondition: 'NOT_OPEN' },
  });
  const recent = new Map<string, { namespace: string; name: string; until: number }>();

  /** The Job's workflow. Names reach a workflow id only in the shape Kubernetes allows (no "/"). */
  const handle = (namespace: string, name: string): WorkflowHandle => {
    if (!isDnsLabel(namespace) || !isDnsSubdomain(name)) throw new NotFound(JOBS, name);
    return live.workflow.getHandle(workflowIdFor(namespace, name));
  };

  /**
   * Runs one Temporal call with a deadline (the client would otherwise retry an unreachable
   * server for many seconds) and maps its errors.
   */
  async function call<T>(resource: Resource, name: string, fn: () => Promise<T>, timeoutMs = queryTimeoutMs): Promise<T> {
    try {
      return await live.withDeadline(Date.now() + timeoutMs, fn);
    } catch (err) {
      throw mapTemporalError(err, resource, name);
    }
  }

  /** The `job` query of a live workflow, bounded in time; NotFound when the workflow is closed. */
  const queryJob = (namespace: string, name: string, timeoutMs = queryTimeoutMs): Promise<Job> =>
    call(JOBS, name, () => handle(namespace, name).query(jobQuery), timeoutMs);

  async function get(namespace: string, name: string): Promise<Job> {
    const job = await queryJob(namespace, name);
    if (isGone(job)) throw new NotFound(JOBS, name);
    return job;
  }

  /** `get`, or null when the Job does not exist. */
  async function find(namespace: string, name: string): Promise<Job | null> {
    try {
      return await get(namespace, name);
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
  }

  function remember(job: StoredJob): void {
    const now = Date.now();
    for (const [id, r] of recent) if (r.until < now || recent.size > RECENT_CREATE_MAX) recent.delete(id);
    recent.set(workflowIdFor(job.metadata.namespace, job.metadata.name), {
      namespace: job.metadata.namespace,
      name: job.metadata.name,
      until: now + RECENT_CREATE_MS,
    });
  }

  async function create(job: StoredJob): Promise<Job> {
    const { namespace, name } = job.metadata;
    // The same start a CronJob makes for its Jobs (definitions.ts).
    const start = jobWorkflowStart(job, jobSettingsFrom(config));
    try {
      await call(JOBS, name, () =>
        client.workflow.start(JOB_WORKFLOW_TYPE, {
          workflowId: start.workflowId,
          taskQueue: config.taskQueue,
          args: start.args,
          // A deleted Job's name is free again once its workflow has ended (Kubernetes frees the
          // name when the object is removed); a live workflow with the id means the Job exists.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: start.typedSearchAttributes,
        }),
      );
    } catch (err) {
      if (!(err instanceof AlreadyExists)) throw err;
      const existing = await queryJob(namespace, name).catch(() => null);
      throw new AlreadyExists(JOBS, name, existing?.metadata.deletionTimestamp !== undefined);
    }
    remember(job);
    log.info('job created', { namespace, job: name, uid: job.metadata.uid });
    // Prefer the query (it is exactly what GET shows); if no worker picks the first workflow task
    // up quickly, answer with the stored input rather than keep the client waiting.
    try {
      return await queryJob(namespace, name, createQueryTimeoutMs);
    } catch (err) {
      log.warn('job query after create timed out; answering with the stored Job', { namespace, job: name, err });
      return { ...job, status: {} };
    }
  }

  async function list(namespace: string | null): Promise<Job[]> {
    const clauses = [`WorkflowType = ${quote(JOB_WORKFLOW_TYPE)}`, `ExecutionStatus = 'Running'`, `TaskQueue = ${quote(config.taskQueue)}`];
    if (namespace !== null) clauses.push(`${SA_NAMESPACE.name} = ${quote(namespace)}`);
    const ids = new Map<string, { namespace: string; name: string }>();
    await call(JOBS, '', async () => {
      for await (const info of live.workflow.list({ query: clauses.join(' AND ') })) {
        const ns = info.typedSearchAttributes.get(SA_NAMESPACE);
        const name = info.typedSearchAttributes.get(SA_NAME);
        if (ns !== undefined && name !== undefined) ids.set(info.workflowId, { namespace: ns, name });
      }
    });
    // Visibility is eventually consistent: a Job created a moment ago may be missing from it while
    // GET already finds it. Jobs this API created in the last minute are looked up directly, so a
    // client that creates then lists sees its Job (read-your-writes for this API process). The
    // opposite lag (a deleted Job still listed as Running) needs nothing: its query shows it gone
    // or is rejected because the workflow closed.
    const now = Date.now();
    for (const [id, r] of recent) {
      if (r.until < now) recent.delete(id);
      else if (namespace === null || r.namespace === namespace) ids.set(id, { namespace: r.namespace, name: r.name });
    }
    const jobs = await mapLimit([...ids.values()], QUERY_CONCURRENCY, (j) => find(j.namespace, j.name));
    // Sorted by namespace, then name, in byte order (the order of the API server's storage keys).
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return jobs
      .filter((j): j is Job => j !== null)
      .sort((a, b) => cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || cmp(a.metadata.name ?? '', b.metadata.name ?? ''));
  }

  async function update(job: StoredJob): Promise<Job> {
    const { namespace, name } = job.metadata;
    return call(JOBS, name, () => handle(namespace, name).executeUpdate(updateJobUpdate, { args: [job] }), updateTimeoutMs);
  }

  async function del(namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<Job> {
    // No lookup first: an unknown or closed workflow fails the update (NotFound), and the
    // workflow's validator refuses a Job already being deleted (NotFound).
    const job = await call(JOBS, name, () => handle(namespace, name).executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy }] }), updateTimeoutMs);
    log.info('job deleted', { namespace, job: name, propagationPolicy });
    return job;
  }

  async function pods(namespace: string, name: string): Promise<{ job: Job; pods: PodList } | null> {
    const job = await find(namespace, name);
    if (job === null) return null;
    const list = await call(JOBS, name, () => handle(namespace, name).query(podsQuery));
    return { job, pods: list };
  }

  async function events(namespace: string, name: string): Promise<EventList | null> {
    if ((await find(namespace, name)) === null) return null;
    return call(JOBS, name, () => handle(namespace, name).query(eventsQuery));
  }

  async function deletePod(namespace: string, jobName: string, podName: string, gracePeriodSeconds: number | null): Promise<PodList> {
    return call(PODS, podName, () => handle(namespace, jobName).executeUpdate(deletePodUpdate, { args: [{ podName, gracePeriodSeconds }] }), updateTimeoutMs);
  }

  async function readiness(): Promise<Readiness> {
    try {
      await client.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}));
    } catch (err) {
      return { temporal: false, workers: false, message: `Temporal is not reachable: ${(err as Error).message}` };
    }
    try {
      const res = await client.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () =>
        client.workflowService.describeTaskQueue({
          namespace: client.options.namespace,
          taskQueue: { name: config.taskQueue },
          taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const fresh = (res.pollers ?? []).some((p) => {
        const seconds = Number(p.lastAccessTime?.seconds ?? 0);
        return Date.now() - seconds * 1000 < POLLER_FRESH_MS;
      });
      if (!fresh) return { temporal: true, workers: false, message: `no kjob worker polls task queue "${config.taskQueue}"` };
      return { temporal: true, workers: true, message: 'ok' };
    } catch (err) {
      return { temporal: true, workers: false, message: `could not describe task queue "${config.taskQueue}": ${(err as Error).message}` };
    }
  }

  return { create, get, list, update, delete: del, pods, events, deletePod, readiness };
}
