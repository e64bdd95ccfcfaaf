/**
 * Starting and watching Job workflows directly through the Temporal client (the workflow tests
 * exercise the shell + controller without the HTTP layer; the API tests go through HTTP).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WorkflowIdReusePolicy, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { jobSettingsFrom } from '../../src/config.js';
import { decodeJob } from '../../src/k8s/decode.js';
import { applyDefaults } from '../../src/k8s/defaults.js';
import { prepareForCreate } from '../../src/k8s/job-strategy.js';
import type { Job, Pod, StoredJob } from '../../src/k8s/types.js';
import { validateJob } from '../../src/k8s/validate.js';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import {
  JOB_WORKFLOW_TYPE,
  jobQuery,
  jobWorkflowStart,
  podsQuery,
  type JobWorkflowInput,
} from '../../src/workflows/definitions.js';
import { poll } from './poll.js';
import type { TestStack } from './temporal-env.js';

let counter = 0;
/** A Job name unique to this run: `<prefix>-<n>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${++counter}-${randomUUID().slice(0, 6)}`;
}

export interface ContainerSketch {
  name?: string;
  command: string[];
  env?: Array<{ name: string; value: string }>;
}

/** A Job manifest with one shell container; spec fields override. */
export function manifest(name: string, script: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { suite: 'workflows' } },
    spec: {
      ...spec,
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
          ...podSpec,
        },
      },
    } as Job['spec'],
  };
}

export function storedJob(raw: unknown, namespace = 'default'): StoredJob {
  const decoded = decodeJob(raw);
  if (!decoded.job || decoded.errors.length > 0) throw new Error(`bad test manifest: ${decoded.errors.map(formatFieldError).join('; ')}`);
  const defaulted = applyDefaults(decoded.job);
  const errors = validateJob(defaulted);
  if (errors.length > 0) throw new Error(`invalid test manifest: ${errors.map(formatFieldError).join('; ')}`);
  let n = 0;
  return prepareForCreate(defaulted, {
    namespace,
    uid: randomUUID(),
    now: new Date(),
    randomSuffix: () => `t${String(++n).padStart(4, '0')}`.slice(-5),
  });
}

export interface StartedJob {
  job: StoredJob;
  handle: WorkflowHandleWithFirstExecutionRunId;
  get(): Promise<Job>;
  pods(): Promise<Pod[]>;
  /** Poll the Job until `until` holds. */
  waitFor(until: (job: Job) => boolean, what: string, timeoutMs?: number): Promise<Job>;
  /** Poll until the Job has a True condition of this type. */
  waitForCondition(type: string, timeoutMs?: number): Promise<Job>;
}

export async function startJob(
  stack: TestStack,
  raw: unknown,
  options: { continueAsNewAfterEvents?: number; namespace?: string } = {},
): Promise<StartedJob> {
  const job = storedJob(raw, options.namespace);
  // The start the API and CronJobs make (id, search attributes, UI summary and details).
  const start = jobWorkflowStart(job, jobSettingsFrom(stack.config));
  const input: JobWorkflowInput = start.args[0];
  if (options.continueAsNewAfterEvents !== undefined) input.continueAsNewAfterEvents = options.continueAsNewAfterEvents;
  const handle = await stack.client.workflow.start(JOB_WORKFLOW_TYPE, {
    ...start,
    taskQueue: stack.taskQueue,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
  const get = () => handle.query(jobQuery);
  const waitFor = (until: (j: Job) => boolean, what: string, timeoutMs = 60_000) =>
    poll(get, until, { what: `${job.metadata.name}: ${what}`, timeoutMs });
  return {
    job,
    handle,
    get,
    pods: async () => (await handle.query(podsQuery)).items,
    waitFor,
    waitForCondition: (type, timeoutMs) =>
      waitFor((j) => hasCondition(j, type), `condition ${type}=True`, timeoutMs),
  };
}

export function hasCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

export function condition(job: Job, type: string) {
  return (job.status?.conditions ?? []).find((c) => c.type === type);
}

/**
 * Is a process with this pid still running? A zombie (exited, not yet reaped — orphans wait for
 * PID 1 to reap them, which some sandboxes' init never does) counts as dead.
 */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`not a pid: ${pid}`);
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
