/**
 * Manifest bodies (JSON or YAML) → a plain JSON value, for `decodeJob`. API side only: this is
 * the one k8s/ module that imports the `yaml` package, which must stay out of the workflow
 * bundle.
 *
 * Guards: UTF-8 only; one YAML document per request; duplicate keys are errors in JSON as in YAML
 * (the API server's strict decoding reports `duplicate field`); YAML aliases are capped so an
 * alias bomb ("billion laughs") cannot expand; a size cap; stack exhaustion on absurd nesting is
 * a 400, not a crash.
 */
import { isScalar, parseAllDocuments } from 'yaml';

export type ParseResult = { value: unknown } | { error: string; code: 400 | 413 | 415 };

/** Largest manifest accepted, like the API server's 3 MiB request limit. */
export const MAX_MANIFEST_BYTES = 3 * 1024 * 1024;
/** Alias expansions allowed while converting a YAML document (the yaml library's maxAliasCount). */
export const MAX_YAML_ALIASES = 100;

const JSON_TYPES = new Set(['application/json']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Finds the first duplicate key in valid JSON text (JSON.parse silently keeps the last one).
 * Iterative, so deep nesting costs no stack.
 */
export function findDuplicateJsonKey(text: string): string | null {
  const stack: Array<Set<string> | null> = [];
  // After `{` or `,` inside an object the next string is a key.
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') j++;
        j++;
      }
      s = text.slice(i, j + 1);
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(s) as string;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return null;
}

function parseJsonText(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `error decoding JSON: ${(err as Error).message}`, code: 400 };
  }
  const dup = findDuplicateJsonKey(text);
  if (dup !== null) return { error: `error decoding JSON: duplicate field ${JSON.stringify(dup)}`, code: 400 };
  return { value };
}

function parseYamlText(text: string): ParseResult {
  try {
    const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
    const list = Array.isArray(docs) ? docs : [];
    for (const doc of list) {
      const first = doc.errors[0];
      if (first) return { error: `error converting YAML to JSON: ${first.message}`, code: 400 };
    }
    // A stream may carry empty documents (a leading or trailing `---`, comments only).
    const withContent = list.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
    if (withContent.length > 1) {
      return {
        error: `the YAML stream holds ${withContent.length} documents; send one Job manifest per request`,
        code: 400,
      };
    }
    const doc = withContent[0];
    if (!doc) return { error: 'the request body is empty: expected a Job manifest', code: 400 };
    return { value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown };
  } catch (err) {
    const message = err instanceof RangeError ? 'the document is nested too deeply' : (err as Error).message;
    return { error: `error converting YAML to JSON: ${message}`, code: 400 };
  }
}

/**
 * Parses a Job manifest by its Content-Type: `application/json`, or YAML as
 * `application/yaml`, `application/x-yaml`, `text/yaml` or `text/x-yaml` (parameters such as
 * `; charset=utf-8` are ignored). Errors carry the HTTP code to answer: 415 for another media
 * type, 413 past `MAX_MANIFEST_BYTES`, 400 for everything else.
 */
export function parseManifest(body: string | Uint8Array, contentType: string): ParseResult {
  const type = mediaType(contentType);
  const isJson = JSON_TYPES.has(type);
  const isYaml = YAML_TYPES.has(type);
  if (!isJson && !isYaml) {
    return {
      error: `the body of the request was in an unknown format (${type || 'no Content-Type'}) - accepted media types include: ${[...JSON_TYPES, ...YAML_TYPES].join(', ')}`,
      code: 415,
    };
  }
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else {
    if (body.byteLength > MAX_MANIFEST_BYTES) return { error: `the request body is larger than ${MAX_MANIFEST_BYTES} bytes`, code: 413 };
    try {
      text = utf8.decode(body);
    } catch {
      return { error: 'the request body is not valid UTF-8', code: 400 };
    }
  }
  if (text.length > MAX_MANIFEST_BYTES) return { error: `the request body is larger than ${MAX_MANIFEST_BYTES} bytes`, code: 413 };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { error: 'the request body is empty: expected a Job manifest', code: 400 };
  try {
    return isJson ? parseJsonText(text) : parseYamlText(text);
  } catch (err) {
    if (err instanceof RangeError) return { error: 'the document is nested too deeply', code: 400 };
    throw err;
  }
}
