/* eslint-disable @typescript-eslint/no-explicit-any -- patched documents are untyped JSON, inspected field by field */
/**
 * Strategic merge patch as kubectl's three-way `apply` sends it: lists with a merge key merge by
 * key, directives reorder, replace and delete, other lists are replaced.
 */
import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch } from '../../src/api/strategic-patch.js';
import { ApiError } from '../../src/api/status.js';

const pod = {
  spec: {
    containers: [
      { name: 'a', image: 'x', command: ['sleep', '30'], env: [{ name: 'A', value: '1' }] },
      { name: 'b', image: 'y' },
    ],
    restartPolicy: 'Never',
  },
};

describe('applyStrategicMergePatch', () => {
  const cases = [
    {
      name: 'merges a container by name and replaces its command (a primitive list)',
      patch: { spec: { $setElementOrder: undefined, containers: [{ name: 'a', command: ['sleep', '31'] }] } },
      pick: (d: any) => d.spec.containers,
      want: [{ name: 'a', image: 'x', command: ['sleep', '31'], env: [{ name: 'A', value: '1' }] }, { name: 'b', image: 'y' }],
    },
    {
      name: 'reorders containers as $setElementOrder says',
      patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
      pick: (d: any) => d.spec.containers.map((c: any) => c.name),
      want: ['b', 'a'],
    },
    {
      name: 'deletes a container with $patch: delete',
      patch: { spec: { containers: [{ name: 'b', $patch: 'delete' }] } },
      pick: (d: any) => d.spec.containers.map((c: any) => c.name),
      want: ['a'],
    },
    {
      name: 'adds an env var by name and removes another with null fields kept out',
      patch: { spec: { containers: [{ name: 'a', env: [{ name: 'B', value: '2' }] }] } },
      pick: (d: any) => d.spec.containers[0].env,
      want: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
    },
    {
      name: 'replaces a map with $patch: replace',
      patch: { spec: { $patch: 'replace', restartPolicy: 'OnFailure' } },
      pick: (d: any) => d.spec,
      want: { restartPolicy: 'OnFailure' },
    },
    {
      name: 'replaces a merging list with a {$patch: replace} element',
      patch: { spec: { containers: [{ name: 'c', image: 'z' }, { $patch: 'replace' }] } },
      pick: (d: any) => d.spec.containers,
      want: [{ name: 'c', image: 'z' }],
    },
    {
      name: 'removes a field set to null',
      patch: { spec: { restartPolicy: null } },
      pick: (d: any) => 'restartPolicy' in d.spec,
      want: false,
    },
    {
      name: 'keeps only $retainKeys',
      patch: { spec: { $retainKeys: ['containers'] } },
      pick: (d: any) => Object.keys(d.spec),
      want: ['containers'],
    },
    {
      name: 'removes values with $deleteFromPrimitiveList',
      patch: { spec: { containers: [{ name: 'a', '$deleteFromPrimitiveList/command': ['30'] }] } },
      pick: (d: any) => d.spec.containers[0].command,
      want: ['sleep'],
    },
  ];
  it.each(cases)('$name', ({ patch, pick, want }) => {
    const before = structuredClone(pod);
    expect(pick(applyStrategicMergePatch(pod, JSON.parse(JSON.stringify(patch))))).toEqual(want);
    expect(pod).toEqual(before);
  });

  it.each([
    { name: 'an unknown directive', patch: { spec: { $frobnicate: 1 } } },
    { name: 'a merge-key list element without its key', patch: { spec: { containers: [{ image: 'z' }] } } },
    { name: 'an unknown $patch value', patch: { spec: { $patch: 'explode' } } },
    { name: 'a patch that is not an object', patch: [1] },
  ])('when the patch has $name, then 400', ({ patch }) => {
    let caught: unknown;
    try {
      applyStrategicMergePatch(pod, patch);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).code).toBe(400);
  });
});
