/**
 * Job validation with Kubernetes' rules and messages (pkg/apis/batch/validation/validation.go,
 * the Pod template parts of pkg/apis/core/validation, apimachinery's ObjectMeta checks), plus
 * the few places where kjob is deliberately stricter (the decisions table of docs/job-semantics.md):
 *
 * - `metadata.name` must be a DNS-1123 *label* (≤63, no dots), not just a subdomain: the name
 *   becomes pod names, hostnames and label values, so the upstream warning becomes an error;
 * - `spec.managedBy` other than `kubernetes.io/job-controller` is Unsupported: kjob is the only
 *   controller here, and a Job nobody runs must not be accepted silently;
 * - `spec.manualSelector: true` is Invalid: kjob always generates the selector;
 * - a container must have `command` or `args`: kjob runs them as a process, with no image
 *   entrypoint to fall back on;
 * - `env` names must be unique per container (upstream only warns);
 * - `env[].valueFrom.fieldRef` is limited to the fields the process runtime can fill;
 * - `workingDir` may not contain a `..` segment. A relative workingDir is resolved inside the
 *   pod's own working directory (under the data dir), an absolute one is used as written, so no
 *   relative path can climb out of the pod's directory;
 * - a negative `terminationGracePeriodSeconds` is an error (upstream only warns and uses 1);
 * - and one place where it is more lenient: `image` is not required, since the process runtime
 *   never pulls it.
 *
 * `validateJob` is meant for the Job as it will be stored (after `prepareForCreate`); on a Job that
 * was only defaulted the checks of what `prepareForCreate` adds (namespace, uid, selector) are
 * skipped when those fields are absent.
 *
 * Pure: no imports outside spec/, safe for the workflow bundle (the workflow validates updates
 * and scale signals with these same functions).
 */
import {
  duplicate,
  forbidden,
  goQuote,
  invalid,
  invalidOmitValue,
  notSupported,
  path,
  required,
  tooLong,
  tooMany,
  typeInvalid,
  type FieldError,
  type FieldPath,
} from './field-errors.js';
import { parseIndexIntervals } from './intervals.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorAsSelector,
  matchesLabelSelector,
  utf8Length,
} from './labels.js';
import {
  JOB_CONTROLLER_NAME,
  LABEL_CONTROLLER_UID,
  LABEL_JOB_NAME,
  LABEL_LEGACY_CONTROLLER_UID,
  LABEL_LEGACY_JOB_NAME,
  type Container,
  type Job,
  type JobSpec,
  type LabelSelector,
  type ObjectMeta,
  type OwnerReference,
  type PodSpec,
  type PodTemplateSpec,
  type StoredJob,
} from './types.js';

// validation.go constants.
const MAX_PARALLELISM_FOR_INDEXED_JOB = 100000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100000;
const COMPLETIONS_SOFT_LIMIT = 100000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES = 255;
const MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_SUCCESS_POLICY_SUCCEEDED_INDEXES_LIMIT = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;
/** ObjectMeta: annotations may total 256 kB (TotalAnnotationSizeLimitB). */
const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;
const MAX_INT32 = 2147483647;
const MAX_WORKING_DIR_LENGTH = 4096;

const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';

/** The Downward API fields kjob fills for `env[].valueFrom.fieldRef.fieldPath`. */
export const SUPPORTED_ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.podIP',
] as const;

/** `ConvertDownwardAPIFieldLabel`: the pod field labels Kubernetes knows at all. */
const KNOWN_POD_FIELD_LABELS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** `sets.List(...)` formatted with Go's `%q` on a []string: `["Count" "FailIndex"]`. */
const quotedList = (values: readonly string[]): string => `[${values.map(goQuote).join(' ')}]`;

function nonNegative(value: number, p: FieldPath): FieldError[] {
  return value < 0 ? [invalid(p, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

// ---- metadata -----------------------------------------------------------------------------------

/** `unversionedvalidation.ValidateLabels`: errors are reported on the map's path, not per key. */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(p, k, msg));
    for (const msg of isValidLabelValue(v)) errs.push(invalid(p, v, msg));
  }
  return errs;
}

/** `ValidateAnnotations`: qualified keys (case-insensitive), 256 kB in total. */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(p, k, msg));
    total += utf8Length(k) + utf8Length(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(tooLong(p, TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

/** `maskTrailingDash`: a generateName prefix may end with '-'. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

/** ObjectMeta checks of a created object (ValidateObjectMeta), with kjob's DNS-label names. */
export function validateJobObjectMeta(meta: ObjectMeta): FieldError[] {
  const p = path('metadata');
  const errs: FieldError[] = [];
  if (meta.generateName) {
    // The generated name is prefix (cut at 58) + 5 characters: the prefix must itself be a label.
    for (const msg of isDNS1123Label(maskTrailingDash(meta.generateName.slice(0, 58)))) {
      errs.push(invalid(p.child('generateName'), meta.generateName, msg));
    }
  }
  if (!meta.name) {
    if (!meta.generateName) errs.push(required(p.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of isDNS1123Label(meta.name)) errs.push(invalid(p.child('name'), meta.name, msg));
  }
  if (meta.namespace !== undefined) {
    if (meta.namespace === '') errs.push(required(p.child('namespace')));
    else for (const msg of isDNS1123Label(meta.namespace)) errs.push(invalid(p.child('namespace'), meta.namespace, msg));
  }
  errs.push(...validateLabels(meta.labels, p.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, p.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences ?? [], p.child('ownerReferences')));
  return errs;
}

/**
 * `ValidateOwnerReferences` (apimachinery ObjectMeta validation): every reference names apiVersion
 * (with a version), kind, name and uid; at most one is the controller. Upstream reports these on
 * the list's path, not per item. (A CronJob's Jobs, and `kubectl create job --from`, carry one.)
 */
export function validateOwnerReferences(refs: readonly OwnerReference[], p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs) {
    const slashes = ref.apiVersion.split('/').length - 1;
    const version = slashes === 0 ? ref.apiVersion : slashes === 1 ? ref.apiVersion.slice(ref.apiVersion.indexOf('/') + 1) : '';
    if (version === '') errs.push(invalid(p.child('apiVersion'), ref.apiVersion, 'version must not be empty'));
    if (ref.kind === '') errs.push(invalid(p.child('kind'), ref.kind, 'must not be empty'));
    if (ref.name === '') errs.push(invalid(p.child('name'), ref.name, 'must not be empty'));
    if (ref.uid === '') errs.push(invalid(p.child('uid'), ref.uid, 'must not be empty'));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        errs.push(
          invalid(p, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

// ---- pod template ------------------------------------------------------------------------------

function validateDNS1123Label(value: string, p: FieldPath): FieldError[] {
  return isDNS1123Label(value).map((msg) => invalid(p, value, msg));
}

/** `SplitMaybeSubscriptedPath`: `metadata.labels['k']` → [`metadata.labels`, `k`]. */
function splitSubscript(fieldPath: string): [string, string] | null {
  if (!fieldPath.endsWith("']")) return null;
  const s = fieldPath.slice(0, -2);
  const at = s.indexOf("['");
  if (at <= 0) return null;
  return [s.slice(0, at), s.slice(at + 2)];
}

function validateFieldRef(ref: { apiVersion?: string; fieldPath: string }, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref.apiVersion ?? 'v1';
  if (apiVersion === '') return [required(p.child('apiVersion'))];
  if (ref.fieldPath === '') return [required(p.child('fieldPath'))];
  // ConvertDownwardAPIFieldLabel, then validateObjectFieldSelector's expression check.
  if (apiVersion !== 'v1') {
    errs.push(invalid(p.child('fieldPath'), ref.fieldPath, `error converting fieldPath: unsupported pod version: ${apiVersion}`));
    return errs;
  }
  const sub = splitSubscript(ref.fieldPath);
  if (sub) {
    const [base, key] = sub;
    if (base === 'metadata.annotations') {
      for (const msg of isQualifiedName(key.toLowerCase())) errs.push(invalid(p, key, msg));
    } else if (base === 'metadata.labels') {
      for (const msg of isQualifiedName(key)) errs.push(invalid(p, key, msg));
    } else {
      errs.push(invalid(p.child('fieldPath'), ref.fieldPath, `error converting fieldPath: field label does not support subscript: ${ref.fieldPath}`));
    }
    return errs;
  }
  if (!KNOWN_POD_FIELD_LABELS.has(ref.fieldPath)) {
    errs.push(invalid(p.child('fieldPath'), ref.fieldPath, `error converting fieldPath: field label not supported: ${ref.fieldPath}`));
  } else if (!(SUPPORTED_ENV_FIELD_PATHS as readonly string[]).includes(ref.fieldPath)) {
    errs.push(notSupported(p.child('fieldPath'), ref.fieldPath, [...SUPPORTED_ENV_FIELD_PATHS]));
  }
  return errs;
}

function validateEnv(env: Container['env'], p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (env ?? []).forEach((ev, i) => {
    const ip = p.index(i);
    if (ev.name.length === 0) {
      errs.push(required(ip.child('name')));
    } else {
      // IsRelaxedEnvVarName (KEP-4369, GA in 1.34): any printable ASCII character but '='.
      if (!/^[\x20-\x7e]+$/.test(ev.name) || ev.name.includes('=')) {
        errs.push(invalid(ip.child('name'), ev.name, 'a valid environment variable name must consist only of printable ASCII characters other than \'=\''));
      }
      // kjob: a process environment holds one value per name; upstream only warns.
      if (seen.has(ev.name)) errs.push(duplicate(ip.child('name'), ev.name));
      seen.add(ev.name);
    }
    if (ev.valueFrom) {
      // validateEnvVarValueFrom: the source's own checks, then the source count, then `value`.
      const vp = ip.child('valueFrom');
      if (!ev.valueFrom.fieldRef) {
        errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      } else {
        errs.push(...validateFieldRef(ev.valueFrom.fieldRef, vp.child('fieldRef')));
        if (ev.value !== undefined && ev.value !== '') errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
      }
    }
  });
  return errs;
}

function validateWorkingDir(dir: string, p: FieldPath): FieldError[] {
  if (dir === '') return [];
  if (utf8Length(dir) > MAX_WORKING_DIR_LENGTH) return [tooLong(p, MAX_WORKING_DIR_LENGTH)];
  if (dir.includes('\0')) return [invalid(p, dir, 'must not contain a NUL character')];
  if (dir.split(/[/\\]/).includes('..')) {
    return [
      invalid(
        p,
        dir,
        "must not contain a '..' segment: kjob runs each pod in its own working directory and resolves a relative workingDir inside it",
      ),
    ];
  }
  return [];
}

function validateContainer(c: Container, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const argv = c.command && c.command.length > 0 ? c.command : (c.args ?? []);
  if (argv.length === 0) {
    errs.push(
      required(
        p.child('command'),
        "kjob runs the container's command and args as a process, without an image entrypoint to fall back on: set command (or args)",
      ),
    );
  } else if (argv[0] === '') {
    const which = c.command && c.command.length > 0 ? 'command' : 'args';
    errs.push(invalid(p.child(which).index(0), '', 'must not be empty: it names the program to run'));
  }
  if (c.workingDir !== undefined) errs.push(...validateWorkingDir(c.workingDir, p.child('workingDir')));
  errs.push(...validateEnv(c.env, p.child('env')));
  if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) {
    errs.push(notSupported(p.child('imagePullPolicy'), c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
  }
  if (c.terminationMessagePolicy !== undefined && !['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy)) {
    errs.push(notSupported(p.child('terminationMessagePolicy'), c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
  }
  return errs;
}

/** Containers then init containers; names are DNS labels, unique across both (validateContainers). */
function validateContainers(spec: PodSpec, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const cp = p.child('containers');
  if (spec.containers.length === 0) errs.push(required(cp));
  spec.containers.forEach((c, i) => {
    const namePath = cp.index(i).child('name');
    if (c.name.length === 0) errs.push(required(namePath));
    else {
      errs.push(...validateDNS1123Label(c.name, namePath));
      if (names.has(c.name)) errs.push(duplicate(namePath, c.name));
      names.add(c.name);
    }
    errs.push(...validateContainer(c, cp.index(i)));
  });
  const ip = p.child('initContainers');
  (spec.initContainers ?? []).forEach((c, i) => {
    const namePath = ip.index(i).child('name');
    if (c.name.length === 0) errs.push(required(namePath));
    else {
      errs.push(...validateDNS1123Label(c.name, namePath));
      if (names.has(c.name)) errs.push(duplicate(namePath, c.name));
      names.add(c.name);
    }
    errs.push(...validateContainer(c, ip.index(i)));
  });
  return errs;
}

/** `ValidatePodTemplateSpec` (the parts the process runtime depends on). */
function validatePodTemplate(t: PodTemplateSpec, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const mp = p.child('metadata');
  errs.push(...validateLabels(t.metadata?.labels, mp.child('labels')));
  errs.push(...validateAnnotations(t.metadata?.annotations, mp.child('annotations')));
  const sp = p.child('spec');
  const spec = t.spec;
  errs.push(...validateContainers(spec, sp));
  if (spec.terminationGracePeriodSeconds !== undefined) {
    errs.push(...nonNegative(spec.terminationGracePeriodSeconds, sp.child('terminationGracePeriodSeconds')));
  }
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MAX_INT32)) {
    errs.push(invalid(sp.child('activeDeadlineSeconds'), spec.activeDeadlineSeconds, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  if (spec.hostname) errs.push(...validateDNS1123Label(spec.hostname, sp.child('hostname')));
  if (spec.subdomain) errs.push(...validateDNS1123Label(spec.subdomain, sp.child('subdomain')));
  errs.push(...validateLabels(spec.nodeSelector, sp.child('nodeSelector')));
  if (spec.serviceAccountName) {
    for (const msg of isDNS1123Subdomain(spec.serviceAccountName)) errs.push(invalid(sp.child('serviceAccountName'), spec.serviceAccountName, msg));
  }
  return errs;
}

// ---- selector -------------------------------------------------------------------------------------

/** `ValidateLabelSelector`. */
function validateLabelSelector(sel: LabelSelector, p: FieldPath): FieldError[] {
  const errs = validateLabels(sel.matchLabels, p.child('matchLabels'));
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const ep = p.child('matchExpressions').index(i);
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if ((expr.values ?? []).length === 0) errs.push(required(ep.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if ((expr.values ?? []).length > 0) errs.push(forbidden(ep.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(ep.child('operator'), expr.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(expr.key)) errs.push(invalid(ep.child('key'), expr.key, msg));
  });
  return errs;
}

/** `ValidateHasLabel`. */
function validateHasLabel(meta: ObjectMeta | undefined, p: FieldPath, key: string, expected: string): FieldError[] {
  const labels = meta?.labels ?? {};
  const lp = p.child('labels').key(key);
  if (!Object.hasOwn(labels, key)) return [required(lp, `must be '${expected}'`)];
  if (labels[key] !== expected) return [invalid(lp, labels, `must be '${expected}'`)];
  return [];
}

/** `validateGeneratedSelector`: the generated labels and selector are what kjob generated. */
function validateGeneratedSelector(job: Job): FieldError[] {
  const spec = job.spec;
  if (spec.manualSelector || !spec.selector) return [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const errs: FieldError[] = [];
  if (uid === '') errs.push(required(path('metadata', 'uid')));
  const tp = path('spec', 'template', 'metadata');
  errs.push(...validateHasLabel(spec.template.metadata, tp, LABEL_LEGACY_CONTROLLER_UID, uid));
  errs.push(...validateHasLabel(spec.template.metadata, tp, LABEL_LEGACY_JOB_NAME, name));
  errs.push(...validateHasLabel(spec.template.metadata, tp, LABEL_CONTROLLER_UID, uid));
  errs.push(...validateHasLabel(spec.template.metadata, tp, LABEL_JOB_NAME, name));
  const expected = {
    [LABEL_CONTROLLER_UID]: uid,
    [LABEL_JOB_NAME]: name,
    [LABEL_LEGACY_CONTROLLER_UID]: uid,
    [LABEL_LEGACY_JOB_NAME]: name,
  };
  const parsed = labelSelectorAsSelector(spec.selector);
  if (parsed.ok && !matchesLabelSelector(parsed.selector, expected)) {
    errs.push(invalid(path('spec', 'selector'), spec.selector, '`selector` not auto-generated'));
  }
  return errs;
}

// ---- job spec -----------------------------------------------------------------------------------

function validatePodFailurePolicy(spec: JobSpec, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.podFailurePolicy?.rules ?? [];
  const rulesPath = p.child('rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const containerNames = new Set([...spec.template.spec.containers, ...(spec.template.spec.initContainers ?? [])].map((c) => c.name));
  const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
  rules.forEach((rule, i) => {
    const rp = rulesPath.index(i);
    const ap = rp.child('action');
    if ((rule.action as string) === '') errs.push(required(ap, `valid values: ${quotedList(actions)}`));
    else if (rule.action === 'FailIndex') {
      if (spec.backoffLimitPerIndex === undefined) errs.push(invalid(ap, rule.action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!actions.includes(rule.action)) errs.push(notSupported(ap, rule.action, actions));

    const onExitCodes = rule.onExitCodes;
    if (onExitCodes) {
      const ep = rp.child('onExitCodes');
      const operators = ['In', 'NotIn'];
      if ((onExitCodes.operator as string) === '') errs.push(required(ep.child('operator'), `valid values: ${quotedList(operators)}`));
      else if (!operators.includes(onExitCodes.operator)) errs.push(notSupported(ep.child('operator'), onExitCodes.operator, operators));
      if (onExitCodes.containerName !== undefined && !containerNames.has(onExitCodes.containerName)) {
        errs.push(invalid(ep.child('containerName'), onExitCodes.containerName, 'must be one of the container or initContainer names in the pod template'));
      }
      const vp = ep.child('values');
      const values = onExitCodes.values;
      if (values.length === 0) errs.push(invalid(vp, values, 'at least one value is required'));
      else if (values.length > MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES) errs.push(tooMany(vp, values.length, MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES));
      let ordered = true;
      const unique = new Set<number>();
      values.forEach((v, j) => {
        if (onExitCodes.operator === 'In' && v === 0) errs.push(invalid(vp.index(j), v, 'must not be 0 for the In operator'));
        if (unique.has(v)) errs.push(duplicate(vp.index(j), v));
        else unique.add(v);
        if (j > 0 && (values[j - 1] ?? 0) > v) ordered = false;
      });
      if (!ordered) errs.push(invalid(vp, values, 'must be ordered'));
    }
    const patterns = rule.onPodConditions ?? [];
    if (patterns.length > 0) {
      const cp = rp.child('onPodConditions');
      if (patterns.length > MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS) {
        errs.push(tooMany(cp, patterns.length, MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS));
      }
      const statuses = ['False', 'True', 'Unknown'];
      patterns.forEach((pat, j) => {
        const pp = cp.index(j);
        for (const msg of isQualifiedName(pat.type)) errs.push(invalid(pp.child('type'), pat.type, msg));
        const status = (pat.status ?? '') as string;
        if (status === '') errs.push(required(pp.child('status'), `valid values: ${quotedList(statuses)}`));
        else if (!statuses.includes(status)) errs.push(notSupported(pp.child('status'), status, statuses));
      });
    }
    if (onExitCodes && patterns.length > 0) errs.push(invalidOmitValue(rp, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!onExitCodes && patterns.length === 0) errs.push(invalidOmitValue(rp, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

function validateSuccessPolicy(spec: JobSpec, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.successPolicy?.rules ?? [];
  const rulesPath = p.child('rules');
  if (rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  // Indexed Jobs without completions already have their own Required error.
  const completions = spec.completions ?? 0;
  rules.forEach((rule, i) => {
    const rp = rulesPath.index(i);
    if (rule.succeededCount === undefined && rule.succeededIndexes === undefined) {
      errs.push(required(rp, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let totalIndexes = 0;
    if (rule.succeededIndexes !== undefined) {
      const ip = rp.child('succeededIndexes');
      if (rule.succeededIndexes.length > MAX_SUCCESS_POLICY_SUCCEEDED_INDEXES_LIMIT) {
        errs.push(tooLong(ip, MAX_SUCCESS_POLICY_SUCCEEDED_INDEXES_LIMIT));
      }
      const parsed = parseIndexIntervals(rule.succeededIndexes, completions);
      if (parsed.ok) totalIndexes = parsed.intervals.reduce((n, [a, b]) => n + (b - a + 1), 0);
      else errs.push(invalid(ip, rule.succeededIndexes, `error parsing succeededIndexes: ${parsed.error}`));
    }
    if (rule.succeededCount !== undefined) {
      const cp = rp.child('succeededCount');
      errs.push(...nonNegative(rule.succeededCount, cp));
      if (rule.succeededCount > completions) {
        errs.push(invalid(cp, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`));
      }
      if (rule.succeededIndexes !== undefined && rule.succeededCount > totalIndexes) {
        errs.push(invalid(cp, rule.succeededCount, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

export interface JobSpecFieldsOptions {
  /**
   * A CronJob's `jobTemplate.spec`: its manualSelector gets the template's own check
   * (ValidateJobTemplateSpec) instead of kjob's Job rule.
   */
  template?: boolean;
}

/**
 * `validateJobSpec` in upstream order, with kjob's managedBy and manualSelector decisions. `p` is
 * the spec's path (`spec`, or `spec.jobTemplate.spec` for a CronJob).
 */
export function validateJobSpecFields(spec: JobSpec, p: FieldPath = path('spec'), options: JobSpecFieldsOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const completions = spec.completions ?? undefined;
  if (spec.parallelism !== undefined) errs.push(...nonNegative(spec.parallelism, p.child('parallelism')));
  if (completions !== undefined) errs.push(...nonNegative(completions, p.child('completions')));
  if (spec.activeDeadlineSeconds !== undefined) errs.push(...nonNegative(spec.activeDeadlineSeconds, p.child('activeDeadlineSeconds')));
  if (spec.backoffLimit !== undefined) errs.push(...nonNegative(spec.backoffLimit, p.child('backoffLimit')));
  if (spec.ttlSecondsAfterFinished !== undefined) errs.push(...nonNegative(spec.ttlSecondsAfterFinished, p.child('ttlSecondsAfterFinished')));
  if (spec.backoffLimitPerIndex !== undefined) errs.push(...nonNegative(spec.backoffLimitPerIndex, p.child('backoffLimitPerIndex')));
  if (spec.maxFailedIndexes !== undefined) {
    errs.push(...nonNegative(spec.maxFailedIndexes, p.child('maxFailedIndexes')));
    if (spec.backoffLimitPerIndex === undefined) errs.push(required(p.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (spec.managedBy !== undefined && spec.managedBy !== JOB_CONTROLLER_NAME) {
    // kjob decision: kjob is the only controller here (job-semantics, decisions table and §22).
    errs.push(notSupported(p.child('managedBy'), spec.managedBy, [JOB_CONTROLLER_NAME]));
  }
  if (spec.manualSelector === true && !options.template) {
    errs.push(
      invalid(
        p.child('manualSelector'),
        true,
        'kjob generates the selector of every Job (there is no label-based pod adoption): leave manualSelector unset or false',
      ),
    );
  }
  if (spec.completionMode !== undefined) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
      errs.push(notSupported(p.child('completionMode'), spec.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (spec.completionMode === 'Indexed') {
      if (completions === undefined) errs.push(required(p.child('completions'), 'when completion mode is Indexed'));
      if (spec.parallelism !== undefined && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(invalid(p.child('parallelism'), spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (completions !== undefined && spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes > completions) {
        errs.push(invalid(p.child('maxFailedIndexes'), spec.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(invalid(p.child('maxFailedIndexes'), spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
      }
      if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && spec.backoffLimitPerIndex !== undefined) {
        if (spec.maxFailedIndexes === undefined) {
          errs.push(required(p.child('maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        }
        if (spec.parallelism !== undefined && spec.parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(
            invalid(
              p.child('parallelism'),
              spec.parallelism,
              `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`,
            ),
          );
        }
        if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(
            invalid(
              p.child('maxFailedIndexes'),
              spec.maxFailedIndexes,
              `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`,
            ),
          );
        }
      }
    }
  }
  if (spec.completionMode === undefined || spec.completionMode === 'NonIndexed') {
    if (spec.backoffLimitPerIndex !== undefined) {
      errs.push(invalid(p.child('backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    }
    if (spec.maxFailedIndexes !== undefined) errs.push(invalid(p.child('maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.podFailurePolicy) errs.push(...validatePodFailurePolicy(spec, p.child('podFailurePolicy')));
  if (spec.successPolicy) {
    if (spec.completionMode !== 'Indexed') errs.push(invalid(p.child('successPolicy'), spec.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, p.child('successPolicy')));
  }
  if (spec.podReplacementPolicy !== undefined) {
    const prp = p.child('podReplacementPolicy');
    if (spec.podFailurePolicy) {
      if (spec.podReplacementPolicy !== 'Failed') errs.push(notSupported(prp, spec.podReplacementPolicy, ['Failed']));
    } else if (spec.podReplacementPolicy !== 'Failed' && spec.podReplacementPolicy !== 'TerminatingOrFailed') {
      errs.push(notSupported(prp, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplate(spec.template, p.child('template')));

  // An empty restartPolicy is defaulted to Always by Pod defaulting, so both get this message.
  const rp = p.child('template', 'spec', 'restartPolicy');
  const restartPolicy = (spec.template.spec.restartPolicy ?? '') as string;
  if (restartPolicy === 'Always' || restartPolicy === '') errs.push(required(rp, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') errs.push(notSupported(rp, restartPolicy, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy && restartPolicy !== 'Never') {
    errs.push(invalid(rp, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** `ValidateJobSpec`: the fields, then the selector (required once generated) and its match. */
function validateJobSpec(job: Job): FieldError[] {
  const spec = job.spec;
  const p = path('spec');
  const errs = validateJobSpecFields(spec);
  if (!spec.selector) {
    // The selector is generated by prepareForCreate; only a finalized Job (with a uid) must have it.
    if (job.metadata.uid) errs.push(required(p.child('selector')));
  } else {
    errs.push(...validateLabelSelector(spec.selector, p.child('selector')));
    const parsed = labelSelectorAsSelector(spec.selector);
    if (parsed.ok && !matchesLabelSelector(parsed.selector, spec.template.metadata?.labels)) {
      errs.push(invalid(p.child('template', 'metadata', 'labels'), spec.template.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
    }
  }
  return errs;
}

/**
 * Validates a Job for create (job-semantics §1 and §3): ObjectMeta, the generated selector, the
 * spec, and the Indexed hostname check. Returns every error, in Kubernetes' order.
 */
export function validateJob(job: Job): FieldError[] {
  const errs = validateJobObjectMeta(job.metadata ?? {});
  errs.push(...validateGeneratedSelector(job));
  errs.push(...validateJobSpec(job));
  const spec = job.spec;
  const completions = spec.completions ?? 0;
  if (spec.completionMode === 'Indexed' && completions > 0) {
    // The controller names pod hostnames `<name>-<index>`; the largest must be a DNS label.
    const name = job.metadata.name || (job.metadata.generateName ? `${job.metadata.generateName.slice(0, 58)}xxxxx` : '');
    if (name) {
      const hostname = `${name}-${completions - 1}`;
      if (isDNS1123Label(hostname).length > 0) {
        errs.push(invalid(path('metadata', 'name'), job.metadata.name ?? name, `will not able to create pod with invalid DNS label: ${hostname}`));
      }
    }
  }
  return errs;
}

// ---- updates --------------------------------------------------------------------------------------

/** JSON with sorted keys, empty maps/lists and undefined dropped (apiequality.Semantic: nil == empty). */
function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.length === 0 ? undefined : x.map(norm);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        const n = norm((x as Record<string, unknown>)[k]);
        if (n !== undefined) out[k] = n;
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    return x === null ? undefined : x;
  };
  return JSON.stringify(norm(v)) ?? 'null';
}

const semanticEqual = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

function immutable(newValue: unknown, oldValue: unknown, p: FieldPath): FieldError[] {
  return semanticEqual(newValue, oldValue) ? [] : [invalid(p, newValue ?? null, FIELD_IMMUTABLE_ERROR_MSG)];
}

/**
 * The template with the scheduling directives of the new one, when they may change: a suspended
 * Job that never started may change node selector, tolerations, affinity, scheduling gates and
 * the template's labels and annotations (validatePodTemplateUpdate, GA 1.27).
 */
function templateForComparison(oldT: PodTemplateSpec, newT: PodTemplateSpec, mutableScheduling: boolean): PodTemplateSpec {
  if (!mutableScheduling) return oldT;
  return {
    ...oldT,
    metadata: { ...oldT.metadata, labels: newT.metadata?.labels, annotations: newT.metadata?.annotations } as PodTemplateSpec['metadata'],
    spec: {
      ...oldT.spec,
      nodeSelector: newT.spec.nodeSelector,
      tolerations: newT.spec.tolerations,
      affinity: newT.spec.affinity,
      schedulingGates: newT.spec.schedulingGates,
    },
  };
}

export interface UpdateOptions {
  /** The old Job has never started a pod (`status.startTime` was never set). */
  neverStarted: boolean;
}

/**
 * Validates an update (PATCH, the `update` workflow update): the new Job must be valid and may
 * change only the mutable fields (job-semantics §4): parallelism, suspend, activeDeadlineSeconds,
 * backoffLimit, ttlSecondsAfterFinished, maxFailedIndexes, podReplacementPolicy, labels and
 * annotations; completions only for Indexed Jobs in tandem with parallelism (elastic Indexed
 * Jobs); the template's scheduling directives only while suspended and never started.
 */
export function validateJobUpdate(oldJob: StoredJob, newJob: StoredJob, opts: UpdateOptions): FieldError[] {
  const errs = validateJob(newJob);
  const mp = path('metadata');
  errs.push(...immutable(newJob.metadata.name, oldJob.metadata.name, mp.child('name')));
  errs.push(...immutable(newJob.metadata.namespace, oldJob.metadata.namespace, mp.child('namespace')));
  errs.push(...immutable(newJob.metadata.uid, oldJob.metadata.uid, mp.child('uid')));
  errs.push(...immutable(newJob.metadata.creationTimestamp, oldJob.metadata.creationTimestamp, mp.child('creationTimestamp')));

  const p = path('spec');
  const spec = newJob.spec;
  const oldSpec = oldJob.spec;
  // validateCompletions: elastic Indexed Jobs may change completions together with parallelism.
  const cp = p.child('completions');
  if (spec.completionMode === 'Indexed') {
    if (!semanticEqual(spec.completions, oldSpec.completions) && spec.completions !== null && spec.completions !== undefined) {
      if (spec.completions !== spec.parallelism) {
        errs.push(invalid(cp, spec.completions, `can only be modified in tandem with ${p.root().child('parallelism').toString()}`));
      }
    }
  } else {
    errs.push(...immutable(spec.completions, oldSpec.completions, cp));
  }
  errs.push(...immutable(spec.selector, oldSpec.selector, p.child('selector')));
  const mutableScheduling = oldSpec.suspend === true && opts.neverStarted;
  errs.push(...immutable(spec.template, templateForComparison(oldSpec.template, spec.template, mutableScheduling), p.child('template')));
  errs.push(...immutable(spec.completionMode, oldSpec.completionMode, p.child('completionMode')));
  errs.push(...immutable(spec.podFailurePolicy, oldSpec.podFailurePolicy, p.child('podFailurePolicy')));
  errs.push(...immutable(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, p.child('backoffLimitPerIndex')));
  errs.push(...immutable(spec.managedBy, oldSpec.managedBy, p.child('managedBy')));
  errs.push(...immutable(spec.successPolicy, oldSpec.successPolicy, p.child('successPolicy')));
  return errs;
}

/**
 * Validates the `scale` signal's parallelism (any JSON value may arrive from the Temporal UI):
 * an int32 ≥ 0, and for an Indexed Job at most 100000 — the checks a PATCH of
 * `spec.parallelism` gets.
 */
export function validateScale(parallelism: unknown, job?: Job): FieldError[] {
  const p = path('spec', 'parallelism');
  if (typeof parallelism !== 'number' || !Number.isInteger(parallelism)) {
    const t = parallelism === null || parallelism === undefined ? 'null' : Array.isArray(parallelism) ? 'array' : typeof parallelism === 'number' ? 'number' : typeof parallelism;
    return [typeInvalid(p, 'integer', t)];
  }
  if (parallelism > MAX_INT32) return [typeInvalid(p, 'int32', 'int64')];
  if (parallelism < 0) return [invalid(p, parallelism, IS_NEGATIVE_ERROR_MSG)];
  if (job?.spec.completionMode === 'Indexed' && parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
    return [invalid(p, parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`)];
  }
  return [];
}

// ---- warnings -------------------------------------------------------------------------------------

/**
 * Create-time warnings (the `Warning:` headers of the API server): upstream's
 * (pkg/api/job/warnings.go) plus kjob's notes on fields the process runtime keeps but ignores.
 */
export function createWarnings(job: Job): string[] {
  const warnings: string[] = [];
  const spec = job.spec;
  if (spec.completionMode === 'Indexed') {
    const completions = spec.completions ?? 0;
    const parallelism = spec.parallelism ?? 0;
    if (completions > COMPLETIONS_SOFT_LIMIT && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
      warnings.push(
        'spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail',
      );
    }
  }
  const sp = path('spec', 'template', 'spec');
  const podSpec = spec.template?.spec;
  if (podSpec) {
    if ((podSpec.volumes ?? []).length > 0) warnings.push(`${sp.child('volumes').toString()}: kjob runs pods as local processes; volumes are not mounted`);
    if (podSpec.nodeSelector || podSpec.affinity || (podSpec.tolerations ?? []).length > 0) {
      warnings.push(`${sp.toString()}: kjob runs pods on any worker polling its task queue; nodeSelector, affinity and tolerations are kept but not used for placement`);
    }
    const all: Array<[string, Container[]]> = [
      ['initContainers', podSpec.initContainers ?? []],
      ['containers', podSpec.containers ?? []],
    ];
    for (const [field, containers] of all) {
      containers.forEach((c, i) => {
        const cp = sp.child(field).index(i);
        if ((c.volumeMounts ?? []).length > 0) warnings.push(`${cp.child('volumeMounts').toString()}: kjob runs pods as local processes; volumes are not mounted`);
        if (c.resources && Object.keys(c.resources).length > 0) warnings.push(`${cp.child('resources').toString()}: kjob's process runtime does not enforce resource requests or limits`);
      });
    }
  }
  return warnings;
}
