/**
 * Defaulting (job-semantics §2, pkg/apis/batch/v1/defaults.go SetDefaults_Job and its TestSetDefaultJob
 * cases) and what the API server does to a new Job (job-semantics §1, strategy.go generateSelector).
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults, generateName, MAX_INT32, NAME_SUFFIX_ALPHABET, randomNameSuffix } from '../../src/k8s/defaults.js';
import { prepareForCreate } from '../../src/k8s/job-strategy.js';
import type { Job, JobSpec } from '../../src/k8s/types.js';
import { aManifest, storedFrom } from './fixtures.js';

function jobWith(spec: Partial<JobSpec>, labels?: Record<string, string>): Job {
  const m = aManifest() as Job;
  Object.assign(m.spec, spec);
  if (labels) m.metadata.labels = labels;
  return m;
}

describe('applyDefaults: completions and parallelism', () => {
  const cases = [
    { name: 'sets both to 1 when both are unset', spec: {}, completions: 1, parallelism: 1 },
    { name: 'sets parallelism to 1 when only completions is set', spec: { completions: 5 }, completions: 5, parallelism: 1 },
    { name: 'leaves completions null when only parallelism is set (work queue)', spec: { parallelism: 3 }, completions: null, parallelism: 3 },
    { name: 'keeps both when both are set', spec: { completions: 4, parallelism: 2 }, completions: 4, parallelism: 2 },
    { name: 'keeps completions 0', spec: { completions: 0 }, completions: 0, parallelism: 1 },
    { name: 'keeps parallelism 0 as a work queue', spec: { parallelism: 0 }, completions: null, parallelism: 0 },
  ];
  it.each(cases)('$name', ({ spec, completions, parallelism }) => {
    const d = applyDefaults(jobWith(spec));
    expect(d.spec.completions).toBe(completions);
    expect(d.spec.parallelism).toBe(parallelism);
  });
});

describe('applyDefaults: the other fields', () => {
  it('when nothing is set, then backoffLimit 6, NonIndexed, not suspended, TerminatingOrFailed, manualSelector false', () => {
    const d = applyDefaults(jobWith({}));
    expect(d.spec).toMatchObject({
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      manualSelector: false,
    });
  });

  it('when backoffLimitPerIndex is set, then backoffLimit defaults to MaxInt32', () => {
    expect(applyDefaults(jobWith({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 })).spec.backoffLimit).toBe(MAX_INT32);
    expect(MAX_INT32).toBe(2147483647);
  });

  it('when backoffLimit is set, then it is kept even with backoffLimitPerIndex', () => {
    expect(applyDefaults(jobWith({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1, backoffLimit: 2 })).spec.backoffLimit).toBe(2);
  });

  it('when a pod failure policy is set, then podReplacementPolicy defaults to Failed and condition patterns to status True', () => {
    const d = applyDefaults(
      jobWith({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }, { type: 'X', status: 'False' }] }] } }),
    );
    expect(d.spec.podReplacementPolicy).toBe('Failed');
    expect(d.spec.podFailurePolicy?.rules[0]?.onPodConditions).toEqual([
      { type: 'DisruptionTarget', status: 'True' },
      { type: 'X', status: 'False' },
    ]);
  });

  it('when the template says nothing, then the grace period is 30 s and restartPolicy is Always (which validation rejects)', () => {
    const m = jobWith({});
    delete m.spec.template.spec.restartPolicy;
    const d = applyDefaults(m);
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
  });

  it('when containers are given, then they get the core/v1 container defaults', () => {
    const m = jobWith({});
    m.spec.template.spec.containers = [
      { name: 'a', image: 'busybox', command: ['true'] },
      { name: 'b', image: 'registry:5000/busybox:1.36', command: ['true'] },
      { name: 'c', command: ['true'], env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
    ];
    const [a, b, c] = applyDefaults(m).spec.template.spec.containers;
    expect(a).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(b?.imagePullPolicy).toBe('IfNotPresent');
    expect(c?.imagePullPolicy).toBeUndefined();
    expect(c?.env?.[0]?.valueFrom?.fieldRef?.apiVersion).toBe('v1');
  });

  it('when the Job has no labels, then it gets the template labels', () => {
    const m = jobWith({});
    m.spec.template.metadata = { labels: { app: 'x' } };
    expect(applyDefaults(m).metadata.labels).toEqual({ app: 'x' });
  });

  it('when the Job has labels, then the template labels are not copied', () => {
    const m = jobWith({}, { mine: 'y' });
    m.spec.template.metadata = { labels: { app: 'x' } };
    expect(applyDefaults(m).metadata.labels).toEqual({ mine: 'y' });
  });

  it('when defaults are applied twice, then the result is the same (idempotent) and the input is untouched', () => {
    const input = jobWith({ parallelism: 2 });
    const before = structuredClone(input);
    const once = applyDefaults(input);
    expect(applyDefaults(once)).toEqual(once);
    expect(input).toEqual(before);
  });
});

describe('prepareForCreate', () => {
  it('when a Job is created, then it gets namespace, uid, a seconds-precision creationTimestamp and generation 1', () => {
    const s = storedFrom(aManifest(), 'team-a');
    expect(s.metadata).toMatchObject({ name: 'myjob', namespace: 'team-a', uid: '1a2b3c', creationTimestamp: '2026-01-02T03:04:05Z', generation: 1 });
    expect(s.apiVersion).toBe('batch/v1');
    expect(s.kind).toBe('Job');
  });

  it('when the selector is generated, then the four template labels and the controller-uid selector are added (job-semantics §1)', () => {
    const s = storedFrom(aManifest());
    expect(s.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': '1a2b3c' } });
    expect(s.spec.template.metadata.labels).toEqual({
      'batch.kubernetes.io/controller-uid': '1a2b3c',
      'controller-uid': '1a2b3c',
      'batch.kubernetes.io/job-name': 'myjob',
      'job-name': 'myjob',
    });
  });

  it('when the Job had no labels, then it shows the generated labels, as `kubectl get job -o yaml` does', () => {
    expect(storedFrom(aManifest()).metadata.labels).toEqual({
      'batch.kubernetes.io/controller-uid': '1a2b3c',
      'controller-uid': '1a2b3c',
      'batch.kubernetes.io/job-name': 'myjob',
      'job-name': 'myjob',
    });
  });

  it('when the template had user labels, then the Job keeps just those and the template gets the generated ones too', () => {
    const m = aManifest();
    m.spec.template.metadata = { labels: { app: 'x' } };
    const s = storedFrom(m);
    expect(s.metadata.labels).toEqual({ app: 'x' });
    expect(s.spec.template.metadata.labels).toMatchObject({ app: 'x', 'job-name': 'myjob' });
  });

  it('when the user set a generated label, then it is kept so validation can reject a conflict (generateSelector)', () => {
    const m = aManifest();
    m.spec.template.metadata = { labels: { 'job-name': 'other' } };
    expect(storedFrom(m).spec.template.metadata.labels['job-name']).toBe('other');
  });

  it('when only generateName is given, then the name is the prefix plus the random suffix', () => {
    const m = aManifest();
    m.metadata = { generateName: 'pi-' };
    expect(storedFrom(m).metadata.name).toBe('pi-xyz42');
    expect(storedFrom(m).spec.template.metadata.labels['job-name']).toBe('pi-xyz42');
  });

  it('when the suffix comes from a function, then it is called', () => {
    const m = aManifest();
    m.metadata = { generateName: 'pi-' };
    const s = prepareForCreate(m as Job, { namespace: 'default', uid: 'u', now: new Date(0), randomSuffix: () => 'abcde' });
    expect(s.metadata.name).toBe('pi-abcde');
    expect(s.metadata.creationTimestamp).toBe('1970-01-01T00:00:00Z');
  });

  it('when the manifest carries status, resourceVersion or a deletion timestamp, then they are dropped', () => {
    const m = aManifest();
    Object.assign(m.metadata, { resourceVersion: '5', deletionTimestamp: '2020-01-01T00:00:00Z', uid: 'client-made' });
    const s = prepareForCreate(m as Job, { namespace: 'default', uid: 'server-made', now: new Date(0), randomSuffix: 'aaaaa' });
    expect(s.metadata.resourceVersion).toBeUndefined();
    expect(s.metadata.deletionTimestamp).toBeUndefined();
    expect(s.metadata.uid).toBe('server-made');
    expect((s as { status?: unknown }).status).toBeUndefined();
  });
});

describe('generated names', () => {
  it('when the prefix is long, then it is cut to 58 characters so the name stays within 63', () => {
    expect(generateName('a'.repeat(70), 'bcdfg')).toBe(`${'a'.repeat(58)}bcdfg`);
  });

  it('when a suffix is drawn, then it is 5 characters of the apimachinery alphabet', () => {
    const values = [0, 0.5, 0.999, 0.25, 0.75];
    let i = 0;
    const s = randomNameSuffix(() => values[i++ % values.length]!);
    expect(s).toHaveLength(5);
    expect([...s].every((c) => NAME_SUFFIX_ALPHABET.includes(c))).toBe(true);
    expect(s[0]).toBe('b');
    expect(s[2]).toBe('9');
  });
});
