/**
 * The object schemas of the OpenAPI documents, with the descriptions and
 * `x-kubernetes-group-version-kind` extensions `kubectl explain` reads (it finds a kind's schema
 * by that extension, then walks `properties`). The fields are the ones kjob reads (the same
 * subset of batch/v1 and core/v1 that src/k8s decodes); every object stays open
 * (`additionalProperties`), since kjob keeps fields it does not act on.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/** A `$ref` with its own description (OpenAPI 3.0 ignores siblings of `$ref`, so wrap it). */
const refd = (name: string, description: string): Schema => ({ description, allOf: [ref(name)] });
const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string): Schema => ({ type: 'integer', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const strings = (description: string): Schema => ({ type: 'array', items: { type: 'string' }, description });
const map = (description: string): Schema => ({ type: 'object', additionalProperties: { type: 'string' }, description });
const list = (item: string, description: string): Schema => ({ type: 'array', items: ref(item), description });
const open = { type: 'object', additionalProperties: true };
/**
 * A list merged by key in a strategic merge patch. kubectl's client-side apply computes its
 * three-way patch from these extensions once it finds the kind's schema; without them a list is
 * atomic, and server-filled defaults in its elements would make every re-apply a (refused)
 * change of the immutable pod template.
 */
const keyed = (items: Schema, key: string, description: string): Schema => ({
  type: 'array',
  items,
  description,
  'x-kubernetes-patch-merge-key': key,
  'x-kubernetes-patch-strategy': 'merge',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': [key],
});
const object = (description: string, properties: Record<string, Schema>, gvk?: { group: string; kind: string }): Schema => ({
  type: 'object',
  description,
  additionalProperties: true,
  properties,
  ...(gvk ? { 'x-kubernetes-group-version-kind': [{ group: gvk.group, version: 'v1', kind: gvk.kind }] } : {}),
});

const API_VERSION = str('APIVersion defines the versioned schema of this representation of an object.');
const KIND = str('Kind is a string value representing the REST resource this object represents.');

export const OBJECT_SCHEMAS: Record<string, Schema> = {
  ObjectMeta: object('ObjectMeta is metadata that all persisted resources must have.', {
    name: str('Name must be unique within a namespace (for a Job: a DNS label, since it names pods and hostnames).'),
    generateName: str('Optional prefix used by the server to generate a unique name when name is not set.'),
    namespace: str('The kjob namespace of the object (a DNS label), `default` unless given.'),
    uid: str('UID is the unique in time and space value for this object, set by kjob.'),
    resourceVersion: str('An opaque value that represents the internal version of this object (publication time in microseconds); used for watches and optimistic concurrency.'),
    generation: int('A sequence number representing a specific generation of the desired state.'),
    creationTimestamp: str('The time this object was created (RFC 3339).'),
    deletionTimestamp: str('The time after which this object will be deleted; set during a Foreground delete.'),
    labels: map('Map of string keys and values that can be used to organize and categorize objects.'),
    annotations: map('Unstructured key value map stored with a resource (kubectl keeps last-applied-configuration here).'),
    ownerReferences: keyed(open, 'uid', 'Objects this object depends on (a pod: its Job).'),
    finalizers: { ...strings('Must be empty before the object is deleted (foregroundDeletion during a Foreground delete).'), 'x-kubernetes-patch-strategy': 'merge' },
  }),
  Job: object(
    'Job represents the configuration of a single job. kjob runs each pod attempt as a local process on a worker; the Job is a Temporal workflow.',
    {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: refd('ObjectMeta', "Standard object's metadata."),
      spec: refd('JobSpec', 'Specification of the desired behavior of a job.'),
      status: refd('JobStatus', 'Current status of a job.'),
    },
    { group: 'batch', kind: 'Job' },
  ),
  JobSpec: object('JobSpec describes how the job execution will look like.', {
    parallelism: int('Specifies the maximum desired number of pods the job should run at any given time.'),
    completions: int('Specifies the desired number of successfully finished pods the job should be run with.'),
    completionMode: str('`NonIndexed` (default) or `Indexed`: each pod gets a completion index in JOB_COMPLETION_INDEX.', { enum: ['NonIndexed', 'Indexed'] }),
    activeDeadlineSeconds: int('The duration in seconds relative to the startTime that the job may be continuously active before it is terminated.'),
    backoffLimit: int('Specifies the number of retries before marking this job failed. Defaults to 6.'),
    backoffLimitPerIndex: int('The limit for the number of retries within an index before marking this index as failed (Indexed Jobs).'),
    maxFailedIndexes: int('The maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set.'),
    podFailurePolicy: { type: 'object', additionalProperties: true, description: 'Specifies the policy of handling failed pods (rules on exit codes and pod conditions).' },
    successPolicy: { type: 'object', additionalProperties: true, description: 'Specifies the policy when the Job can be declared as succeeded (Indexed Jobs).' },
    podReplacementPolicy: str('When to create replacement pods: `TerminatingOrFailed` (default) or `Failed`.', { enum: ['TerminatingOrFailed', 'Failed'] }),
    suspend: bool('Suspend specifies whether the Job controller should create Pods or not; suspending terminates active pods.'),
    ttlSecondsAfterFinished: int('Limits the lifetime of a Job that has finished; it is deleted this many seconds after it finishes.'),
    selector: { type: 'object', additionalProperties: true, description: 'A label query over pods; kjob generates it (controller-uid).' },
    manualSelector: bool('Must be false or unset: kjob generates selectors itself.'),
    managedBy: str('Must be kubernetes.io/job-controller or unset: kjob is the only controller.'),
    template: refd('PodTemplateSpec', 'Describes the pod that will be created when executing a job. Immutable.'),
  }),
  JobStatus: object('JobStatus represents the current state of a Job.', {
    conditions: list('JobCondition', 'The latest available observations of the Job (Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet).'),
    startTime: str('When the job controller started processing the job.'),
    completionTime: str('When the job was completed.'),
    active: int('The number of pending and running pods.'),
    ready: int('The number of active pods with a Ready condition.'),
    succeeded: int('The number of pods which reached phase Succeeded.'),
    failed: int('The number of pods which reached phase Failed.'),
    terminating: int('The number of pods which are terminating.'),
    completedIndexes: str('Completed indexes of an Indexed Job, as intervals ("1,3-5,7").'),
    failedIndexes: str('Failed indexes when backoffLimitPerIndex is set, as intervals.'),
  }),
  JobCondition: object('JobCondition describes current state of a job.', {
    type: str('Type of job condition.'),
    status: str('Status of the condition, one of True, False, Unknown.'),
    reason: str("(brief) reason for the condition's last transition."),
    message: str('Human readable message indicating details about last transition.'),
    lastTransitionTime: str('Last time the condition transitioned from one status to another.'),
    lastProbeTime: str('Last time the condition was checked.'),
  }),
  PodTemplateSpec: object('PodTemplateSpec describes the data a pod should have when created from a template.', {
    metadata: refd('ObjectMeta', "Standard object's metadata (labels and annotations of the pods)."),
    spec: refd('PodSpec', 'Specification of the desired behavior of the pod.'),
  }),
  PodSpec: object('PodSpec is a description of a pod. kjob runs containers as local processes; scheduling, volumes and security fields are kept but have no effect.', {
    containers: keyed(ref('Container'), 'name', 'Containers of the pod; they run side by side.'),
    initContainers: keyed(ref('Container'), 'name', 'Containers run in order before the others start.'),
    ephemeralContainers: keyed(open, 'name', 'Not run by kjob.'),
    volumes: keyed(open, 'name', 'Volumes of the pod; kept, not mounted (processes see the worker\'s file system).'),
    imagePullSecrets: keyed(open, 'name', 'Kept, unused: images are not pulled.'),
    hostAliases: keyed(open, 'ip', 'Kept, unused.'),
    topologySpreadConstraints: keyed(open, 'topologyKey', 'Kept, unused.'),
    schedulingGates: keyed(open, 'name', 'Kept, unused.'),
    resourceClaims: keyed(open, 'name', 'Kept, unused.'),
    restartPolicy: str('Restart policy for the containers: `Never` or `OnFailure` (`Always` is invalid for a Job).', { enum: ['Never', 'OnFailure'] }),
    terminationGracePeriodSeconds: int('Seconds between SIGTERM and SIGKILL when a pod is terminated.'),
    activeDeadlineSeconds: int('Duration in seconds the pod may be active before it is failed.'),
    hostname: str('The hostname of the pod (Indexed Jobs: <job>-<index>).'),
    subdomain: str('The subdomain of the pod.'),
    nodeName: str('The worker that runs the pod (set by kjob: <pid>@<host>).'),
  }),
  Container: object('A single application container; kjob runs its command + args as a process (no shell, no image pull).', {
    name: str('Name of the container (a DNS label), unique in the pod.'),
    image: str('Container image name; kept in the object, not pulled.'),
    command: strings('Entrypoint array (required in kjob: there is no image entrypoint).'),
    args: strings('Arguments to the entrypoint.'),
    workingDir: str("Container's working directory (default: the pod's own directory under KJOB_DATA_DIR)."),
    env: keyed(ref('EnvVar'), 'name', 'Environment variables to set in the container.'),
    ports: keyed(open, 'containerPort', 'Kept, unused: processes listen on the worker\'s network.'),
    volumeMounts: keyed(open, 'mountPath', 'Kept, unused.'),
    volumeDevices: keyed(open, 'devicePath', 'Kept, unused.'),
    restartPolicy: str('`Always` for a sidecar init container.'),
  }),
  EnvVar: object('EnvVar represents an environment variable present in a Container.', {
    name: str('Name of the environment variable.'),
    value: str('The value, with $(VAR) references expanded.'),
    valueFrom: refd('EnvVarSource', "Source for the variable's value: a Downward API fieldRef."),
  }),
  // kjob reads fieldRef only: there are no ConfigMaps, Secrets or resource limits here.
  EnvVarSource: object('EnvVarSource represents a source for the value of an EnvVar (kjob: fieldRef only).', {
    fieldRef: refd('ObjectFieldSelector', "Selects a field of the pod (the Downward API): metadata.name, metadata.namespace, metadata.uid, metadata.labels['…'], metadata.annotations['…'], spec.nodeName."),
  }),
  ObjectFieldSelector: object('ObjectFieldSelector selects an APIVersioned field of an object.', {
    apiVersion: str('Version of the schema the FieldPath is written in terms of, defaults to "v1".'),
    fieldPath: str('Path of the field to select in the specified API version.'),
  }),
  CronJob: object(
    'CronJob represents the configuration of a single cron job; kjob runs it with a Temporal Schedule.',
    {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: refd('ObjectMeta', "Standard object's metadata."),
      spec: refd('CronJobSpec', 'Specification of the desired behavior of a cron job, including the schedule.'),
      status: { type: 'object', additionalProperties: true, description: 'Current status of a cron job (active, lastScheduleTime, lastSuccessfulTime).' },
    },
    { group: 'batch', kind: 'CronJob' },
  ),
  JobTemplateSpec: object('JobTemplateSpec describes the data a Job should have when created from a template.', {
    metadata: refd('ObjectMeta', 'Standard object\'s metadata of the jobs created from this template.'),
    spec: refd('JobSpec', 'Specification of the desired behavior of the job.'),
  }),
  CronJobSpec: object('CronJobSpec describes how the job execution will look like and when it will actually run.', {
    schedule: str('The schedule in Cron format.'),
    timeZone: str('The time zone name for the given schedule.'),
    startingDeadlineSeconds: int('Deadline in seconds for starting the job if it misses scheduled time.'),
    concurrencyPolicy: str('Allow (default), Forbid or Replace.', { enum: ['Allow', 'Forbid', 'Replace'] }),
    suspend: bool('Suspend subsequent executions.'),
    jobTemplate: refd('JobTemplateSpec', 'The Job that will be created when executing a CronJob.'),
    successfulJobsHistoryLimit: int('The number of successful finished jobs to retain. Defaults to 3.'),
    failedJobsHistoryLimit: int('The number of failed finished jobs to retain. Defaults to 1.'),
  }),
  Pod: object(
    'Pod is one attempt to run a Job\'s pod template, as local processes on a worker.',
    {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: refd('ObjectMeta', "Standard object's metadata."),
      spec: refd('PodSpec', 'Specification of the desired behavior of the pod.'),
      status: { type: 'object', additionalProperties: true, description: 'Most recently observed status of the pod (phase, conditions, containerStatuses).' },
    },
    { group: '', kind: 'Pod' },
  ),
  Event: object(
    'Event is a report of an event in the life of a Job or its pods.',
    { reason: str('Short, machine understandable reason.'), message: str('Human-readable description.'), type: str('Normal or Warning.') },
    { group: '', kind: 'Event' },
  ),
};
