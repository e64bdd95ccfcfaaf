/**
 * The OpenAPI 3 description of kjob's HTTP API. As on a Kubernetes API server, `GET /openapi/v3`
 * is an index pointing at one document per group version (`/openapi/v3/apis/batch/v1`,
 * `/openapi/v3/api/v1`, plus `/openapi/v3/kjob` for kjob's own endpoints); kubectl reads them to
 * learn that kjob validates fields server-side. Written by hand next to the routes; a test checks
 * that every route the app registers is documented and vice versa.
 * Schemas describe the envelope (kind, apiVersion, metadata, items); Job and Pod bodies follow the
 * Kubernetes batch/v1 and core/v1 types and are left open (`additionalProperties`).
 */
import { PROPAGATION_POLICIES } from '../k8s/job-strategy.js';
import { OBJECT_SCHEMAS } from './openapi-schemas.js';

type Schema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });

const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
/** `constraints` state what the handler enforces (a 400 otherwise): `minimum`, `enum`, `format`. */
const queryParam = (name: string, type: 'string' | 'integer' | 'boolean', description: string, constraints: Schema = {}) => ({
  name,
  in: 'query',
  required: false,
  schema: { type, ...constraints },
  description,
});

const NAMESPACE = pathParam('namespace', 'kjob namespace (a DNS-1123 label), e.g. `default`');
const JOB_NAME = pathParam('name', 'the Job name');
const CRONJOB_NAME = pathParam('name', 'the CronJob name');
const POD_NAME = pathParam('pod', 'the pod name (`<job>-<random>` or `<job>-<index>-<random>`)');
const LABEL_SELECTOR = queryParam('labelSelector', 'string', 'Kubernetes label selector, e.g. `job-name=pi` or `app in (a,b),!legacy`');
const FIELD_SELECTOR = queryParam('fieldSelector', 'string', 'Kubernetes field selector, e.g. `involvedObject.name=pi`');
const DRY_RUN = queryParam('dryRun', 'string', '`All`: validate and default, change nothing', { enum: ['All'] });
const WATCH = queryParam('watch', 'boolean', 'stream ADDED/MODIFIED/DELETED watch events, one JSON object per line (kjob polls every second)');
const TIMEOUT_SECONDS = queryParam('timeoutSeconds', 'integer', 'end the watch after this many seconds (at most 1800)', { minimum: 0 });
const RESOURCE_VERSION = queryParam('resourceVersion', 'string', 'watch: send only changes newer than this (a list\'s `metadata.resourceVersion`); too old: an ERROR event with a 410 Expired Status');
const ALLOW_BOOKMARKS = queryParam('allowWatchBookmarks', 'boolean', 'watch: also send BOOKMARK events carrying a current resourceVersion');
const SEND_INITIAL_EVENTS = queryParam('sendInitialEvents', 'boolean', 'watch: end the initial ADDED events with a `k8s.io/initial-events-end` bookmark');
const RESOURCE_VERSION_MATCH = queryParam('resourceVersionMatch', 'string', 'accepted and ignored (kjob serves the current state)');
const LIMIT = queryParam('limit', 'integer', 'list at most this many items; `metadata.continue` then names the next page', { minimum: 0 });
const CONTINUE = queryParam('continue', 'string', 'the `metadata.continue` token of the previous page');
const LIST_PARAMS = [LABEL_SELECTOR, FIELD_SELECTOR, WATCH, TIMEOUT_SECONDS, RESOURCE_VERSION, ALLOW_BOOKMARKS, SEND_INITIAL_EVENTS, RESOURCE_VERSION_MATCH, LIMIT, CONTINUE];
const FIELD_VALIDATION = queryParam('fieldValidation', 'string', '`Strict` (unknown fields are an error), `Warn` (default: Warning headers) or `Ignore`', {
  enum: ['Strict', 'Warn', 'Ignore'],
});

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'error', content: json(ref('Status')) }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'BadRequest: unparseable body, not a Job, bad query parameter',
  401: 'Unauthorized: KJOB_API_TOKEN is set and the bearer token is missing or wrong',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'AlreadyExists / Conflict',
  413: 'RequestEntityTooLarge (KJOB_MAX_BODY_BYTES)',
  415: 'UnsupportedMediaType',
  422: 'Invalid: field errors in details.causes',
  503: 'ServiceUnavailable: Temporal unreachable or no worker answered',
};
const COMMON = [401, 503];

function op(summary: string, operationId: string, rest: Operation): Operation {
  const responses = { ...(rest.responses as Record<string, unknown>), ...errors(...COMMON) };
  const k8s = KUBERNETES_OPERATIONS[operationId];
  const extensions = k8s
    ? { 'x-kubernetes-group-version-kind': { group: k8s[0], version: 'v1', kind: k8s[1] }, 'x-kubernetes-action': k8s[2] }
    : {};
  return { summary, operationId, ...rest, responses, ...extensions };
}

/** A complete manifest, so readers (and API fuzzers' examples phase) have one that is created as is. */
const EXAMPLE_JOB = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'hello' },
  spec: {
    template: {
      spec: { restartPolicy: 'Never', containers: [{ name: 'hello', image: 'busybox', command: ['echo', 'hello from kjob'] }] },
    },
  },
};

const manifestBody = {
  required: true,
  content: {
    'application/json': { schema: ref('Job'), example: EXAMPLE_JOB },
    'application/yaml': { schema: ref('Job'), example: EXAMPLE_JOB },
  },
};

const EXAMPLE_CRONJOB = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'hello' },
  spec: {
    schedule: '*/5 * * * *',
    jobTemplate: {
      spec: {
        template: {
          spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox', command: ['date'] }] },
        },
      },
    },
  },
};

const cronJobManifestBody = {
  required: true,
  content: {
    'application/json': { schema: ref('CronJob'), example: EXAMPLE_CRONJOB },
    'application/yaml': { schema: ref('CronJob'), example: EXAMPLE_CRONJOB },
  },
};

const patchBody = {
  required: true,
  content: {
    'application/merge-patch+json': { schema: { type: 'object' } },
    'application/strategic-merge-patch+json': { schema: { type: 'object' } },
    'application/json-patch+json': { schema: { type: 'array', items: { type: 'object' } } },
  },
};

const deleteOptionsBody = { required: false, content: json(ref('DeleteOptions')) };
const OPENAPI_DOC = { '200': { description: 'OpenAPI 3 document', content: json({ type: 'object' }) } };
const DISCOVERY = { '200': { description: 'discovery document', content: json({ type: 'object' }) } };

/**
 * `x-kubernetes-group-version-kind` and `x-kubernetes-action` of the resource operations, as the
 * API server annotates them; kubectl looks for the PATCH operation of a kind to learn that the
 * server validates fields itself (`fieldValidation`), and then skips client-side validation.
 */
const KUBERNETES_OPERATIONS: Record<string, [group: string, kind: string, action: string]> = {
  listNamespacedJob: ['batch', 'Job', 'list'],
  createNamespacedJob: ['batch', 'Job', 'post'],
  listJobForAllNamespaces: ['batch', 'Job', 'list'],
  readNamespacedJob: ['batch', 'Job', 'get'],
  patchNamespacedJob: ['batch', 'Job', 'patch'],
  replaceNamespacedJob: ['batch', 'Job', 'put'],
  deleteNamespacedJob: ['batch', 'Job', 'delete'],
  listNamespacedCronJob: ['batch', 'CronJob', 'list'],
  createNamespacedCronJob: ['batch', 'CronJob', 'post'],
  listCronJobForAllNamespaces: ['batch', 'CronJob', 'list'],
  readNamespacedCronJob: ['batch', 'CronJob', 'get'],
  patchNamespacedCronJob: ['batch', 'CronJob', 'patch'],
  deleteNamespacedCronJob: ['batch', 'CronJob', 'delete'],
  listNamespacedPod: ['', 'Pod', 'list'],
  listPodForAllNamespaces: ['', 'Pod', 'list'],
  readNamespacedPod: ['', 'Pod', 'get'],
  readNamespace: ['', 'Namespace', 'get'],
  deleteNamespacedPod: ['', 'Pod', 'delete'],
  readNamespacedPodLog: ['', 'Pod', 'get'],
  listNamespacedEvent: ['', 'Event', 'list'],
  listEventForAllNamespaces: ['', 'Event', 'list'],
};

export function openApiDocument(): Schema {
  return {
    openapi: '3.0.3',
    info: {
      title: 'kjob',
      version: '0.1.0',
      description: 'Kubernetes batch/v1 Jobs without a cluster, run durably by Temporal. Kubernetes REST paths and object shapes.',
    },
    paths: {
      '/apis/batch/v1/namespaces/{namespace}/jobs': {
        parameters: [NAMESPACE],
        get: op('List the Jobs of a namespace', 'listNamespacedJob', {
          parameters: LIST_PARAMS,
          responses: { '200': { description: 'JobList', content: json(ref('JobList')) }, ...errors(400, 404) },
        }),
        post: op('Create a Job from a manifest (JSON or YAML)', 'createNamespacedJob', {
          parameters: [DRY_RUN, FIELD_VALIDATION],
          requestBody: manifestBody,
          responses: {
            '201': { description: 'the created Job; unknown fields and create warnings come back as Warning headers', content: json(ref('Job')) },
            ...errors(400, 409, 413, 415, 422),
          },
        }),
      },
      '/apis/batch/v1/jobs': {
        get: op('List the Jobs of all namespaces', 'listJobForAllNamespaces', {
          parameters: LIST_PARAMS,
          responses: { '200': { description: 'JobList', content: json(ref('JobList')) }, ...errors(400) },
        }),
      },
      '/apis/batch/v1/namespaces/{namespace}/jobs/{name}': {
        parameters: [NAMESPACE, JOB_NAME],
        get: op('Read a Job with its live status', 'readNamespacedJob', {
          responses: { '200': { description: 'the Job', content: json(ref('Job')) }, ...errors(404) },
        }),
        put: op('Replace a Job (kubectl replace); a stale metadata.resourceVersion is a 409, an immutable field change a 422', 'replaceNamespacedJob', {
          parameters: [DRY_RUN, FIELD_VALIDATION],
          requestBody: manifestBody,
          responses: { '200': { description: 'the replaced Job', content: json(ref('Job')) }, ...errors(400, 404, 409, 413, 415, 422) },
        }),
        patch: op('Patch a Job (suspend, parallelism, activeDeadlineSeconds, labels, …); server-side apply creates it when missing', 'patchNamespacedJob', {
          parameters: [
            DRY_RUN,
            FIELD_VALIDATION,
            queryParam('fieldManager', 'string', 'the applier; required for application/apply-patch+yaml'),
            queryParam('force', 'boolean', 'server-side apply: take over fields of other managers (kjob tracks no managers, so this changes nothing)'),
          ],
          requestBody: {
            required: true,
            content: {
              'application/merge-patch+json': { schema: { type: 'object' } },
              'application/strategic-merge-patch+json': { schema: { type: 'object' } },
              'application/json-patch+json': { schema: { type: 'array', items: { type: 'object' } } },
              'application/apply-patch+yaml': { schema: ref('Job') },
            },
          },
          responses: {
            '200': { description: 'the patched Job', content: json(ref('Job')) },
            '201': { description: 'server-side apply created the Job', content: json(ref('Job')) },
            ...errors(400, 404, 409, 413, 415, 422),
          },
        }),
        delete: op('Delete a Job; its running pods are terminated (propagationPolicy Background by default)', 'deleteNamespacedJob', {
          parameters: [
            queryParam('propagationPolicy', 'string', '`Background` (default), `Foreground` or `Orphan`', { enum: [...PROPAGATION_POLICIES] }),
            queryParam('orphanDependents', 'boolean', 'deprecated: `true` is `propagationPolicy=Orphan`'),
            DRY_RUN,
          ],
          requestBody: deleteOptionsBody,
          responses: {
            '200': { description: 'Status (Background, Orphan) or the Job with deletionTimestamp (Foreground)', content: json({ oneOf: [ref('Status'), ref('Job')] }) },
            ...errors(400, 404, 415, 422),
          },
        }),
      },
      '/apis/batch/v1/namespaces/{namespace}/cronjobs': {
        parameters: [NAMESPACE],
        get: op('List the CronJobs of a namespace', 'listNamespacedCronJob', {
          parameters: LIST_PARAMS,
          responses: { '200': { description: 'CronJobList', content: json(ref('CronJobList')) }, ...errors(400, 404) },
        }),
        post: op('Create a CronJob from a manifest (JSON or YAML); its Temporal Schedule starts Jobs from jobTemplate', 'createNamespacedCronJob', {
          parameters: [DRY_RUN, FIELD_VALIDATION],
          requestBody: cronJobManifestBody,
          responses: {
            '201': { description: 'the created CronJob; unknown fields come back as Warning headers', content: json(ref('CronJob')) },
            ...errors(400, 409, 413, 415, 422),
          },
        }),
      },
      '/apis/batch/v1/cronjobs': {
        get: op('List the CronJobs of all namespaces', 'listCronJobForAllNamespaces', {
          parameters: LIST_PARAMS,
          responses: { '200': { description: 'CronJobList', content: json(ref('CronJobList')) }, ...errors(400) },
        }),
      },
      '/apis/batch/v1/namespaces/{namespace}/cronjobs/{name}': {
        parameters: [NAMESPACE, CRONJOB_NAME],
        get: op('Read a CronJob with its status (active Jobs, lastScheduleTime, lastSuccessfulTime)', 'readNamespacedCronJob', {
          responses: { '200': { description: 'the CronJob', content: json(ref('CronJob')) }, ...errors(404) },
        }),
        patch: op('Patch a CronJob (suspend, schedule, timeZone, policies, jobTemplate, …); its Schedule follows', 'patchNamespacedCronJob', {
          parameters: [DRY_RUN, FIELD_VALIDATION],
          requestBody: patchBody,
          responses: { '200': { description: 'the patched CronJob', content: json(ref('CronJob')) }, ...errors(400, 404, 409, 413, 415, 422) },
        }),
        delete: op('Delete a CronJob and its Schedule; its Jobs are deleted (Background, Foreground) or left (Orphan)', 'deleteNamespacedCronJob', {
          parameters: [
            queryParam('propagationPolicy', 'string', '`Background` (default), `Foreground` or `Orphan`', { enum: [...PROPAGATION_POLICIES] }),
            queryParam('orphanDependents', 'boolean', 'deprecated: `true` is `propagationPolicy=Orphan`'),
            DRY_RUN,
          ],
          requestBody: deleteOptionsBody,
          responses: {
            '200': { description: 'Status (Background, Orphan) or the CronJob with deletionTimestamp (Foreground)', content: json({ oneOf: [ref('Status'), ref('CronJob')] }) },
            ...errors(400, 404, 415, 422),
          },
        }),
      },
      '/api/v1/namespaces/{namespace}': {
        parameters: [NAMESPACE],
        get: op('Read a namespace: every DNS-label namespace exists in kjob and is Active', 'readNamespace', {
          responses: { '200': { description: 'the Namespace', content: json({ type: 'object' }) }, ...errors(404) },
        }),
      },
      '/api/v1/namespaces/{namespace}/pods': {
        parameters: [NAMESPACE],
        get: op("List pods (a Job's pods with labelSelector=job-name=<job>)", 'listNamespacedPod', {
          parameters: LIST_PARAMS,
          responses: { '200': { description: 'PodList', content: json(ref('PodList')) }, ...errors(400, 404) },
        }),
      },
      '/api/v1/pods': {
        get: op('List the pods of all namespaces', 'listPodForAllNamespaces', {
          parameters: LIST_PARAMS,
          responses: { '200': { description: 'PodList', content: json(ref('PodList')) }, ...errors(400) },
        }),
      },
      '/api/v1/namespaces/{namespace}/pods/{pod}': {
        parameters: [NAMESPACE, POD_NAME],
        get: op('Read a pod', 'readNamespacedPod', {
          responses: { '200': { description: 'the Pod', content: json(ref('Pod')) }, ...errors(404) },
        }),
        delete: op('Delete (terminate) a pod as a user would on a cluster', 'deleteNamespacedPod', {
          parameters: [
            queryParam('gracePeriodSeconds', 'integer', "seconds between SIGTERM and SIGKILL; default the pod's terminationGracePeriodSeconds", { minimum: 0 }),
          ],
          requestBody: deleteOptionsBody,
          responses: { '200': { description: 'the Pod with its deletionTimestamp', content: json(ref('Pod')) }, ...errors(400, 404, 415) },
        }),
      },
      '/api/v1/namespaces/{namespace}/pods/{pod}/log': {
        parameters: [NAMESPACE, POD_NAME],
        get: op("Read a container's log", 'readNamespacedPodLog', {
          parameters: [
            queryParam('container', 'string', 'required when the pod has several containers'),
            queryParam('follow', 'boolean', 'stream until the container run ends'),
            queryParam('previous', 'boolean', 'the previous run of the container (restartPolicy OnFailure)'),
            queryParam('tailLines', 'integer', 'only the last N lines', { minimum: 0 }),
            queryParam('limitBytes', 'integer', 'at most N bytes', { minimum: 1 }),
            queryParam('sinceSeconds', 'integer', 'only lines newer than N seconds (not with sinceTime)', { minimum: 1 }),
            queryParam('sinceTime', 'string', 'only lines at or after this RFC 3339 time (not with sinceSeconds)', { format: 'date-time' }),
            queryParam('timestamps', 'boolean', 'prefix each line with its RFC3339Nano timestamp'),
          ],
          responses: { '200': { description: 'the log', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(400, 404) },
        }),
      },
      '/api/v1/namespaces/{namespace}/events': {
        parameters: [NAMESPACE],
        get: op('List the events of Jobs and pods', 'listNamespacedEvent', {
          parameters: [FIELD_SELECTOR, WATCH, TIMEOUT_SECONDS],
          responses: { '200': { description: 'EventList', content: json(ref('EventList')) }, ...errors(400, 404) },
        }),
      },
      '/api/v1/events': {
        get: op('List the events of all namespaces', 'listEventForAllNamespaces', {
          parameters: [FIELD_SELECTOR, WATCH, TIMEOUT_SECONDS],
          responses: { '200': { description: 'EventList', content: json(ref('EventList')) }, ...errors(400) },
        }),
      },
      '/healthz': {
        get: { summary: 'Liveness', operationId: 'healthz', responses: { '200': { description: 'ok', content: { 'text/plain': { schema: { type: 'string' } } } } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: Temporal reachable and a worker polls the task queue',
          operationId: 'readyz',
          responses: { '200': { description: 'ok', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(503) },
        },
      },
      '/metrics': {
        get: op('Prometheus metrics: the kube-state-metrics Job and CronJob series (from published state), API request counts and latencies', 'metrics', {
          responses: { '200': { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
        }),
      },
      '/openapi/v3': {
        get: op('The index of the OpenAPI documents, one per group version (as the Kubernetes API server serves it)', 'openapiIndex', {
          responses: { '200': { description: '`{ paths: { "<group path>": { serverRelativeURL } } }`', content: json({ type: 'object' }) } },
        }),
      },
      '/openapi/v3/apis/batch/v1': { get: op('The OpenAPI 3 document of batch/v1 (Jobs, CronJobs)', 'openapiBatchV1', { responses: OPENAPI_DOC }) },
      '/openapi/v3/api/v1': { get: op('The OpenAPI 3 document of core v1 (pods, logs, events)', 'openapiCoreV1', { responses: OPENAPI_DOC }) },
      '/openapi/v3/kjob': { get: op("The OpenAPI 3 document of kjob's own endpoints (probes, discovery, these documents)", 'openapiKjob', { responses: OPENAPI_DOC }) },
      '/api': { get: op('Discovery: core API versions', 'getCoreAPIVersions', { responses: DISCOVERY }) },
      '/apis': { get: op('Discovery: API groups', 'getAPIVersions', { responses: DISCOVERY }) },
      '/api/v1': { get: op('Discovery: core v1 resources kjob serves', 'getCoreAPIResources', { responses: DISCOVERY }) },
      '/apis/batch/v1': { get: op('Discovery: batch/v1 resources kjob serves (jobs, cronjobs)', 'getBatchV1APIResources', { responses: DISCOVERY }) },
      '/version': { get: op('Server version (the Kubernetes Job API level kjob follows)', 'getCodeVersion', { responses: DISCOVERY }) },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'only when KJOB_API_TOKEN is set' } },
      schemas: {
        ...OBJECT_SCHEMAS,
        JobList: list('batch/v1', 'JobList', 'Job'),
        CronJobList: list('batch/v1', 'CronJobList', 'CronJob'),
        PodList: list('v1', 'PodList', 'Pod'),
        EventList: list('v1', 'EventList', 'Event'),
        DeleteOptions: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['DeleteOptions'] },
            apiVersion: { type: 'string' },
            propagationPolicy: { type: 'string', enum: [...PROPAGATION_POLICIES] },
            gracePeriodSeconds: { type: 'integer', minimum: 0 },
          },
        },
        Status: {
          type: 'object',
          required: ['kind', 'apiVersion', 'status', 'code'],
          properties: {
            kind: { type: 'string', enum: ['Status'] },
            apiVersion: { type: 'string', enum: ['v1'] },
            status: { type: 'string', enum: ['Success', 'Failure'] },
            message: { type: 'string' },
            reason: { type: 'string' },
            code: { type: 'integer' },
            details: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                group: { type: 'string' },
                kind: { type: 'string' },
                uid: { type: 'string' },
                causes: {
                  type: 'array',
                  items: { type: 'object', properties: { reason: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
  };
}

function list(apiVersion: string, kind: string, item: string): Schema {
  return {
    type: 'object',
    required: ['apiVersion', 'kind', 'items'],
    properties: {
      apiVersion: { type: 'string', enum: [apiVersion] },
      kind: { type: 'string', enum: [kind] },
      metadata: { type: 'object', properties: { resourceVersion: { type: 'string' }, continue: { type: 'string' }, remainingItemCount: { type: 'integer' } } },
      items: { type: 'array', items: ref(item) },
    },
  };
}

/** The group paths of `GET /openapi/v3` and the path prefixes each document covers. */
export const OPENAPI_GROUPS: Readonly<Record<string, (path: string) => boolean>> = {
  'apis/batch/v1': (p) => p.startsWith('/apis/batch/v1/') || p === '/apis/batch/v1',
  'api/v1': (p) => p.startsWith('/api/v1/') || p === '/api/v1',
  kjob: (p) => !p.startsWith('/apis/batch/v1') && !p.startsWith('/api/v1'),
};

/**
 * `GET /openapi/v3`: the index the Kubernetes API server serves there (handler3.OpenAPIV3Discovery),
 * so kubectl finds the document of each group version.
 */
export function openApiIndex(): { paths: Record<string, { serverRelativeURL: string }> } {
  return { paths: Object.fromEntries(Object.keys(OPENAPI_GROUPS).map((g) => [g, { serverRelativeURL: `/openapi/v3/${g}` }])) };
}

/** The document of one group path of the index: the full document restricted to its paths. */
export function openApiGroupDocument(group: string): Schema | null {
  const covers = OPENAPI_GROUPS[group];
  if (!covers) return null;
  const doc = openApiDocument() as Schema & { paths: Record<string, unknown> };
  return { ...doc, paths: Object.fromEntries(Object.entries(doc.paths).filter(([p]) => covers(p))) };
}
