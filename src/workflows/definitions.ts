/**
 * Every Temporal name kjob uses, in one module: workflow type, signals, queries, updates, search
 * attributes, input types and the workflow id scheme. The API gateway, the worker, the CLI and the
 * tests import from here; no other file spells these strings.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { JobSettings, JobState, PropagationPolicy } from '../controller/index.js';
import type { PodStatusReport } from '../k8s/pod-run.js';
import type { EventList, Job, PodList, StoredJob } from '../k8s/types.js';

export const JOB_WORKFLOW_TYPE = 'job';
export const DEFAULT_TASK_QUEUE = 'kjob';

/** One live workflow per Job name: `<namespace>/<name>`. */
export function workflowIdFor(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export interface JobWorkflowInput {
  /** The validated, defaulted Job as created. */
  job: StoredJob;
  settings: JobSettings;
  /** Present when the workflow continued as new: the controller state carried over. */
  state?: JobState;
  /** Test hook: ask for continue-as-new once the history has this many events. */
  continueAsNewAfterEvents?: number;
}

export interface ScaleRequest {
  parallelism: number;
}

export interface DeleteJobRequest {
  propagationPolicy: PropagationPolicy;
}

export interface DeletePodRequest {
  podName: string;
  /** null = the pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number | null;
}

// Operator-facing signals (also usable from the Temporal UI and `temporal workflow signal`).
export const suspendSignal = defineSignal<[]>('suspend');
export const resumeSignal = defineSignal<[]>('resume');
export const scaleSignal = defineSignal<[ScaleRequest]>('scale');

/** Internal: a running pod attempt reports its progress to its Job. */
export const podStatusSignal = defineSignal<[PodStatusReport]>('podStatus');

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
