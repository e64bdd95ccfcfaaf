/**
 * core/v1 Pods of kjob Jobs: list (labelSelector), get, log (container, tailLines, limitBytes,
 * timestamps, previous, sinceSeconds/sinceTime, follow) and delete (gracePeriodSeconds). Pods are
 * not stored anywhere but in their Job's workflow, so every lookup goes through the owning Job.
 */
import { Router, type Request, type Response } from 'express';
import { matchesFieldSelector, matchesLabelSelector, type Selector } from '../../k8s/labels.js';
import {
  LABEL_CONTROLLER_UID,
  LABEL_JOB_NAME,
  LABEL_LEGACY_CONTROLLER_UID,
  LABEL_LEGACY_JOB_NAME,
  type Job,
  type Pod,
  type PodList,
} from '../../k8s/types.js';
import { stat } from 'node:fs/promises';
import { podDir } from '../../storage/pod-files.js';
import { followPodLog, PodLogNotFoundError, readPodLog, type PodLogChunkRequest, type PodLogCursor, type PodLogOptions } from '../../storage/pod-logs.js';
import { readDeleteOptions } from '../content.js';
import { mapLimit } from '../jobs-gateway.js';
import { boolParam, intParam, isDnsSubdomain, nameParam, namespaceParam, queryParam } from '../params.js';
import { BadRequest, NotFound, PODS } from '../status.js';
import { podTable, wantsTable } from '../table.js';
import { paginate } from '../paging.js';
import { currentResourceVersion, serveWatch } from '../watch.js';
import { parseFieldSelectorParam, parseLabelSelectorParam, type RouteDeps } from './jobs.js';
import { methodNotAllowed } from './method-not-allowed.js';

const CONCURRENCY = 16;

/**
 * The Jobs a pod name can belong to. The controller names pods `<job>-<5 chars>` (NonIndexed) or
 * `<job>-<index>-<5 chars>` (Indexed), like generateName in Kubernetes; so at most two
 * candidates: the name without its suffix, and that without a trailing `-<index>`.
 */
export function candidateJobNames(podName: string): string[] {
  const m = /^(.+)-[a-z0-9]{5}$/.exec(podName);
  if (!m) return [];
  const base = m[1]!;
  const indexed = /^(.+)-\d+$/.exec(base);
  return indexed ? [base, indexed[1]!] : [base];
}

/** generateName keeps at most 58 characters of the prefix (SimpleNameGenerator), then 5 random ones. */
const MAX_GENERATED_PREFIX = 58;
const GENERATED_SUFFIX = 5;

/**
 * The prefixes a Job name must start with when the pod name was cut to the generateName limit
 * (Job names longer than 57 characters): `<cut job name>` or `<cut job name>-<index>-`.
 */
export function truncatedJobPrefixes(podName: string): string[] {
  if (podName.length !== MAX_GENERATED_PREFIX + GENERATED_SUFFIX) return [];
  const base = podName.slice(0, MAX_GENERATED_PREFIX);
  const indexed = /^(.+)-\d+-$/.exec(base);
  return [base.replace(/-$/, ''), ...(indexed ? [indexed[1]!] : [])];
}

/**
 * The names of the Jobs that may own `podName`: the (at most two) names its shape gives, and for a
 * name cut to the generateName limit, the Jobs of the namespace whose names it is cut from.
 */
export async function ownerCandidates(deps: RouteDeps, namespace: string, podName: string): Promise<string[]> {
  const names = candidateJobNames(podName);
  const prefixes = truncatedJobPrefixes(podName);
  if (prefixes.length > 0) {
    for (const job of await deps.jobs.list(namespace)) {
      const name = job.metadata.name ?? '';
      if (prefixes.some((p) => name.startsWith(p))) names.push(name);
    }
  }
  return [...new Set(names)].filter(isDnsSubdomain);
}

/**
 * The Job a label selector pins, if any: an equality term on `job-name` (or its
 * batch.kubernetes.io/ form), as `kubectl get pods -l job-name=x` sends, or on `controller-uid`.
 * The whole selector is still applied to every pod afterwards.
 */
export function pinnedJob(selector: Selector): { name?: string; uid?: string } {
  const equal = (keys: string[]) =>
    selector.find((r) => keys.includes(r.key) && (r.operator === '=' || r.operator === '==' || (r.operator === 'in' && r.values.length === 1)))
      ?.values[0];
  const name = equal([LABEL_LEGACY_JOB_NAME, LABEL_JOB_NAME]);
  const uid = equal([LABEL_LEGACY_CONTROLLER_UID, LABEL_CONTROLLER_UID]);
  return { ...(name ? { name } : {}), ...(uid ? { uid } : {}) };
}

async function jobPods(deps: RouteDeps, namespace: string, name: string): Promise<Pod[]> {
  return (await deps.jobs.pods(namespace, name))?.pods.items ?? [];
}

/** The fields a Pod field selector can use here (a subset of core/v1's pod field labels). */
const POD_FIELDS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'] as const;

function podFields(pod: Pod): Record<(typeof POD_FIELDS)[number], string> {
  return {
    'metadata.name': pod.metadata.name ?? '',
    'metadata.namespace': pod.metadata.namespace ?? '',
    'spec.nodeName': pod.spec.nodeName ?? '',
    'status.phase': pod.status.phase,
  };
}

async function listPods(req: Request, res: Response, deps: RouteDeps, namespace: string | null): Promise<void> {
  const selector = parseLabelSelectorParam(req);
  const fieldSelector = parseFieldSelectorParam(req, POD_FIELDS);
  const pin = pinnedJob(selector);
  const load = async () => {
    let pods: Pod[];
    if (pin.name && namespace !== null) {
      pods = await jobPods(deps, namespace, pin.name);
    } else {
      let jobs: Job[] = await deps.jobs.list(namespace);
      if (pin.name) jobs = jobs.filter((j) => j.metadata.name === pin.name);
      if (pin.uid) jobs = jobs.filter((j) => j.metadata.uid === pin.uid);
      pods = (await mapLimit(jobs, CONCURRENCY, (j) => jobPods(deps, j.metadata.namespace ?? '', j.metadata.name ?? ''))).flat();
    }
    return pods.filter((p) => matchesLabelSelector(selector, p.metadata.labels ?? {}) && matchesFieldSelector(fieldSelector, podFields(p)));
  };
  if (boolParam(req, 'watch')) return serveWatch(req, res, { list: load, table: wantsTable(req) ? (items) => podTable(items) : null, kind: { apiVersion: 'v1', kind: 'Pod' } });
  const all = await load();
  const { items, metadata } = paginate(req, all, currentResourceVersion(all));
  const list: PodList = { apiVersion: 'v1', kind: 'PodList', metadata, items };
  res.json(wantsTable(req) ? { ...podTable(items), metadata } : list);
}

/** Finds a pod and its Job by the pod's name; NotFound when no candidate Job has it. */
export async function findPod(deps: RouteDeps, namespace: string, podName: string): Promise<{ job: Job; pod: Pod }> {
  for (const jobName of await ownerCandidates(deps, namespace, podName)) {
    const found = await deps.jobs.pods(namespace, jobName);
    const pod = found?.pods.items.find((p) => p.metadata.name === podName);
    if (found && pod) return { job: found.job, pod };
  }
  throw new NotFound(PODS, podName);
}

/** The container whose log is asked for, checked like the API server's pod log REST (LogLocation). */
export function logContainer(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const containers = (pod.spec.containers ?? []).map((c) => c.name);
  const inits = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (requested === undefined || requested === '') {
    if (containers.length === 1) return containers[0]!;
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (inits.length > 0) msg += ` or one of the init containers: [${inits.join(' ')}]`;
    throw new BadRequest(msg);
  }
  if (!containers.includes(requested) && !inits.includes(requested)) {
    throw new BadRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

function logOptions(req: Request, deps: RouteDeps, job: Job, pod: Pod): PodLogOptions {
  const tailLines = intParam(req, 'tailLines', 0);
  const limitBytes = intParam(req, 'limitBytes', 1);
  const sinceSeconds = intParam(req, 'sinceSeconds', 1);
  const sinceTime = queryParam(req, 'sinceTime');
  if (sinceTime !== undefined && !Number.isFinite(Date.parse(sinceTime))) {
    throw new BadRequest(`invalid sinceTime ${JSON.stringify(sinceTime)}: must be an RFC 3339 time`);
  }
  if (sinceSeconds !== undefined && sinceTime !== undefined) {
    throw new BadRequest('at most one of sinceTime or sinceSeconds may be specified');
  }
  return {
    dataDir: deps.config.dataDir,
    namespace: job.metadata.namespace ?? '',
    jobUid: job.metadata.uid ?? '',
    podName: pod.metadata.name ?? '',
    container: logContainer(pod, queryParam(req, 'container')),
    timestamps: boolParam(req, 'timestamps'),
    previous: boolParam(req, 'previous'),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(sinceTime !== undefined ? { sinceTime } : {}),
  };
}

/** Writes `chunk`, waiting for the socket to drain so a fast log never piles up in memory. */
/**
 * Streams a log as a text/plain 200 until it ends or the client goes away. An error before the
 * first byte is thrown (the client gets a Status); after it, `endOnError` ends the stream instead.
 */
async function streamText(res: Response, chunks: AsyncIterable<string>, stop: AbortSignal, { endOnError }: { endOnError: boolean }): Promise<void> {
  let started = false;
  try {
    for await (const chunk of chunks) {
      if (!started) {
        res.status(200).type('text/plain');
        res.flushHeaders();
        started = true;
      }
      await write(res, chunk);
      if (stop.aborted) break;
    }
  } catch (err) {
    if (!started || !endOnError) throw err;
  }
  if (!started) res.status(200).type('text/plain');
  res.end();
}

function write(res: Response, chunk: string): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Whether this API sees the pod's files itself (one machine, or a shared KJOB_DATA_DIR): then it
 * reads the log as the worker would, including "not started yet" without asking the node.
 */
async function hasLocalLog(options: PodLogOptions): Promise<boolean> {
  try {
    return (await stat(podDir(options))).isDirectory();
  } catch {
    return false;
  }
}

/** A follow read through the node waits this long for new output per call. */
const REMOTE_FOLLOW_WAIT_MS = 10_000;

/**
 * The log read on the node that ran the pod (spec.nodeName), a piece at a time, as the API server
 * reads it from the kubelet: for an API that does not share the worker's KJOB_DATA_DIR.
 */
async function* remotePodLog(deps: RouteDeps, nodeName: string, options: PodLogOptions, follow: boolean, signal: AbortSignal): AsyncGenerator<string, void, undefined> {
  const { dataDir: _dataDir, ...rest } = options;
  let cursor: PodLogCursor | undefined;
  for (;;) {
    const request: PodLogChunkRequest = { ...rest, follow, ...(follow ? { waitMs: REMOTE_FOLLOW_WAIT_MS } : {}), ...(cursor ? { cursor } : {}) };
    const chunk = await deps.jobs.podLog(options.namespace, options.podName, nodeName, request);
    if (chunk.text !== '') yield chunk.text;
    if (chunk.done || signal.aborted) return;
    cursor = chunk.cursor;
  }
}

async function podLog(req: Request, res: Response, deps: RouteDeps): Promise<void> {
  const namespace = namespaceParam(req);
  const podName = nameParam(req, PODS, 'pod');
  const follow = boolParam(req, 'follow');
  const { job, pod } = await findPod(deps, namespace, podName);
  const options = logOptions(req, deps, job, pod);
  const nodeName = pod.spec.nodeName;
  if (nodeName && !(await hasLocalLog(options))) {
    const stop = new AbortController();
    res.on('close', () => stop.abort());
    const chunks = remotePodLog(deps, nodeName, options, follow, stop.signal);
    if (!follow) {
      // A plain read is answered whole, so an error on the way is still a Status, not a cut log.
      let text = '';
      for await (const chunk of chunks) text += chunk;
      res.type('text/plain').send(text);
      return;
    }
    // After the first byte an error just ends the stream, as a kubelet that goes away mid-follow
    // ends `kubectl logs -f`.
    await streamText(res, chunks, stop.signal, { endOnError: true });
    return;
  }
  try {
    if (!follow) {
      const text = await readPodLog(options);
      res.type('text/plain').send(text);
      return;
    }
    // Follow: stream until the container run ends; a client that goes away stops the reader.
    const stop = new AbortController();
    res.on('close', () => stop.abort());
    await streamText(res, followPodLog({ ...options, signal: stop.signal }), stop.signal, { endOnError: false });
  } catch (err) {
    // The kubelet answers 400 for a container that has not started and a missing previous run.
    if (err instanceof PodLogNotFoundError) throw new BadRequest(err.message);
    throw err;
  }
}

/** gracePeriodSeconds from the query or a DeleteOptions body; null = the pod's own. */
async function gracePeriod(req: Request, maxBodyBytes: number): Promise<number | null> {
  const fromQuery = intParam(req, 'gracePeriodSeconds', 0);
  if (fromQuery !== undefined) return fromQuery;
  const body = await readDeleteOptions(req, maxBodyBytes);
  const g = body.gracePeriodSeconds;
  if (g === undefined || g === null) return null;
  if (typeof g !== 'number' || !Number.isSafeInteger(g) || g < 0) {
    throw new BadRequest(`invalid gracePeriodSeconds ${JSON.stringify(g)}: must be greater than or equal to 0`);
  }
  return g;
}

async function deletePod(req: Request, res: Response, deps: RouteDeps): Promise<void> {
  const namespace = namespaceParam(req);
  const podName = nameParam(req, PODS, 'pod');
  const grace = await gracePeriod(req, deps.config.maxBodyBytes);
  const { job, pod } = await findPod(deps, namespace, podName);
  const after = await deps.jobs.deletePod(namespace, job.metadata.name ?? '', podName, grace);
  // As on a cluster, DELETE returns the pod as it is now (with its deletionTimestamp).
  res.json(after.items.find((p) => p.metadata.name === podName) ?? pod);
}

export function podsRouter(deps: RouteDeps): Router {
  const router = Router({ caseSensitive: true });
  router
    .route('/api/v1/namespaces/:namespace/pods')
    .get((req, res) => listPods(req, res, deps, namespaceParam(req)))
    .all(methodNotAllowed);
  router
    .route('/api/v1/pods')
    .get((req, res) => listPods(req, res, deps, null))
    .all(methodNotAllowed);
  router
    .route('/api/v1/namespaces/:namespace/pods/:pod')
    .get(async (req, res) => {
      const { pod } = await findPod(deps, namespaceParam(req), nameParam(req, PODS, 'pod'));
      res.json(wantsTable(req) ? podTable([pod]) : pod);
    })
    .delete((req, res) => deletePod(req, res, deps))
    .all(methodNotAllowed);
  router
    .route('/api/v1/namespaces/:namespace/pods/:pod/log')
    .get((req, res) => podLog(req, res, deps))
    .all(methodNotAllowed);
  return router;
}
