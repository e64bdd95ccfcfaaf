import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJson } from '../../src/api/content.js';
import { BadRequest } from '../../src/api/status.js';

const nested = (depth: number) => {
  let s = '1';
  for (let i = 0; i < depth; i++) s = i % 2 ? `[${s}]` : `{"a":${s}}`;
  return s;
};

describe('parseJson', () => {
  it('when the body is valid JSON of ordinary depth, then it is parsed', () => {
    expect(parseJson('{"spec":{"suspend":true}}', 'the patch')).toEqual({ spec: { suspend: true } });
  });

  it('when the body is not JSON, then 400 names what was being decoded', () => {
    expect(() => parseJson('{"spec":', 'the patch')).toThrow(BadRequest);
    expect(() => parseJson('{"spec":', 'the patch')).toThrow(/^error decoding the patch: /);
  });

  it('when the body nests far too deep (which would overflow the stack later), then 400, not a crash', () => {
    const text = nested(200_000);
    expect(() => parseJson(text, 'the patch')).toThrow(`error decoding the patch: nested deeper than ${MAX_JSON_DEPTH} levels`);
  });
});

describe('jsonDepthExceeds', () => {
  const cases = [
    { name: 'a scalar', value: 1, limit: 0, want: false },
    { name: 'an object at the limit', value: JSON.parse(nested(10)), limit: 10, want: false },
    { name: 'an object one past the limit', value: JSON.parse(nested(11)), limit: 10, want: true },
    { name: 'a wide but shallow object', value: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, { v: i }])), limit: 3, want: false },
  ];
  it.each(cases)('for $name, answers $want', ({ value, limit, want }) => {
    expect(jsonDepthExceeds(value, limit)).toBe(want);
  });
});
