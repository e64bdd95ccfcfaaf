/**
 * batch/v1 Jobs: create (JSON/YAML/protobuf, generateName, dryRun), get, list (label and field
 * selectors, limit/continue, watch), replace (PUT), patch (merge, strategic, JSON patch, server-side
 * apply) and delete (propagationPolicy). Request shaping
 * and validation happen here with the k8s module's functions; Temporal is reached only through
 * the gateway.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.js';
import { decodeJob, unknownFieldWarning } from '../../k8s/decode.js';
import { applyDefaults, randomNameSuffix } from '../../k8s/defaults.js';
import { required } from '../../k8s/field-errors.js';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type Selector,
} from '../../k8s/labels.js';
import { parseManifest } from '../../k8s/parse.js';
import type { Job, JobList, StoredJob } from '../../k8s/types.js';
import { isPropagationPolicy, prepareForCreate, prepareForUpdate, PROPAGATION_POLICIES, validateUpdate, type PropagationPolicy } from '../../k8s/job-strategy.js';
import { createWarnings, validateJob } from '../../k8s/validate.js';
import { MANIFEST_MEDIA_TYPES, mediaTypeOf, parseJson, PATCH_MEDIA_TYPES, readBody, readBytes, readDeleteOptions, requireMediaType } from '../content.js';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from '../protobuf.js';
import type { JobsGateway } from '../jobs-gateway.js';
import {
  addWarnings,
  boolParam,
  dryRunParam,
  fieldValidationParam,
  nameParam,
  namespaceParam,
  queryParam,
  type FieldValidation,
} from '../params.js';
import { applyJsonPatch, applyMergePatch } from '../patch.js';
import { applyStrategicMergePatch } from '../strategic-patch.js';
import { jobTable, wantsTable } from '../table.js';
import { paginate } from '../paging.js';
import { currentResourceVersion, serveWatch } from '../watch.js';
import { ApiError, BadRequest, Conflict, Invalid, invalidJob, JOBS, RequestEntityTooLarge, successStatus, type Resource } from '../status.js';
import { methodNotAllowed } from './method-not-allowed.js';

export interface RouteDeps {
  config: Config;
  jobs: JobsGateway;
}

const JOB_KIND = { apiVersion: 'batch/v1', kind: 'Job' };
const NAMESPACE_MISMATCH = 'the namespace of the provided object does not match the namespace sent on the request';
const GENERATE_NAME_ATTEMPTS = 3;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decodes a manifest (or a patched Job) into a Job: 400 for what is not a Job at all, 422 for
 * fields of the wrong type; unknown fields become warnings, or a 400 with fieldValidation=Strict
 * (the API server's "strict decoding error").
 */
function decode(raw: unknown, fieldValidation: FieldValidation, res: Response): Job {
  const decoded = decodeJob(raw);
  if (decoded.kindError !== undefined) throw new BadRequest(decoded.kindError);
  const meta = (raw as { metadata?: { name?: unknown } }).metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '';
  if (decoded.errors.length > 0 || !decoded.job) throw invalidJob(name, decoded.errors);
  const unknown = decoded.warnings.map(unknownFieldWarning);
  if (fieldValidation === 'Strict' && unknown.length > 0) throw new BadRequest(`strict decoding error: ${unknown.join(', ')}`);
  if (fieldValidation === 'Warn') addWarnings(res, unknown);
  return decoded.job;
}

function checkNamespace(job: Job, namespace: string): void {
  if (job.metadata.namespace !== undefined && job.metadata.namespace !== '' && job.metadata.namespace !== namespace) {
    throw new BadRequest(NAMESPACE_MISMATCH);
  }
}

/** A Job manifest body (JSON or YAML), parsed; 413 past the limit, 400 when unparseable. */
async function readRequestJob(req: Request, maxBodyBytes: number): Promise<unknown> {
  // kubectl's typed clients (`kubectl create job --image`) send protobuf.
  if (mediaTypeOf(req) === PROTOBUF_MEDIA_TYPE) return decodeProtobufObject(await readBytes(req, maxBodyBytes), ['batch/v1/Job']);
  requireMediaType(req, MANIFEST_MEDIA_TYPES);
  const text = await readBody(req, maxBodyBytes);
  const parsed = parseManifest(text, mediaTypeOf(req));
  if ('error' in parsed) {
    if (parsed.code === 413) throw new RequestEntityTooLarge(maxBodyBytes);
    throw new BadRequest(parsed.error);
  }
  return parsed.value;
}

async function createJob(req: Request, res: Response, deps: RouteDeps, maxBodyBytes: number): Promise<void> {
  const namespace = namespaceParam(req, true);
  const dryRun = dryRunParam(req);
  const fieldValidation = fieldValidationParam(req);
  const raw = await readRequestJob(req, maxBodyBytes);
  const job = decode(raw, fieldValidation, res);
  checkNamespace(job, namespace);
  await createStored(res, deps, job, namespace, dryRun);
}

/** Creates a decoded Job (POST, and server-side apply of a Job that does not exist yet): 201 + Job. */
async function createStored(res: Response, { jobs }: RouteDeps, job: Job, namespace: string, dryRun: boolean): Promise<void> {
  if (!job.metadata.name && !job.metadata.generateName) {
    throw invalidJob('', [required('metadata.name', 'name or generateName is required')]);
  }

  const uid = randomUUID();
  // prepareForCreate defaults the Job, names it (generateName) and adds uid, selector and labels.
  const finalize = (): StoredJob => prepareForCreate(job, { namespace, uid, now: new Date(), randomSuffix: randomNameSuffix() });
  let stored = finalize();
  const errors = validateJob(stored);
  if (errors.length > 0) throw invalidJob(stored.metadata.name, errors);
  addWarnings(res, createWarnings(stored));

  if (dryRun) {
    res.status(201).json({ ...stored, status: {} });
    return;
  }
  // generateName: a collision with a live Job is retried with a new suffix, as the API server's
  // create retries name generation (registry/rest/create.go) instead of failing the request.
  for (let attempt = 1; ; attempt++) {
    try {
      res.status(201).json(await jobs.create(stored));
      return;
    } catch (err) {
      const collided = err instanceof ApiError && err.reason === 'AlreadyExists';
      if (!collided || job.metadata.name || attempt >= GENERATE_NAME_ATTEMPTS) throw err;
      stored = finalize();
    }
  }
}

/** The fields a Job field selector can use (batch/v1 conversion.go: AddFieldLabelConversionFunc). */
const JOB_FIELDS = ['metadata.name', 'metadata.namespace', 'status.successful'] as const;

function jobFields(job: Job): Record<(typeof JOB_FIELDS)[number], string> {
  return {
    'metadata.name': job.metadata.name ?? '',
    'metadata.namespace': job.metadata.namespace ?? '',
    'status.successful': String(job.status?.succeeded ?? 0),
  };
}

/**
 * The one Job a field selector names with `metadata.name=<name>` (how `kubectl wait` and
 * `kubectl get job <name> -w` watch a Job), if any: it is read directly instead of listing.
 */
export function pinnedName(fieldSelector: readonly FieldRequirement[]): string | undefined {
  return fieldSelector.find((r) => r.field === 'metadata.name' && r.operator !== '!=')?.value;
}

async function listJobs(req: Request, res: Response, { jobs }: RouteDeps, namespace: string | null): Promise<void> {
  const labelSelector = parseLabelSelectorParam(req);
  const fieldSelector = parseFieldSelectorParam(req, JOB_FIELDS);
  const name = pinnedName(fieldSelector);
  const read = async (): Promise<Job[]> => {
    if (name === undefined || namespace === null) return jobs.list(namespace);
    const job = await jobs.find(namespace, name);
    return job ? [job] : [];
  };
  const load = async () =>
    (await read()).filter((job) => matchesLabelSelector(labelSelector, job.metadata.labels ?? {}) && matchesFieldSelector(fieldSelector, jobFields(job)));
  if (boolParam(req, 'watch')) return serveWatch(req, res, { list: load, table: wantsTable(req) ? (items) => jobTable(items) : null, kind: JOB_KIND });
  const all = await load();
  const { items, metadata } = paginate(req, all, currentResourceVersion(all));
  const list: JobList = { apiVersion: 'batch/v1', kind: 'JobList', metadata, items };
  res.json(wantsTable(req) ? { ...jobTable(items), metadata } : list);
}

/** `labelSelector`, parsed as labels.Parse does; a malformed one is a 400. */
export function parseLabelSelectorParam(req: Request): Selector {
  const parsed = parseLabelSelector(queryParam(req, 'labelSelector') ?? '');
  if (!parsed.ok) throw new BadRequest(parsed.error);
  return parsed.selector;
}

/** `fieldSelector` with only the fields the resource supports (others: 400, as the API server). */
export function parseFieldSelectorParam(req: Request, supported: readonly string[]): FieldRequirement[] {
  const parsed = parseFieldSelector(queryParam(req, 'fieldSelector') ?? '');
  if (!parsed.ok) throw new BadRequest(parsed.error);
  for (const r of parsed.requirements) {
    if (!supported.includes(r.field)) throw new BadRequest(`field label not supported: ${r.field}`);
  }
  return parsed.requirements;
}

/** The Job part a patch may touch: everything but status (the main resource ignores status). */
function patchable(job: Job): Record<string, unknown> {
  return { apiVersion: job.apiVersion, kind: job.kind, metadata: job.metadata, spec: job.spec };
}

/** The API server's message for a write based on an outdated resourceVersion (registry/generic). */
const MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/**
 * Optimistic concurrency (rest.BeforeUpdate / etcd3's GuaranteedUpdate): an update that names a
 * resourceVersion must name the current one, else 409 Conflict; one that names none is
 * unconditional (as PATCH without a resourceVersion and `kubectl apply` are).
 */
function checkResourceVersion(job: Job, current: Job): void {
  const wanted = job.metadata.resourceVersion;
  if (wanted === undefined || wanted === '') return;
  if (wanted !== current.metadata.resourceVersion) throw new Conflict(JOBS, current.metadata.name ?? '', MODIFIED);
}

/**
 * The update every writer (PATCH, PUT, server-side apply) ends in: the new object must name the
 * URL's object and the current resourceVersion if it names one; the strategy keeps the
 * server-managed fields and ValidateUpdate refuses immutable changes with 422.
 */
async function updateJob(res: Response, jobs: JobsGateway, current: Job, job: Job, dryRun: boolean): Promise<void> {
  const name = current.metadata.name ?? '';
  const namespace = current.metadata.namespace ?? '';
  // rest.BeforeUpdate: the object must still name the URL's object.
  if (job.metadata.name !== name) {
    throw new BadRequest(`the name of the object (${String(job.metadata.name)}) does not match the name on the URL (${name})`);
  }
  checkNamespace(job, namespace);
  checkResourceVersion(job, current);
  const { status: _status, ...rest } = current;
  const old = rest as StoredJob;
  const updated = prepareForUpdate(old, applyDefaults(job));
  const errors = validateUpdate(old, updated, current.status?.startTime);
  if (errors.length > 0) throw invalidJob(name, errors);

  if (dryRun) {
    res.json({ ...updated, metadata: { ...updated.metadata, resourceVersion: current.metadata.resourceVersion }, status: current.status ?? {} });
    return;
  }
  res.json(await jobs.update(updated));
}

async function patchJob(req: Request, res: Response, deps: RouteDeps, maxBodyBytes: number): Promise<void> {
  const namespace = namespaceParam(req);
  const name = nameParam(req, JOBS);
  const dryRun = dryRunParam(req);
  const fieldValidation = fieldValidationParam(req);
  const patchType = requireMediaType(req, PATCH_MEDIA_TYPES);
  if (patchType === 'apply') return applyJob(req, res, deps, { namespace, name, dryRun, fieldValidation }, maxBodyBytes);
  const patch = parseJson(await readBody(req, maxBodyBytes), 'the patch');
  const current = await deps.jobs.get(namespace, name);

  let patched: unknown;
  if (patchType === 'json') {
    patched = applyJsonPatch(patchable(current), patch);
  } else if (patchType === 'strategic') {
    patched = applyStrategicMergePatch(patchable(current), patch);
  } else {
    if (!isPlainObject(patch)) throw new BadRequest('a merge patch must be a JSON object');
    patched = applyMergePatch(patchable(current), patch);
  }
  await updateJob(res, deps.jobs, current, decode(patched, fieldValidation, res), dryRun);
}

/** PUT (`kubectl replace`): the whole object; status in the body is ignored, as for the main resource. */
async function replaceJob(req: Request, res: Response, { jobs }: RouteDeps, maxBodyBytes: number): Promise<void> {
  const namespace = namespaceParam(req);
  const name = nameParam(req, JOBS);
  const dryRun = dryRunParam(req);
  const fieldValidation = fieldValidationParam(req);
  const job = decode(await readRequestJob(req, maxBodyBytes), fieldValidation, res);
  const current = await jobs.get(namespace, name);
  await updateJob(res, jobs, current, job, dryRun);
}

interface ApplyTarget {
  namespace: string;
  name: string;
  dryRun: boolean;
  fieldValidation: FieldValidation;
}

/**
 * Server-side apply (`application/apply-patch+yaml`, `kubectl apply --server-side`): creates the
 * Job when it does not exist, else merges the applied configuration into it as a strategic merge
 * patch would. kjob keeps no managedFields, so there are no conflicts between field managers to
 * report (`force` is accepted and changes nothing); immutable fields still answer 422.
 */
async function applyJob(req: Request, res: Response, deps: RouteDeps, target: ApplyTarget, maxBodyBytes: number): Promise<void> {
  const fieldManager = queryParam(req, 'fieldManager');
  if (fieldManager === undefined || fieldManager === '') {
    throw new Invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [required('fieldManager', 'is required for apply patch')]);
  }
  boolParam(req, 'force');
  const parsed = parseManifest(await readBody(req, maxBodyBytes), 'application/yaml');
  if ('error' in parsed) throw new BadRequest(parsed.error);
  const applied = parsed.value;
  if (!isPlainObject(applied)) throw new BadRequest('an apply patch must be a Job object');
  const meta = isPlainObject(applied.metadata) ? applied.metadata : {};
  if (meta.name !== undefined && meta.name !== target.name) {
    throw new BadRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${target.name})`);
  }
  const current = await deps.jobs.find(target.namespace, target.name);
  if (current === null) {
    const job = decode({ ...applied, metadata: { ...meta, name: target.name } }, target.fieldValidation, res);
    checkNamespace(job, target.namespace);
    await createStored(res, deps, job, target.namespace, target.dryRun);
    return;
  }
  const patched = applyStrategicMergePatch(patchable(current), applied);
  await updateJob(res, deps.jobs, current, decode(patched, target.fieldValidation, res), target.dryRun);
}

export function propagationPolicyOf(options: Record<string, unknown>, query: string | undefined, orphanDependents: boolean): PropagationPolicy {
  const raw = query ?? options.propagationPolicy ?? (orphanDependents || options.orphanDependents === true ? 'Orphan' : undefined);
  if (raw === undefined || raw === '') return 'Background';
  if (isPropagationPolicy(raw)) return raw;
  throw new Invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
    { type: 'FieldValueNotSupported', field: 'propagationPolicy', value: raw, detail: 'supported values: "Foreground", "Background", "Orphan"', supported: [...PROPAGATION_POLICIES] },
  ]);
}

/** The objects a DELETE can remove (Jobs and CronJobs): what `deleteObject` needs of their gateway. */
export interface Deletable<T extends { metadata: { uid?: string } }> {
  get(namespace: string, name: string): Promise<T>;
  delete(namespace: string, name: string, propagationPolicy: PropagationPolicy): Promise<T>;
}

/**
 * DELETE of a Job or CronJob: DeleteOptions from the body and/or the query string (the query
 * wins), dry run, and the answer Kubernetes gives: with Foreground the object stays visible
 * (deletionTimestamp + foregroundDeletion finalizer) until its dependents are gone and DELETE
 * returns it; otherwise the object is gone and a Status says so.
 */
export async function deleteObject<T extends { metadata: { uid?: string } }>(
  req: Request,
  res: Response,
  resource: Resource,
  store: Deletable<T>,
  maxBodyBytes: number,
): Promise<void> {
  const namespace = namespaceParam(req);
  const name = nameParam(req, resource);
  const dryRun = dryRunParam(req);
  const options = await readDeleteOptions(req, maxBodyBytes);
  const policy = propagationPolicyOf(options, queryParam(req, 'propagationPolicy'), boolParam(req, 'orphanDependents'));
  if (dryRun) {
    const found = await store.get(namespace, name);
    res.json(successStatus(resource, name, found.metadata.uid));
    return;
  }
  const deleted = await store.delete(namespace, name, policy);
  if (policy === 'Foreground') res.json(deleted);
  else res.json(successStatus(resource, name, deleted.metadata.uid));
}

export function jobsRouter(deps: RouteDeps): Router {
  const router = Router({ caseSensitive: true });
  const limit = deps.config.maxBodyBytes;
  router
    .route('/apis/batch/v1/namespaces/:namespace/jobs')
    .get((req, res) => listJobs(req, res, deps, namespaceParam(req)))
    .post((req, res) => createJob(req, res, deps, limit))
    .all(methodNotAllowed);
  router
    .route('/apis/batch/v1/jobs')
    .get((req, res) => listJobs(req, res, deps, null))
    .all(methodNotAllowed);
  router
    .route('/apis/batch/v1/namespaces/:namespace/jobs/:name')
    .get(async (req, res) => {
      const job = await deps.jobs.get(namespaceParam(req), nameParam(req, JOBS));
      res.json(wantsTable(req) ? jobTable([job]) : job);
    })
    .put((req, res) => replaceJob(req, res, deps, limit))
    .patch((req, res) => patchJob(req, res, deps, limit))
    .delete((req, res) => deleteObject(req, res, JOBS, deps.jobs, limit))
    .all(methodNotAllowed);
  return router;
}
