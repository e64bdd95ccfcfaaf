import { describe, expect, it } from 'vitest';
import { decodeJob, MAX_OPAQUE_DEPTH, MAX_VALUES, MAX_WARNINGS, unknownFieldWarning } from '../../src/k8s/decode.js';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import { aManifest, container, pod, type Manifest } from './fixtures.js';

function decodeEdited(edit: (m: Manifest) => void) {
  const m = aManifest();
  edit(m);
  return decodeJob(m);
}

describe('decodeJob: not a batch/v1 Job (400 BadRequest)', () => {
  const cases = [
    { name: 'rejects a list', raw: [aManifest()], want: 'the request body must be a single Job object, not an array' },
    { name: 'rejects null', raw: null, want: 'the request body must be a single Job object, not null' },
    { name: 'rejects a number', raw: 42, want: 'the request body must be a single Job object, not a number' },
    { name: 'rejects a string', raw: 'Job', want: 'the request body must be a single Job object, not a string' },
    { name: 'rejects a boolean', raw: true, want: 'the request body must be a single Job object, not a boolean' },
    { name: 'rejects an object without kind', raw: { apiVersion: 'batch/v1' }, want: `Object 'Kind' is missing in '{"apiVersion":"batch/v1"}'` },
    { name: 'rejects an object without apiVersion', raw: { kind: 'Job' }, want: `Object 'apiVersion' is missing in '{"kind":"Job"}'` },
    {
      name: 'rejects another API version, as the API server does',
      raw: { apiVersion: 'v1', kind: 'Pod' },
      want: 'the API version in the data (v1) does not match the expected API version (batch/v1)',
    },
    { name: 'rejects another kind of batch/v1', raw: { apiVersion: 'batch/v1', kind: 'CronJob' }, want: 'CronJob in version "v1" cannot be handled as a Job: no conversion from kind CronJob to Job' },
    { name: 'rejects a kind batch/v1 does not have', raw: { apiVersion: 'batch/v1', kind: 'Pod' }, want: 'no kind "Pod" is registered for version "batch/v1"' },
  ];
  it.each(cases)('$name', ({ raw, want }) => {
    const r = decodeJob(raw);
    expect(r.kindError).toBe(want);
    expect(r.job).toBeUndefined();
  });
});

describe('decodeJob: field types (422 Invalid)', () => {
  const cases: Array<{ name: string; edit: (m: Manifest) => void; want: string[] }> = [
    {
      name: 'rejects a string where an integer belongs',
      edit: (m) => void (m.spec.completions = '5'),
      want: ['spec.completions: Invalid value: "string": spec.completions in body must be of type integer: "string"'],
    },
    {
      name: 'rejects a fraction where an integer belongs',
      edit: (m) => void (m.spec.parallelism = 1.5),
      want: ['spec.parallelism: Invalid value: "number": spec.parallelism in body must be of type integer: "number"'],
    },
    {
      name: 'rejects an int32 field beyond 2^31-1',
      edit: (m) => void (m.spec.backoffLimit = 2147483648),
      want: ['spec.backoffLimit: Invalid value: "int64": spec.backoffLimit in body must be of type int32: "int64"'],
    },
    {
      name: 'accepts an int64 field beyond int32 but rejects one beyond 2^53',
      edit: (m) => Object.assign(m.spec, { activeDeadlineSeconds: 2 ** 40 }, (pod(m).terminationGracePeriodSeconds = 2 ** 60)),
      want: ['spec.template.spec.terminationGracePeriodSeconds: Invalid value: 1152921504606846976: must be between -9007199254740991 and 9007199254740991, inclusive'],
    },
    {
      name: 'rejects a string where a boolean belongs (YAML 1.2 reads `yes` as a string)',
      edit: (m) => void (m.spec.suspend = 'yes'),
      want: ['spec.suspend: Invalid value: "string": spec.suspend in body must be of type boolean: "string"'],
    },
    {
      name: 'rejects a number as a label value, naming the key',
      edit: (m) => void (m.metadata.labels = { app: 'x', tier: 3 }),
      want: ['metadata.labels[tier]: Invalid value: "integer": metadata.labels[tier] in body must be of type string: "integer"'],
    },
    {
      name: 'rejects containers that are not a list',
      edit: (m) => void (pod(m).containers = { name: 'abc' }),
      want: ['spec.template.spec.containers: Invalid value: "object": spec.template.spec.containers in body must be of type array: "object"'],
    },
    {
      name: 'rejects a container that is not an object',
      edit: (m) => void pod(m).containers.push('sh'),
      want: ['spec.template.spec.containers[1]: Invalid value: "string": spec.template.spec.containers[1] in body must be of type object: "string"'],
    },
    {
      name: 'rejects a command given as one string',
      edit: (m) => void (container(m).command = 'sh -c true'),
      want: ['spec.template.spec.containers[0].command: Invalid value: "string": spec.template.spec.containers[0].command in body must be of type array: "string"'],
    },
    {
      name: 'rejects a non-string argument',
      edit: (m) => void (container(m).args = ['--n', 5]),
      want: ['spec.template.spec.containers[0].args[1]: Invalid value: "integer": spec.template.spec.containers[0].args[1] in body must be of type string: "integer"'],
    },
    {
      name: 'rejects metadata that is not an object',
      edit: (m) => void (m.metadata = 'myjob'),
      want: ['metadata: Invalid value: "string": metadata in body must be of type object: "string"'],
    },
    {
      name: 'rejects a non-integer exit code in a pod failure policy',
      edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, '2'] } }] }),
      want: ['spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: "string": spec.podFailurePolicy.rules[0].onExitCodes.values[1] in body must be of type integer: "string"'],
    },
    {
      name: 'rejects more than 1000 env vars (bounded against abuse)',
      edit: (m) => void (container(m).env = Array.from({ length: 1001 }, (_, i) => ({ name: `V${i}`, value: 'x' }))),
      want: ['spec.template.spec.containers[0].env: Too many: 1001: must have at most 1000 items'],
    },
    {
      name: 'rejects more than 1000 containers',
      edit: (m) => void (pod(m).containers = Array.from({ length: 1001 }, (_, i) => ({ name: `c${i}`, command: ['true'] }))),
      want: ['spec.template.spec.containers: Too many: 1001: must have at most 1000 items'],
    },
    {
      name: 'refuses envFrom, since kjob has no ConfigMaps or Secrets',
      edit: (m) => void (container(m).envFrom = [{ configMapRef: { name: 'cfg' } }]),
      want: ['spec.template.spec.containers[0].envFrom: Forbidden: kjob has no ConfigMaps or Secrets to read variables from; list them under `env`'],
    },
    {
      name: 'refuses native sidecars (an init container with restartPolicy Always)',
      edit: (m) => void (pod(m).initContainers = [{ name: 'proxy', command: ['sleep', 'inf'], restartPolicy: 'Always' }]),
      want: ['spec.template.spec.initContainers[0].restartPolicy: Forbidden: kjob does not run sidecar containers; remove restartPolicy from the container'],
    },
    {
      name: 'refuses env sources other than fieldRef',
      edit: (m) => void (container(m).env = [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]),
      want: ['spec.template.spec.containers[0].env[0].valueFrom: Unsupported value: "secretKeyRef": supported values: "fieldRef"'],
    },
    {
      name: `rejects an opaque object nested deeper than ${MAX_OPAQUE_DEPTH} levels`,
      edit: (m) => {
        let deep: Manifest = {};
        for (let i = 0; i < MAX_OPAQUE_DEPTH + 5; i++) deep = { a: deep };
        pod(m).affinity = deep;
      },
      want: [`spec.template.spec.affinity${'.a'.repeat(MAX_OPAQUE_DEPTH + 1)}: Invalid value: must not be nested more than ${MAX_OPAQUE_DEPTH} levels deep`],
    },
  ];
  it.each(cases)('$name', ({ edit, want }) => {
    expect(decodeEdited(edit).errors.map(formatFieldError)).toEqual(want);
  });

  it(`when a manifest holds more than ${MAX_VALUES} values, then decoding stops with one error`, () => {
    const r = decodeEdited((m) => {
      pod(m).volumes = Array.from({ length: 1000 }, (_, i) => ({ name: `v${i}`, items: Array.from({ length: 300 }, () => 1) }));
    });
    const errors = r.errors.map(formatFieldError);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^spec\\.template\\.spec\\.volumes\\[\\d+\\]\\.items: Forbidden: the manifest has more than ${MAX_VALUES} values$`));
  });
});

describe('decodeJob: what is kept and what is dropped', () => {
  it('when a manifest is valid, then the typed Job carries its fields and there are no errors or warnings', () => {
    const r = decodeEdited((m) => {
      Object.assign(m.spec, { completions: 3, parallelism: 2, suspend: true, completionMode: 'Indexed', backoffLimitPerIndex: 1 });
      container(m).env = [{ name: 'A', value: '1' }, { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.job?.spec).toMatchObject({ completions: 3, parallelism: 2, suspend: true, completionMode: 'Indexed', backoffLimitPerIndex: 1 });
    expect(r.job?.spec.template.spec.containers[0]?.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
  });

  it('when fields are unknown, then they are dropped and their paths returned as warnings', () => {
    const r = decodeEdited((m) => {
      m.extra = 1;
      m.spec.foo = 'bar';
      container(m).livenessProbe = { exec: { command: ['true'] } };
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(['extra', 'spec.template.spec.containers[0].livenessProbe', 'spec.foo']);
    expect(unknownFieldWarning(r.warnings[2]!)).toBe('unknown field "spec.foo"');
    expect(r.job?.spec).not.toHaveProperty('foo');
    expect(r.job?.spec.template.spec.containers[0]).not.toHaveProperty('livenessProbe');
  });

  it(`when there are very many unknown fields, then at most ${MAX_WARNINGS} are reported`, () => {
    const r = decodeEdited((m) => {
      for (let i = 0; i < 5000; i++) m.spec[`x${i}`] = i;
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(MAX_WARNINGS);
  });

  it('when a field is null, then it is unset, as Go decodes it', () => {
    const r = decodeEdited((m) => Object.assign(m.spec, { completions: null, activeDeadlineSeconds: null }, (m.metadata.creationTimestamp = null)));
    expect(r.errors).toEqual([]);
    expect(r.job?.spec).not.toHaveProperty('completions');
    expect(r.job?.metadata).not.toHaveProperty('creationTimestamp');
  });

  it('when the manifest echoes status and server-managed metadata, then they are ignored without warnings', () => {
    const r = decodeEdited((m) => {
      m.status = { succeeded: 1 };
      Object.assign(m.metadata, { selfLink: '/x', managedFields: [{}] });
    });
    expect(r.warnings).toEqual([]);
    expect(r.job).not.toHaveProperty('status');
  });

  it('when pass-through fields are given, then they are kept as opaque JSON', () => {
    const resources = { limits: { cpu: '500m', memory: '128Mi' } };
    const volumes = [{ name: 'data', emptyDir: {} }];
    const r = decodeEdited((m) => {
      container(m).resources = resources;
      pod(m).volumes = volumes;
      pod(m).nodeSelector = { disk: 'ssd' };
    });
    expect(r.errors).toEqual([]);
    expect(r.job?.spec.template.spec.containers[0]?.resources).toEqual(resources);
    expect(r.job?.spec.template.spec.volumes).toEqual(volumes);
    expect(r.job?.spec.template.spec.nodeSelector).toEqual({ disk: 'ssd' });
  });

  it('when a label key is __proto__, then it stays a plain key and no prototype changes', () => {
    const raw = JSON.parse('{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"x","labels":{"__proto__":"polluted"}},"spec":{}}');
    const r = decodeJob(raw);
    const labels = r.job!.metadata.labels!;
    expect(Object.keys(labels)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when spec is missing, then the Job has an empty template for validation to report on', () => {
    const r = decodeJob({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } });
    expect(r.errors).toEqual([]);
    expect(r.job?.spec.template.spec.containers).toEqual([]);
  });
});
