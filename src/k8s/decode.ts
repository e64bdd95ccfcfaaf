/**
 * From a parsed manifest (`unknown`, the output of JSON.parse or the YAML parser) to a typed
 * `Job`, checking the JSON type of every field the way the API server's decoder and schema
 * validation do: wrong types are field errors (`spec.completions: Invalid value: "string":
 * spec.completions in body must be of type integer: "string"`), integers must be integral and in
 * range for int32 fields, unknown fields are dropped and reported as warnings (the API server's
 * default `fieldValidation=Warn` answer is `unknown field "spec.foo"`).
 *
 * The decoder is bounded so a hostile body cannot make it work hard: arrays longer than their
 * limit are TooMany (and not read further), opaque pass-through objects (`resources`,
 * `volumes`, …) may nest at most `MAX_OPAQUE_DEPTH` levels, and at most `MAX_VALUES` values are
 * read in total. Map keys are copied with `defineProperty`, so a `__proto__` key is just a key.
 *
 * Pure: no imports outside spec/.
 */
import {
  type FieldPath,
  forbidden,
  invalid,
  invalidOmitValue,
  notSupported,
  path,
  tooMany,
  typeInvalid,
  type FieldError,
} from './field-errors.js';
import { CRONJOB_KIND, type CronJob, type CronJobSpec, type JobTemplateSpec } from './cronjob-types.js';
import {
  JOB_API_VERSION,
  JOB_KIND,
  type Container,
  type EnvVar,
  type Job,
  type JobSpec,
  type LabelSelector,
  type LabelSelectorRequirement,
  type ObjectMeta,
  type OwnerReference,
  type PodFailurePolicy,
  type PodFailurePolicyRule,
  type PodSpec,
  type PodTemplateSpec,
  type SuccessPolicy,
} from './types.js';

/** Most entries any list or map of a Job may have (env vars, containers, labels, …). */
export const MAX_ITEMS = 1000;
/** `command` and `args` may be longer: generated argument lists are common. */
export const MAX_ARGV_ITEMS = 10000;
/** Nesting allowed inside an opaque pass-through object such as `resources` or `affinity`. */
export const MAX_OPAQUE_DEPTH = 32;
/** Values (scalars, objects, arrays) read from one manifest, all fields together. */
export const MAX_VALUES = 200000;
/** Unknown fields reported; past this many the rest are dropped without a warning each. */
export const MAX_WARNINGS = 100;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export interface DecodeResult {
  /**
   * The typed Job. Present unless `kindError` is set. When `errors` is non-empty the fields with
   * errors were left out, so answer 422 with `errors` and do not validate this Job further.
   */
  job?: Job;
  /** Field type errors: answer 422 Invalid. */
  errors: FieldError[];
  /** Paths of unknown fields that were dropped (`spec.foo`); see `unknownFieldWarning`. */
  warnings: string[];
  /** Not a Job at all (not an object, wrong apiVersion or kind): answer 400 BadRequest. */
  kindError?: string;
}

/** The API server's warning for a dropped field (`fieldValidation=Warn`). */
export function unknownFieldWarning(fieldPath: string): string {
  return `unknown field ${JSON.stringify(fieldPath)}`;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON schema type name of a value, as go-openapi reports it (`integer` vs `number`). */
function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** Sets a property without ever touching a prototype (`__proto__` stays a plain key). */
function setOwn(target: Obj, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

class Decoder {
  readonly errors: FieldError[] = [];
  readonly warnings: string[] = [];
  private values = 0;
  private exhausted = false;

  /** Counts one value; false once the budget is spent (reported once). */
  private tick(p: FieldPath): boolean {
    this.values++;
    if (this.values > MAX_VALUES) {
      if (!this.exhausted) {
        this.exhausted = true;
        this.errors.push(forbidden(p, `the manifest has more than ${MAX_VALUES} values`));
      }
      return false;
    }
    return true;
  }

  /** Reads the known keys of an object with their readers; warns about the rest. */
  fields(v: Obj, p: FieldPath, readers: Record<string, (value: unknown, p: FieldPath) => void>, ignored: readonly string[] = []): void {
    for (const key of Object.keys(v)) {
      const value = v[key];
      const reader = Object.hasOwn(readers, key) ? readers[key] : undefined;
      if (reader) {
        if (value === null || value === undefined) continue; // null = unset, as Go decodes it
        if (!this.tick(p)) return;
        reader(value, p.child(key));
      } else if (!ignored.includes(key)) {
        if (!this.tick(p)) return;
        if (this.warnings.length < MAX_WARNINGS) this.warnings.push(p.child(key).toString());
      }
    }
  }

  object(v: unknown, p: FieldPath): Obj | undefined {
    if (isObj(v)) return v;
    this.errors.push(typeInvalid(p, 'object', jsonType(v)));
    return undefined;
  }

  string(v: unknown, p: FieldPath): string | undefined {
    if (typeof v === 'string') return v;
    this.errors.push(typeInvalid(p, 'string', jsonType(v)));
    return undefined;
  }

  bool(v: unknown, p: FieldPath): boolean | undefined {
    if (typeof v === 'boolean') return v;
    this.errors.push(typeInvalid(p, 'boolean', jsonType(v)));
    return undefined;
  }

  private integer(v: unknown, p: FieldPath): number | undefined {
    if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v)) {
      this.errors.push(typeInvalid(p, 'integer', jsonType(v)));
      return undefined;
    }
    return v;
  }

  int32(v: unknown, p: FieldPath): number | undefined {
    const n = this.integer(v, p);
    if (n === undefined) return undefined;
    if (n < INT32_MIN || n > INT32_MAX) {
      // go-openapi's format check: `… must be of type int32: "int64"`.
      this.errors.push(typeInvalid(p, 'int32', 'int64'));
      return undefined;
    }
    return n;
  }

  int64(v: unknown, p: FieldPath): number | undefined {
    const n = this.integer(v, p);
    if (n === undefined) return undefined;
    if (!Number.isSafeInteger(n)) {
      // A JSON number beyond 2^53 has already lost precision in JavaScript: refuse it.
      this.errors.push(invalid(p, n, `must be between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, inclusive`));
      return undefined;
    }
    return n;
  }

  /** An array, cut at `max` items (TooMany), each item read by `item`; failed items are dropped. */
  array<T>(v: unknown, p: FieldPath, item: (value: unknown, p: FieldPath) => T | undefined, max = MAX_ITEMS): T[] | undefined {
    if (!Array.isArray(v)) {
      this.errors.push(typeInvalid(p, 'array', jsonType(v)));
      return undefined;
    }
    if (v.length > max) {
      this.errors.push(tooMany(p, v.length, max));
      return undefined;
    }
    const out: T[] = [];
    for (let i = 0; i < v.length; i++) {
      if (!this.tick(p)) return out;
      const decoded = item(v[i], p.index(i));
      if (decoded !== undefined) out.push(decoded);
    }
    return out;
  }

  stringArray(v: unknown, p: FieldPath, max = MAX_ITEMS): string[] | undefined {
    return this.array(v, p, (x, ip) => this.string(x, ip), max);
  }

  /** A `map[string]string` (labels, annotations, nodeSelector, matchLabels). */
  stringMap(v: unknown, p: FieldPath): Record<string, string> | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const keys = Object.keys(o);
    if (keys.length > MAX_ITEMS) {
      this.errors.push(tooMany(p, keys.length, MAX_ITEMS));
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const k of keys) {
      if (!this.tick(p)) return out;
      const value = o[k];
      if (value === null || value === undefined) continue;
      const s = this.string(value, p.key(k));
      if (s !== undefined) setOwn(out, k, s);
    }
    return out;
  }

  /** A JSON value kjob keeps but does not interpret, copied with bounded depth and size. */
  opaque(v: unknown, p: FieldPath, depth = 0): unknown {
    if (depth > MAX_OPAQUE_DEPTH) {
      this.errors.push(invalidOmitValue(p, `must not be nested more than ${MAX_OPAQUE_DEPTH} levels deep`));
      return undefined;
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      this.errors.push(typeInvalid(p, 'number', 'string'));
      return undefined;
    }
    if (Array.isArray(v)) {
      if (v.length > MAX_ITEMS) {
        this.errors.push(tooMany(p, v.length, MAX_ITEMS));
        return undefined;
      }
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        if (!this.tick(p)) return out;
        out.push(this.opaque(v[i], p.index(i), depth + 1));
      }
      return out;
    }
    if (isObj(v)) {
      const keys = Object.keys(v);
      if (keys.length > MAX_ITEMS) {
        this.errors.push(tooMany(p, keys.length, MAX_ITEMS));
        return undefined;
      }
      const out: Obj = {};
      for (const k of keys) {
        if (!this.tick(p)) return out;
        setOwn(out, k, this.opaque(v[k], p.child(k), depth + 1));
      }
      return out;
    }
    this.errors.push(typeInvalid(p, 'object', jsonType(v)));
    return undefined;
  }

  opaqueObject(v: unknown, p: FieldPath): Record<string, unknown> | undefined {
    if (!this.object(v, p)) return undefined;
    return this.opaque(v, p) as Record<string, unknown> | undefined;
  }

  opaqueObjectArray(v: unknown, p: FieldPath): Record<string, unknown>[] | undefined {
    return this.array(v, p, (x, ip) => this.opaqueObject(x, ip));
  }

  // ---- typed objects ----------------------------------------------------------------------

  objectMeta(v: unknown, p: FieldPath): ObjectMeta | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const m: ObjectMeta = {};
    const s = (k: keyof ObjectMeta) => (x: unknown, fp: FieldPath) => {
      const val = this.string(x, fp);
      if (val !== undefined) (m as Record<string, unknown>)[k] = val;
    };
    this.fields(
      o,
      p,
      {
        name: s('name'),
        generateName: s('generateName'),
        namespace: s('namespace'),
        uid: s('uid'),
        resourceVersion: s('resourceVersion'),
        creationTimestamp: s('creationTimestamp'),
        deletionTimestamp: s('deletionTimestamp'),
        generation: (x, fp) => {
          const n = this.int64(x, fp);
          if (n !== undefined) m.generation = n;
        },
        deletionGracePeriodSeconds: (x, fp) => {
          const n = this.int64(x, fp);
          if (n !== undefined) m.deletionGracePeriodSeconds = n;
        },
        labels: (x, fp) => {
          const map = this.stringMap(x, fp);
          if (map) m.labels = map;
        },
        annotations: (x, fp) => {
          const map = this.stringMap(x, fp);
          if (map) m.annotations = map;
        },
        ownerReferences: (x, fp) => {
          const refs = this.array(x, fp, (r, rp) => this.ownerReference(r, rp));
          if (refs) m.ownerReferences = refs;
        },
        finalizers: (x, fp) => {
          const f = this.stringArray(x, fp);
          if (f) m.finalizers = f;
        },
      },
      // Server-managed fields a client may echo back: accepted and dropped silently.
      ['selfLink', 'managedFields'],
    );
    return m;
  }

  ownerReference(v: unknown, p: FieldPath): OwnerReference | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const r: OwnerReference = { apiVersion: '', kind: '', name: '', uid: '' };
    this.fields(o, p, {
      apiVersion: (x, fp) => void (r.apiVersion = this.string(x, fp) ?? ''),
      kind: (x, fp) => void (r.kind = this.string(x, fp) ?? ''),
      name: (x, fp) => void (r.name = this.string(x, fp) ?? ''),
      uid: (x, fp) => void (r.uid = this.string(x, fp) ?? ''),
      controller: (x, fp) => {
        const b = this.bool(x, fp);
        if (b !== undefined) r.controller = b;
      },
      blockOwnerDeletion: (x, fp) => {
        const b = this.bool(x, fp);
        if (b !== undefined) r.blockOwnerDeletion = b;
      },
    });
    return r;
  }

  labelSelector(v: unknown, p: FieldPath): LabelSelector | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const sel: LabelSelector = {};
    this.fields(o, p, {
      matchLabels: (x, fp) => {
        const map = this.stringMap(x, fp);
        if (map) sel.matchLabels = map;
      },
      matchExpressions: (x, fp) => {
        const exprs = this.array(x, fp, (e, ep) => {
          const eo = this.object(e, ep);
          if (!eo) return undefined;
          const req: LabelSelectorRequirement = { key: '', operator: '' as LabelSelectorRequirement['operator'] };
          this.fields(eo, ep, {
            key: (y, yp) => void (req.key = this.string(y, yp) ?? ''),
            operator: (y, yp) => void (req.operator = (this.string(y, yp) ?? '') as LabelSelectorRequirement['operator']),
            values: (y, yp) => {
              const vals = this.stringArray(y, yp);
              if (vals) req.values = vals;
            },
          });
          return req;
        });
        if (exprs) sel.matchExpressions = exprs;
      },
    });
    return sel;
  }

  envVar(v: unknown, p: FieldPath): EnvVar | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const e: EnvVar = { name: '' };
    this.fields(o, p, {
      name: (x, fp) => void (e.name = this.string(x, fp) ?? ''),
      value: (x, fp) => {
        const s = this.string(x, fp);
        if (s !== undefined) e.value = s;
      },
      valueFrom: (x, fp) => {
        const src = this.object(x, fp);
        if (!src) return;
        e.valueFrom = {};
        // Known Kubernetes sources kjob has nothing to read from: refusing beats an empty value.
        const unsupported = (source: string) => () => void this.errors.push(notSupported(fp, source, ['fieldRef']));
        this.fields(src, fp, {
          fieldRef: (y, yp) => {
            const fo = this.object(y, yp);
            if (!fo) return;
            const ref: { apiVersion?: string; fieldPath: string } = { fieldPath: '' };
            this.fields(fo, yp, {
              apiVersion: (z, zp) => {
                const s = this.string(z, zp);
                if (s !== undefined) ref.apiVersion = s;
              },
              fieldPath: (z, zp) => void (ref.fieldPath = this.string(z, zp) ?? ''),
            });
            e.valueFrom = { fieldRef: ref };
          },
          resourceFieldRef: unsupported('resourceFieldRef'),
          configMapKeyRef: unsupported('configMapKeyRef'),
          secretKeyRef: unsupported('secretKeyRef'),
          fileKeyRef: unsupported('fileKeyRef'),
        });
      },
    });
    return e;
  }

  container(v: unknown, p: FieldPath): Container | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const c: Container = { name: '' };
    const s = (k: 'image' | 'workingDir' | 'imagePullPolicy' | 'terminationMessagePath' | 'terminationMessagePolicy') => (x: unknown, fp: FieldPath) => {
      const val = this.string(x, fp);
      if (val !== undefined) c[k] = val;
    };
    const b = (k: 'stdin' | 'tty') => (x: unknown, fp: FieldPath) => {
      const val = this.bool(x, fp);
      if (val !== undefined) c[k] = val;
    };
    this.fields(o, p, {
      name: (x, fp) => void (c.name = this.string(x, fp) ?? ''),
      image: s('image'),
      command: (x, fp) => {
        const a = this.stringArray(x, fp, MAX_ARGV_ITEMS);
        if (a) c.command = a;
      },
      args: (x, fp) => {
        const a = this.stringArray(x, fp, MAX_ARGV_ITEMS);
        if (a) c.args = a;
      },
      workingDir: s('workingDir'),
      env: (x, fp) => {
        const env = this.array(x, fp, (e, ep) => this.envVar(e, ep));
        if (env) c.env = env;
      },
      restartPolicy: (_x, fp) => {
        // A native sidecar (an init container with restartPolicy Always) would keep the pod's
        // init phase from ever ending in kjob's process runtime: refuse it rather than hang.
        this.errors.push(forbidden(fp, 'kjob does not run sidecar containers; remove restartPolicy from the container'));
      },
      envFrom: (_x, fp) => {
        this.errors.push(forbidden(fp, 'kjob has no ConfigMaps or Secrets to read variables from; list them under `env`'));
      },
      imagePullPolicy: s('imagePullPolicy'),
      resources: (x, fp) => {
        const r = this.opaqueObject(x, fp);
        if (r) c.resources = r;
      },
      volumeMounts: (x, fp) => {
        const r = this.opaqueObjectArray(x, fp);
        if (r) c.volumeMounts = r;
      },
      ports: (x, fp) => {
        const r = this.opaqueObjectArray(x, fp);
        if (r) c.ports = r;
      },
      securityContext: (x, fp) => {
        const r = this.opaqueObject(x, fp);
        if (r) c.securityContext = r;
      },
      terminationMessagePath: s('terminationMessagePath'),
      terminationMessagePolicy: s('terminationMessagePolicy'),
      stdin: b('stdin'),
      tty: b('tty'),
    });
    return c;
  }

  podSpec(v: unknown, p: FieldPath): PodSpec {
    const spec: PodSpec = { containers: [] };
    const o = this.object(v, p);
    if (!o) return spec;
    const s = (k: 'hostname' | 'subdomain' | 'nodeName' | 'serviceAccountName' | 'priorityClassName' | 'dnsPolicy' | 'schedulerName') => (x: unknown, fp: FieldPath) => {
      const val = this.string(x, fp);
      if (val !== undefined) spec[k] = val;
    };
    const oa = (k: 'volumes' | 'tolerations' | 'imagePullSecrets' | 'schedulingGates') => (x: unknown, fp: FieldPath) => {
      const val = this.opaqueObjectArray(x, fp);
      if (val) spec[k] = val;
    };
    const oo = (k: 'affinity' | 'securityContext') => (x: unknown, fp: FieldPath) => {
      const val = this.opaqueObject(x, fp);
      if (val) spec[k] = val;
    };
    this.fields(o, p, {
      containers: (x, fp) => {
        const cs = this.array(x, fp, (c, cp) => this.container(c, cp));
        if (cs) spec.containers = cs;
      },
      initContainers: (x, fp) => {
        const cs = this.array(x, fp, (c, cp) => this.container(c, cp));
        if (cs) spec.initContainers = cs;
      },
      restartPolicy: (x, fp) => {
        const val = this.string(x, fp);
        if (val !== undefined) spec.restartPolicy = val as PodSpec['restartPolicy'];
      },
      terminationGracePeriodSeconds: (x, fp) => {
        const n = this.int64(x, fp);
        if (n !== undefined) spec.terminationGracePeriodSeconds = n;
      },
      activeDeadlineSeconds: (x, fp) => {
        const n = this.int64(x, fp);
        if (n !== undefined) spec.activeDeadlineSeconds = n;
      },
      hostname: s('hostname'),
      subdomain: s('subdomain'),
      nodeName: s('nodeName'),
      nodeSelector: (x, fp) => {
        const map = this.stringMap(x, fp);
        if (map) spec.nodeSelector = map;
      },
      serviceAccountName: s('serviceAccountName'),
      volumes: oa('volumes'),
      tolerations: oa('tolerations'),
      affinity: oo('affinity'),
      securityContext: oo('securityContext'),
      imagePullSecrets: oa('imagePullSecrets'),
      schedulingGates: oa('schedulingGates'),
      priorityClassName: s('priorityClassName'),
      dnsPolicy: s('dnsPolicy'),
      schedulerName: s('schedulerName'),
    });
    return spec;
  }

  podTemplate(v: unknown, p: FieldPath): PodTemplateSpec {
    const t: PodTemplateSpec = { spec: { containers: [] } };
    const o = this.object(v, p);
    if (!o) return t;
    this.fields(o, p, {
      metadata: (x, fp) => {
        const m = this.objectMeta(x, fp);
        if (m) t.metadata = m;
      },
      spec: (x, fp) => void (t.spec = this.podSpec(x, fp)),
    });
    return t;
  }

  podFailurePolicy(v: unknown, p: FieldPath): PodFailurePolicy | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const pfp: PodFailurePolicy = { rules: [] };
    this.fields(o, p, {
      rules: (x, fp) => {
        const rules = this.array(x, fp, (r, rp) => this.podFailurePolicyRule(r, rp));
        if (rules) pfp.rules = rules;
      },
    });
    return pfp;
  }

  podFailurePolicyRule(v: unknown, p: FieldPath): PodFailurePolicyRule | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const rule: PodFailurePolicyRule = { action: '' as PodFailurePolicyRule['action'] };
    this.fields(o, p, {
      action: (x, fp) => void (rule.action = (this.string(x, fp) ?? '') as PodFailurePolicyRule['action']),
      onExitCodes: (x, fp) => {
        const eo = this.object(x, fp);
        if (!eo) return;
        const req: NonNullable<PodFailurePolicyRule['onExitCodes']> = { operator: '' as 'In', values: [] };
        this.fields(eo, fp, {
          containerName: (y, yp) => {
            const s = this.string(y, yp);
            if (s !== undefined) req.containerName = s;
          },
          operator: (y, yp) => void (req.operator = (this.string(y, yp) ?? '') as 'In'),
          values: (y, yp) => {
            const vals = this.array(y, yp, (n, np) => this.int32(n, np));
            if (vals) req.values = vals;
          },
        });
        rule.onExitCodes = req;
      },
      onPodConditions: (x, fp) => {
        const pats = this.array(x, fp, (c, cp) => {
          const co = this.object(c, cp);
          if (!co) return undefined;
          const pat: { type: string; status?: 'True' | 'False' | 'Unknown' } = { type: '' };
          this.fields(co, cp, {
            type: (y, yp) => void (pat.type = this.string(y, yp) ?? ''),
            status: (y, yp) => {
              const s = this.string(y, yp);
              if (s !== undefined) pat.status = s as 'True';
            },
          });
          return pat;
        });
        if (pats) rule.onPodConditions = pats;
      },
    });
    return rule;
  }

  successPolicy(v: unknown, p: FieldPath): SuccessPolicy | undefined {
    const o = this.object(v, p);
    if (!o) return undefined;
    const sp: SuccessPolicy = { rules: [] };
    this.fields(o, p, {
      rules: (x, fp) => {
        const rules = this.array(x, fp, (r, rp) => {
          const ro = this.object(r, rp);
          if (!ro) return undefined;
          const rule: { succeededIndexes?: string; succeededCount?: number } = {};
          this.fields(ro, rp, {
            succeededIndexes: (y, yp) => {
              const s = this.string(y, yp);
              if (s !== undefined) rule.succeededIndexes = s;
            },
            succeededCount: (y, yp) => {
              const n = this.int32(y, yp);
              if (n !== undefined) rule.succeededCount = n;
            },
          });
          return rule;
        });
        if (rules) sp.rules = rules;
      },
    });
    return sp;
  }

  cronJobSpec(v: unknown, p: FieldPath): CronJobSpec {
    const spec = { schedule: '' } as CronJobSpec;
    const o = this.object(v, p);
    if (!o) return spec;
    this.fields(o, p, {
      schedule: (x, fp) => void (spec.schedule = this.string(x, fp) ?? ''),
      timeZone: (x, fp) => {
        const s = this.string(x, fp);
        if (s !== undefined) spec.timeZone = s;
      },
      startingDeadlineSeconds: (x, fp) => {
        const n = this.int64(x, fp);
        if (n !== undefined) spec.startingDeadlineSeconds = n;
      },
      concurrencyPolicy: (x, fp) => {
        const s = this.string(x, fp);
        if (s !== undefined) spec.concurrencyPolicy = s as CronJobSpec['concurrencyPolicy'];
      },
      suspend: (x, fp) => {
        const b = this.bool(x, fp);
        if (b !== undefined) spec.suspend = b;
      },
      jobTemplate: (x, fp) => {
        const to = this.object(x, fp);
        if (!to) return;
        const template: JobTemplateSpec = { spec: { template: { spec: { containers: [] } } } };
        this.fields(to, fp, {
          metadata: (y, yp) => {
            const m = this.objectMeta(y, yp);
            if (m) template.metadata = m;
          },
          spec: (y, yp) => void (template.spec = this.jobSpec(y, yp)),
        });
        spec.jobTemplate = template;
      },
      successfulJobsHistoryLimit: (x, fp) => {
        const n = this.int32(x, fp);
        if (n !== undefined) spec.successfulJobsHistoryLimit = n;
      },
      failedJobsHistoryLimit: (x, fp) => {
        const n = this.int32(x, fp);
        if (n !== undefined) spec.failedJobsHistoryLimit = n;
      },
    });
    return spec;
  }

  jobSpec(v: unknown, p: FieldPath): JobSpec {
    const spec: JobSpec = { template: { spec: { containers: [] } } };
    const o = this.object(v, p);
    if (!o) return spec;
    const i32 = (k: 'parallelism' | 'completions' | 'backoffLimit' | 'backoffLimitPerIndex' | 'maxFailedIndexes' | 'ttlSecondsAfterFinished') => (x: unknown, fp: FieldPath) => {
      const n = this.int32(x, fp);
      if (n !== undefined) spec[k] = n;
    };
    const str = (k: 'completionMode' | 'podReplacementPolicy' | 'managedBy') => (x: unknown, fp: FieldPath) => {
      const s = this.string(x, fp);
      if (s !== undefined) (spec as unknown as Record<string, unknown>)[k] = s;
    };
    const bool = (k: 'manualSelector' | 'suspend') => (x: unknown, fp: FieldPath) => {
      const b = this.bool(x, fp);
      if (b !== undefined) spec[k] = b;
    };
    this.fields(o, p, {
      parallelism: i32('parallelism'),
      completions: i32('completions'),
      activeDeadlineSeconds: (x, fp) => {
        const n = this.int64(x, fp);
        if (n !== undefined) spec.activeDeadlineSeconds = n;
      },
      podFailurePolicy: (x, fp) => {
        const pfp = this.podFailurePolicy(x, fp);
        if (pfp) spec.podFailurePolicy = pfp;
      },
      successPolicy: (x, fp) => {
        const sp = this.successPolicy(x, fp);
        if (sp) spec.successPolicy = sp;
      },
      backoffLimit: i32('backoffLimit'),
      backoffLimitPerIndex: i32('backoffLimitPerIndex'),
      maxFailedIndexes: i32('maxFailedIndexes'),
      selector: (x, fp) => {
        const sel = this.labelSelector(x, fp);
        if (sel) spec.selector = sel;
      },
      manualSelector: bool('manualSelector'),
      template: (x, fp) => void (spec.template = this.podTemplate(x, fp)),
      ttlSecondsAfterFinished: i32('ttlSecondsAfterFinished'),
      completionMode: str('completionMode'),
      suspend: bool('suspend'),
      podReplacementPolicy: str('podReplacementPolicy'),
      managedBy: str('managedBy'),
    });
    return spec;
  }
}

/**
 * Checks `apiVersion` and `kind` like the API server's decoder and create handler, with their
 * messages; null when this is a `batch/v1` Job.
 */
function kindErrorOf(raw: unknown, expectedKind: string = JOB_KIND): string | null {
  if (!isObj(raw)) {
    const t = jsonType(raw);
    const what = t === 'null' ? 'null' : t === 'array' ? 'an array' : t === 'integer' || t === 'number' ? 'a number' : `a ${t}`;
    return `the request body must be a single ${expectedKind} object, not ${what}`;
  }
  let shown: string;
  try {
    shown = truncate(JSON.stringify(raw), 200);
  } catch {
    shown = '{…}'; // nested beyond JSON.stringify's stack
  }
  const { apiVersion, kind } = raw;
  if (kind === undefined || kind === null || kind === '') return `Object 'Kind' is missing in '${shown}'`;
  if (apiVersion === undefined || apiVersion === null || apiVersion === '') return `Object 'apiVersion' is missing in '${shown}'`;
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') return `apiVersion and kind must be strings in '${shown}'`;
  if (apiVersion !== JOB_API_VERSION) {
    return `the API version in the data (${apiVersion}) does not match the expected API version (${JOB_API_VERSION})`;
  }
  if (kind !== expectedKind) {
    // A kind the group knows, sent to another resource's path, is refused in the API server's words
    // for an object it cannot decode as the resource's kind; an unknown kind is not registered at all.
    if (KNOWN_BATCH_KINDS.includes(kind)) return `${kind} in version "v1" cannot be handled as a ${expectedKind}: no conversion from kind ${kind} to ${expectedKind}`;
    return `no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(JOB_API_VERSION)}`;
  }
  return null;
}

const KNOWN_BATCH_KINDS = [JOB_KIND, CRONJOB_KIND];

/**
 * Decodes a parsed manifest into a typed Job. See `DecodeResult` for how to answer each outcome.
 * `status` in the body is ignored, as the API server resets it on create.
 */
export function decodeJob(raw: unknown): DecodeResult {
  const kindError = kindErrorOf(raw);
  if (kindError !== null) return { errors: [], warnings: [], kindError };
  const o = raw as Obj;
  const d = new Decoder();
  let metadata: ObjectMeta = {};
  let spec: JobSpec = { template: { spec: { containers: [] } } };
  for (const key of Object.keys(o)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key) && d.warnings.length < MAX_WARNINGS) d.warnings.push(key);
  }
  if (o.metadata !== undefined && o.metadata !== null) metadata = d.objectMeta(o.metadata, path('metadata')) ?? {};
  if (o.spec !== undefined && o.spec !== null) spec = d.jobSpec(o.spec, path('spec'));
  return {
    job: { apiVersion: JOB_API_VERSION, kind: JOB_KIND, metadata, spec },
    errors: d.errors,
    warnings: d.warnings,
  };
}

export interface CronJobDecodeResult {
  /** As DecodeResult.job. */
  cronJob?: CronJob;
  errors: FieldError[];
  warnings: string[];
  kindError?: string;
}

/** Decodes a parsed manifest into a typed CronJob (see DecodeResult; `status` is ignored). */
export function decodeCronJob(raw: unknown): CronJobDecodeResult {
  const kindError = kindErrorOf(raw, CRONJOB_KIND);
  if (kindError !== null) return { errors: [], warnings: [], kindError };
  const o = raw as Obj;
  const d = new Decoder();
  let metadata: ObjectMeta = {};
  let spec = { schedule: '', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } as CronJobSpec;
  for (const key of Object.keys(o)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key) && d.warnings.length < MAX_WARNINGS) d.warnings.push(key);
  }
  if (o.metadata !== undefined && o.metadata !== null) metadata = d.objectMeta(o.metadata, path('metadata')) ?? {};
  if (o.spec !== undefined && o.spec !== null) spec = d.cronJobSpec(o.spec, path('spec'));
  return { cronJob: { apiVersion: JOB_API_VERSION, kind: CRONJOB_KIND, metadata, spec }, errors: d.errors, warnings: d.warnings };
}
