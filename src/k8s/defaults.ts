/**
 * Kubernetes defaulting for Jobs (pkg/apis/batch/v1/defaults.go `SetDefaults_Job`, and the Pod
 * defaulting of core/v1 that shows up on a Job's template), and the name generation helpers the
 * API server's create uses (`BeforeCreate`). What is done to a new Job before it is stored lives in
 * job-strategy.ts (`prepareForCreate`).
 *
 * Pure: no imports outside k8s/, safe for the workflow bundle. Nothing is mutated in place.
 */
import type { Container, Job, JobSpec, PodTemplateSpec } from './types.js';

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
export function defaultTemplate(template: PodTemplateSpec): PodTemplateSpec {
  const spec = { ...template.spec };
  // An empty restartPolicy becomes Always, which Job validation then rejects with
  // `Required value: valid values: "OnFailure", "Never"` (validation.go, job-semantics §2).
  if (spec.restartPolicy === undefined) spec.restartPolicy = 'Always';
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (spec.dnsPolicy === undefined) spec.dnsPolicy = 'ClusterFirst';
  if (spec.schedulerName === undefined) spec.schedulerName = 'default-scheduler';
  spec.containers = (spec.containers ?? []).map(defaultContainer);
  if (spec.initContainers) spec.initContainers = spec.initContainers.map(defaultContainer);
  return { ...template, spec };
}

/**
 * `SetDefaults_Job` (job-semantics §2). Returns a new Job; the input is not changed. Idempotent.
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

export interface CreateOptions {
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

