/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON, inspected field by field */
import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch } from '../../src/api/patch.js';
import { ApiError } from '../../src/api/status.js';

describe('applyMergePatch (RFC 7386)', () => {
  // The test vectors of RFC 7386 Appendix A.
  const cases = [
    { name: 'replaces a member', target: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
    { name: 'adds a member', target: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
    { name: 'removes a member set to null', target: { a: 'b' }, patch: { a: null }, want: {} },
    { name: 'removes only the null member', target: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
    { name: 'replaces an array with a scalar', target: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
    { name: 'replaces a scalar with an array', target: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
    { name: 'merges nested objects', target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
    { name: 'replaces arrays wholesale', target: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
    { name: 'replaces a non-object target', target: ['a', 'b'], patch: ['c', 'd'], want: ['c', 'd'] },
    { name: 'turns a scalar target into an object', target: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
    { name: 'keeps nulls inside new objects out', target: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  ];
  it.each(cases)('$name', ({ target, patch, want }) => {
    const before = structuredClone(target);
    expect(applyMergePatch(target, patch)).toEqual(want);
    expect(target).toEqual(before);
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { spec: { parallelism: 1, suspend: false, list: ['a', 'c'] }, metadata: { labels: { 'a/b': 'x' } } };
  const cases = [
    { name: 'replaces a value', patch: [{ op: 'replace', path: '/spec/parallelism', value: 3 }], pick: (d: any) => d.spec.parallelism, want: 3 },
    { name: 'adds into an array by index', patch: [{ op: 'add', path: '/spec/list/1', value: 'b' }], pick: (d: any) => d.spec.list, want: ['a', 'b', 'c'] },
    { name: 'appends with "-"', patch: [{ op: 'add', path: '/spec/list/-', value: 'd' }], pick: (d: any) => d.spec.list, want: ['a', 'c', 'd'] },
    { name: 'removes a member', patch: [{ op: 'remove', path: '/spec/suspend' }], pick: (d: any) => 'suspend' in d.spec, want: false },
    { name: 'unescapes ~1 in keys', patch: [{ op: 'replace', path: '/metadata/labels/a~1b', value: 'y' }], pick: (d: any) => d.metadata.labels['a/b'], want: 'y' },
    { name: 'moves a value', patch: [{ op: 'move', from: '/spec/parallelism', path: '/spec/completions' }], pick: (d: any) => [d.spec.completions, d.spec.parallelism], want: [1, undefined] },
    { name: 'copies a value', patch: [{ op: 'copy', from: '/spec/list', path: '/spec/copy' }], pick: (d: any) => d.spec.copy, want: ['a', 'c'] },
    { name: 'passes a matching test', patch: [{ op: 'test', path: '/spec/parallelism', value: 1 }], pick: (d: any) => d.spec.parallelism, want: 1 },
  ];
  it.each(cases)('$name', ({ patch, pick, want }) => {
    expect(pick(applyJsonPatch(doc, patch))).toEqual(want);
    expect(doc.spec.parallelism).toBe(1);
  });

  const failures = [
    { name: 'fails on a missing path', patch: [{ op: 'remove', path: '/spec/nope' }], code: 400 },
    { name: 'fails on an unknown op', patch: [{ op: 'frobnicate', path: '/spec' }], code: 400 },
    { name: 'fails when the patch is not an array', patch: { op: 'add' }, code: 400 },
    { name: 'fails on a pointer without a leading slash', patch: [{ op: 'add', path: 'spec', value: 1 }], code: 400 },
    { name: 'fails on an array index out of range', patch: [{ op: 'replace', path: '/spec/list/5', value: 1 }], code: 400 },
    { name: 'fails a test that does not match with 422', patch: [{ op: 'test', path: '/spec/parallelism', value: 2 }], code: 422 },
  ];
  it.each(failures)('$name', ({ patch, code }) => {
    let caught: unknown;
    try {
      applyJsonPatch(doc, patch);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).code).toBe(code);
  });
});

