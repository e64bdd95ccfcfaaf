/**
 * Create validation. Where a case reproduces an upstream TestValidateJob case, its name cites the
 * upstream case (pkg/apis/batch/validation/validation_test.go), whose names are the messages.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/k8s/defaults.js';
import { decodeJob } from '../../src/k8s/decode.js';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import { createWarnings, validateJob, validateScale } from '../../src/k8s/validate.js';
import { aManifest, container, createErrors, pod, storedFrom, type Manifest } from './fixtures.js';

/** IsDNS1123Label's regex message (RegexError joins the examples as `'a', or 'b', `). */
const labelErr =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

interface Case {
  name: string;
  edit: (m: Manifest) => void;
  want: string[];
}

const valid: Array<{ name: string; edit: (m: Manifest) => void }> = [
  { name: 'accepts the minimal Job', edit: () => {} },
  { name: 'accepts OnFailure', edit: (m) => void (pod(m).restartPolicy = 'OnFailure') },
  { name: 'accepts activeDeadlineSeconds 0 although the API doc says positive (job-semantics §3, docs≠code)', edit: (m) => void (m.spec.activeDeadlineSeconds = 0) },
  { name: 'accepts a work queue (parallelism only)', edit: (m) => void (m.spec.parallelism = 3) },
  { name: 'accepts managedBy set to the built-in controller', edit: (m) => void (m.spec.managedBy = 'kubernetes.io/job-controller') },
  { name: 'accepts manualSelector false', edit: (m) => void (m.spec.manualSelector = false) },
  {
    name: 'accepts a container with args only',
    edit: (m) => {
      delete container(m).command;
      container(m).args = ['echo', 'hi'];
    },
  },
  { name: 'accepts an absolute workingDir', edit: (m) => void (container(m).workingDir = '/tmp/work') },
  { name: 'accepts a relative workingDir inside the pod directory', edit: (m) => void (container(m).workingDir = 'sub/dir') },
  {
    name: 'accepts every supported Downward API field',
    edit: (m) =>
      void (container(m).env = [
        ...['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP'].map((f, i) => ({
          name: `V${i}`,
          valueFrom: { fieldRef: { fieldPath: f } },
        })),
        { name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'A', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['example.com/x']" } } },
      ]),
  },
  {
    name: 'accepts a complete Indexed Job with BLPI, pod failure policy and success policy',
    edit: (m) => {
      m.spec.completionMode = 'Indexed';
      m.spec.completions = 10;
      m.spec.parallelism = 2;
      m.spec.backoffLimitPerIndex = 1;
      m.spec.maxFailedIndexes = 5;
      m.spec.podFailurePolicy = {
        rules: [
          { action: 'FailIndex', onExitCodes: { operator: 'In', values: [1, 2, 3] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
          { action: 'FailJob', onExitCodes: { containerName: 'abc', operator: 'NotIn', values: [0, 1] } },
        ],
      };
      m.spec.successPolicy = { rules: [{ succeededIndexes: '0-2,5', succeededCount: 3 }, { succeededCount: 10 }] };
    },
  },
  { name: 'accepts a template label the user set to the generated value', edit: (m) => void (m.spec.template.metadata = { labels: { 'job-name': 'myjob', app: 'x' } }) },
  {
    name: 'accepts the longest Indexed name whose largest hostname is a label',
    edit: (m) => {
      Object.assign(m.spec, { completionMode: 'Indexed', completions: 10 });
      m.metadata.name = 'a'.repeat(61);
    },
  },
];

const cases: Case[] = [
  // ---- numeric bounds (TestValidateJob) ----
  { name: 'spec.parallelism:must be greater than or equal to 0', edit: (m) => void (m.spec.parallelism = -1), want: ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'spec.completions:must be greater than or equal to 0', edit: (m) => void (m.spec.completions = -1), want: ['spec.completions: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'spec.activeDeadlineSeconds:must be greater than or equal to 0', edit: (m) => void (m.spec.activeDeadlineSeconds = -1), want: ['spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'spec.backoffLimit:must be greater than or equal to 0', edit: (m) => void (m.spec.backoffLimit = -1), want: ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'spec.ttlSecondsAfterFinished: must be greater than or equal to 0', edit: (m) => void (m.spec.ttlSecondsAfterFinished = -1), want: ['spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0'] },
  // ---- restartPolicy ----
  { name: 'spec.template.spec.restartPolicy: Required value (Always)', edit: (m) => void (pod(m).restartPolicy = 'Always'), want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
  { name: 'rejects an unset restartPolicy, which Pod defaulting turns into Always', edit: (m) => void delete pod(m).restartPolicy, want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
  { name: 'spec.template.spec.restartPolicy: Unsupported value', edit: (m) => void (pod(m).restartPolicy = 'Invalid'), want: ['spec.template.spec.restartPolicy: Unsupported value: "Invalid": supported values: "OnFailure", "Never"'] },
  {
    name: 'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    edit: (m) => {
      pod(m).restartPolicy = 'OnFailure';
      m.spec.podFailurePolicy = { rules: [] };
    },
    want: ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'],
  },
  // ---- completion mode, indexed limits ----
  { name: 'rejects an unknown completionMode', edit: (m) => void (m.spec.completionMode = 'Foo'), want: ['spec.completionMode: Unsupported value: "Foo": supported values: "NonIndexed", "Indexed"'] },
  {
    name: 'spec.completions: Required value: when completion mode is Indexed',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', parallelism: 2 }),
    want: ['spec.completions: Required value: when completion mode is Indexed'],
  },
  {
    name: 'spec.parallelism: must be less than or equal to 100000 when completion mode is Indexed',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 2, parallelism: 100001 }),
    want: ['spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed'],
  },
  {
    name: 'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
    edit: (m) => void (m.spec.backoffLimitPerIndex = 1),
    want: ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode'],
  },
  {
    name: 'rejects maxFailedIndexes on a NonIndexed Job, and asks for backoffLimitPerIndex',
    edit: (m) => void (m.spec.maxFailedIndexes = 1),
    want: ['spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified', 'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode'],
  },
  {
    name: 'spec.backoffLimitPerIndex:must be greater than or equal to 0',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: -1 }),
    want: ['spec.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0'],
  },
  {
    name: 'spec.maxFailedIndexes: Invalid value: 11: must be less than or equal to completions',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 10, backoffLimitPerIndex: 1, maxFailedIndexes: 11 }),
    want: ['spec.maxFailedIndexes: Invalid value: 11: must be less than or equal to completions'],
  },
  {
    name: 'spec.maxFailedIndexes: Required value: must be specified when completions is above 100000',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 100001, backoffLimitPerIndex: 1 }),
    want: ['spec.maxFailedIndexes: Required value: must be specified when completions is above 100000'],
  },
  {
    name: 'spec.parallelism: Invalid value: 50000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 100001, parallelism: 50000, backoffLimitPerIndex: 1, maxFailedIndexes: 1 }),
    want: ['spec.parallelism: Invalid value: 50000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index'],
  },
  {
    name: 'spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 100000',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 100001, backoffLimitPerIndex: 1, maxFailedIndexes: 100001 }),
    want: [
      'spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 100000',
      'spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    ],
  },
  {
    name: 'spec.maxFailedIndexes: Invalid value: 50000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 100001, backoffLimitPerIndex: 1, maxFailedIndexes: 50000 }),
    want: ['spec.maxFailedIndexes: Invalid value: 50000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index'],
  },
  {
    name: 'rejects an Indexed Job whose largest pod hostname is not a DNS label (job-semantics §1)',
    edit: (m) => {
      Object.assign(m.spec, { completionMode: 'Indexed', completions: 100 });
      m.metadata.name = 'a'.repeat(61);
    },
    want: [`metadata.name: Invalid value: "${'a'.repeat(61)}": will not able to create pod with invalid DNS label: ${'a'.repeat(61)}-99`],
  },
  // ---- podFailurePolicy ----
  {
    name: 'spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob' }] }),
    want: ['spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required'],
  },
  {
    name: 'rejects a rule with both onExitCodes and onPodConditions',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget' }] }] }),
    want: ['spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 11',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [11, 11] } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 11'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 13',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [12, 13, 13, 13] } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 13', 'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 13'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: Array.from({ length: 256 }, (_, i) => i) } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items'],
  },
  {
    name: 'spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: Array.from({ length: 21 }, (_, i) => ({ action: 'FailJob', onExitCodes: { operator: 'In', values: [i + 1] } })) }),
    want: ['spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].onPodConditions: Too many: 21: must have at most 20 items',
    edit: (m) =>
      void (m.spec.podFailurePolicy = {
        rules: [{ action: 'FailJob', onPodConditions: Array.from({ length: 21 }, (_, i) => ({ type: `CustomType_${i}`, status: 'True' })) }],
      }),
    want: ['spec.podFailurePolicy.rules[0].onPodConditions: Too many: 21: must have at most 20 items'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{19, 11}: must be ordered',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [19, 11] } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [19,11]: must be ordered'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{}: at least one value is required',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [] } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []: at least one value is required'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: '', onExitCodes: { operator: 'In', values: [1, 2, 3] } }] }),
    want: ['spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]'],
  },
  {
    name: 'spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: '', values: [1, 2, 3] } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]'],
  },
  {
    name: 'rejects an unknown action and operator',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'Retry', onExitCodes: { operator: 'Gt', values: [1] } }] }),
    want: [
      'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Gt": supported values: "In", "NotIn"',
    ],
  },
  {
    name: 'rejects FailIndex without backoffLimitPerIndex',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }] }),
    want: ['spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set'],
  },
  {
    name: 'rejects exit code 0 with the In operator',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [0, 1] } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator'],
  },
  {
    name: 'rejects a containerName that names no container or init container',
    edit: (m) => void (m.spec.podFailurePolicy = { rules: [{ action: 'Count', onExitCodes: { containerName: 'nope', operator: 'In', values: [1] } }] }),
    want: ['spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template'],
  },
  {
    name: 'accepts an init container name in onExitCodes but rejects a bad condition status and type',
    edit: (m) => {
      pod(m).initContainers = [{ name: 'init', command: ['true'] }];
      m.spec.podFailurePolicy = {
        rules: [
          { action: 'Count', onExitCodes: { containerName: 'init', operator: 'In', values: [1] } },
          { action: 'Ignore', onPodConditions: [{ type: 'Bad Type', status: 'Maybe' }] },
        ],
      };
    },
    want: [
      "spec.podFailurePolicy.rules[1].onPodConditions[0].type: Invalid value: \"Bad Type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'spec.podFailurePolicy.rules[1].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
    ],
  },
  // ---- successPolicy ----
  {
    name: 'spec.successPolicy: Invalid value: …: requires indexed completion mode',
    edit: (m) => void (m.spec.successPolicy = { rules: [] }),
    want: ['spec.successPolicy: Invalid value: {"rules":[]}: requires indexed completion mode'],
  },
  {
    name: 'spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: {} }),
    want: ['spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified'],
  },
  {
    name: 'spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{}] } }),
    want: ['spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified'],
  },
  {
    name: 'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "invalid-format": error parsing succeededIndexes: cannot convert string to integer for index: "invalid"',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: 'invalid-format' }] } }),
    want: ['spec.successPolicy.rules[0].succeededIndexes: Invalid value: "invalid-format": error parsing succeededIndexes: cannot convert string to integer for index: "invalid"'],
  },
  {
    name: 'rejects succeededIndexes with an index beyond completions',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '1,5' }] } }),
    want: ['spec.successPolicy.rules[0].succeededIndexes: Invalid value: "1,5": error parsing succeededIndexes: too large index: "5"'],
  },
  {
    name: 'rejects succeededIndexes out of order',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '3,1' }] } }),
    want: ['spec.successPolicy.rules[0].succeededIndexes: Invalid value: "3,1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1'],
  },
  {
    name: 'spec.successPolicy.rules[0].succeededCount: must be greater than or equal to 0',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededCount: -1 }] } }),
    want: ['spec.successPolicy.rules[0].succeededCount: Invalid value: -1: must be greater than or equal to 0'],
  },
  {
    name: 'spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededCount: 6 }] } }),
    want: ['spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)'],
  },
  {
    name: 'spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of indexes in the specified succeededIndexes field)',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededCount: 4, succeededIndexes: '0-2' }] } }),
    want: ['spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of indexes in the specified succeededIndexes field)'],
  },
  {
    name: 'spec.successPolicy.rules: Too many: 21: must have at most 20 items',
    edit: (m) => Object.assign(m.spec, { completionMode: 'Indexed', completions: 5, successPolicy: { rules: Array.from({ length: 21 }, () => ({ succeededCount: 5 })) } }),
    want: ['spec.successPolicy.rules: Too many: 21: must have at most 20 items'],
  },
  // ---- podReplacementPolicy ----
  {
    name: 'spec.podReplacementPolicy: Unsupported value: "": supported values: "Failed", "TerminatingOrFailed"',
    edit: (m) => void (m.spec.podReplacementPolicy = ''),
    want: ['spec.podReplacementPolicy: Unsupported value: "": supported values: "Failed", "TerminatingOrFailed"'],
  },
  {
    name: 'rejects TerminatingOrFailed together with a pod failure policy',
    edit: (m) => Object.assign(m.spec, { podReplacementPolicy: 'TerminatingOrFailed', podFailurePolicy: { rules: [] } }),
    want: ['spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"'],
  },
  // ---- kjob decisions ----
  {
    name: 'rejects managedBy naming another controller, since kjob is the only one here',
    edit: (m) => void (m.spec.managedBy = 'example.com/foo'),
    want: ['spec.managedBy: Unsupported value: "example.com/foo": supported values: "kubernetes.io/job-controller"'],
  },
  {
    name: 'rejects manualSelector true with a message saying kjob generates selectors',
    edit: (m) => {
      Object.assign(m.spec, { manualSelector: true, selector: { matchLabels: { app: 'x' } } });
      m.spec.template.metadata = { labels: { app: 'x' } };
    },
    want: ['spec.manualSelector: Invalid value: true: kjob generates the selector of every Job (there is no label-based pod adoption): leave manualSelector unset or false'],
  },
  {
    name: 'rejects a container with neither command nor args',
    edit: (m) => void delete container(m).command,
    want: [
      "spec.template.spec.containers[0].command: Required value: kjob runs the container's command and args as a process, without an image entrypoint to fall back on: set command (or args)",
    ],
  },
  {
    name: 'rejects an empty program name',
    edit: (m) => void (container(m).command = ['', 'x']),
    want: ['spec.template.spec.containers[0].command[0]: Invalid value: "": must not be empty: it names the program to run'],
  },
  {
    name: "rejects a workingDir that climbs out with '..'",
    edit: (m) => void (container(m).workingDir = 'a/../../etc'),
    want: [
      "spec.template.spec.containers[0].workingDir: Invalid value: \"a/../../etc\": must not contain a '..' segment: kjob runs each pod in its own working directory and resolves a relative workingDir inside it",
    ],
  },
  {
    name: "rejects an absolute workingDir with a '..' segment",
    edit: (m) => void (container(m).workingDir = '/tmp/../root'),
    want: [
      "spec.template.spec.containers[0].workingDir: Invalid value: \"/tmp/../root\": must not contain a '..' segment: kjob runs each pod in its own working directory and resolves a relative workingDir inside it",
    ],
  },
  // ---- metadata ----
  {
    name: 'rejects a name that is a subdomain but not a DNS label (kjob is stricter than upstream)',
    edit: (m) => void (m.metadata.name = 'my.job'),
    want: ['metadata.name: Invalid value: "my.job": must not contain dots'],
  },
  {
    name: 'rejects a name longer than 63 characters',
    edit: (m) => void (m.metadata.name = 'a'.repeat(64)),
    // The name is also copied into the generated label values, which are limited to 63 bytes.
    want: [
      `metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`,
      ...Array.from({ length: 2 }, () => `metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 bytes`),
      ...Array.from({ length: 2 }, () => `spec.template.metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 bytes`),
    ],
  },
  { name: 'rejects an upper-case name', edit: (m) => void (m.metadata.name = 'MyJob'), want: [`metadata.name: Invalid value: "MyJob": ${labelErr}`] },
  {
    name: 'rejects a label key with two slashes and a label value that is too long',
    edit: (m) => void (m.metadata.labels = { 'a/b/c': 'x', ok: 'v'.repeat(64) }),
    want: [
      "metadata.labels: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      `metadata.labels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`,
    ],
  },
  {
    name: 'rejects annotations larger than 256 kB in total',
    edit: (m) => void (m.metadata.annotations = { big: 'x'.repeat(256 * 1024) }),
    want: ['metadata.annotations: Too long: may not be more than 262144 bytes'],
  },
  {
    name: 'rejects a bad label value on the template, and on the Job, which copies the template labels',
    edit: (m) => void (m.spec.template.metadata = { labels: { app: 'has space' } }),
    want: [
      "metadata.labels: Invalid value: \"has space\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "spec.template.metadata.labels: Invalid value: \"has space\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  },
  // ---- generated selector ----
  {
    name: "spec.template.metadata.labels[job-name]: a conflicting user label is kept and rejected (generateSelector)",
    edit: (m) => void (m.spec.template.metadata = { labels: { 'job-name': 'other' } }),
    want: [
      `spec.template.metadata.labels[job-name]: Invalid value: {"batch.kubernetes.io/controller-uid":"1a2b3c","batch.kubernetes.io/job-name":"myjob","controller-uid":"1a2b3c","job-name":"other"}: must be 'myjob'`,
    ],
  },
  {
    name: 'spec.selector: Invalid value: …{"a":"b"}…: `selector` not auto-generated',
    edit: (m) => void (m.spec.selector = { matchLabels: { a: 'b' } }),
    want: [
      'spec.selector: Invalid value: {"matchLabels":{"a":"b","batch.kubernetes.io/controller-uid":"1a2b3c"}}: `selector` not auto-generated',
      'spec.template.metadata.labels: Invalid value: {"batch.kubernetes.io/controller-uid":"1a2b3c","batch.kubernetes.io/job-name":"myjob","controller-uid":"1a2b3c","job-name":"myjob"}: `selector` does not match template `labels`',
    ],
  },
  {
    name: 'rejects a selector expression with a bad operator',
    edit: (m) => void (m.spec.selector = { matchExpressions: [{ key: 'a', operator: 'Has' }] }),
    want: ['spec.selector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator'],
  },
  // ---- pod template ----
  { name: 'requires at least one container', edit: (m) => void (pod(m).containers = []), want: ['spec.template.spec.containers: Required value'] },
  {
    name: 'rejects container names that are not DNS labels or are used twice across init and regular containers',
    edit: (m) => {
      pod(m).containers.push({ name: 'Bad_Name', command: ['true'] });
      pod(m).initContainers = [{ name: 'abc', command: ['true'] }];
    },
    want: [`spec.template.spec.containers[1].name: Invalid value: "Bad_Name": ${labelErr}`, 'spec.template.spec.initContainers[0].name: Duplicate value: "abc"'],
  },
  { name: 'requires a container name', edit: (m) => void (container(m).name = ''), want: ['spec.template.spec.containers[0].name: Required value'] },
  {
    name: 'rejects env names with = and duplicate env names',
    edit: (m) => void (container(m).env = [{ name: 'A=B', value: '1' }, { name: 'X', value: '1' }, { name: 'X', value: '2' }, { name: '' }]),
    want: [
      'spec.template.spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      'spec.template.spec.containers[0].env[2].name: Duplicate value: "X"',
      'spec.template.spec.containers[0].env[3].name: Required value',
    ],
  },
  {
    name: 'rejects Downward API fields kjob cannot fill and ones Kubernetes does not know',
    edit: (m) =>
      void (container(m).env = [
        { name: 'P', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } },
        { name: 'Q', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } },
        { name: 'R', valueFrom: { fieldRef: { fieldPath: "spec.nodeName['x']" } } },
        { name: 'S', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } } },
        { name: 'T', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ]),
    want: [
      'spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.podIP"',
      'spec.template.spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Invalid value: "spec.bogus": error converting fieldPath: field label not supported: spec.bogus',
      'spec.template.spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Invalid value: "spec.nodeName[\'x\']": error converting fieldPath: field label does not support subscript: spec.nodeName[\'x\']',
      'spec.template.spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Invalid value: "metadata.name": error converting fieldPath: unsupported pod version: v2',
      'spec.template.spec.containers[0].env[4].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    ],
  },
  {
    name: 'rejects a negative termination grace period and a pod deadline below 1',
    edit: (m) => Object.assign(pod(m), { terminationGracePeriodSeconds: -1, activeDeadlineSeconds: 0 }),
    want: [
      'spec.template.spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
    ],
  },
  {
    name: 'rejects an unknown imagePullPolicy and terminationMessagePolicy',
    edit: (m) => Object.assign(container(m), { imagePullPolicy: 'Sometimes', terminationMessagePolicy: 'Log' }),
    want: [
      'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      'spec.template.spec.containers[0].terminationMessagePolicy: Unsupported value: "Log": supported values: "File", "FallbackToLogsOnError"',
    ],
  },
  { name: 'rejects a hostname that is not a DNS label', edit: (m) => void (pod(m).hostname = 'a.b'), want: ['spec.template.spec.hostname: Invalid value: "a.b": must not contain dots'] },
];

describe('validateJob on create', () => {
  it.each(valid)('$name', ({ edit }) => {
    expect(createErrors(edit)).toEqual([]);
  });

  it.each(cases)('$name', ({ edit, want }) => {
    expect(createErrors(edit)).toEqual(want);
  });

  it('when the Job was only defaulted (no namespace, uid or selector yet), then a valid Job passes', () => {
    const decoded = decodeJob(aManifest());
    expect(validateJob(applyDefaults(decoded.job!))).toEqual([]);
  });

  it('when a finalized Job lost its selector, then the selector is Required ("spec.selector:Required value")', () => {
    const job = storedFrom(aManifest());
    delete (job.spec as { selector?: unknown }).selector;
    expect(validateJob(job).map(formatFieldError)).toEqual(['spec.selector: Required value']);
  });

  it('when the Job has neither name nor generateName, then the name is Required', () => {
    const decoded = decodeJob({ ...aManifest(), metadata: {} });
    expect(validateJob(applyDefaults(decoded.job!)).map(formatFieldError)).toEqual(['metadata.name: Required value: name or generateName is required']);
  });

  it('when an ownerReference lacks its fields or two are controllers, then ownerReferences is Invalid (ValidateOwnerReferences)', () => {
    const ref = { apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'u1', controller: true };
    const decoded = decodeJob({ ...aManifest(), metadata: { name: 'owned', ownerReferences: [ref, { ...ref, name: 'other' }, { apiVersion: 'batch/', kind: '', name: '', uid: '' }] } });
    expect(validateJob(applyDefaults(decoded.job!)).map(formatFieldError)).toEqual([
      expect.stringMatching(/^metadata.ownerReferences: Invalid value: \[.*\]: Only one reference can have Controller set to true. Found "true" in references for CronJob\/cj and CronJob\/other$/),
      'metadata.ownerReferences.apiVersion: Invalid value: "batch/": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]);
    const one = decodeJob({ ...aManifest(), metadata: { name: 'owned', ownerReferences: [ref] } });
    expect(validateJob(applyDefaults(one.job!))).toEqual([]);
  });

  it('when generateName is not a valid label prefix, then generateName is Invalid', () => {
    const decoded = decodeJob({ ...aManifest(), metadata: { generateName: 'Bad.' } });
    expect(validateJob(applyDefaults(decoded.job!)).map(formatFieldError)).toEqual([`metadata.generateName: Invalid value: "Bad.": ${labelErr}`]);
  });

  it('when the namespace is not a DNS label, then the namespace is Invalid', () => {
    expect(validateJob(storedFrom(aManifest(), 'Bad_NS')).map(formatFieldError)).toEqual([`metadata.namespace: Invalid value: "Bad_NS": ${labelErr}`]);
  });
});

describe('validateScale (the scale signal)', () => {
  const cases = [
    { name: 'accepts 0', value: 0, want: [] },
    { name: 'accepts a positive parallelism', value: 5, want: [] },
    { name: 'rejects a negative parallelism', value: -1, want: ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'rejects a string', value: '3', want: ['spec.parallelism: Invalid value: "string": spec.parallelism in body must be of type integer: "string"'] },
    { name: 'rejects a fraction', value: 1.5, want: ['spec.parallelism: Invalid value: "number": spec.parallelism in body must be of type integer: "number"'] },
    { name: 'rejects a missing value', value: undefined, want: ['spec.parallelism: Invalid value: "null": spec.parallelism in body must be of type integer: "null"'] },
    { name: 'rejects a value beyond int32', value: 2 ** 31, want: ['spec.parallelism: Invalid value: "int64": spec.parallelism in body must be of type int32: "int64"'] },
  ];
  it.each(cases)('$name', ({ value, want }) => {
    expect(validateScale(value).map(formatFieldError)).toEqual(want);
  });

  it('when the Job is Indexed, then parallelism above 100000 is rejected', () => {
    const m = aManifest();
    Object.assign(m.spec, { completionMode: 'Indexed', completions: 5 });
    expect(validateScale(100001, storedFrom(m)).map(formatFieldError)).toEqual([
      'spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed',
    ]);
  });
});

describe('createWarnings', () => {
  it('when an Indexed Job has more than 10^5 completions and parallelism above 10^4, then it warns as pkg/api/job/warnings.go does', () => {
    const m = aManifest();
    Object.assign(m.spec, { completionMode: 'Indexed', completions: 100001, parallelism: 10001 });
    expect(createWarnings(storedFrom(m))).toContain(
      'spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail',
    );
  });

  it('when the template mounts volumes and sets resources, then it warns that the process runtime ignores them', () => {
    const m = aManifest();
    pod(m).volumes = [{ name: 'data', emptyDir: {} }];
    container(m).volumeMounts = [{ name: 'data', mountPath: '/data' }];
    container(m).resources = { limits: { cpu: '1' } };
    expect(createWarnings(storedFrom(m))).toEqual([
      'spec.template.spec.volumes: kjob runs pods as local processes; volumes are not mounted',
      'spec.template.spec.containers[0].volumeMounts: kjob runs pods as local processes; volumes are not mounted',
      "spec.template.spec.containers[0].resources: kjob's process runtime does not enforce resource requests or limits",
    ]);
  });

  it('when the Job is plain, then there is no warning', () => {
    expect(createWarnings(storedFrom(aManifest()))).toEqual([]);
  });
});
