import { describe, expect, it } from 'vitest';
import {
  addIndex,
  countIndexes,
  countIntersection,
  firstMissingIndexes,
  formatIntervals,
  hasIndex,
  intervalsOf,
  parseIndexIntervals,
  truncateIndexes,
  type Interval,
} from '../../src/k8s/intervals.js';

describe('formatIntervals (job-semantics §7, orderedIntervals.String)', () => {
  const cases: Array<{ name: string; indexes: number[]; want: string }> = [
    { name: 'writes no indexes as the empty string', indexes: [], want: '' },
    { name: 'writes a run of two as a,b', indexes: [0, 1], want: '0,1' },
    { name: 'writes a run of three as a-b', indexes: [0, 1, 2], want: '0-2' },
    { name: 'writes {1,3,4,5,7} as 1,3-5,7', indexes: [1, 3, 4, 5, 7], want: '1,3-5,7' },
    { name: 'writes {2,4,5,7,8,9} as 2,4,5,7-9', indexes: [2, 4, 5, 7, 8, 9], want: '2,4,5,7-9' },
    { name: 'sorts and merges indexes given out of order', indexes: [9, 8, 7, 5, 4, 2], want: '2,4,5,7-9' },
  ];
  it.each(cases)('$name', ({ indexes, want }) => {
    let s = '';
    for (const i of indexes) s = addIndex(s, i);
    expect(s).toBe(want);
    expect(formatIntervals(indexes.map((i): Interval => [i, i]))).toBe(want);
  });
});

describe('parseIndexIntervals (validation.go validateIndexesFormat)', () => {
  const cases: Array<{ name: string; text: string; completions: number; want: Interval[] | string }> = [
    { name: 'accepts the empty string', text: '', completions: 3, want: [] },
    { name: 'accepts a-b for any a<b', text: '0,2-3,5-9', completions: 10, want: [[0, 0], [2, 3], [5, 9]] },
    { name: 'rejects an index equal to completions', text: '0-10', completions: 10, want: 'too large index: "10"' },
    { name: 'rejects a first index above completions', text: '12', completions: 10, want: 'too large index: "12"' },
    { name: 'rejects a decreasing interval', text: '5-3', completions: 10, want: 'non-increasing order, previous: 5, current: 3' },
    { name: 'rejects an a-a interval', text: '3-3', completions: 10, want: 'non-increasing order, previous: 3, current: 3' },
    { name: 'rejects overlapping intervals', text: '1-3,3', completions: 10, want: 'non-increasing order, previous: 3, current: 3' },
    { name: 'rejects a non-number', text: '1,a', completions: 10, want: 'cannot convert string to integer for index: "a"' },
    { name: 'rejects an empty fragment', text: '1,', completions: 10, want: 'cannot convert string to integer for index: ""' },
    {
      name: 'rejects three parts',
      text: '1-2-3',
      completions: 10,
      want: `the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by '-'`,
    },
  ];
  it.each(cases)('$name', ({ text, completions, want }) => {
    const got = parseIndexIntervals(text, completions);
    if (typeof want === 'string') expect(got).toEqual({ ok: false, error: want });
    else expect(got).toEqual({ ok: true, intervals: want });
  });
});

describe('index set helpers', () => {
  it('when asked about membership, then answers from the intervals', () => {
    expect(hasIndex('1,3-5,7', 4)).toBe(true);
    expect(hasIndex('1,3-5,7', 6)).toBe(false);
    expect(hasIndex(null, 0)).toBe(false);
  });
  it('when counting, then counts every index (below a limit when given)', () => {
    expect(countIndexes('1,3-5,7')).toBe(5);
    expect(countIndexes('0-99999')).toBe(100000);
    expect(countIndexes('1,3-5,7', 5)).toBe(3);
    expect(countIndexes('')).toBe(0);
  });
  it('when truncating, then drops indexes at or above the limit', () => {
    expect(truncateIndexes('0-9,20', 5)).toBe('0-4');
    expect(truncateIndexes('0,1,7', 2)).toBe('0,1');
  });
  it('when intersecting, then counts shared indexes', () => {
    expect(countIntersection('0-9', [[2, 3], [8, 12]])).toBe(4);
    expect(countIntersection('1,3,5', [[0, 0], [2, 2]])).toBe(0);
  });
  it('when looking for missing indexes, then returns the lowest ones not excluded', () => {
    expect(firstMissingIndexes([intervalsOf('0,1,3'), intervalsOf('4')], 10, 3)).toEqual([2, 5, 6]);
    expect(firstMissingIndexes([intervalsOf('0-4')], 5, 3)).toEqual([]);
    expect(firstMissingIndexes([], 2, 5)).toEqual([0, 1]);
  });
  it('when the set is huge, then finding missing indexes does not walk it', () => {
    const big = '0-99998';
    const started = performance.now();
    expect(firstMissingIndexes([intervalsOf(big)], 100000, 5)).toEqual([99999]);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
