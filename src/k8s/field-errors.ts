/**
 * Kubernetes-style field errors (apimachinery `pkg/util/validation/field`): the error type, a path
 * builder, constructors and the exact message formatting of `field.Error.Error()` /
 * `ErrorBody()`, so kjob answers `spec.completions: Invalid value: -1: must be greater than or
 * equal to 0` word for word as the API server does.
 *
 * Pure: no imports, safe for the workflow bundle.
 */

export type FieldErrorType =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueForbidden'
  | 'FieldValueTypeInvalid';

export interface FieldError {
  type: FieldErrorType;
  /** The field path as Kubernetes renders it: `spec.template.spec.containers[0].env[1].name`. */
  field: string;
  /** The offending value; absent for Required/Forbidden/TooLong (never printed for those). */
  value?: unknown;
  detail: string;
  /** For NotSupported: the supported values (also spelled out in `detail`). */
  supported?: string[];
  /** When true the value is not printed (`field.OmitValueType{}` upstream). */
  omitValue?: boolean;
}

/** `ErrorType.String()` in field/errors.go. TypeInvalid prints as "Invalid value" too. */
const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueForbidden: 'Forbidden',
  FieldValueTypeInvalid: 'Invalid value',
};

// ---- paths -----------------------------------------------------------------------------------

/**
 * A field path, rendered like `field.Path.String()`: children joined with `.`, indexes and map
 * keys in brackets (`metadata.labels[app]`, `spec.template.spec.containers[0]`).
 */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | null,
    private readonly segment: string,
    private readonly kind: 'name' | 'index',
  ) {}

  static root(name: string, ...more: string[]): FieldPath {
    let p = new FieldPath(null, name, 'name');
    for (const m of more) p = p.child(m);
    return p;
  }

  child(name: string, ...more: string[]): FieldPath {
    let p = new FieldPath(this, name, 'name');
    for (const m of more) p = new FieldPath(p, m, 'name');
    return p;
  }

  index(i: number): FieldPath {
    return new FieldPath(this, `[${i}]`, 'index');
  }

  key(k: string): FieldPath {
    return new FieldPath(this, `[${k}]`, 'index');
  }

  /** The first element of the path (`spec` for `spec.completions`). */
  root(): FieldPath {
    return this.parent ? this.parent.root() : this;
  }

  toString(): string {
    const own = this.kind === 'name' && this.parent ? `.${this.segment}` : this.segment;
    return this.parent ? this.parent.toString() + own : own;
  }
}

/** `path('spec').child('completions')` → `spec.completions`. */
export function path(name: string, ...more: string[]): FieldPath {
  return FieldPath.root(name, ...more);
}

type PathLike = FieldPath | string;
const str = (p: PathLike): string => (typeof p === 'string' ? p : p.toString());

// ---- constructors (field/errors.go) ------------------------------------------------------------

export function invalid(p: PathLike, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: str(p), value, detail };
}

/** `field.Invalid(path, field.OmitValueType{}, detail)`: the value is not printed. */
export function invalidOmitValue(p: PathLike, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: str(p), detail, omitValue: true };
}

export function required(p: PathLike, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field: str(p), detail };
}

/** `field.NotSupported`: detail `supported values: "a", "b"` (Go-quoted, in the given order). */
export function notSupported(p: PathLike, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field: str(p), value, detail, supported: [...supported] };
}

export function duplicate(p: PathLike, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field: str(p), value, detail: '' };
}

/** `field.TooLong`: the value is never printed; `may not be more than N bytes`. */
export function tooLong(p: PathLike, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return { type: 'FieldValueTooLong', field: str(p), detail };
}

/** `field.TooMany`: `Too many: 21: must have at most 20 items`. */
export function tooMany(p: PathLike, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return actual >= 0
    ? { type: 'FieldValueTooMany', field: str(p), value: actual, detail }
    : { type: 'FieldValueTooMany', field: str(p), detail, omitValue: true };
}

export function forbidden(p: PathLike, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field: str(p), detail };
}

/**
 * A value of the wrong JSON type, worded like the OpenAPI schema validation the API server runs
 * for custom resources (go-openapi `typeFailWithData`, apiextensions `field.TypeInvalid`):
 * `spec.completions: Invalid value: "string": spec.completions in body must be of type integer: "string"`.
 */
export function typeInvalid(p: PathLike, expected: string, actualType: string): FieldError {
  const field = str(p);
  return { type: 'FieldValueTypeInvalid', field, value: actualType, detail: `${field} in body must be of type ${expected}: ${goQuote(actualType)}` };
}

// ---- formatting ---------------------------------------------------------------------------------

/**
 * Go's `strconv.Quote`: double quotes, `\"` and `\\`, the C escapes, `\xNN` / `\uNNNN` /
 * `\UNNNNNNNN` for non-printable characters; printable Unicode is kept as is.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (cp === 0x20 || (cp > 0x20 && cp < 0x7f)) out += ch;
    else if (cp === 0x07) out += '\\a';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp === 0x0b) out += '\\v';
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

/** How `ErrorBody` prints a bad value: numbers and booleans plainly, strings Go-quoted, else JSON. */
function renderValue(value: unknown): string {
  // Go prints an int64 with all its digits (JavaScript would round 2^60 to 1152921504606847000).
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 63) return BigInt(value).toString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return goQuote(value);
  if (value === undefined || value === null) return 'null';
  try {
    // Go's json.Marshal writes map keys sorted; sorting every object keeps the output stable.
    const sorted = (_key: string, v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
        : v;
    return JSON.stringify(value, sorted) ?? 'null';
  } catch {
    return String(value);
  }
}

/**
 * `field.Error.ErrorBody()`: the message without the field path, e.g. `Invalid value: -1: must
 * be greater than or equal to 0`. This is what a Status cause carries as `message`.
 */
export function fieldErrorBody(e: FieldError): string {
  const text = TYPE_TEXT[e.type];
  let s: string;
  switch (e.type) {
    case 'FieldValueRequired':
    case 'FieldValueForbidden':
    case 'FieldValueTooLong':
      s = text;
      break;
    default:
      s = e.omitValue ? text : `${text}: ${renderValue(e.value)}`;
  }
  return e.detail.length > 0 ? `${s}: ${e.detail}` : s;
}

/** `field.Error.Error()`: `spec.completions: Invalid value: -1: must be greater than or equal to 0`. */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/**
 * A `metav1.StatusCause` for `details.causes[]`: `reason` is the error type
 * (`FieldValueInvalid`, …), `message` the error body, `field` the path (apierrors.NewInvalid).
 */
export function toStatusCause(e: FieldError): { reason: FieldErrorType; message: string; field: string } {
  return { reason: e.type, message: fieldErrorBody(e), field: e.field };
}

/**
 * The Status message of a 422 (apierrors.NewInvalid + utilerrors.Aggregate): duplicates dropped,
 * one error printed alone, several in brackets: `Job.batch "pi" is invalid: [a, b]`.
 */
export function invalidMessage(qualifiedKind: string, name: string, errors: readonly FieldError[]): string {
  const seen = new Set<string>();
  for (const e of errors) seen.add(formatFieldError(e));
  const msgs = [...seen];
  if (msgs.length === 0) return `${qualifiedKind} ${goQuote(name)} is invalid`;
  const agg = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  return `${qualifiedKind} ${goQuote(name)} is invalid: ${agg}`;
}
