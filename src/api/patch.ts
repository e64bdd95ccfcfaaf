/**
 * Two of the PATCH flavours the Kubernetes API server accepts, applied to plain JSON values:
 * JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902). Strategic merge patch is
 * strategic-patch.ts.
 */
import { invalid } from '../k8s/field-errors.js';
import { BadRequest, Invalid } from './status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 §2 MergePatch: objects merge recursively, `null` removes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

/** RFC 6901 JSON Pointer → reference tokens (`~1` is `/`, `~0` is `~`). */
function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new BadRequest(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forInsert: boolean, pointer: string): number {
  if (forInsert && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new BadRequest(`invalid array index ${JSON.stringify(token)} in ${pointer}`);
  const i = Number(token);
  if (i > arr.length || (!forInsert && i === arr.length)) throw new BadRequest(`array index ${i} out of range in ${pointer}`);
  return i;
}

/** The container addressed by all tokens but the last, plus the last token. */
function parentOf(doc: Json, pointer: string): { parent: Json; last: string } {
  const t = tokens(pointer);
  if (t.length === 0) throw new BadRequest(`the whole document cannot be the target of this operation`);
  let node: Json = doc;
  for (const token of t.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false, pointer)]!;
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token]!;
    else throw new BadRequest(`path ${pointer} does not exist`);
  }
  return { parent: node, last: t[t.length - 1]! };
}

function get(doc: Json, pointer: string): Json {
  let node: Json = doc;
  for (const token of tokens(pointer)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false, pointer)]!;
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token]!;
    else throw new BadRequest(`path ${pointer} does not exist`);
  }
  return node;
}

function remove(doc: Json, pointer: string): Json {
  const { parent, last } = parentOf(doc, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false, pointer), 1)[0]!;
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const v = parent[last]!;
    delete parent[last];
    return v;
  }
  throw new BadRequest(`path ${pointer} does not exist`);
}

function add(doc: Json, pointer: string, value: Json): Json {
  if (pointer === '') return value;
  const { parent, last } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, pointer), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new BadRequest(`path ${pointer} does not exist`);
  return doc;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 6902 JSON Patch. Any failing operation fails the whole patch (the document is a copy). */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new BadRequest('a JSON patch must be an array of operations');
  let doc = structuredClone(target) as Json;
  patch.forEach((raw: unknown, i) => {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new BadRequest(`JSON patch operation ${i} needs string "op" and "path"`);
    }
    const op = raw as unknown as Operation;
    const needValue = () => {
      if (!Object.hasOwn(raw, 'value')) throw new BadRequest(`JSON patch operation ${i} (${op.op}) needs "value"`);
      return structuredClone(op.value) as Json;
    };
    const needFrom = () => {
      if (typeof op.from !== 'string') throw new BadRequest(`JSON patch operation ${i} (${op.op}) needs "from"`);
      return op.from;
    };
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, needValue());
        break;
      case 'remove':
        remove(doc, op.path);
        break;
      case 'replace': {
        const value = needValue();
        if (op.path === '') doc = value;
        else {
          remove(doc, op.path);
          doc = add(doc, op.path, value);
        }
        break;
      }
      case 'move': {
        const from = needFrom();
        if (op.path.startsWith(`${from}/`)) throw new BadRequest(`JSON patch operation ${i}: cannot move ${from} into itself`);
        const value = remove(doc, from);
        doc = add(doc, op.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, structuredClone(get(doc, needFrom())));
        break;
      case 'test':
        if (!deepEqual(get(doc, op.path), needValue())) {
          // The API server reports a failed test as 422 Invalid ("testing value … failed").
          throw new Invalid({ group: '', kind: 'JSONPatch' }, '', [invalid(op.path, op.value, 'test operation failed')]);
        }
        break;
      default:
        throw new BadRequest(`JSON patch operation ${i}: unknown op ${JSON.stringify(op.op)}`);
    }
  });
  return doc;
}
