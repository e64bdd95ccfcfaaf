/**
 * Kubernetes' update rules for Jobs in one home, as the API server keeps them in the Job registry
 * strategy (pkg/registry/batch/job/strategy.go: `PrepareForCreate`, `PrepareForUpdate`,
 * `ValidateUpdate`). The HTTP API and the controller both call these, so a rule such as "spec
 * changes bump metadata.generation" or "a Job that never started may change its scheduling
 * directives" has exactly one definition.
 *
 * Pure: no imports outside k8s/, safe for the workflow bundle.
 */
import { applyDefaults, generateName, randomNameSuffix, rfc3339, type CreateOptions } from './defaults.js';
import type { FieldError } from './field-errors.js';
import {
  JOB_API_VERSION,
  JOB_KIND,
  LABEL_CONTROLLER_UID,
  LABEL_JOB_NAME,
  LABEL_LEGACY_CONTROLLER_UID,
  LABEL_LEGACY_JOB_NAME,
  type DefaultedJobSpec,
  type Job,
  type ObjectMeta,
  type StoredJob,
} from './types.js';
import { validateJobUpdate } from './validate.js';

/** `metav1.DeletionPropagation`: what happens to a deleted Job's pods. */
export const PROPAGATION_POLICIES = ['Background', 'Foreground', 'Orphan'] as const;
export type PropagationPolicy = (typeof PROPAGATION_POLICIES)[number];

export function isPropagationPolicy(value: unknown): value is PropagationPolicy {
  return typeof value === 'string' && (PROPAGATION_POLICIES as readonly string[]).includes(value);
}

/** The metadata fields only the server sets; neither a create nor an update takes them from the body. */
export const SERVER_MANAGED_METADATA = ['deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers', 'resourceVersion'] as const;

/**
 * The ObjectMeta update rules shared by Jobs and CronJobs: the updated object keeps the stored
 * one's identity and server-managed metadata (except `uid`, which validation reports as immutable
 * when the request changes it), and its generation counts spec changes.
 */
export function updatedMetadata<M extends ObjectMeta>(old: M, updated: ObjectMeta, specChanged: boolean): M {
  const metadata: M = {
    ...updated,
    name: old.name,
    namespace: old.namespace,
    uid: updated.uid ?? old.uid,
    creationTimestamp: old.creationTimestamp,
    generation: (old.generation ?? 1) + (specChanged ? 1 : 0),
  } as M;
  for (const managed of SERVER_MANAGED_METADATA) delete metadata[managed];
  return metadata;
}

/**
 * `PrepareForCreate` + `BeforeCreate`: defaults (`applyDefaults`), the name from `generateName`
 * when no name was given, namespace, uid, creationTimestamp, generation 1, no status; then, unless
 * `manualSelector` is true, the generated selector (`batch.kubernetes.io/controller-uid=<uid>`)
 * and the four template labels — each only when the user did not set it, so a conflicting user
 * value is caught by validation (`generateSelector`). Finally the Job gets the template labels
 * when it has no labels of its own (defaulting runs again when a stored Job is read back, which
 * is why upstream shows them).
 */
export function prepareForCreate(job: Job, opts: CreateOptions): StoredJob {
  const d = applyDefaults(job);
  const meta = { ...d.metadata };
  let name = meta.name ?? '';
  if (name === '' && meta.generateName) {
    const suffix = typeof opts.randomSuffix === 'function' ? opts.randomSuffix() : (opts.randomSuffix ?? randomNameSuffix());
    name = generateName(meta.generateName, suffix);
  }
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  const spec = d.spec as DefaultedJobSpec;
  const templateMeta = { ...(spec.template.metadata ?? {}) };
  const templateLabels: Record<string, string> = { ...(templateMeta.labels ?? {}) };

  if (!spec.manualSelector) {
    for (const key of [LABEL_LEGACY_JOB_NAME, LABEL_JOB_NAME]) {
      if (!Object.hasOwn(templateLabels, key)) templateLabels[key] = name;
    }
    for (const key of [LABEL_LEGACY_CONTROLLER_UID, LABEL_CONTROLLER_UID]) {
      if (!Object.hasOwn(templateLabels, key)) templateLabels[key] = opts.uid;
    }
    const selector = { ...(spec.selector ?? {}) };
    const matchLabels = { ...(selector.matchLabels ?? {}) };
    if (!Object.hasOwn(matchLabels, LABEL_CONTROLLER_UID)) matchLabels[LABEL_CONTROLLER_UID] = opts.uid;
    selector.matchLabels = matchLabels;
    spec.selector = selector;
  }
  templateMeta.labels = templateLabels;
  spec.template = { ...spec.template, metadata: { ...templateMeta, labels: templateLabels } };

  if (Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...templateLabels };

  return {
    apiVersion: JOB_API_VERSION,
    kind: JOB_KIND,
    metadata: {
      ...meta,
      name,
      namespace: opts.namespace,
      uid: opts.uid,
      creationTimestamp: rfc3339(opts.now),
      generation: 1,
    },
    spec,
  };
}

/**
 * `PrepareForUpdate` (job strategy + ObjectMeta update rules): the updated Job keeps the stored
 * Job's identity and server-managed metadata whatever the request says — except `uid`, which
 * `validateUpdate` reports as immutable when the request changes it — and its generation counts
 * spec changes. Idempotent: preparing an already prepared update against the same old Job gives
 * the same Job, so the API and the controller may both apply it.
 */
export function prepareForUpdate(old: StoredJob, updated: Pick<Job, 'metadata' | 'spec'>): StoredJob {
  const spec = updated.spec as StoredJob['spec'];
  const metadata = updatedMetadata(old.metadata, updated.metadata, JSON.stringify(spec) !== JSON.stringify(old.spec));
  return { apiVersion: old.apiVersion, kind: old.kind, metadata, spec };
}

/**
 * A spec change made by the system rather than a client (the `suspend`/`resume`/`scale` signals):
 * the stored Job with `change` applied to a copy of its spec, prepared like any update.
 */
export function updateSpec(old: StoredJob, change: (spec: StoredJob['spec']) => void): StoredJob {
  const spec = JSON.parse(JSON.stringify(old.spec)) as StoredJob['spec'];
  change(spec);
  return prepareForUpdate(old, { metadata: old.metadata, spec });
}

/**
 * "Never started" as `ValidateUpdate` means it for MutableSchedulingDirectivesForSuspendedJobs: the
 * Job is suspended and has no status.startTime. Accepts the rendered startTime (API) or the
 * controller's epoch milliseconds; both are absent until the Job first runs.
 */
export function neverStarted(job: Pick<Job, 'spec'>, startTime: string | number | null | undefined): boolean {
  return job.spec.suspend === true && (startTime === null || startTime === undefined);
}

/** `ValidateUpdate`: the update rules (immutable fields, scheduling directives of never-started Jobs). */
export function validateUpdate(old: StoredJob, updated: StoredJob, startTime: string | number | null | undefined): FieldError[] {
  return validateJobUpdate(old, updated, { neverStarted: neverStarted(old, startTime) });
}
