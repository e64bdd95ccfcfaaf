/**
 * Every Temporal name kjob uses, in one module: workflow type, signals, queries, updates, search
 * attributes, input types and the workflow id scheme. The API gateway, the worker, the CLI and the
 * tests import from here; no other file spells these strings.
 */
import { defineQuery, defineSignal, defineUpdate, type Sinks } from '@temporalio/workflow';
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import type { PodLogChunkRequest } from '../activities/index.js';
import type { CronJobState } from '../controller/cronjob/index.js';
import type { EventRecord, JobSettings, JobState, PodDeletion, PodRecord, PropagationPolicy, SyncReport, Trigger } from '../controller/index.js';
import type { CronJobScheduleOptions } from '../k8s/cronjob-schedule.js';
import type { CronJob, CronJobStatus, StoredCronJob } from '../k8s/cronjob-types.js';
import type { PodStatusReport } from '../k8s/pod-run.js';
import type { EventList, Job, JobStatus, KubeEvent, PodList, StoredJob } from '../k8s/types.js';
import { jobStaticDetails, jobSummary } from './ui.js';

export const JOB_WORKFLOW_TYPE = 'job';
export const SHARD_WORKFLOW_TYPE = 'podShard';
export const CRONJOB_WORKFLOW_TYPE = 'cronJob';
/** The tiny workflow a CronJob's Temporal Schedule starts: it tells the CronJob a run is due. */
export const CRONJOB_TICK_WORKFLOW_TYPE = 'cronJobTick';
/** One piece of a pod's log, read on the pod's node for an API on another machine (workflows/pod-log.ts). */
export const POD_LOG_WORKFLOW_TYPE = 'podLog';
export const DEFAULT_TASK_QUEUE = 'kjob';

/** One live workflow per Job name: `<namespace>/<name>`. */
export function workflowIdFor(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The Job's k-th pod shard: `<namespace>/<name>/pods-<k>` (Job names have no `/`). */
export function shardIdFor(jobWorkflowId: string, shard: number): string {
  return `${jobWorkflowId}/pods-${shard}`;
}

/**
 * The task queue only the worker `nodeName` polls (Temporal's worker-specific task queue pattern):
 * `<task queue>/<pid>@<host>`. Work that must reach the worker running a pod goes there.
 */
export function nodeTaskQueue(taskQueue: string, nodeName: string): string {
  return `${taskQueue}/${nodeName}`;
}

/**
 * The id of one `podLog` read: `podlog:<namespace>/<pod>/<unique>`. The prefix keeps it apart from
 * Jobs (`<namespace>/<name>`) and CronJobs (`cronjob:…`).
 */
export function podLogWorkflowIdFor(namespace: string, podName: string, unique: string): string {
  return `podlog:${namespace}/${podName}/${unique}`;
}

export interface PodLogWorkflowInput {
  /** The node task queue of the worker that ran the pod (`nodeTaskQueue(taskQueue, nodeName)`). */
  nodeTaskQueue: string;
  request: PodLogChunkRequest;
  /** How long the node may take to pick the read up before it counts as gone. */
  scheduleToStartMs: number;
}

export interface JobWorkflowInput {
  /** The validated, defaulted Job as created. */
  job: StoredJob;
  settings: JobSettings;
  /** Present when the workflow continued as new: the controller state carried over. */
  state?: JobState;
  /** Continue-as-new: the Job's pod shards (see workflows/pod-shards.ts). */
  shards?: PodShardsSnapshot;
  /** Continue-as-new: what the previous run published, so unchanged memo keys are not rewritten. */
  published?: PublishedSnapshot;
  /** Continue-as-new: what happened that the previous run had not reconciled yet (see job.ts). */
  inbox?: Trigger[];
  /** Test hook: ask for continue-as-new once the history has this many events. */
  continueAsNewAfterEvents?: number;
}

/** The shard table a Job carries across continue-as-new. */
export interface PodShardsSnapshot {
  shards: Array<{ id: string; index: number; started: boolean; closed: boolean; live: string[]; pending?: PodAssignment }>;
  /** The shard of every pod the Job still has (live or finished and kept). */
  podShard: Record<string, number>;
  /** The Job (as stored) the shards were last told about: its generation. */
  jobGeneration: number;
  /** The pod runner of the Job's own pods (shard 0; see workflows/pod-runner.ts). */
  own?: unknown;
}

/** Hashes of the memo values a Job last published, and its resourceVersion. */
export interface PublishedSnapshot {
  hashes: Record<string, string>;
  rv: number;
}

/**
 * A CronJob's workflow, and its Temporal Schedule, share the id `cronjob:<namespace>/<name>`.
 * Namespaces are DNS labels (no `:`), so it cannot collide with a Job (`<namespace>/<name>`) or a
 * pod shard (`<namespace>/<name>/pods-<k>`).
 */
export function cronJobWorkflowIdFor(namespace: string, name: string): string {
  return `cronjob:${namespace}/${name}`;
}

export const cronJobScheduleIdFor = cronJobWorkflowIdFor;

/**
 * How a Job workflow is started, by the API (POST) and by a CronJob (startChild) alike: its id,
 * input, the search attributes the Temporal UI and the list endpoint filter on, and the summary
 * and details the UI shows for it (what the Job is: kind, name, mode, completions, parallelism).
 */
export function jobWorkflowStart(
  job: StoredJob,
  settings: JobSettings,
): { workflowId: string; args: [JobWorkflowInput]; typedSearchAttributes: SearchAttributePair[]; staticSummary: string; staticDetails: string } {
  const { namespace, name } = job.metadata;
  return {
    workflowId: workflowIdFor(namespace, name),
    args: [{ job, settings }],
    staticSummary: jobSummary(job),
    staticDetails: jobStaticDetails(job),
    typedSearchAttributes: [
      { key: SA_NAMESPACE, value: namespace },
      { key: SA_NAME, value: name },
      { key: SA_PHASE, value: 'Pending' },
      { key: SA_LABELS, value: labelSearchTerms(job.metadata.labels) },
    ],
  };
}

export interface ScaleRequest {
  parallelism: number;
}

export interface DeleteJobRequest {
  propagationPolicy: PropagationPolicy;
}

/** The `deleteJob` signal (a workflow cannot send updates): delete, if the Job still has this uid. */
export interface DeleteJobSignalRequest extends DeleteJobRequest {
  /** Precondition (DeleteOptions.preconditions.uid): a Job recreated under the name is left alone. */
  uid?: string;
}

export interface DeletePodRequest {
  podName: string;
  /** null = the pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number | null;
}

/**
 * What workflows tell the worker that runs them, outside their history: a sink is called once per
 * real workflow task, never on replay, and changes nothing the workflow does (no command).
 */
export interface KjobSinks extends Sinks {
  metrics: {
    /** One controller pass of a Job (the worker counts it in its job_controller_* metrics). */
    jobSynced(report: SyncReport): void;
  };
}

// Operator-facing signals (also usable from the Temporal UI and `temporal workflow signal`).
export const suspendSignal = defineSignal<[]>('suspend');
export const resumeSignal = defineSignal<[]>('resume');
export const scaleSignal = defineSignal<[ScaleRequest]>('scale');

/** Delete the Job (a CronJob's Replace and history limits, its own deletion); validated like the `delete` update. */
export const deleteJobSignal = defineSignal<[DeleteJobSignalRequest]>('deleteJob');

/** Internal (v1 shell): a running pod attempt reports its progress to its Job, one report a signal. */
export const podStatusSignal = defineSignal<[PodStatusReport]>('podStatus');

// ---- Job ↔ pod shards (internal) ---------------------------------------------------------------

/** Terminate a pod: the deletion the controller recorded (when, grace period, why). */
export interface PodTermination {
  podName: string;
  deletion: PodDeletion;
}

/** What the Job tells a shard in one workflow task. */
export interface PodAssignment {
  /** New pods to start (the controller's records; the shard builds the attempt with `podAttemptSpec`). */
  start: PodRecord[];
  /** The Job as stored, when it changed since the last assignment (labels/annotations a pod sees). */
  job?: StoredJob;
  terminate: PodTermination[];
  /** Pods the Job no longer keeps (finished and forgotten, or deleted): unpublish them. */
  remove: string[];
  /** The Job was deleted: finish once no pod of this shard runs any more. */
  close?: boolean;
}

/** The pod triggers a shard reports to its Job. */
export type PodTrigger = Extract<Trigger, { type: 'podStatus' | 'podExited' | 'podNotStarted' | 'podLost' | 'podStartFailed' }>;

/** What a shard tells its Job in one workflow task. */
export interface ShardReport {
  shard: number;
  triggers: PodTrigger[];
  /** The shard finished (after `close`): no pod of it runs. */
  closed?: boolean;
}

export const assignPodsSignal = defineSignal<[PodAssignment]>('assignPods');
/** Worker → shard: progress reports of several pods (batched per worker). */
export const podReportsSignal = defineSignal<[PodStatusReport[]]>('podReports');
export const shardReportSignal = defineSignal<[ShardReport]>('shardReport');

export interface ShardWorkflowInput {
  jobWorkflowId: string;
  shard: number;
  /** The Job as stored (its template is what the shard's pods run). */
  job: StoredJob;
  settings: JobSettings;
  /** The first assignment (the pods the Job placed on the shard when it started it). */
  initial?: PodAssignment;
  /** Carried over by continue-as-new (the shard's own state; see workflows/shard.ts). */
  carried?: unknown;
  /** Test hook: continue as new once the history has this many events. */
  continueAsNewAfterEvents?: number;
}

// ---- published state (memo), read by the API without a worker ---------------------------------

/** Memo keys of a Job workflow. Each is rewritten only when its value changed. */
export const JOB_MEMO = {
  /** The Job object without status (metadata as served, incl. deletion; the current spec). */
  job: 'job',
  status: 'status',
  /** Kubernetes Events about the Job and its pods (EventRecord[], bounded). */
  events: 'events',
  /** Workflow ids of the Job's pod shards, in shard order. */
  shards: 'shards',
  /** The Job's resourceVersion: grows whenever anything published changes. */
  rv: 'rv',
} as const;

export interface JobMemo {
  job: Omit<Job, 'status'>;
  status: JobStatus;
  events: EventRecord[];
  shards: string[];
  rv: number;
}

/** Memo key of one pod on its shard; its value is a PublishedPod, or null once removed. */
export function podMemoKey(podName: string): string {
  return `pod/${podName}`;
}

export const POD_MEMO_PREFIX = 'pod/';

/** A pod as its shard publishes it: the controller's record of it, with its resourceVersion. */
export interface PublishedPod extends PodRecord {
  rv: number;
}

/** The Job object (spec + status) exactly as `GET` serves it. */
export const jobQuery = defineQuery<Job>('job');
export const podsQuery = defineQuery<PodList>('pods');
export const eventsQuery = defineQuery<EventList>('events');
/** True once the Job was deleted (the workflow may still be stopping its pods). */
export const deletedQuery = defineQuery<boolean>('deleted');

/** PATCH: the new Job (already merged and validated by the API; validated again here). */
export const updateJobUpdate = defineUpdate<Job, [StoredJob]>('update');
export const deleteJobUpdate = defineUpdate<Job, [DeleteJobRequest]>('delete');
export const deletePodUpdate = defineUpdate<PodList, [DeletePodRequest]>('deletePod');

// Search attributes, so the Temporal UI and the list endpoint can filter Jobs.
export const SA_NAMESPACE = defineSearchAttributeKey('KjobNamespace', 'KEYWORD');
export const SA_NAME = defineSearchAttributeKey('KjobName', 'KEYWORD');
export const SA_PHASE = defineSearchAttributeKey('KjobPhase', 'KEYWORD');
/** `key=value` for every label of the Job, plus `key` alone (for `!key` / `key` selectors). */
export const SA_LABELS = defineSearchAttributeKey('KjobLabels', 'KEYWORD_LIST');

/** The KjobLabels values of a Job: for every label in key order, `key` then `key=value`. */
export function labelSearchTerms(labels: Record<string, string> | undefined): string[] {
  const terms: string[] = [];
  for (const [k, v] of Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b))) terms.push(k, `${k}=${v}`);
  return terms;
}

export const SEARCH_ATTRIBUTES = [SA_NAMESPACE, SA_NAME, SA_PHASE, SA_LABELS] as const;

// ---- CronJobs ------------------------------------------------------------------------------------

export interface CronJobWorkflowInput {
  /** The validated, defaulted CronJob as created. */
  cronJob: StoredCronJob;
  /** Copied into every Job the CronJob creates (kjob's config when the CronJob was created). */
  settings: JobSettings;
  /** KJOB_TEST_KNOBS was on: honour kjob.dev/test-schedule-every (tests only). */
  testKnobs: boolean;
  /** Continue-as-new: the controller state carried over. */
  state?: CronJobState;
  /** Continue-as-new: what the previous run published. */
  published?: PublishedSnapshot;
  /** Test hook: ask for continue-as-new once the history has this many events. */
  continueAsNewAfterEvents?: number;
}

export interface CronJobTickInput {
  cronJobWorkflowId: string;
}

/** A run is due (the Schedule's tick, or an operator from the Temporal UI): RFC 3339 time. */
export interface ScheduledRequest {
  scheduledTime: string;
}

/** A Job tells the CronJob that controls it that it finished or is being deleted. */
export interface JobFinishedReport {
  name: string;
  uid: string;
  /** The owner's uid as the Job's ownerReference names it (a recreated CronJob ignores old Jobs). */
  ownerUid: string;
  condition: 'Complete' | 'Failed' | 'Deleted';
  startTime: string | null;
  completionTime: string | null;
}

export const cronJobScheduledSignal = defineSignal<[ScheduledRequest]>('scheduled');
export const jobFinishedSignal = defineSignal<[JobFinishedReport]>('jobFinished');
/** The CronJob object (spec + status) exactly as `GET` serves it. */
export const cronJobQuery = defineQuery<CronJob>('cronjob');
/** PATCH: the new CronJob (validated by the API, and again here); answers once the Schedule follows. */
export const updateCronJobUpdate = defineUpdate<CronJob, [StoredCronJob]>('update');
export const deleteCronJobUpdate = defineUpdate<CronJob, [DeleteJobRequest]>('delete');

/** Memo keys of a CronJob workflow (read by the API without a worker). */
export const CRONJOB_MEMO = {
  /** The CronJob without status (metadata as served, incl. deletion; the current spec). */
  cronJob: 'cronjob',
  status: 'status',
  /** Its newest Kubernetes Events, rendered. */
  events: 'events',
  rv: 'rv',
} as const;

export interface CronJobMemo {
  cronjob: Omit<CronJob, 'status'>;
  status: CronJobStatus;
  events: KubeEvent[];
  rv: number;
}

/** What the schedule activity writes: the CronJob's Temporal Schedule. */
export interface CronJobScheduleRequest {
  scheduleId: string;
  options: CronJobScheduleOptions;
  /** The tick's task queue (the CronJob workflow's). */
  taskQueue: string;
  tick: CronJobTickInput;
}

/** Set by Temporal on every workflow a Schedule starts: the nominal time of the action. */
export const SA_SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');
