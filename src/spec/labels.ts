/**
 * Label and field selectors as the Kubernetes API accepts them in `?labelSelector=` and
 * `?fieldSelector=` (apimachinery `pkg/labels/selector.go` and `pkg/fields/selector.go`), plus
 * the `metav1.LabelSelector` object form (`matchLabels` / `matchExpressions`) used by
 * `spec.selector`, and the label key/value syntax checks (`IsQualifiedName`,
 * `IsValidLabelValue`) with Kubernetes' messages.
 *
 * Pure: no imports outside spec/.
 */
import type { LabelSelector } from './types.js';

// ---- label syntax (apimachinery pkg/api/validate/content/kube.go, dns.go) ----------------------

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_KEY_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_ERR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** `validation.RegexError`. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`;
}

/** `validation.MaxLenError` of util/validation (DNS names): `must be no more than 63 characters`. */
export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** `content.MaxLenError` (label keys and values): `must be no more than 63 bytes`. */
function maxLenBytesError(n: number): string {
  return `must be no more than ${n} bytes`;
}

/**
 * The UTF-8 length of a string (Go's `len`), counted by hand so this module needs no
 * TextEncoder in the workflow sandbox.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `IsDNS1123Label`: ≤63 characters, lower-case alphanumerics and '-'. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(value)) {
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** `IsDNS1123Subdomain`: ≤253 characters, labels joined by dots. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** `IsQualifiedName` / `IsLabelKey`: `[prefix/]name`, prefix a DNS subdomain, name ≤63. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (utf8Length(name) > 63) errs.push(`name part ${maxLenBytesError(63)}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** `IsValidLabelValue`: empty, or ≤63 bytes of alphanumerics, '-', '_', '.'. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 63) errs.push(maxLenBytesError(63));
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

// ---- label selectors ----------------------------------------------------------------------------

export type SelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A parsed label selector: all requirements must hold (AND). Empty = everything. */
export type Selector = Requirement[];

export type SelectorResult = { ok: true; selector: Selector } | { ok: false; error: string };

type Token =
  | { kind: 'id'; text: string }
  | { kind: 'op'; text: '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',' }
  | { kind: 'end'; text: '' };

const SPECIAL = new Set(['!', '=', '(', ')', ',', '>', '<']);

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        out.push({ kind: 'op', text: two });
        i += 2;
      } else {
        out.push({ kind: 'op', text: c as '!' });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j] as string) && !/\s/.test(input[j] as string)) j++;
    out.push({ kind: 'id', text: input.slice(i, j) });
    i = j;
  }
  out.push({ kind: 'end', text: '' });
  return out;
}

function validateRequirement(r: Requirement): string | null {
  const keyErrs = isQualifiedName(r.key);
  if (keyErrs.length > 0) return `key: Invalid value: ${JSON.stringify(r.key)}: ${keyErrs.join('; ')}`;
  for (let i = 0; i < r.values.length; i++) {
    const v = r.values[i] ?? '';
    if (r.operator === 'gt' || r.operator === 'lt') {
      if (!/^-?\d+$/.test(v)) return `values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`;
      continue;
    }
    const errs = isValidLabelValue(v);
    if (errs.length > 0) return `values[${i}][${r.key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`;
  }
  return null;
}

/**
 * Parses `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, joined by
 * commas (labels.Parse). Keys must be qualified names and values label values.
 */
export function parseLabelSelector(text: string): SelectorResult {
  const toks = lex(text);
  let pos = 0;
  const peek = (): Token => toks[pos] as Token;
  const next = (): Token => toks[pos++] as Token;
  const fail = (found: Token, expected: string): SelectorResult => ({
    ok: false,
    error: `unable to parse requirement: found '${found.text}', expected: ${expected}`,
  });
  const selector: Selector = [];
  if (peek().kind === 'end') return { ok: true, selector };
  for (;;) {
    let r: Requirement;
    const t = next();
    if (t.kind === 'op' && t.text === '!') {
      const k = next();
      if (k.kind !== 'id') return fail(k, "identifier after '!'");
      r = { key: k.text, operator: '!', values: [] };
    } else if (t.kind === 'id') {
      const op = peek();
      if (op.kind === 'end' || (op.kind === 'op' && op.text === ',')) {
        r = { key: t.text, operator: 'exists', values: [] };
      } else if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=' || op.text === '>' || op.text === '<')) {
        next();
        const v = peek();
        let value = '';
        if (v.kind === 'id') {
          value = v.text;
          next();
        } else if (!(v.kind === 'end' || (v.kind === 'op' && v.text === ','))) {
          return fail(v, 'identifier');
        }
        const operator: SelectorOperator = op.text === '>' ? 'gt' : op.text === '<' ? 'lt' : op.text;
        if ((operator === 'gt' || operator === 'lt') && value === '') return fail(v, 'identifier');
        r = { key: t.text, operator, values: [value] };
      } else if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
        next();
        const open = next();
        if (!(open.kind === 'op' && open.text === '(')) return fail(open, "'('");
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v.kind === 'id') {
            values.push(v.text);
            next();
          } else if (v.kind === 'op' && (v.text === ',' || v.text === ')')) {
            values.push(''); // `in (a,)` and `in ()` hold the empty value, as upstream
          } else {
            return fail(v, "identifier, ',' or ')'");
          }
          const sep = next();
          if (sep.kind === 'op' && sep.text === ')') break;
          if (!(sep.kind === 'op' && sep.text === ',')) return fail(sep, "',' or ')'");
        }
        r = { key: t.text, operator: op.text, values: [...new Set(values)] };
      } else {
        return fail(op, "'=', '!=', '==', 'in', notin'");
      }
    } else {
      return fail(t, 'identifier');
    }
    const err = validateRequirement(r);
    if (err) return { ok: false, error: `unable to parse requirement: ${err}` };
    selector.push(r);
    const sep = next();
    if (sep.kind === 'end') break;
    if (!(sep.kind === 'op' && sep.text === ',')) return fail(sep, "','");
  }
  return { ok: true, selector };
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value as string);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value as string)) return false;
      const a = Number(value);
      const b = Number(r.values[0]);
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

/** True when `labels` satisfy every requirement (`labels.Selector.Matches`). */
export function matchesLabelSelector(selector: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => requirementMatches(r, l));
}

/**
 * `metav1.LabelSelectorAsSelector`: a `spec.selector` object as requirements. An empty selector
 * matches everything; unknown operators are an error.
 */
export function labelSelectorAsSelector(sel: LabelSelector): SelectorResult {
  const out: Selector = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) out.push({ key, operator: '=', values: [value] });
  for (const expr of sel.matchExpressions ?? []) {
    switch (expr.operator) {
      case 'In':
        out.push({ key: expr.key, operator: 'in', values: expr.values ?? [] });
        break;
      case 'NotIn':
        out.push({ key: expr.key, operator: 'notin', values: expr.values ?? [] });
        break;
      case 'Exists':
        out.push({ key: expr.key, operator: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        out.push({ key: expr.key, operator: '!', values: [] });
        break;
      default:
        return { ok: false, error: `${JSON.stringify(expr.operator)} is not a valid label selector operator` };
    }
  }
  return { ok: true, selector: out };
}

/** `Selector.String()`: requirements in canonical text form, sorted by key. */
export function selectorString(selector: Selector): string {
  return [...selector]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${[...r.values].sort().join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
        default:
          return `${r.key}${r.operator}${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}

// ---- field selectors ----------------------------------------------------------------------------

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export type FieldSelectorResult = { ok: true; requirements: FieldRequirement[] } | { ok: false; error: string };

/** Splits on unescaped `sep` (fields.ParseSelector understands `\,`, `\=`, `\!` and `\\`). */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

function unescape(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined || !'\\,=!'.includes(n)) return null;
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      return null;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * `fields.ParseSelector`: comma-separated `field=value`, `field==value` or `field!=value`
 * (equality only), e.g. `involvedObject.name=pi,type=Warning`.
 */
export function parseFieldSelector(text: string): FieldSelectorResult {
  const requirements: FieldRequirement[] = [];
  if (text.trim() === '') return { ok: true, requirements };
  for (const part of splitUnescaped(text, ',')) {
    const bad: FieldSelectorResult = { ok: false, error: `invalid selector: '${text}'; can't understand '${part}'` };
    // Find the first unescaped operator: `!=`, `==` or `=`.
    let opAt = -1;
    let op = '';
    for (let i = 0; i < part.length; i++) {
      const c = part[i];
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '!' && part[i + 1] === '=') {
        opAt = i;
        op = '!=';
        break;
      }
      if (c === '=') {
        opAt = i;
        op = part[i + 1] === '=' ? '==' : '=';
        break;
      }
    }
    if (opAt <= 0) return bad;
    const field = unescape(part.slice(0, opAt).trim());
    const value = unescape(part.slice(opAt + op.length).trim());
    if (field === null || value === null || field === '') return bad;
    requirements.push({ field, operator: op === '!=' ? '!=' : '=', value });
  }
  return { ok: true, requirements };
}

/** True when every requirement holds for the object's selectable fields (missing field = ""). */
export function matchesFieldSelector(requirements: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => {
    const v = Object.hasOwn(fields, r.field) ? fields[r.field] : '';
    return r.operator === '=' ? v === r.value : v !== r.value;
  });
}
