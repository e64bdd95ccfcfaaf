/**
 * Update validation (job-semantics §4; upstream ValidateJobSpecUpdate / validatePodTemplateUpdate /
 * validateCompletions, TestValidateJobUpdate).
 */
import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import type { StoredJob } from '../../src/k8s/types.js';
import { validateJobUpdate } from '../../src/k8s/validate.js';
import { aManifest, storedFrom, type Manifest } from './fixtures.js';

interface Case {
  name: string;
  /** Edits the manifest the old Job is created from. */
  old?: (m: Manifest) => void;
  /** Edits a copy of the old stored Job: the update. */
  update: (j: StoredJob) => void;
  neverStarted?: boolean;
  want: string[] | ((errors: string[]) => void);
}

function run(c: Case): string[] {
  const m = aManifest();
  c.old?.(m);
  const oldJob = storedFrom(m);
  const newJob = structuredClone(oldJob);
  c.update(newJob);
  return validateJobUpdate(oldJob, newJob, { neverStarted: c.neverStarted ?? false }).map(formatFieldError);
}

const indexed = (m: Manifest) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, parallelism: 5 });
const immutableTemplate = (errors: string[]) => {
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^spec\.template: Invalid value: \{.*\}: field is immutable$/);
};

const cases: Case[] = [
  // ---- mutable fields ----
  { name: 'allows changing parallelism', update: (j) => void (j.spec.parallelism = 3), want: [] },
  { name: 'allows suspending and resuming', update: (j) => void (j.spec.suspend = true), want: [] },
  { name: 'allows changing activeDeadlineSeconds', update: (j) => void (j.spec.activeDeadlineSeconds = 30), want: [] },
  { name: 'allows changing backoffLimit', update: (j) => void (j.spec.backoffLimit = 1), want: [] },
  { name: 'allows changing ttlSecondsAfterFinished', update: (j) => void (j.spec.ttlSecondsAfterFinished = 60), want: [] },
  { name: 'allows changing the podReplacementPolicy', update: (j) => void (j.spec.podReplacementPolicy = 'Failed'), want: [] },
  { name: "allows changing the Job's labels and annotations", update: (j) => Object.assign(j.metadata, { labels: { a: 'b' }, annotations: { n: 'x' } }), want: [] },
  {
    name: 'allows changing maxFailedIndexes',
    old: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, backoffLimitPerIndex: 1, maxFailedIndexes: 1 }),
    update: (j) => void (j.spec.maxFailedIndexes = 3),
    want: [],
  },
  // ---- immutable fields ----
  { name: 'rejects changing completions of a NonIndexed Job', update: (j) => void (j.spec.completions = 3), want: ['spec.completions: Invalid value: 3: field is immutable'] },
  {
    name: 'allows an elastic Indexed Job to change completions in tandem with parallelism (TestElasticIndexedJob)',
    old: indexed,
    update: (j) => Object.assign(j.spec, { completions: 2, parallelism: 2 }),
    want: [],
  },
  {
    name: 'rejects an Indexed Job changing completions alone',
    old: indexed,
    update: (j) => void (j.spec.completions = 4),
    want: ['spec.completions: Invalid value: 4: can only be modified in tandem with spec.parallelism'],
  },
  {
    name: 'rejects changing the completion mode',
    update: (j) => Object.assign(j.spec, { completionMode: 'Indexed' }),
    want: ['spec.completionMode: Invalid value: "Indexed": field is immutable'],
  },
  {
    name: 'rejects changing the selector',
    update: (j) => void (j.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': '1a2b3c', extra: 'x' } }),
    want: [
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"1a2b3c","extra":"x"}}: `selector` not auto-generated',
      'spec.template.metadata.labels: Invalid value: {"batch.kubernetes.io/controller-uid":"1a2b3c","batch.kubernetes.io/job-name":"myjob","controller-uid":"1a2b3c","job-name":"myjob"}: `selector` does not match template `labels`',
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"1a2b3c","extra":"x"}}: field is immutable',
    ],
  },
  {
    name: 'rejects adding a pod failure policy',
    update: (j) => void (j.spec.podFailurePolicy = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] }),
    want: [
      'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
      'spec.podFailurePolicy: Invalid value: {"rules":[{"action":"Ignore","onPodConditions":[{"status":"True","type":"DisruptionTarget"}]}]}: field is immutable',
    ],
  },
  {
    name: 'rejects changing backoffLimitPerIndex',
    old: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, backoffLimitPerIndex: 1 }),
    update: (j) => void (j.spec.backoffLimitPerIndex = 2),
    want: ['spec.backoffLimitPerIndex: Invalid value: 2: field is immutable'],
  },
  {
    name: 'rejects changing the success policy',
    old: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededCount: 1 }] } }),
    update: (j) => void (j.spec.successPolicy = { rules: [{ succeededCount: 2 }] }),
    want: ['spec.successPolicy: Invalid value: {"rules":[{"succeededCount":2}]}: field is immutable'],
  },
  {
    name: 'rejects setting managedBy, even to the built-in controller',
    update: (j) => void (j.spec.managedBy = 'kubernetes.io/job-controller'),
    want: ['spec.managedBy: Invalid value: "kubernetes.io/job-controller": field is immutable'],
  },
  { name: 'rejects renaming the Job', update: (j) => void (j.metadata.name = 'other'), want: (errs) => expect(errs).toContain('metadata.name: Invalid value: "other": field is immutable') },
  { name: 'rejects changing the uid', update: (j) => void (j.metadata.uid = 'x'), want: (errs) => expect(errs).toContain('metadata.uid: Invalid value: "x": field is immutable') },
  // ---- the template ----
  { name: "rejects changing a container's command", update: (j) => void (j.spec.template.spec.containers[0]!.command = ['false']), want: immutableTemplate },
  {
    name: 'rejects changing the node selector of a running Job (TestNodeSelectorUpdate)',
    update: (j) => void (j.spec.template.spec.nodeSelector = { disk: 'ssd' }),
    want: immutableTemplate,
  },
  {
    name: 'allows changing scheduling directives of a suspended Job that never started',
    old: (m) => void (m.spec.suspend = true),
    update: (j) => {
      j.spec.template.spec.nodeSelector = { disk: 'ssd' };
      j.spec.template.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
      j.spec.template.metadata.labels = { ...j.spec.template.metadata.labels, team: 'a' };
      j.spec.template.metadata.annotations = { note: 'x' };
    },
    neverStarted: true,
    want: [],
  },
  {
    name: 'allows resuming and setting the node selector in one update (TestNodeSelectorUpdate)',
    old: (m) => void (m.spec.suspend = true),
    update: (j) => {
      j.spec.suspend = false;
      j.spec.template.spec.nodeSelector = { disk: 'ssd' };
    },
    neverStarted: true,
    want: [],
  },
  {
    name: 'rejects changing scheduling directives of a suspended Job that already ran',
    old: (m) => void (m.spec.suspend = true),
    update: (j) => void (j.spec.template.spec.nodeSelector = { disk: 'ssd' }),
    neverStarted: false,
    want: immutableTemplate,
  },
  {
    name: 'rejects changing the command even while suspended and never started',
    old: (m) => void (m.spec.suspend = true),
    update: (j) => void (j.spec.template.spec.containers[0]!.command = ['false']),
    neverStarted: true,
    want: immutableTemplate,
  },
  {
    name: 'treats an empty list like a missing one (apiequality.Semantic)',
    update: (j) => void (j.spec.template.spec.tolerations = []),
    want: [],
  },
  // ---- the new Job must be valid too ----
  { name: 'rejects a negative parallelism', update: (j) => void (j.spec.parallelism = -1), want: ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0'] },
];

describe('validateJobUpdate', () => {
  it.each(cases)('$name', (c) => {
    const errors = run(c);
    if (typeof c.want === 'function') c.want(errors);
    else expect(errors).toEqual(c.want);
  });
});
