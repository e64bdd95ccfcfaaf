/**
 * The Job registry strategy (job-strategy.ts): the one home of generation, server-managed
 * metadata and "never started", shared by the HTTP API and the controller.
 */
import { describe, expect, it } from 'vitest';
import { isPropagationPolicy, neverStarted, prepareForUpdate, updateSpec, validateUpdate } from '../../src/k8s/job-strategy.js';
import type { StoredJob } from '../../src/k8s/types.js';
import { aJob } from '../support/builders.js';

function withSpec(job: StoredJob, change: Partial<StoredJob['spec']>): StoredJob {
  return { ...job, spec: { ...job.spec, ...change } };
}

describe('prepareForUpdate', () => {
  it('bumps generation when the spec changed, and only then', () => {
    const old = aJob({ parallelism: 1 });
    expect(prepareForUpdate(old, withSpec(old, { parallelism: 3 })).metadata.generation).toBe(2);
    const labelsOnly = { ...old, metadata: { ...old.metadata, labels: { team: 'a' } } };
    expect(prepareForUpdate(old, labelsOnly).metadata.generation).toBe(1);
  });

  it('ignores the generation the request carries (it is server-managed)', () => {
    const old = aJob();
    const update = withSpec(old, { parallelism: 5 });
    update.metadata = { ...update.metadata, generation: 42 };
    expect(prepareForUpdate(old, update).metadata.generation).toBe(2);
  });

  it('is idempotent: the API and the controller may both prepare the same update', () => {
    const old = aJob();
    const once = prepareForUpdate(old, withSpec(old, { suspend: true }));
    expect(prepareForUpdate(old, once)).toEqual(once);
  });

  it('keeps identity and drops server-managed metadata the request sent', () => {
    const old = aJob({ name: 'a' });
    const update: StoredJob = {
      ...old,
      metadata: { ...old.metadata, name: 'b', namespace: 'other', creationTimestamp: '1999-01-01T00:00:00Z', deletionTimestamp: '2030-01-01T00:00:00Z', finalizers: ['x'], resourceVersion: '9' },
    };
    const prepared = prepareForUpdate(old, update);
    expect(prepared.metadata).toMatchObject({ name: 'a', namespace: 'default', creationTimestamp: old.metadata.creationTimestamp });
    expect(prepared.metadata).not.toHaveProperty('deletionTimestamp');
    expect(prepared.metadata).not.toHaveProperty('finalizers');
    expect(prepared.metadata).not.toHaveProperty('resourceVersion');
  });
});

describe('updateSpec (suspend, resume and scale signals)', () => {
  it('changes a copy and counts the change in generation', () => {
    const old = aJob({ parallelism: 1 });
    const scaled = updateSpec(old, (spec) => {
      spec.parallelism = 4;
    });
    expect(scaled.spec.parallelism).toBe(4);
    expect(scaled.metadata.generation).toBe(2);
    expect(old.spec.parallelism).toBe(1);
  });

  it('leaves generation alone for a no-op change', () => {
    const old = aJob({ suspend: false });
    expect(updateSpec(old, (spec) => void (spec.suspend = false)).metadata.generation).toBe(1);
  });
});

describe('neverStarted', () => {
  const cases = [
    { name: 'suspended without a start time', suspend: true, startTime: null, want: true },
    { name: 'suspended without a rendered start time', suspend: true, startTime: undefined, want: true },
    { name: 'suspended after it ran (epoch ms)', suspend: true, startTime: 5, want: false },
    { name: 'suspended after it ran (rendered)', suspend: true, startTime: '2026-01-01T00:00:00Z', want: false },
    { name: 'not suspended', suspend: false, startTime: null, want: false },
  ];
  it.each(cases)('$name → $want', ({ suspend, startTime, want }) => {
    expect(neverStarted(aJob({ suspend }), startTime)).toBe(want);
  });

  it('lets a never-started suspended Job change its scheduling directives, and no other', () => {
    const old = aJob({ suspend: true });
    const moved = { ...old, spec: { ...old.spec, template: { ...old.spec.template, spec: { ...old.spec.template.spec, nodeSelector: { zone: 'b' } } } } };
    expect(validateUpdate(old, prepareForUpdate(old, moved), null)).toEqual([]);
    expect(validateUpdate(old, prepareForUpdate(old, moved), 1)).not.toEqual([]);
  });
});

describe('isPropagationPolicy', () => {
  it.each(['Background', 'Foreground', 'Orphan'])('accepts %s', (p) => expect(isPropagationPolicy(p)).toBe(true));
  it.each(['background', '', null, 3])('refuses %j', (p) => expect(isPropagationPolicy(p)).toBe(false));
});
