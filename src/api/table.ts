/**
 * Server-side printing: when a client asks for `application/json;as=Table;g=meta.k8s.io;v=v1`
 * (kubectl get does), Jobs, Pods and Events are answered as a metav1.Table with the columns the
 * Kubernetes API server prints (pkg/printers/internalversion/printers.go: printJob, printPod,
 * printEvent), so `kubectl get jobs` shows STATUS, COMPLETIONS, DURATION and AGE as on a cluster.
 */
import type { Request } from 'express';
import type { CronJob } from '../k8s/cronjob-types.js';
import type { ContainerStatus, Job, KubeEvent, ObjectMeta, Pod } from '../k8s/types.js';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'boolean';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: Array<string | number>;
  object?: { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: ObjectMeta };
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

/** True when the Accept header asks for a meta.k8s.io Table (v1 or v1beta1) before anything else. */
export function wantsTable(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (params[0] !== 'application/json') continue;
    // The first acceptable JSON form decides: a plain application/json first means "the object".
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  }
  return false;
}

/** apimachinery duration.HumanDuration: `45s`, `3m12s`, `25m`, `5h3m`, `3d4h`, `2y10d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: the age of a timestamp, `<unknown>` without one. */
function since(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isFinite(t) ? humanDuration(now - t) : '<unknown>';
}

const col = (name: string, description: string, priority = 0, format = '', type: TableColumn['type'] = 'string'): TableColumn => ({
  name,
  type,
  format,
  description,
  priority,
});

function table(columnDefinitions: TableColumn[], rows: TableRow[]): Table {
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '' }, columnDefinitions, rows };
}

function row(metadata: ObjectMeta, cells: Array<string | number>): TableRow {
  return { cells, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata } };
}

const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'name');
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

function hasCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** printJob's STATUS column, in its order. */
export function jobStatusColumn(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** printJob's COMPLETIONS column: `1/3`, or `0/1 of 4` in work-queue mode. */
export function jobCompletionsColumn(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const { completions, parallelism } = job.spec;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  if (parallelism === undefined) return `${succeeded}/1 of 1`;
  if (parallelism > 1) return `${succeeded}/1 of ${parallelism}`;
  return `${succeeded}/1`;
}

function jobDuration(job: Job, now: number): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (!Number.isFinite(start)) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now;
  return humanDuration(end - start);
}

export function jobTable(jobs: readonly Job[], now = Date.now()): Table {
  return table(
    [
      NAME,
      col('Status', 'Status of the job.'),
      col('Completions', 'The number of pods which reached phase Succeeded.'),
      col('Duration', 'Time required to complete the job.'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'Query over pods that should match the number of pods.', 1),
    ],
    jobs.map((job) => {
      const containers = job.spec.template?.spec?.containers ?? [];
      const selector = Object.entries(job.spec.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return row(job.metadata, [
        job.metadata.name ?? '',
        jobStatusColumn(job),
        jobCompletionsColumn(job),
        jobDuration(job, now),
        since(job.metadata.creationTimestamp, now),
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image ?? '').join(','),
        selector || '<none>',
      ]);
    }),
  );
}

/** printBoolPtr. */
const boolPtr = (b: boolean | undefined): string => (b === undefined ? '<unset>' : b ? 'True' : 'False');

/** printCronJob: `NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE` (+ containers, images, selector). */
export function cronJobTable(cronJobs: readonly CronJob[], now = Date.now()): Table {
  return table(
    [
      NAME,
      col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', 0, '', 'boolean'),
      col('Active', 'A list of pointers to currently running jobs.', 0, '', 'integer'),
      col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
      AGE,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'A label query over pods that should match the pod count.', 1),
    ],
    cronJobs.map((cj) => {
      const containers = cj.spec.jobTemplate?.spec?.template?.spec?.containers ?? [];
      const lastSchedule = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>';
      return row(cj.metadata, [
        cj.metadata.name ?? '',
        cj.spec.schedule,
        cj.spec.timeZone ?? '<none>',
        boolPtr(cj.spec.suspend),
        (cj.status?.active ?? []).length,
        lastSchedule,
        since(cj.metadata.creationTimestamp, now),
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image ?? '').join(','),
        // The job template never has a selector (it is generated per Job).
        '<none>',
      ]);
    }),
  );
}

function terminatedReason(s: ContainerStatus): string | null {
  const t = s.state.terminated;
  if (!t) return null;
  if (t.reason) return t.reason;
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
}

/** printPod's STATUS column: init progress, the last container's waiting/terminated reason, Terminating. */
export function podStatusColumn(pod: Pod): string {
  let reason = pod.status.reason || pod.status.phase;
  const inits = pod.status.initContainerStatuses ?? [];
  let initializing = false;
  for (const [i, s] of inits.entries()) {
    if (s.state.terminated?.exitCode === 0) continue;
    const terminated = terminatedReason(s);
    if (terminated) reason = `Init:${terminated}`;
    else if (s.state.waiting?.reason && s.state.waiting.reason !== 'PodInitializing') reason = `Init:${s.state.waiting.reason}`;
    else reason = `Init:${i}/${pod.spec.initContainers?.length ?? inits.length}`;
    initializing = true;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    for (const s of [...(pod.status.containerStatuses ?? [])].reverse()) {
      if (s.state.waiting?.reason) reason = s.state.waiting.reason;
      else if (s.state.terminated) reason = terminatedReason(s) ?? reason;
      else if (s.state.running && s.ready) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }
  if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

export function podTable(pods: readonly Pod[], now = Date.now()): Table {
  return table(
    [
      NAME,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'IP address allocated to the pod.', 1),
      col('Node', 'Name of the Node this pod runs on (kjob: the worker identity).', 1),
    ],
    pods.map((pod) => {
      const statuses = pod.status.containerStatuses ?? [];
      const total = pod.spec.containers?.length ?? statuses.length;
      const ready = statuses.filter((s) => s.ready).length;
      const restarts = statuses.reduce((n, s) => n + s.restartCount, 0);
      const lastRestart = statuses
        .map((s) => (s.lastState.terminated?.finishedAt ? Date.parse(s.lastState.terminated.finishedAt) : NaN))
        .filter(Number.isFinite)
        .sort((a, b) => b - a)[0];
      const restartsCell = restarts > 0 && lastRestart !== undefined ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
      return row(pod.metadata, [
        pod.metadata.name ?? '',
        `${ready}/${total}`,
        podStatusColumn(pod),
        restartsCell,
        since(pod.metadata.creationTimestamp, now),
        pod.status.podIP ?? '<none>',
        pod.spec.nodeName ?? '<none>',
      ]);
    }),
  );
}

export function eventTable(events: readonly KubeEvent[], now = Date.now()): Table {
  return table(
    [
      col('Last Seen', 'The last time the event was seen.'),
      col('Type', 'Type of this event (Normal, Warning).'),
      col('Reason', 'The reason of this event.'),
      col('Object', 'The object this event is about.'),
      col('Message', 'A human-readable description of the event.'),
      col('Count', 'The number of times this event has occurred.', 1, '', 'integer'),
    ],
    events.map((e) => {
      const last = since(e.lastTimestamp, now);
      const lastSeen = e.count > 1 ? `${last} (x${e.count} over ${since(e.firstTimestamp, now)})` : last;
      return row(e.metadata, [
        lastSeen,
        e.type,
        e.reason,
        `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`,
        e.message,
        e.count,
      ]);
    }),
  );
}
