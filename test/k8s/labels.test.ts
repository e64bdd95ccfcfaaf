import { describe, expect, it } from 'vitest';
import {
  isDNS1123Label,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorAsSelector,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  selectorString,
  utf8Length,
} from '../../src/k8s/labels.js';

const labels = { app: 'web', tier: 'frontend', 'batch.kubernetes.io/job-name': 'pi', n: '7' };

describe('parseLabelSelector + matchesLabelSelector', () => {
  const cases = [
    { name: 'matches everything with an empty selector', text: '', match: true },
    { name: 'matches a=b', text: 'app=web', match: true },
    { name: 'matches a==b', text: 'app==web', match: true },
    { name: 'does not match a=b with another value', text: 'app=db', match: false },
    { name: 'matches a!=b for another value', text: 'app!=db', match: true },
    { name: 'matches a!=b when the key is missing', text: 'missing!=x', match: true },
    { name: 'does not match a!=b for the same value', text: 'app!=web', match: false },
    { name: 'matches a in (x,y)', text: 'tier in (backend, frontend)', match: true },
    { name: 'does not match a in (x) when absent', text: 'missing in (x)', match: false },
    { name: 'matches a notin (x) when absent', text: 'missing notin (x)', match: true },
    { name: 'does not match a notin (..) containing the value', text: 'tier notin (frontend)', match: false },
    { name: 'matches an existence requirement', text: 'app', match: true },
    { name: 'does not match existence of a missing key', text: 'missing', match: false },
    { name: 'matches !a for a missing key', text: '!missing', match: true },
    { name: 'does not match !a for a present key', text: '!app', match: false },
    { name: 'ANDs comma-separated requirements', text: 'app=web,tier=frontend,!missing', match: true },
    { name: 'fails the AND when one requirement fails', text: 'app=web,tier=backend', match: false },
    { name: 'matches a prefixed key (the Job pods selector)', text: 'batch.kubernetes.io/job-name=pi', match: true },
    { name: 'matches a>N numerically', text: 'n>5', match: true },
    { name: 'does not match a<N when greater', text: 'n<5', match: false },
    { name: 'matches a= with the empty value only when the label is empty', text: 'app=', match: false },
    { name: 'parses the upstream example with empty values (x in (foo,,baz),y,z notin ())', text: 'tier in (foo,,frontend),app,n notin ()', match: true },
    { name: 'reads in and notin as values inside a list', text: 'app notin (in, notin)', match: true },
  ];
  it.each(cases)('$name', ({ text, match }) => {
    const r = parseLabelSelector(text);
    if (!r.ok) throw new Error(r.error);
    expect(matchesLabelSelector(r.selector, labels)).toBe(match);
  });

  // Messages of apimachinery labels/selector.go, typos included ("found '' expected: '('").
  const errors = [
    { name: 'rejects a missing value list', text: 'a in', error: "unable to parse requirement: found '' expected: '('" },
    { name: 'rejects an unclosed value list', text: 'a in (x', error: "unable to parse requirement: found '', expected: ',' or ')'" },
    { name: "rejects '!' without a key", text: '!', error: "unable to parse requirement: found '', expected: identifier" },
    { name: 'rejects an unknown operator word', text: 'a within (x)', error: "unable to parse requirement: found 'within', expected: '=', '!=', '==', 'in', notin'" },
    { name: 'rejects a leading comma', text: ',a', error: "found ',', expected: !, identifier, or 'end of string'" },
    { name: 'rejects a trailing comma', text: 'a=b,', error: "found '', expected: identifier after ','" },
    { name: 'rejects a bad key (with upstream\'s <nil> path)', text: '-a=b', error: /^unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of/ },
    { name: 'rejects two values after =', text: 'a=b c', error: "found 'c', expected: ',' or 'end of string'" },
    { name: 'rejects a value too long for a label', text: `a=${'x'.repeat(64)}`, error: /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "x+": must be no more than 63 bytes/ },
    { name: 'rejects a non-integer with >', text: 'a>b', error: /^unable to parse requirement: values\[0\]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer$/ },
    { name: 'rejects an unknown symbol run', text: 'a=(b)', error: "unable to parse requirement: found '(', expected: identifier" },
  ];
  it.each(errors)('$name', ({ text, error }) => {
    const r = parseLabelSelector(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error instanceof RegExp ? error : new RegExp(`^${error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('when a selector is parsed, then it prints canonically sorted by key', () => {
    const r = parseLabelSelector('tier in (b,a), app=web, !x');
    if (!r.ok) throw new Error(r.error);
    expect(selectorString(r.selector)).toBe('app=web,tier in (a,b),!x');
  });
});

describe('labelSelectorAsSelector (spec.selector objects)', () => {
  it('when matchLabels and matchExpressions are given, then all must hold', () => {
    const r = labelSelectorAsSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend'] },
        { key: 'missing', operator: 'DoesNotExist' },
        { key: 'n', operator: 'Exists' },
        { key: 'app', operator: 'NotIn', values: ['db'] },
      ],
    });
    if (!r.ok) throw new Error(r.error);
    expect(matchesLabelSelector(r.selector, labels)).toBe(true);
    expect(matchesLabelSelector(r.selector, { ...labels, missing: 'x' })).toBe(false);
  });

  it('when the selector is empty, then it matches everything', () => {
    const r = labelSelectorAsSelector({});
    expect(r.ok && matchesLabelSelector(r.selector, {})).toBe(true);
  });

  it('when an operator is unknown, then it is an error', () => {
    expect(labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Has' as 'In' }] })).toEqual({
      ok: false,
      error: '"Has" is not a valid label selector operator',
    });
  });
});

describe('parseFieldSelector + matchesFieldSelector', () => {
  const fields = { 'involvedObject.name': 'pi', 'metadata.name': 'pi.1', type: 'Normal' };
  const cases = [
    { name: 'matches involvedObject.name=x', text: 'involvedObject.name=pi', match: true },
    { name: 'matches with ==', text: 'metadata.name==pi.1', match: true },
    { name: 'matches != for another value', text: 'type!=Warning', match: true },
    { name: 'ANDs several terms', text: 'involvedObject.name=pi,type=Warning', match: false },
    { name: 'treats a missing field as empty', text: 'reason=', match: true },
    { name: 'understands escaped commas', text: 'involvedObject.name=a\\,b', match: false },
    { name: 'matches everything when empty', text: '', match: true },
  ];
  it.each(cases)('$name', ({ text, match }) => {
    const r = parseFieldSelector(text);
    if (!r.ok) throw new Error(r.error);
    expect(matchesFieldSelector(r.requirements, fields)).toBe(match);
  });

  it('when an escaped comma is in a value, then it is unescaped', () => {
    expect(parseFieldSelector('a=x\\,y')).toEqual({ ok: true, requirements: [{ field: 'a', operator: '=', value: 'x,y' }] });
  });

  const errors = [
    { name: 'rejects a term without operator', text: 'involvedObject.name', error: "invalid selector: 'involvedObject.name'; can't understand 'involvedObject.name'" },
    { name: 'rejects set syntax', text: 'a in (x)', error: "invalid selector: 'a in (x)'; can't understand 'a in (x)'" },
    { name: 'rejects an unescaped = in a value, printing its code point as Go does', text: 'a=b=c', error: 'invalid field selector: unescaped character in value: 61' },
    { name: 'rejects an unknown escape', text: 'a=b\\x', error: 'invalid field selector: invalid escape sequence: \\x' },
    { name: 'rejects a trailing backslash', text: 'a=b\\', error: 'invalid field selector: invalid escape sequence: \\' },
  ];
  it.each(errors)('$name', ({ text, error }) => {
    expect(parseFieldSelector(text)).toEqual({ ok: false, error });
  });

  it('when terms are empty (a trailing comma), then they are skipped', () => {
    expect(parseFieldSelector('a=b,')).toEqual({ ok: true, requirements: [{ field: 'a', operator: '=', value: 'b' }] });
  });
});

describe('name and label syntax', () => {
  it('when a name has dots, then it is not a DNS label but says why', () => {
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
    expect(isDNS1123Label('ok-name')).toEqual([]);
  });

  it('when a qualified name has an empty prefix, then the prefix part is named', () => {
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('example.com/x')).toEqual([]);
    expect(isQualifiedName('Example.com/x')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
  });

  it('when a label value is empty, then it is valid', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('-x')).toHaveLength(1);
  });
});

describe('utf8Length', () => {
  const cases = ['', 'abc', 'héllo', '✓ done', '😀x', '\u{10ffff}'];
  it.each(cases)('when the string is %j, then it counts the bytes TextEncoder would produce', (s) => {
    expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
  });
});
