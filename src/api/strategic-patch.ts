/**
 * Strategic merge patch (apimachinery's strategicpatch.StrategicMergePatch) for the batch/v1 and
 * core/v1 fields a Job holds: maps merge as in a merge patch, lists of objects with a
 * `patchMergeKey` (containers by `name`, ports by `containerPort`, …) merge element by element,
 * other lists are replaced. The directives kubectl's three-way apply sends are understood:
 * `$patch: replace | delete | merge`, `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>`. Unknown `$` keys are a 400, as on the API server.
 */
import { BadRequest } from './status.js';

/**
 * The `patchMergeKey` of each list field with `patchStrategy: merge` in the Job's types (the
 * `+patchMergeKey` tags of k8s.io/api). Keyed by field name: no two Job fields with the same name
 * differ in key.
 */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  ownerReferences: 'uid',
  resourceClaims: 'name',
  schedulingGates: 'name',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars merged as sets (`patchStrategy: merge` on a []string). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A value from the patch with its directives removed (what a new element or field becomes). */
function clean(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => clean(v, `${path}[${i}]`));
  if (!isObject(value)) return value;
  return mergeMap({}, value, path);
}

/** Applies a strategic merge patch to a JSON value; the inputs are not changed. */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new BadRequest('a strategic merge patch must be a JSON object');
  return mergeMap(isObject(target) ? target : {}, patch, '') ?? {};
}

function mergeMap(original: Obj, patch: Obj, path: string): Obj | undefined {
  const directive = patch.$patch;
  if (directive !== undefined) {
    if (directive === 'delete') return undefined;
    if (directive === 'replace') {
      const { $patch: _p, ...rest } = patch;
      return mergeMap({}, rest, path);
    }
    if (directive !== 'merge') throw new BadRequest(`unknown patch type: ${JSON.stringify(directive)} in map at ${path || '<root>'}`);
  }
  const result: Obj = { ...original };
  const orders: Array<[string, unknown]> = [];
  let retainKeys: unknown;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (key === '$retainKeys') {
      retainKeys = value;
      continue;
    }
    if (key.startsWith(SET_ORDER)) {
      orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw new BadRequest(`${key} at ${path || '<root>'} must be a list`);
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((v) => !value.some((d) => d === v));
      continue;
    }
    if (key.startsWith('$')) throw new BadRequest(`strategic merge patch directive ${JSON.stringify(key)} at ${path || '<root>'} is not supported`);
    const here = at(path, key);
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, key, here);
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(result[key]) ? result[key] : {}, value, here);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  if (retainKeys !== undefined) {
    if (!Array.isArray(retainKeys)) throw new BadRequest(`$retainKeys at ${path || '<root>'} must be a list`);
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  for (const [field, order] of orders) {
    if (!Array.isArray(order)) throw new BadRequest(`${SET_ORDER}${field} at ${path || '<root>'} must be a list`);
    const list = result[field];
    if (Array.isArray(list)) result[field] = reorder(list, order, MERGE_KEYS[field]);
  }
  return result;
}

/**
 * Orders a merged list as `$setElementOrder` says: the listed elements in that order, the server's
 * other elements after them in their own order (mergeSortedSlice keeps them, as here).
 */
function reorder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const id = (v: unknown): unknown => (mergeKey && isObject(v) ? v[mergeKey] : v);
  const wanted = order.map(id);
  const rank = (v: unknown): number => {
    const i = wanted.findIndex((w) => w === id(v));
    return i < 0 ? wanted.length : i;
  };
  return list.map((v, i) => ({ v, i })).sort((a, b) => rank(a.v) - rank(b.v) || a.i - b.i).map((x) => x.v);
}

function mergeList(original: unknown, patch: unknown[], field: string, path: string): unknown[] {
  const mergeKey = MERGE_KEYS[field];
  if (MERGED_PRIMITIVE_LISTS.has(field) && patch.every((v) => !isObject(v))) {
    const current = Array.isArray(original) ? original : [];
    return [...current, ...patch.filter((v) => !current.includes(v))];
  }
  if (mergeKey === undefined) {
    // Not a merging list: replaced wholesale (a `{$patch: replace}` element says the same).
    return patch.filter((v) => !(isObject(v) && v.$patch === 'replace')).map((v, i) => clean(v, `${path}[${i}]`));
  }
  if (patch.some((v) => isObject(v) && v.$patch === 'replace')) {
    return patch.filter((v) => !(isObject(v) && v.$patch === 'replace')).map((v, i) => clean(v, `${path}[${i}]`));
  }
  const result = Array.isArray(original) ? [...original] : [];
  patch.forEach((item, i) => {
    if (!isObject(item)) throw new BadRequest(`${path}[${i}]: a list merged by "${mergeKey}" needs objects`);
    const key = item[mergeKey];
    if (key === undefined) throw new BadRequest(`${path}[${i}]: map does not contain the merge key "${mergeKey}"`);
    const index = result.findIndex((e) => isObject(e) && e[mergeKey] === key);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      return;
    }
    const here = `${path}[${mergeKey}=${String(key)}]`;
    if (index < 0) result.push(mergeMap({}, item, here) ?? {});
    else {
      const merged = mergeMap(result[index] as Obj, item, here);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    }
  });
  return result;
}
