/**
 * batch/v1 CronJobs: create (JSON/YAML/protobuf, generateName, dryRun), get, list and watch (label and
 * field selectors), patch (merge, strategic, JSON patch) and delete (propagationPolicy:
 * what happens to its Jobs). Request shaping and validation happen here with the k8s module's
 * functions; Temporal is reached only through the CronJobs gateway.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.js';
import { applyCronJobDefaults, prepareCronJobForCreate, prepareCronJobForUpdate } from '../../k8s/cronjob-strategy.js';
import type { CronJob, CronJobList, StoredCronJob } from '../../k8s/cronjob-types.js';
import { validateCronJob, validateCronJobUpdate } from '../../k8s/cronjob-validate.js';
import { decodeCronJob, unknownFieldWarning } from '../../k8s/decode.js';
import { randomNameSuffix } from '../../k8s/defaults.js';
import { required } from '../../k8s/field-errors.js';
import { matchesFieldSelector, matchesLabelSelector } from '../../k8s/labels.js';
import { parseManifest } from '../../k8s/parse.js';
import { createWarnings } from '../../k8s/validate.js';
import { MANIFEST_MEDIA_TYPES, mediaTypeOf, parseJson, CLIENT_PATCH_MEDIA_TYPES, readBody, readBytes, requireMediaType } from '../content.js';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from '../protobuf.js';
import type { CronJobsGateway } from '../cronjobs-gateway.js';
import { addWarnings, boolParam, dryRunParam, fieldValidationParam, nameParam, namespaceParam, type FieldValidation } from '../params.js';
import { applyJsonPatch, applyMergePatch } from '../patch.js';
import { applyStrategicMergePatch } from '../strategic-patch.js';
import { ApiError, BadRequest, CRONJOBS, invalidCronJob, RequestEntityTooLarge } from '../status.js';
import { cronJobTable, wantsTable } from '../table.js';
import { paginate } from '../paging.js';
import { serveWatch } from '../watch.js';
import { deleteObject, parseFieldSelectorParam, parseLabelSelectorParam } from './jobs.js';
import { methodNotAllowed } from './method-not-allowed.js';

export interface CronJobRouteDeps {
  config: Config;
  cronJobs: CronJobsGateway;
}

const NAMESPACE_MISMATCH = 'the namespace of the provided object does not match the namespace sent on the request';
const GENERATE_NAME_ATTEMPTS = 3;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A manifest (or a patched CronJob) as a CronJob: 400 when it is not one, 422 for wrong types, warnings for unknown fields. */
function decode(raw: unknown, fieldValidation: FieldValidation, res: Response): CronJob {
  const decoded = decodeCronJob(raw);
  if (decoded.kindError !== undefined) throw new BadRequest(decoded.kindError);
  const meta = (raw as { metadata?: { name?: unknown } }).metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '';
  if (decoded.errors.length > 0 || !decoded.cronJob) throw invalidCronJob(name, decoded.errors);
  const unknown = decoded.warnings.map(unknownFieldWarning);
  if (fieldValidation === 'Strict' && unknown.length > 0) throw new BadRequest(`strict decoding error: ${unknown.join(', ')}`);
  if (fieldValidation === 'Warn') addWarnings(res, unknown);
  return decoded.cronJob;
}

function checkNamespace(cronJob: CronJob, namespace: string): void {
  if (cronJob.metadata.namespace !== undefined && cronJob.metadata.namespace !== '' && cronJob.metadata.namespace !== namespace) {
    throw new BadRequest(NAMESPACE_MISMATCH);
  }
}

/** A CronJob body: JSON or YAML, or protobuf as `kubectl create cronjob` sends it. */
async function readRequestCronJob(req: Request, maxBodyBytes: number): Promise<unknown> {
  if (mediaTypeOf(req) === PROTOBUF_MEDIA_TYPE) return decodeProtobufObject(await readBytes(req, maxBodyBytes), ['batch/v1/CronJob']);
  requireMediaType(req, MANIFEST_MEDIA_TYPES);
  const parsed = parseManifest(await readBody(req, maxBodyBytes), mediaTypeOf(req));
  if ('error' in parsed) {
    if (parsed.code === 413) throw new RequestEntityTooLarge(maxBodyBytes);
    throw new BadRequest(parsed.error);
  }
  return parsed.value;
}

async function createCronJob(req: Request, res: Response, { cronJobs }: CronJobRouteDeps, maxBodyBytes: number): Promise<void> {
  const namespace = namespaceParam(req, true);
  const dryRun = dryRunParam(req);
  const fieldValidation = fieldValidationParam(req);
  const cronJob = decode(await readRequestCronJob(req, maxBodyBytes), fieldValidation, res);
  checkNamespace(cronJob, namespace);
  if (!cronJob.metadata.name && !cronJob.metadata.generateName) {
    throw invalidCronJob('', [required('metadata.name', 'name or generateName is required')]);
  }
  const uid = randomUUID();
  const finalize = (): StoredCronJob => prepareCronJobForCreate(cronJob, { namespace, uid, now: new Date(), randomSuffix: randomNameSuffix() });
  let stored = finalize();
  const errors = validateCronJob(stored);
  if (errors.length > 0) throw invalidCronJob(stored.metadata.name, errors);
  // The Job template's warnings (kjob's notes on fields the process runtime ignores), under the template's path.
  addWarnings(
    res,
    createWarnings({ apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: stored.spec.jobTemplate.spec }).map((w) =>
      w.replace(/^spec\b/, 'spec.jobTemplate.spec'),
    ),
  );
  if (dryRun) {
    res.status(201).json({ ...stored, status: {} });
    return;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      res.status(201).json(await cronJobs.create(stored));
      return;
    } catch (err) {
      const collided = err instanceof ApiError && err.reason === 'AlreadyExists';
      if (!collided || cronJob.metadata.name || attempt >= GENERATE_NAME_ATTEMPTS) throw err;
      stored = finalize();
    }
  }
}

/** The fields a CronJob field selector can use (the generic ones: metadata.name, metadata.namespace). */
const CRONJOB_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

async function listCronJobs(req: Request, res: Response, { cronJobs }: CronJobRouteDeps, namespace: string | null): Promise<void> {
  const labelSelector = parseLabelSelectorParam(req);
  const fieldSelector = parseFieldSelectorParam(req, CRONJOB_FIELDS);
  const load = async () =>
    (await cronJobs.list(namespace)).filter(
      (cj) =>
        matchesLabelSelector(labelSelector, cj.metadata.labels ?? {}) &&
        matchesFieldSelector(fieldSelector, { 'metadata.name': cj.metadata.name ?? '', 'metadata.namespace': cj.metadata.namespace ?? '' }),
    );
  if (boolParam(req, 'watch')) return serveWatch(req, res, { list: load, table: wantsTable(req) ? (items) => cronJobTable(items) : null, kind: { apiVersion: 'batch/v1', kind: 'CronJob' } });
  // CronJobs carry no resourceVersion (their Schedule publishes none), so neither does the list:
  // a watch after it starts from the current objects.
  const { items, metadata } = paginate(req, await load(), '');
  const list: CronJobList = { apiVersion: 'batch/v1', kind: 'CronJobList', metadata, items };
  res.json(wantsTable(req) ? { ...cronJobTable(items), metadata } : list);
}

/** What a patch may touch: everything but status. */
function patchable(cronJob: CronJob): Record<string, unknown> {
  return { apiVersion: cronJob.apiVersion, kind: cronJob.kind, metadata: cronJob.metadata, spec: cronJob.spec };
}

async function patchCronJob(req: Request, res: Response, { cronJobs }: CronJobRouteDeps, maxBodyBytes: number): Promise<void> {
  const namespace = namespaceParam(req);
  const name = nameParam(req, CRONJOBS);
  const dryRun = dryRunParam(req);
  const fieldValidation = fieldValidationParam(req);
  const patchType = requireMediaType(req, CLIENT_PATCH_MEDIA_TYPES);
  const patch = parseJson(await readBody(req, maxBodyBytes), 'the patch');
  const current = await cronJobs.get(namespace, name);
  let patched: unknown;
  if (patchType === 'json') {
    patched = applyJsonPatch(patchable(current), patch);
  } else if (patchType === 'strategic') {
    patched = applyStrategicMergePatch(patchable(current), patch);
  } else {
    if (!isPlainObject(patch)) throw new BadRequest('a merge patch must be a JSON object');
    patched = applyMergePatch(patchable(current), patch);
  }
  const cronJob = decode(patched, fieldValidation, res);
  if (cronJob.metadata.name !== name) {
    throw new BadRequest(`the name of the object (${String(cronJob.metadata.name)}) does not match the name on the URL (${name})`);
  }
  checkNamespace(cronJob, namespace);
  const { status: _status, ...rest } = current;
  const old = rest as StoredCronJob;
  const updated = prepareCronJobForUpdate(old, applyCronJobDefaults(cronJob));
  const errors = validateCronJobUpdate(old, updated);
  if (errors.length > 0) throw invalidCronJob(name, errors);
  if (dryRun) {
    res.json({ ...updated, status: current.status ?? {} });
    return;
  }
  res.json(await cronJobs.update(updated));
}

export function cronJobsRouter(deps: CronJobRouteDeps): Router {
  const router = Router({ caseSensitive: true });
  const limit = deps.config.maxBodyBytes;
  router
    .route('/apis/batch/v1/namespaces/:namespace/cronjobs')
    .get((req, res) => listCronJobs(req, res, deps, namespaceParam(req)))
    .post((req, res) => createCronJob(req, res, deps, limit))
    .all(methodNotAllowed);
  router
    .route('/apis/batch/v1/cronjobs')
    .get((req, res) => listCronJobs(req, res, deps, null))
    .all(methodNotAllowed);
  router
    .route('/apis/batch/v1/namespaces/:namespace/cronjobs/:name')
    .get(async (req, res) => {
      const cronJob = await deps.cronJobs.get(namespaceParam(req), nameParam(req, CRONJOBS));
      res.json(wantsTable(req) ? cronJobTable([cronJob]) : cronJob);
    })
    .patch((req, res) => patchCronJob(req, res, deps, limit))
    .delete((req, res) => deleteObject(req, res, CRONJOBS, deps.cronJobs, limit))
    .all(methodNotAllowed);
  return router;
}
