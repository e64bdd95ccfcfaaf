/**
 * CronJob state → what the API serves: the CronJob (spec + status exactly as `GET` returns it) and
 * its Events. One renderer for the workflow's published memo and its query.
 */
import { CRONJOB_KIND, type CronJob, type CronJobStatus } from '../../k8s/cronjob-types.js';
import { JOB_API_VERSION, JOB_KIND, type KubeEvent } from '../../k8s/types.js';
import type { CronJobState } from './state.js';

/** The finalizer a CronJob deleted with propagationPolicy Foreground shows until its Jobs are gone. */
export const FOREGROUND_DELETION_FINALIZER = 'foregroundDeletion';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function renderCronJobStatus(state: CronJobState): CronJobStatus {
  const { namespace } = state.cronJob.metadata;
  const status: CronJobStatus = {};
  if (state.active.length > 0) {
    status.active = state.active.map((j) => ({ apiVersion: JOB_API_VERSION, kind: JOB_KIND, name: j.name, namespace, uid: j.uid }));
  }
  if (state.lastScheduleTime !== null) status.lastScheduleTime = iso(state.lastScheduleTime);
  if (state.lastSuccessfulTime !== null) status.lastSuccessfulTime = iso(state.lastSuccessfulTime);
  return status;
}

/** The CronJob with its status; a deleted one carries deletionTimestamp (and Foreground's finalizer). */
export function renderCronJob(state: CronJobState): CronJob {
  const { cronJob, deletion } = state;
  const metadata = { ...cronJob.metadata };
  if (deletion !== null) {
    metadata.deletionTimestamp = iso(deletion.at);
    metadata.deletionGracePeriodSeconds = 0;
    if (deletion.propagationPolicy === 'Foreground') metadata.finalizers = [...(metadata.finalizers ?? []), FOREGROUND_DELETION_FINALIZER];
  }
  return { apiVersion: cronJob.apiVersion, kind: cronJob.kind, metadata, spec: cronJob.spec, status: renderCronJobStatus(state) };
}

export function renderCronJobEvents(state: CronJobState): KubeEvent[] {
  const { metadata } = state.cronJob;
  return state.events.map((e) => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${metadata.name}.cj${e.seq}`, namespace: metadata.namespace, creationTimestamp: iso(e.firstTimestamp) },
    involvedObject: { apiVersion: JOB_API_VERSION, kind: CRONJOB_KIND, name: metadata.name, namespace: metadata.namespace, uid: metadata.uid },
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: { component: 'cronjob-controller' },
    firstTimestamp: iso(e.firstTimestamp),
    lastTimestamp: iso(e.lastTimestamp),
    count: e.count,
    reportingComponent: 'cronjob-controller',
  }));
}
