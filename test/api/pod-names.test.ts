import { describe, expect, it } from 'vitest';
import { candidateJobNames, truncatedJobPrefixes } from '../../src/api/routes/pods.js';

describe('candidateJobNames', () => {
  const cases = [
    { name: 'a NonIndexed pod gives its Job', pod: 'pi-x7k2b', want: ['pi'] },
    { name: 'an Indexed pod gives the Job and the NonIndexed reading', pod: 'sum-3-x7k2b', want: ['sum-3', 'sum'] },
    { name: 'a Job whose name ends in digits keeps them in the first candidate', pod: 'build-2024-x7k2b', want: ['build-2024', 'build'] },
    { name: 'a name without a generated suffix gives nothing', pod: 'pi', want: [] },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(candidateJobNames(pod)).toEqual(want);
  });
});

describe('truncatedJobPrefixes', () => {
  const long = 'a'.repeat(60);
  const cases = [
    { name: 'a pod name under the limit needs no prefix search', pod: 'pi-x7k2b', want: [] },
    // `${long}-` cut to 58 characters, then the suffix (SimpleNameGenerator).
    { name: 'a NonIndexed pod of a 60-character Job gives the first 58 characters', pod: `${long.slice(0, 58)}x7k2b`, want: [long.slice(0, 58)] },
    {
      name: 'an Indexed pod of a 60-character Job gives the cut name before -<index>-',
      pod: `${long.slice(0, 55)}-1-x7k2b`,
      want: [`${long.slice(0, 55)}-1`, long.slice(0, 55)],
    },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(truncatedJobPrefixes(pod)).toEqual(want);
  });
});
