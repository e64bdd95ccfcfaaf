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

type TokenKind = 'id' | 'in' | 'notin' | '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',' | 'end' | 'error';
interface Token {
  kind: TokenKind;
  text: string;
}

/** The lexer's literal tokens (selector.go `string2token`). */
const LITERALS: Readonly<Record<string, TokenKind>> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};
const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

/** selector.go `Lexer.Lex`, run to the end (`Parser.scan`). */
function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < input.length && isWhitespace(input[i] as string)) i++;
    if (i >= input.length) {
      out.push({ kind: 'end', text: '' });
      return out;
    }
    if (isSpecial(input[i] as string)) {
      // scanSpecialSymbol: the longest run of special characters that is a literal token.
      let buffer = '';
      let last: Token | null = null;
      while (i < input.length && isSpecial(input[i] as string)) {
        buffer += input[i];
        const kind = Object.hasOwn(LITERALS, buffer) ? LITERALS[buffer] : undefined;
        if (kind) last = { kind, text: buffer };
        else if (last) break;
        i++;
      }
      out.push(last ?? { kind: 'error', text: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let j = i;
    while (j < input.length && !isSpecial(input[j] as string) && !isWhitespace(input[j] as string)) j++;
    const word = input.slice(i, j);
    i = j;
    out.push({ kind: word === 'in' || word === 'notin' ? word : 'id', text: word });
  }
}

/** A labels.Parse failure (the message is what the API server puts in its 400). */
class SelectorError extends Error {}

/** `NewRequirement`'s checks, with its field paths (`key`, `values[0][k]`) and aggregation. */
function newRequirement(key: string, operator: SelectorOperator, values: string[]): Requirement {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  if (operator === 'gt' || operator === 'lt') {
    values.forEach((v, i) => {
      if (!/^[+-]?\d+$/.test(v)) errs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
    });
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${valueErrs.join('; ')}`);
  });
  if (errs.length === 1) throw new SelectorError(errs[0]);
  if (errs.length > 1) throw new SelectorError(`[${errs.join(', ')}]`);
  return { key, operator, values };
}

/**
 * `labels.Parse`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`,
 * joined by commas, with the upstream parser's error messages (selector.go). Keys must be
 * qualified names and values label values.
 */
export function parseLabelSelector(text: string): SelectorResult {
  const items = lex(text);
  let pos = 0;
  // In a value position `in` and `notin` are plain identifiers (ParserContext Values).
  const asValue = (t: Token): Token => (t.kind === 'in' || t.kind === 'notin' ? { kind: 'id', text: t.text } : t);
  const lookahead = (values: boolean): Token => {
    const t = items[Math.min(pos, items.length - 1)] as Token;
    return values ? asValue(t) : t;
  };
  const consume = (values: boolean): Token => {
    const t = lookahead(values);
    pos++;
    return t;
  };

  const parseValues = (): string[] => {
    const open = consume(true);
    if (open.kind !== '(') throw new SelectorError(`found '${open.text}' expected: '('`);
    const first = lookahead(true);
    if (first.kind === ')') {
      consume(true);
      return [''];
    }
    if (first.kind !== 'id' && first.kind !== ',') throw new SelectorError(`found '${first.text}', expected: ',', ')' or identifier`);
    // parseIdentifiersList: comma-separated, possibly empty identifiers.
    const set = new Set<string>();
    for (;;) {
      const t = consume(true);
      if (t.kind === 'id') {
        set.add(t.text);
        const next = lookahead(true);
        if (next.kind === ',') continue;
        if (next.kind === ')') break;
        throw new SelectorError(`found '${next.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        if (set.size === 0) set.add('');
        const next = lookahead(true);
        if (next.kind === ')') {
          set.add('');
          break;
        }
        if (next.kind === ',') {
          consume(true);
          set.add('');
        }
      } else {
        throw new SelectorError(`found '${t.text}', expected: ',', or identifier`);
      }
    }
    const close = consume(true);
    if (close.kind !== ')') throw new SelectorError(`found '${first.text}', expected: ')'`);
    return [...set].sort();
  };

  const parseExactValue = (): string[] => {
    const t = lookahead(true);
    if (t.kind === 'end' || t.kind === ',') return [''];
    const v = consume(true);
    if (v.kind === 'id') return [v.text];
    throw new SelectorError(`found '${v.text}', expected: identifier`);
  };

  const parseRequirement = (): Requirement => {
    let first = consume(true);
    let unary: SelectorOperator | null = null;
    if (first.kind === '!') {
      unary = '!';
      first = consume(true);
    }
    if (first.kind !== 'id') throw new SelectorError(`found '${first.text}', expected: identifier`);
    const keyErrs = isQualifiedName(first.text);
    if (keyErrs.length > 0) throw new SelectorError(`<nil>: Invalid value: ${JSON.stringify(first.text)}: ${keyErrs.join('; ')}`);
    const after = lookahead(true);
    if (after.kind === 'end' || after.kind === ',') return newRequirement(first.text, unary ?? 'exists', []);
    const op = consume(false);
    switch (op.kind) {
      case 'in':
      case 'notin':
        return newRequirement(first.text, op.kind, parseValues());
      case '=':
      case '==':
      case '!=':
        return newRequirement(first.text, op.kind, parseExactValue());
      case '>':
        return newRequirement(first.text, 'gt', parseExactValue());
      case '<':
        return newRequirement(first.text, 'lt', parseExactValue());
      default:
        throw new SelectorError(`found '${op.text}', expected: '=', '!=', '==', 'in', notin'`);
    }
  };

  const selector: Selector = [];
  try {
    for (;;) {
      const t = lookahead(true);
      if (t.kind === 'end') break;
      if (t.kind !== 'id' && t.kind !== '!') throw new SelectorError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      try {
        selector.push(parseRequirement());
      } catch (err) {
        if (err instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const sep = consume(true);
      if (sep.kind === 'end') break;
      if (sep.kind !== ',') throw new SelectorError(`found '${sep.text}', expected: ',' or 'end of string'`);
      const next = lookahead(true);
      if (next.kind !== 'id' && next.kind !== '!') throw new SelectorError(`found '${next.text}', expected: identifier after ','`);
    }
  } catch (err) {
    if (err instanceof SelectorError) return { ok: false, error: err.message };
    throw err;
  }
  // Sorted by key, as labels.Parse returns them.
  selector.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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

/** `splitTerms`: commas split terms unless escaped; the backslashes are kept for UnescapeValue. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** `splitTerm`: the first `!=`, `==` or `=` splits the term; the field is taken literally. */
function splitTerm(term: string): [string, '!=' | '==' | '=', string] | null {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return null;
}

/** `UnescapeValue`: `\\`, `\,` and `\=` are escapes; a bare `,` or `=` is an error. */
function unescapeValue(s: string): { value: string } | { error: string } {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') return { error: `invalid field selector: invalid escape sequence: \\${c}` };
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go formats the rune with %v, which prints its code point (61 for '=').
      return { error: `invalid field selector: unescaped character in value: ${c.codePointAt(0)}` };
    } else {
      out += c;
    }
  }
  if (inSlash) return { error: 'invalid field selector: invalid escape sequence: \\' };
  return { value: out };
}

/**
 * `fields.ParseSelector`: comma-separated `field=value`, `field==value` or `field!=value`
 * (equality only), e.g. `involvedObject.name=pi,type=Warning`, with upstream's messages.
 */
export function parseFieldSelector(text: string): FieldSelectorResult {
  const requirements: FieldRequirement[] = [];
  for (const part of splitTerms(text).sort()) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) return { ok: false, error: `invalid selector: '${text}'; can't understand '${part}'` };
    const [field, op, rhs] = term;
    const unescaped = unescapeValue(rhs);
    if ('error' in unescaped) return { ok: false, error: unescaped.error };
    requirements.push({ field, operator: op === '!=' ? '!=' : '=', value: unescaped.value });
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
