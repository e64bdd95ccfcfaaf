/**
 * The API's Temporal client calls for CronJobs, and the one place where Temporal errors about them
 * become ApiErrors. Writes go to the CronJob's workflow (start, `update`/`delete` updates); reads
 * are `describe` of that workflow — its published memo — so GET, list and watch never wait on a
 * worker (docs/architecture.md, "Reads: published state").
 */
import { ApplicationFailure, WorkflowUpdateFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { jobSettingsFrom, type Config } from '../config.js';
import type { CronJob, StoredCronJob } from '../k8s/cronjob-types.js';
import type { FieldError } from '../k8s/field-errors.js';
import type { PropagationPolicy } from '../k8s/job-strategy.js';
import type { EventList } from '../k8s/types.js';
import type { Logger } from '../log.js';
import {
  CRONJOB_MEMO,
  CRONJOB_WORKFLOW_TYPE,
  SA_LABELS,
  SA_NAME,
  SA_NAMESPACE,
  cronJobQuery,
  cronJobWorkflowIdFor,
  deleteCronJobUpdate,
  labelSearchTerms,
  updateCronJobUpdate,
  type CronJobMemo,
  type CronJobWorkflowInput,
} from '../workflows/definitions.js';
import { FOREGROUND_FINALIZER, mapLimit, mapTemporalError } from './jobs-gateway.js';
import { isDnsLabel, isDnsSubdomain } from './params.js';
import { AlreadyExists, CRONJOBS, NotFound, invalidCronJob, type ApiError } from './status.js';

export interface CronJobsGateway {
  /** Starts the CronJob's workflow (which writes its Schedule); AlreadyExists when a live CronJob has the name. */
  create(cronJob: StoredCronJob): Promise<CronJob>;
  /** The CronJob as its workflow last published it; NotFound when it does not exist (or is being deleted). */
  get(namespace: string, name: string): Promise<CronJob>;
  /** Every live CronJob of `namespace` (all namespaces when null), sorted by namespace then name. */
  list(namespace: string | null): Promise<CronJob[]>;
  /** Applies a validated update; answers once the Schedule follows it. */
  update(cronJob: StoredCronJob): Promise<CronJob>;
  delete(namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<CronJob>;
  /** The CronJob's newest Events; null when it does not exist. */
  events(namespace: string, name: string): Promise<EventList | null>;
}

export interface CronJobsGatewayOptions {
  config: Config;
  client: Client;
  log: Logger;
  queryTimeoutMs?: number;
}

const CONCURRENCY = 16;
const RECENT_CREATE_MS = 60_000;

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A CronJob whose deletion began is gone for the API, except during a Foreground delete. */
export function isCronJobGone(cronJob: CronJob): boolean {
  return cronJob.metadata.deletionTimestamp !== undefined && !(cronJob.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

/** Temporal errors about CronJob `name` as ApiErrors (the workflow's own verdicts keep their words). */
export function mapCronJobError(err: unknown, name: string): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'Invalid') {
    return invalidCronJob(name, (err.cause.details?.[0] ?? []) as FieldError[]);
  }
  return mapTemporalError(err, CRONJOBS, name);
}

/** The object a CronJob workflow's memo describes (its resourceVersion from the memo's `rv`). */
export function cronJobFromMemo(memo: Record<string, unknown> | undefined): CronJob | null {
  const published = memo?.[CRONJOB_MEMO.cronJob] as CronJobMemo['cronjob'] | undefined;
  if (!published) return null;
  const rv = memo?.[CRONJOB_MEMO.rv];
  const status = (memo?.[CRONJOB_MEMO.status] as CronJobMemo['status'] | undefined) ?? {};
  return { ...published, metadata: { ...published.metadata, ...(typeof rv === 'number' && rv > 0 ? { resourceVersion: String(rv) } : {}) }, status };
}

export function createCronJobsGateway(options: CronJobsGatewayOptions): CronJobsGateway {
  const { config, client, log } = options;
  const timeoutMs = options.queryTimeoutMs ?? 10_000;
  // Updates wait for the Schedule to be written (an activity): more room than reads.
  const updateTimeoutMs = 3 * timeoutMs;
  const recent = new Map<string, { namespace: string; name: string; until: number }>();

  const workflowId = (namespace: string, name: string): string => {
    if (!isDnsLabel(namespace) || !isDnsSubdomain(name)) throw new NotFound(CRONJOBS, name);
    return cronJobWorkflowIdFor(namespace, name);
  };
  const handle = (namespace: string, name: string) => client.workflow.getHandle(workflowId(namespace, name));

  async function call<T>(name: string, fn: () => Promise<T>, ms = timeoutMs): Promise<T> {
    try {
      return await client.withDeadline(Date.now() + ms, fn);
    } catch (err) {
      throw mapCronJobError(err, name);
    }
  }

  /** The published CronJob of a running workflow, or null. */
  async function describe(namespace: string, name: string): Promise<{ cronJob: CronJob; description: WorkflowExecutionDescription } | null> {
    let description: WorkflowExecutionDescription;
    try {
      description = await call(name, () => handle(namespace, name).describe());
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
    if (description.status.name !== 'RUNNING' || description.type !== CRONJOB_WORKFLOW_TYPE) return null;
    // A workflow started by hand (Temporal UI) has no memo until its first task: ask it.
    const cronJob = cronJobFromMemo(description.memo) ?? (await call(name, () => handle(namespace, name).query(cronJobQuery)));
    return { cronJob, description };
  }

  async function find(namespace: string, name: string): Promise<CronJob | null> {
    const found = await describe(namespace, name);
    return found && !isCronJobGone(found.cronJob) ? found.cronJob : null;
  }

  async function get(namespace: string, name: string): Promise<CronJob> {
    const cronJob = await find(namespace, name);
    if (cronJob === null) throw new NotFound(CRONJOBS, name);
    return cronJob;
  }

  async function create(cronJob: StoredCronJob): Promise<CronJob> {
    const { namespace, name } = cronJob.metadata;
    const input: CronJobWorkflowInput = { cronJob, settings: jobSettingsFrom(config), testKnobs: config.testKnobs };
    // Published from the start, so a GET right after the create finds it before a worker runs it.
    const memo: CronJobMemo = { cronjob: cronJob, status: {}, events: [], rv: 0 };
    try {
      await call(name, () =>
        client.workflow.start(CRONJOB_WORKFLOW_TYPE, {
          workflowId: workflowId(namespace, name),
          taskQueue: config.taskQueue,
          args: [input],
          // The name is free again once a deleted CronJob's workflow has ended.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          memo: memo as unknown as Record<string, unknown>,
          // What the Temporal UI shows for the workflow (the schedule as created; PATCH may change it).
          staticSummary: `CronJob ${namespace}/${name} · schedule "${cronJob.spec.schedule}" · ${cronJob.spec.timeZone ?? 'UTC'}`,
          typedSearchAttributes: [
            { key: SA_NAMESPACE, value: namespace },
            { key: SA_NAME, value: name },
            { key: SA_LABELS, value: labelSearchTerms(cronJob.metadata.labels) },
          ],
        }),
      );
    } catch (err) {
      if (!(err instanceof AlreadyExists)) throw err;
      const existing = await describe(namespace, name).catch(() => null);
      throw new AlreadyExists(CRONJOBS, name, existing?.cronJob.metadata.deletionTimestamp !== undefined);
    }
    const now = Date.now();
    for (const [id, r] of recent) if (r.until < now) recent.delete(id);
    recent.set(cronJobWorkflowIdFor(namespace, name), { namespace, name, until: now + RECENT_CREATE_MS });
    log.info('cronjob created', { namespace, cronJob: name, uid: cronJob.metadata.uid });
    return { ...cronJob, status: {} };
  }

  async function list(namespace: string | null): Promise<CronJob[]> {
    const clauses = [`WorkflowType = ${quote(CRONJOB_WORKFLOW_TYPE)}`, `ExecutionStatus = 'Running'`, `TaskQueue = ${quote(config.taskQueue)}`];
    if (namespace !== null) clauses.push(`${SA_NAMESPACE.name} = ${quote(namespace)}`);
    const ids = new Map<string, { namespace: string; name: string }>();
    await call('', async () => {
      for await (const info of client.workflow.list({ query: clauses.join(' AND ') })) {
        const ns = info.typedSearchAttributes.get(SA_NAMESPACE);
        const name = info.typedSearchAttributes.get(SA_NAME);
        if (ns !== undefined && name !== undefined) ids.set(info.workflowId, { namespace: ns, name });
      }
    });
    // Visibility lags: CronJobs this API created in the last minute are described directly.
    const now = Date.now();
    for (const [id, r] of recent) {
      if (r.until < now) recent.delete(id);
      else if (namespace === null || r.namespace === namespace) ids.set(id, { namespace: r.namespace, name: r.name });
    }
    const found = await mapLimit([...ids.values()], CONCURRENCY, (c) => find(c.namespace, c.name));
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return found
      .filter((c): c is CronJob => c !== null)
      .sort((a, b) => cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || cmp(a.metadata.name ?? '', b.metadata.name ?? ''));
  }

  async function update(cronJob: StoredCronJob): Promise<CronJob> {
    const { namespace, name } = cronJob.metadata;
    return call(name, () => handle(namespace, name).executeUpdate(updateCronJobUpdate, { args: [cronJob] }), updateTimeoutMs);
  }

  async function del(namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<CronJob> {
    // A closed workflow fails the update (NotFound); the workflow refuses a second delete (NotFound).
    // An update sent while a deleted CronJob's workflow is closing fails with whatever Temporal says
    // about the closing run: the CronJob is gone then, as for an update that came a moment later.
    const gone = (found: Awaited<ReturnType<typeof describe>> | undefined) => found === null || (found !== undefined && isCronJobGone(found.cronJob));
    // A CronJob whose (Background) deletion began is gone already: no update to its closing run.
    if (gone(await describe(namespace, name))) throw new NotFound(CRONJOBS, name);
    let cronJob: CronJob;
    try {
      cronJob = await call(name, () => handle(namespace, name).executeUpdate(deleteCronJobUpdate, { args: [{ propagationPolicy }] }), updateTimeoutMs);
    } catch (err) {
      if (err instanceof NotFound) throw err;
      if (gone(await describe(namespace, name).catch(() => undefined))) throw new NotFound(CRONJOBS, name);
      throw err;
    }
    log.info('cronjob deleted', { namespace, cronJob: name, propagationPolicy });
    return cronJob;
  }

  async function events(namespace: string, name: string): Promise<EventList | null> {
    const found = await describe(namespace, name).catch((err: ApiError) => {
      if (err instanceof NotFound) return null;
      throw err;
    });
    if (found === null || isCronJobGone(found.cronJob)) return null;
    const items = (found.description.memo?.[CRONJOB_MEMO.events] as CronJobMemo['events'] | undefined) ?? [];
    return { apiVersion: 'v1', kind: 'EventList', metadata: {}, items };
  }

  return { create, get, list, update, delete: del, events };
}
