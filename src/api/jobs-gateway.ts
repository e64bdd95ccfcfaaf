/**
 * The API's only Temporal client user, and the one place where Temporal client errors become
 * ApiErrors. Routes never see a Temporal error, so nothing a user sends can surface as a 500.
 *
 * Reads never wait on a worker (docs/architecture.md, "Reads: published state"): a Job is the
 * memo of its workflow (`describe`, answered by the Temporal server alone), a list is a
 * Visibility list with each result's memo, pods are the memos of the Job's shards. Jobs whose
 * workflow publishes nothing (started before wave 2, the v1 shell) are read with the `job`,
 * `pods` and `events` queries as before. Writes (PATCH, DELETE, pod DELETE) are updates: they
 * need a worker, and say so when none polls the task queue.
 *
 * Errors are honest and fast: Temporal unreachable → 503 "Temporal is unreachable at …" within
 * ~1 s (the connection's fail-fast retry policy, see temporal/connection.ts); a namespace that
 * does not exist or search attributes kjob may not register → 503 without Retry-After whose
 * message names the fix; no worker for a write → 503 "no kjob worker polls task queue …".
 */
import { randomUUID } from 'node:crypto';
import {
  ActivityFailure,
  ApplicationFailure,
  Client,
  Connection,
  isGrpcServiceError,
  NamespaceNotFoundError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { jobSettingsFrom, type Config } from '../config.js';
import type { Logger } from '../log.js';
import type { EventList, Job, KubeEvent, PodList, StoredJob } from '../k8s/types.js';
import type { FieldError } from '../k8s/field-errors.js';
import type { PropagationPolicy } from '../k8s/job-strategy.js';
import { defaultAddress, type Reachability } from '../temporal/connection.js';
import { createTemporalSetup, namespaceMissing, type TemporalSetup } from '../temporal/search-attributes.js';
import {
  deleteJobUpdate,
  deletePodUpdate,
  eventsQuery,
  JOB_WORKFLOW_TYPE,
  jobQuery,
  jobWorkflowStart,
  nodeTaskQueue,
  POD_LOG_WORKFLOW_TYPE,
  podLogWorkflowIdFor,
  podsQuery,
  SA_NAME,
  SA_NAMESPACE,
  updateJobUpdate,
  workflowIdFor,
  type JobMemo,
  type PodLogWorkflowInput,
} from '../workflows/definitions.js';
import type { PodLogChunk, PodLogChunkRequest } from '../storage/pod-logs.js';
import { isDnsLabel, isDnsSubdomain } from './params.js';
import { initialJobMemo, jobMemoOf, listResourceVersion, publishedPodsOf, renderPublishedEvents, renderPublishedJob, renderPublishedPods } from './published.js';
import { AlreadyExists, ApiError, BadRequest, Conflict, NodeUnavailable, invalidJob, JOBS, Misconfigured, NotFound, PODS, ServiceUnavailable, type Resource } from './status.js';

/** Finalizer the controller renders on a Job deleted with propagationPolicy Foreground. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * A Job whose deletion has begun is gone for the API, except during a Foreground delete, where
 * Kubernetes keeps serving it (with deletionTimestamp and the foregroundDeletion finalizer) until
 * its pods are gone (garbage collector, "foreground cascading deletion").
 */
export function isGone(job: Pick<Job, 'metadata'>): boolean {
  return job.metadata.deletionTimestamp !== undefined && !(job.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

export interface Readiness {
  temporal: boolean;
  workers: boolean;
  message: string;
}

export interface JobsGateway {
  /** Starts the Job's workflow, publishing the Job at once; AlreadyExists when a live Job has the name. */
  create(job: StoredJob): Promise<Job>;
  /** The Job as published; NotFound when it does not exist (or is being deleted). */
  get(namespace: string, name: string): Promise<Job>;
  /** `get`, or null when the Job does not exist. */
  find(namespace: string, name: string): Promise<Job | null>;
  /** Every live Job of `namespace` (all namespaces when null), sorted by namespace then name. */
  list(namespace: string | null): Promise<Job[]>;
  update(job: StoredJob): Promise<Job>;
  delete(namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<Job>;
  /** The Job and its pods; null when the Job does not exist. */
  pods(namespace: string, name: string): Promise<{ job: Job; pods: PodList } | null>;
  /** The Job's events; null when the Job does not exist. */
  events(namespace: string, name: string): Promise<EventList | null>;
  /** The events of every live Job of `namespace` (all when null). */
  allEvents(namespace: string | null): Promise<KubeEvent[]>;
  deletePod(namespace: string, jobName: string, podName: string, gracePeriodSeconds: number | null): Promise<PodList>;
  readiness(): Promise<Readiness>;
  /**
   * A piece of the log of a pod that ran on `nodeName`, read on that node through its task queue
   * (workflows/pod-log.ts). 400 when the log does not exist there (as the kubelet answers), 503
   * `NodeUnavailable` when the node does not pick the read up in time (its worker is gone).
   */
  podLog(namespace: string, podName: string, nodeName: string, request: PodLogChunkRequest): Promise<PodLogChunk>;
}

/** How long a pod's node may take to pick up a log read before the API says it is gone. */
export const NODE_PICKUP_MS = 5_000;

/** The node's answer to one log read (activities' PodLogAnswer; api/ does not import activities/). */
type PodLogAnswer = PodLogChunk | { notFound: string };

export interface GatewayOptions {
  config: Config;
  client: Client;
  log: Logger;
  /** kjob's namespace and search attribute check (default: one made for the client's connection). */
  setup?: TemporalSetup;
  /** What the client's connection last saw of the server (temporal/connection.ts), for messages. */
  reachability?: Reachability;
  /** Deadline of a read (describe) before the API answers 503 (default 1.8 s: a 503 within 2 s). */
  readTimeoutMs?: number;
  /** Deadline of a Visibility list (all its pages; default 10 s). */
  listTimeoutMs?: number;
  /** Deadline of starting a workflow (default 5 s). */
  createTimeoutMs?: number;
  /** Deadline of a query to a worker (Jobs without published state; default 10 s). */
  queryTimeoutMs?: number;
  /** Deadline of an update (PATCH, DELETE; the workflow must take the change in; default 15 s). */
  updateTimeoutMs?: number;
}

/** Describes of several workflows at once (shards of a Job, recently written Jobs). */
const DESCRIBE_CONCURRENCY = 16;
/** A recently written Job is described directly while Visibility may still lag (see list). */
const RECENT_WRITE_MS = 60_000;
const RECENT_WRITE_MAX = 1_000;
/** How long a read waits for a slow describe when a recent answer is at hand (see describe). */
const SLOW_DESCRIBE_MS = 25;
/**
 * The oldest answer a read may get while Temporal is slow (reachable, but a describe takes longer
 * than SLOW_DESCRIBE_MS or misses its deadline, as on a machine saturated by pods).
 */
const STALE_READ_MS = 5_000;
/** Workflows whose last answer is kept (oldest dropped first). */
const ANSWERED_MAX = 1_000;
/** Pollers seen this recently count as a live worker (a poll lasts up to ~70 s). */
const POLLER_FRESH_MS = 120_000;
/** How long "a worker polls" is believed before a write asks again. */
const POLLER_CACHE_MS = 5_000;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
/** Readiness probes are usually given a second or two. */
const PROBE_TIMEOUT_MS = 1_500;
// gRPC status codes.
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_NOT_FOUND = 5;
const GRPC_UNAVAILABLE = 14;

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

function grpcErrorOf(err: unknown): { code: number; details: string } | null {
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : null;
  return grpc ? { code: grpc.code, details: grpc.details || grpc.message } : null;
}

/** A start or list refused because kjob's search attributes are not registered in the namespace. */
export function isSearchAttributeMissing(err: unknown): boolean {
  const grpc = grpcErrorOf(err);
  return grpc !== null && grpc.code === GRPC_INVALID_ARGUMENT && /search attribute/i.test(grpc.details);
}

/** What the gateway knows when it maps an error: where Temporal is, and how long it waited. */
export interface ErrorContext {
  address: string;
  namespace: string;
  timeoutMs: number;
  reachability?: Reachability;
}

/** For callers that know nothing of the connection (messages then name no address). */
const UNKNOWN_CONTEXT: ErrorContext = { address: '', namespace: '', timeoutMs: 0 };

/**
 * Maps a Temporal client error about `resource` `name` to an ApiError; unknown errors pass
 * through. Errors that need a worker (queries, updates) are mapped by the gateway first, since
 * their message depends on whether a worker polls.
 */
export function mapTemporalError(err: unknown, resource: Resource, name: string, ctx: ErrorContext = UNKNOWN_CONTEXT): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof NamespaceNotFoundError) return new Misconfigured(namespaceMissing(err.namespace || ctx.namespace, ctx.address || 'its address').message);
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
  const grpc = grpcErrorOf(err);
  if (grpc) {
    if (grpc.code === GRPC_NOT_FOUND) {
      if (/^namespace \S+ is not found/i.test(grpc.details)) return new Misconfigured(namespaceMissing(ctx.namespace, ctx.address || 'its address').message);
      return new NotFound(resource, name);
    }
    if (grpc.code === GRPC_UNAVAILABLE) return unreachable(ctx, grpc.details);
    if (grpc.code === GRPC_DEADLINE_EXCEEDED) {
      // A read needs no worker: a deadline means Temporal did not answer. If the connection saw it
      // refuse or drop during the wait, it is unreachable, else it is too slow.
      const seen = ctx.reachability?.unreachable;
      if (seen && Date.now() - seen.at < ctx.timeoutMs + 1_000) return unreachable(ctx, seen.message);
      return new ServiceUnavailable(`Temporal${where(ctx)} did not answer ${ctx.timeoutMs ? `within ${ctx.timeoutMs / 1000} s` : 'in time'}`);
    }
    return new ServiceUnavailable(`Temporal${where(ctx)} failed the request: ${grpc.details}`);
  }
  if (err instanceof ServiceError) return new ServiceUnavailable(`Temporal${where(ctx)} failed the request: ${err.message}`);
  return err;
}

function where(ctx: ErrorContext): string {
  return ctx.address ? ` at ${ctx.address}` : '';
}

function unreachable(ctx: ErrorContext, details: string): ServiceUnavailable {
  return new ServiceUnavailable(`Temporal is unreachable${where(ctx)}: ${details}`);
}

/** The decoded memo of a described workflow, when it is the running Job; null = no such Job. */
function runningMemo(d: WorkflowExecutionDescription): Record<string, unknown> | null {
  return d.status.name === 'RUNNING' ? (d.memo ?? {}) : null;
}

export function createJobsGateway(options: GatewayOptions): JobsGateway {
  const { config, client, log, reachability } = options;
  const readTimeoutMs = options.readTimeoutMs ?? 1_800;
  const listTimeoutMs = options.listTimeoutMs ?? 10_000;
  const createTimeoutMs = options.createTimeoutMs ?? 5_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  const updateTimeoutMs = options.updateTimeoutMs ?? 15_000;
  const namespace = client.options.namespace;
  const connection = client.connection instanceof Connection ? client.connection : null;
  const address = connection?.options.address ?? defaultAddress(config);
  const setup: TemporalSetup =
    options.setup ?? (connection ? createTemporalSetup({ connection, namespace, address, log }) : { check: async () => null, recheck: async () => ({ problem: null, registered: [] }) });
  // A client whose queries are rejected by closed workflows: a Job whose workflow ended does not
  // exist, and answering from a closed run would need a worker to replay its history.
  const live = new Client({
    connection: client.connection,
    namespace,
    dataConverter: client.options.dataConverter,
    workflow: { queryRejectCondition: 'NOT_OPEN' },
  });
  /** Jobs this API wrote lately, by workflow id: list describes them directly (Visibility lags). */
  /** Jobs this API wrote lately; `rv` when the write's resourceVersion is known (a create). */
  const recent = new Map<string, { namespace: string; name: string; until: number; rv?: number }>();
  /** Describes in flight, by workflow id (see `describe`). */
  const describing = new Map<string, Promise<WorkflowExecutionDescription>>();
  /** The last answer of each workflow's describe and when its call started (see `describe`). */
  const answered = new Map<string, { at: number; value: WorkflowExecutionDescription }>();
  let pollersSeen: { at: number; polling: boolean; lastPollAt: number } | null = null;

  /** The Job's workflow id. Names reach a workflow id only in the shape Kubernetes allows (no "/"). */
  const jobId = (ns: string, name: string): string => {
    if (!isDnsLabel(ns) || !isDnsSubdomain(name)) throw new NotFound(JOBS, name);
    return workflowIdFor(ns, name);
  };
  const handle = (ns: string, name: string): WorkflowHandle => live.workflow.getHandle(jobId(ns, name));

  const context = (timeoutMs: number): ErrorContext => ({ address, namespace, timeoutMs, ...(reachability ? { reachability } : {}) });

  /**
   * Runs one Temporal call with a deadline (the client would otherwise retry for many seconds) and
   * maps its errors. A call refused for missing search attributes registers them and runs again.
   */
  async function call<T>(resource: Resource, name: string, timeoutMs: number, fn: () => Promise<T>, retried = false): Promise<T> {
    try {
      return await live.withDeadline(Date.now() + timeoutMs, fn);
    } catch (err) {
      if (!retried && isSearchAttributeMissing(err)) {
        const { problem } = await setup.recheck().catch(() => ({ problem: null }));
        if (problem) throw new Misconfigured(problem.message);
        return call(resource, name, timeoutMs, fn, true);
      }
      throw mapTemporalError(err, resource, name, context(timeoutMs));
    }
  }

  /**
   * Whether a worker polls the task queue, and when one last did (remembered for a few seconds).
   * A poll lasts up to ~70 s, so a worker counts as polling when seen within POLLER_FRESH_MS; a
   * worker stopped a moment ago therefore still counts until then.
   */
  async function workersPolling(): Promise<boolean> {
    return (await pollers()).polling;
  }

  async function pollers(): Promise<{ at: number; polling: boolean; lastPollAt: number }> {
    if (pollersSeen && Date.now() - pollersSeen.at < POLLER_CACHE_MS) return pollersSeen;
    const res = await client.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () =>
      client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: config.taskQueue }, taskQueueType: TASK_QUEUE_TYPE_WORKFLOW }),
    );
    const last = Math.max(0, ...(res.pollers ?? []).map((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000));
    pollersSeen = { at: Date.now(), polling: Date.now() - last < POLLER_FRESH_MS, lastPollAt: last };
    return pollersSeen;
  }

  const noWorker = () =>
    new ServiceUnavailable(`no kjob worker polls task queue "${config.taskQueue}" (Temporal namespace "${namespace}"): start one with \`npm run worker\``);

  /**
   * A call that needs a worker (an update, or a query of a Job without published state). With no
   * worker polling, 503 at once rather than after the deadline; a deadline while Temporal answers
   * means no worker took the task in time.
   */
  async function callWorker<T>(resource: Resource, name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    const polling = await workersPolling().catch((err: unknown) => {
      throw mapTemporalError(err, resource, name, context(PROBE_TIMEOUT_MS));
    });
    if (!polling) throw noWorker();
    try {
      return await live.withDeadline(Date.now() + timeoutMs, fn);
    } catch (err) {
      const deadline = err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || grpcErrorOf(err)?.code === GRPC_DEADLINE_EXCEEDED;
      const outage = reachability?.unreachable;
      if (!deadline || (outage && Date.now() - outage.at < timeoutMs + 1_000)) throw mapTemporalError(err, resource, name, context(timeoutMs));
      pollersSeen = null;
      const seen = await pollers().catch(() => null);
      if (seen && !seen.polling) throw noWorker();
      const ago = seen ? Math.round((Date.now() - seen.lastPollAt) / 1000) : null;
      throw new ServiceUnavailable(
        `no kjob worker took the request for ${resource.resource} "${name}" within ${timeoutMs / 1000} s` +
          (ago !== null ? ` (a worker last polled task queue "${config.taskQueue}" ${ago} s ago: stopped a moment ago, or overloaded)` : ''),
      );
    }
  }

  /**
   * Describes a workflow, sharing one call among concurrent readers of the same workflow: under
   * load (200 GETs a second of one Job) Temporal answers one describe per round trip instead of
   * one per request. A reader gets state no older than the start of the call it joins; a write
   * through this API drops the shared call (see `remember`), so a read after a write never joins a
   * call that started before it.
   *
   * When Temporal is slow to answer (a busy server), a reader does not wait longer than
   * SLOW_DESCRIBE_MS if an answer at most STALE_READ_MS old is at hand: it gets that one, and the
   * call goes on to refresh it. An idle server answers within that wait, so reads are fresh then;
   * under load a read may lag by up to STALE_READ_MS, as a watch-cache read does in Kubernetes,
   * and a refresh that misses its deadline while Temporal is reachable still leaves it that answer.
   */
  function describe(workflowId: string, name: string): Promise<WorkflowExecutionDescription> {
    let pending = describing.get(workflowId);
    if (!pending) {
      const started = Date.now();
      const call_ = call(JOBS, name, readTimeoutMs, () => live.workflow.getHandle(workflowId).describe());
      pending = call_.then(
        (d) => {
          // Kept unless a write through this API dropped the call meanwhile.
          if (describing.get(workflowId) === pending) {
            answered.delete(workflowId);
            answered.set(workflowId, { at: started, value: d });
          }
          // Oldest first (each answer is re-inserted): drop what no read may use any more.
          for (const [id, a] of answered) {
            if (answered.size <= ANSWERED_MAX && Date.now() - a.at <= STALE_READ_MS) break;
            answered.delete(id);
          }
          return d;
        },
      ).finally(() => {
        if (describing.get(workflowId) === pending) describing.delete(workflowId);
      });
      describing.set(workflowId, pending);
    }
    const last = answered.get(workflowId);
    if (!last || Date.now() - last.at > STALE_READ_MS) return pending;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(last.value), SLOW_DESCRIBE_MS);
      pending.then(
        (d) => {
          clearTimeout(timer);
          resolve(d);
        },
        (err: unknown) => {
          clearTimeout(timer);
          // Slow is not down: a describe that missed its deadline while Temporal stayed reachable
          // leaves the reader with the answer at hand. An outage is said at once (503).
          const outage = reachability?.unreachable;
          if (outage && Date.now() - outage.at < readTimeoutMs + 1_000) reject(err);
          else resolve(last.value);
        },
      );
    });
  }

  function remember(ns: string, name: string, rv?: number): void {
    const id = workflowIdFor(ns, name);
    // Reads after this write must not join a describe that started before it, nor be answered
    // from one (the Job's or its shards').
    for (const map of [describing, answered]) for (const key of map.keys()) if (key === id || key.startsWith(`${id}/`)) map.delete(key);
    const now = Date.now();
    for (const [id, r] of recent) if (r.until < now || recent.size > RECENT_WRITE_MAX) recent.delete(id);
    recent.set(id, { namespace: ns, name, until: now + RECENT_WRITE_MS, ...(rv !== undefined ? { rv } : {}) });
  }

  /** The `job` query of a Job without published state (v1), bounded in time. */
  const queryJob = (ns: string, name: string): Promise<Job> => callWorker(JOBS, name, queryTimeoutMs, () => handle(ns, name).query(jobQuery));

  interface Found {
    job: Job;
    /** null: the workflow publishes nothing (v1); read its pods and events with queries. */
    memo: JobMemo | null;
  }

  /** A Job from its decoded memo (or its query when it publishes none); null when gone. */
  async function fromMemo(ns: string, name: string, raw: Record<string, unknown>): Promise<Found | null> {
    const memo = jobMemoOf(raw);
    const job = memo ? renderPublishedJob(memo) : await queryJob(ns, name).catch((err: unknown) => (err instanceof NotFound ? null : Promise.reject(err)));
    if (job === null || isGone(job)) return null;
    return { job, memo };
  }

  /** Describes the Job's workflow: the Job, or null when it does not exist (closed, deleting). */
  async function lookup(ns: string, name: string): Promise<Found | null> {
    let raw: Record<string, unknown> | null;
    try {
      raw = runningMemo(await describe(jobId(ns, name), name));
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
    return raw === null ? null : fromMemo(ns, name, raw);
  }

  async function find(ns: string, name: string): Promise<Job | null> {
    return (await lookup(ns, name))?.job ?? null;
  }

  async function get(ns: string, name: string): Promise<Job> {
    const job = await find(ns, name);
    if (job === null) throw new NotFound(JOBS, name);
    return job;
  }

  async function create(job: StoredJob): Promise<Job> {
    const { namespace: ns, name } = job.metadata;
    // The same start a CronJob makes for its Jobs (definitions.ts).
    const start = jobWorkflowStart(job, jobSettingsFrom(config));
    // The resourceVersion scale of the workflows (microseconds); the workflow's first publish is later.
    const rv = Date.now() * 1000;
    try {
      await call(JOBS, name, createTimeoutMs, () =>
        client.workflow.start(JOB_WORKFLOW_TYPE, {
          workflowId: start.workflowId,
          taskQueue: config.taskQueue,
          args: start.args,
          // A deleted Job's name is free again once its workflow has ended (Kubernetes frees the
          // name when the object is removed); a live workflow with the id means the Job exists.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: start.typedSearchAttributes,
          staticSummary: start.staticSummary,
          staticDetails: start.staticDetails,
          // Published from the start: a GET right after the 201 reads it without any worker.
          memo: initialJobMemo(job, rv),
        }),
      );
    } catch (err) {
      if (!(err instanceof AlreadyExists)) throw err;
      const existing = await call(JOBS, name, readTimeoutMs, () => handle(ns, name).describe()).catch(() => null);
      const memo = existing ? jobMemoOf(existing.memo) : null;
      throw new AlreadyExists(JOBS, name, memo?.job.metadata.deletionTimestamp !== undefined);
    }
    remember(ns, name, rv);
    log.info('job created', { namespace: ns, job: name, uid: job.metadata.uid });
    return renderPublishedJob({ job, status: {}, events: [], shards: [], rv });
  }

  /** Every live Job of `ns` (all when null) with its memo, sorted by namespace then name. */
  async function listFound(ns: string | null): Promise<Found[]> {
    const clauses = [`WorkflowType = ${quote(JOB_WORKFLOW_TYPE)}`, `ExecutionStatus = 'Running'`, `TaskQueue = ${quote(config.taskQueue)}`];
    if (ns !== null) clauses.push(`${SA_NAMESPACE.name} = ${quote(ns)}`);
    const jobs = new Map<string, Found | null>();
    const unpublished: Array<{ id: string; namespace: string; name: string }> = [];
    await call(JOBS, '', listTimeoutMs, async () => {
      for await (const info of live.workflow.list({ query: clauses.join(' AND ') })) {
        const jobNs = info.typedSearchAttributes.get(SA_NAMESPACE);
        const name = info.typedSearchAttributes.get(SA_NAME);
        if (jobNs === undefined || name === undefined || info.status.name !== 'RUNNING') continue;
        // A Job that publishes its state costs nothing more; one that does not (v1) is queried.
        const memo = jobMemoOf(info.memo);
        if (memo === null) {
          unpublished.push({ id: info.workflowId, namespace: jobNs, name });
          continue;
        }
        const job = renderPublishedJob(memo);
        jobs.set(info.workflowId, isGone(job) ? null : { job, memo });
      }
    });
    const queried = await mapLimit(unpublished, DESCRIBE_CONCURRENCY, (j) => fromMemo(j.namespace, j.name, {}));
    unpublished.forEach((j, i) => jobs.set(j.id, queried[i] ?? null));
    // Visibility is eventually consistent: a Job created a moment ago may be missing from it (or a
    // Job just patched or deleted still shown as it was) while GET already shows the truth. Jobs
    // this API wrote in the last minute are described directly, so a client that writes then lists
    // sees its write (read-your-writes for this API process).
    const now = Date.now();
    const fresh: Array<[string, { namespace: string; name: string }]> = [];
    for (const [id, r] of recent) {
      if (r.until < now) recent.delete(id);
      else if (ns !== null && r.namespace !== ns) continue;
      // A create that Visibility already shows at (or past) its resourceVersion needs no describe.
      else if (r.rv !== undefined && (jobs.get(id)?.memo?.rv ?? -1) >= r.rv) continue;
      else fresh.push([id, r]);
    }
    const described = await mapLimit(fresh, DESCRIBE_CONCURRENCY, ([, r]) => lookup(r.namespace, r.name));
    fresh.forEach(([id], i) => jobs.set(id, described[i] ?? null));

    // Sorted by namespace, then name, in byte order (the order of the API server's storage keys).
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return [...jobs.values()]
      .filter((f): f is Found => f !== null)
      .sort((a, b) => cmp(a.job.metadata.namespace ?? '', b.job.metadata.namespace ?? '') || cmp(a.job.metadata.name ?? '', b.job.metadata.name ?? ''));
  }

  async function list(ns: string | null): Promise<Job[]> {
    return (await listFound(ns)).map((f) => f.job);
  }

  async function update(job: StoredJob): Promise<Job> {
    const { namespace: ns, name } = job.metadata;
    const updated = await callWorker(JOBS, name, updateTimeoutMs, () => handle(ns, name).executeUpdate(updateJobUpdate, { args: [job] }));
    remember(ns, name);
    return updated;
  }

  async function del(ns: string, name: string, propagationPolicy: PropagationPolicy): Promise<Job> {
    // No lookup first: an unknown or closed workflow fails the update (NotFound), and the
    // workflow's validator refuses a Job already being deleted (NotFound).
    const job = await callWorker(JOBS, name, updateTimeoutMs, () => handle(ns, name).executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy }] }));
    remember(ns, name);
    log.info('job deleted', { namespace: ns, job: name, propagationPolicy });
    return job;
  }

  async function pods(ns: string, name: string): Promise<{ job: Job; pods: PodList } | null> {
    const found = await lookup(ns, name);
    if (found === null) return null;
    const { job, memo } = found;
    if (memo === null) return { job, pods: await callWorker(JOBS, name, queryTimeoutMs, () => handle(ns, name).query(podsQuery)) };
    // Each shard publishes its pods; a shard that is gone (closed and past retention) has none.
    const shardPods = await mapLimit(memo.shards, DESCRIBE_CONCURRENCY, (id) =>
      describe(id, name).then(
        (d) => publishedPodsOf(d.memo),
        (err: unknown) => (err instanceof NotFound ? [] : Promise.reject(err)),
      ),
    );
    const items = renderPublishedPods(memo, shardPods.flat());
    return { job, pods: { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: listResourceVersion(items) }, items } };
  }

  function eventsOf(found: Found, ns: string, name: string): Promise<KubeEvent[]> {
    if (found.memo) return Promise.resolve(renderPublishedEvents(found.memo));
    return callWorker(JOBS, name, queryTimeoutMs, () => handle(ns, name).query(eventsQuery)).then((l) => l.items);
  }

  async function events(ns: string, name: string): Promise<EventList | null> {
    const found = await lookup(ns, name);
    if (found === null) return null;
    const items = await eventsOf(found, ns, name);
    return { apiVersion: 'v1', kind: 'EventList', metadata: { resourceVersion: listResourceVersion(items) }, items };
  }

  async function allEvents(ns: string | null): Promise<KubeEvent[]> {
    // The list's memos carry the events: no further call, except for Jobs that publish nothing.
    const found = await listFound(ns);
    const lists = await mapLimit(found, DESCRIBE_CONCURRENCY, (f) => eventsOf(f, f.job.metadata.namespace ?? '', f.job.metadata.name ?? ''));
    return lists.flat();
  }

  async function deletePod(ns: string, jobName: string, podName: string, gracePeriodSeconds: number | null): Promise<PodList> {
    const after = await callWorker(PODS, podName, updateTimeoutMs, () =>
      handle(ns, jobName).executeUpdate(deletePodUpdate, { args: [{ podName, gracePeriodSeconds }] }),
    );
    remember(ns, jobName);
    return after;
  }

  async function readiness(): Promise<Readiness> {
    try {
      await client.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}));
    } catch (err) {
      const mapped = mapTemporalError(err, JOBS, '', context(PROBE_TIMEOUT_MS));
      return { temporal: false, workers: false, message: mapped instanceof ApiError ? mapped.message : `Temporal is unreachable at ${address}: ${String(err)}` };
    }
    try {
      const problem = await setup.check();
      if (problem) return { temporal: true, workers: false, message: problem.message };
    } catch (err) {
      const mapped = mapTemporalError(err, JOBS, '', context(PROBE_TIMEOUT_MS));
      return { temporal: false, workers: false, message: mapped instanceof ApiError ? mapped.message : String(err) };
    }
    try {
      pollersSeen = null;
      if (!(await workersPolling())) return { temporal: true, workers: false, message: `no kjob worker polls task queue "${config.taskQueue}"` };
      return { temporal: true, workers: true, message: 'ok' };
    } catch (err) {
      return { temporal: true, workers: false, message: `could not describe task queue "${config.taskQueue}": ${(err as Error).message}` };
    }
  }

  async function podLog(ns: string, podName: string, nodeName: string, request: PodLogChunkRequest): Promise<PodLogChunk> {
    const input: PodLogWorkflowInput = { nodeTaskQueue: nodeTaskQueue(config.taskQueue, nodeName), request, scheduleToStartMs: NODE_PICKUP_MS };
    // The workflow ends on its own well before this (its activity's timeouts); the margin covers
    // the workflow tasks on a busy server.
    const timeoutMs = NODE_PICKUP_MS + 30_000 + (request.waitMs ?? 0) + 15_000;
    return callWorker(PODS, podName, timeoutMs, async () => {
      let answer: PodLogAnswer;
      try {
        answer = await live.workflow.execute<(i: PodLogWorkflowInput) => Promise<PodLogAnswer>>(POD_LOG_WORKFLOW_TYPE, {
          taskQueue: config.taskQueue,
          workflowId: podLogWorkflowIdFor(ns, podName, randomUUID()),
          args: [input],
          workflowExecutionTimeout: timeoutMs,
        });
      } catch (err) {
        const cause = err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure ? err.cause.cause : undefined;
        if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') {
          throw new NodeUnavailable(
            `the node "${nodeName}" that ran pod "${podName}" did not answer within ${NODE_PICKUP_MS / 1000} s: its kjob worker has stopped ` +
              `or lost Temporal, and the pod's log stays in that worker's KJOB_DATA_DIR`,
          );
        }
        if (cause instanceof TimeoutFailure) {
          throw new NodeUnavailable(`the node "${nodeName}" that ran pod "${podName}" did not finish reading its log in time (${cause.timeoutType ?? 'timeout'})`);
        }
        if (cause instanceof ApplicationFailure) throw new BadRequest(cause.message);
        // The read's own workflow failed or timed out (no worker ran its workflow task in time).
        if (err instanceof WorkflowFailedError) throw new ServiceUnavailable(`reading the log of pod "${podName}" failed: ${err.cause?.message ?? err.message}`);
        throw err;
      }
      // The kubelet answers 400 for a container that has not started and a missing previous run.
      if ('notFound' in answer) throw new BadRequest(answer.notFound);
      return answer;
    });
  }

  return { create, get, find, list, update, delete: del, pods, events, allEvents, deletePod, readiness, podLog };
}
