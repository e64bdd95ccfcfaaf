/**
 * Kubernetes defaulting for Jobs (pkg/apis/batch/v1/defaults.go `SetDefaults_Job`, and the Pod
 * defaulting of core/v1 that shows up on a Job's template), plus what the API server does to a
 * new Job before it is stored (registry/batch/job/strategy.go `PrepareForCreate` +
 * `generateSelector`, `BeforeCreate`'s name generation). Reference §1 and §2.
 *
 * Pure: no imports outside spec/, safe for the workflow bundle. Nothing is mutated in place.
 */
import {
  JOB_API_VERSION,
  JOB_KIND,
  LABEL_CONTROLLER_UID,
  LABEL_JOB_NAME,
  LABEL_LEGACY_CONTROLLER_UID,
  LABEL_LEGACY_JOB_NAME,
  type Container,
  type DefaultedJobSpec,
  type Job,
  type JobSpec,
  type PodTemplateSpec,
  type StoredJob,
} from './types.js';

export const MAX_INT32 = 2147483647;
export const DEFAULT_BACKOFF_LIMIT = 6;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/** apimachinery `util/rand`: consonants and digits that cannot spell words. */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** `names.SimpleNameGenerator`: generated names are at most 63 = 58 + 5 random characters. */
const MAX_GENERATED_PREFIX_LENGTH = 58;
const RANDOM_LENGTH = 5;

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Container defaulting of core/v1 that kubectl shows on every Job (`SetDefaults_Container`). */
function defaultContainer(c: Container): Container {
  const out: Container = { ...c };
  if (out.terminationMessagePath === undefined) out.terminationMessagePath = '/dev/termination-log';
  if (out.terminationMessagePolicy === undefined) out.terminationMessagePolicy = 'File';
  if (out.image !== undefined && out.imagePullPolicy === undefined) {
    // Always for `:latest` or untagged images, else IfNotPresent (SetDefaults_Container).
    const afterSlash = out.image.slice(out.image.lastIndexOf('/') + 1);
    const digest = afterSlash.includes('@');
    const tag = digest ? '' : afterSlash.includes(':') ? afterSlash.slice(afterSlash.indexOf(':') + 1) : '';
    out.imagePullPolicy = !digest && (tag === '' || tag === 'latest') ? 'Always' : 'IfNotPresent';
  }
  if (out.env) {
    out.env = out.env.map((e) =>
      e.valueFrom?.fieldRef && e.valueFrom.fieldRef.apiVersion === undefined
        ? { ...e, valueFrom: { ...e.valueFrom, fieldRef: { ...e.valueFrom.fieldRef, apiVersion: 'v1' } } }
        : e,
    );
  }
  return out;
}

/** Pod template defaulting (`SetDefaults_PodSpec`, the parts that matter to a Job). */
function defaultTemplate(template: PodTemplateSpec): PodTemplateSpec {
  const spec = { ...template.spec };
  // An empty restartPolicy becomes Always, which Job validation then rejects with
  // `Required value: valid values: "OnFailure", "Never"` (validation.go, reference §2).
  if (spec.restartPolicy === undefined) spec.restartPolicy = 'Always';
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (spec.dnsPolicy === undefined) spec.dnsPolicy = 'ClusterFirst';
  if (spec.schedulerName === undefined) spec.schedulerName = 'default-scheduler';
  spec.containers = (spec.containers ?? []).map(defaultContainer);
  if (spec.initContainers) spec.initContainers = spec.initContainers.map(defaultContainer);
  return { ...template, spec };
}

/**
 * `SetDefaults_Job` (reference §2). Returns a new Job; the input is not changed. Idempotent.
 * - completions and parallelism both unset → both 1; only completions → parallelism 1; only
 *   parallelism → completions stays null (work-queue mode);
 * - backoffLimit 6, or MaxInt32 when backoffLimitPerIndex is set;
 * - completionMode NonIndexed, suspend false, manualSelector false;
 * - podReplacementPolicy Failed with a podFailurePolicy, else TerminatingOrFailed;
 * - onPodConditions[].status True;
 * - Job labels = template labels when the Job has none.
 */
export function applyDefaults(job: Job): Job {
  const out = clone(job);
  const spec: JobSpec = out.spec ?? ({ template: { spec: { containers: [] } } } as JobSpec);
  out.spec = spec;
  if (!spec.template) spec.template = { spec: { containers: [] } };
  if (!spec.template.spec) spec.template.spec = { containers: [] };

  const hasCompletions = spec.completions !== undefined && spec.completions !== null;
  if (!hasCompletions && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (spec.parallelism === undefined) spec.parallelism = 1;
  if (spec.completions === undefined) spec.completions = null;
  if (spec.backoffLimit === undefined) {
    spec.backoffLimit = spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : DEFAULT_BACKOFF_LIMIT;
  }
  const templateLabels = spec.template.metadata?.labels;
  if (templateLabels !== undefined && Object.keys(out.metadata?.labels ?? {}).length === 0) {
    out.metadata = { ...out.metadata, labels: { ...templateLabels } };
  }
  if (spec.completionMode === undefined) spec.completionMode = 'NonIndexed';
  if (spec.suspend === undefined) spec.suspend = false;
  if (spec.podFailurePolicy) {
    for (const rule of spec.podFailurePolicy.rules ?? []) {
      for (const pattern of rule.onPodConditions ?? []) {
        if (pattern.status === undefined || (pattern.status as string) === '') pattern.status = 'True';
      }
    }
  }
  if (spec.podReplacementPolicy === undefined) {
    spec.podReplacementPolicy = spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  }
  if (spec.manualSelector === undefined) spec.manualSelector = false;
  spec.template = defaultTemplate(spec.template);
  return out;
}

/** Five characters from `NAME_SUFFIX_ALPHABET` (`utilrand.String(5)`), from `random` ∈ [0, 1). */
export function randomNameSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) s += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length)] ?? 'b';
  return s;
}

/** `SimpleNameGenerator.GenerateName`: the prefix cut to 58 characters, then the suffix. */
export function generateName(prefix: string, suffix: string): string {
  return prefix.slice(0, MAX_GENERATED_PREFIX_LENGTH) + suffix;
}

export interface FinalizeOptions {
  /** The namespace of the request path; it wins over the manifest's (the API checks they agree). */
  namespace: string;
  uid: string;
  now: Date | string;
  /** Five characters for `generateName` (or a function giving them); `Math.random` when absent. */
  randomSuffix?: string | (() => string);
}

/** RFC 3339 with seconds precision, as metav1.Time serializes (`2026-01-02T03:04:05Z`). */
export function rfc3339(now: Date | string): string {
  const d = typeof now === 'string' ? new Date(now) : now;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * What the API server does to a new Job before storing it: defaults (`applyDefaults`), the name
 * from `generateName` when no name was given, namespace, uid, creationTimestamp, generation 1, no
 * status; then, unless `manualSelector` is true, the generated selector
 * (`batch.kubernetes.io/controller-uid=<uid>`) and the four template labels — each only when the
 * user did not set it, so a conflicting user value is caught by validation (`generateSelector`,
 * reference §1). Finally the Job gets the template labels when it has no labels of its own
 * (defaulting runs again when a stored Job is read back, which is why upstream shows them).
 */
export function finalizeNewJob(job: Job, opts: FinalizeOptions): StoredJob {
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
