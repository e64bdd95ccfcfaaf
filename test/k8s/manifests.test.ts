/**
 * The whole create pipeline on manifests people actually write: the examples of the Kubernetes
 * Job documentation (concepts/workloads/controllers/job) and what `kubectl create job
 * --dry-run=client -o yaml` prints — YAML text → parseManifest → decodeJob → prepareForCreate →
 * validateJob.
 */
import { describe, expect, it } from 'vitest';
import { decodeJob } from '../../src/k8s/decode.js';
import { prepareForCreate } from '../../src/k8s/job-strategy.js';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import { parseManifest } from '../../src/k8s/parse.js';
import type { StoredJob } from '../../src/k8s/types.js';
import { createWarnings, validateJob } from '../../src/k8s/validate.js';

interface Created {
  job?: StoredJob;
  errors: string[];
  warnings: string[];
}

function create(yaml: string): Created {
  const parsed = parseManifest(yaml, 'application/yaml');
  if ('error' in parsed) throw new Error(parsed.error);
  const decoded = decodeJob(parsed.value);
  if (decoded.kindError || !decoded.job) throw new Error(decoded.kindError);
  if (decoded.errors.length > 0) return { errors: decoded.errors.map(formatFieldError), warnings: decoded.warnings };
  const job = prepareForCreate(decoded.job, { namespace: 'default', uid: 'u-1', now: '2026-01-01T00:00:00Z', randomSuffix: 'abcde' });
  return { job, errors: validateJob(job).map(formatFieldError), warnings: [...decoded.warnings, ...createWarnings(job)] };
}

const PI = `
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`;

const POD_FAILURE_POLICY = `
apiVersion: batch/v1
kind: Job
metadata:
  name: job-pod-failure-policy-example
spec:
  completions: 12
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: docker.io/library/bash:5
        command: ["bash"]        # example command simulating a bug which triggers the FailJob action
        args:
        - -c
        - echo "Hello world!" && sleep 5 && exit 42
  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        containerName: main      # optional
        operator: In             # one of: In, NotIn
        values: [42]
    - action: Ignore             # one of: Ignore, FailJob, Count
      onPodConditions:
      - type: DisruptionTarget   # indicates Pod disruption
`;

const BACKOFF_LIMIT_PER_INDEX = `
apiVersion: batch/v1
kind: Job
metadata:
  name: job-backoff-limit-per-index-example
spec:
  completions: 10
  parallelism: 3
  completionMode: Indexed  # required for the feature
  backoffLimitPerIndex: 1  # maximal number of failures per index
  maxFailedIndexes: 5      # maximal number of failed indexes before terminating the Job execution
  template:
    spec:
      restartPolicy: Never # required for the feature
      containers:
      - name: example
        image: python
        command:           # The jobs fails as there is at least one failed index
                           # (all even indexes fail in here), yet all indexes
                           # are executed as maxFailedIndexes is not exceeded.
        - python3
        - -c
        - |
          import os, sys
          print("Hello world")
          if int(os.environ.get("JOB_COMPLETION_INDEX")) % 2 == 0:
            sys.exit(1)
`;

const SUCCESS_POLICY = `
apiVersion: batch/v1
kind: Job
metadata:
  name: job-success
spec:
  parallelism: 10
  completions: 10
  completionMode: Indexed # Required for the success policy
  successPolicy:
    rules:
      - succeededIndexes: 0,2-3
        succeededCount: 1
  template:
    spec:
      containers:
      - name: main
        image: python
        command:          # Provided that at least one of the Pods with 0, 2, and 3 indexes has succeeded,
                          # the overall Job is a success.
          - python3
          - -c
          - |
            import os, sys
            if os.environ.get("JOB_COMPLETION_INDEX") == "2":
              sys.exit(0)
            else:
              sys.exit(1)
      restartPolicy: Never
`;

const INDEXED_DOWNWARD_API = `
apiVersion: batch/v1
kind: Job
metadata:
  name: 'indexed-job'
spec:
  completions: 5
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: 'worker'
        image: 'docker.io/library/busybox'
        command:
        - "sh"
        - "-c"
        - "echo index $JOB_INDEX"
        env:
        - name: JOB_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
`;

const KUBECTL_DRY_RUN = `
apiVersion: batch/v1
kind: Job
metadata:
  creationTimestamp: null
  name: hello
spec:
  template:
    metadata:
      creationTimestamp: null
    spec:
      containers:
      - command:
        - echo
        - hello
        image: busybox
        name: hello
        resources: {}
      restartPolicy: Never
status: {}
`;

describe('documented manifests are accepted as written', () => {
  const cases = [
    { name: 'the pi example', yaml: PI },
    { name: 'the pod failure policy example', yaml: POD_FAILURE_POLICY },
    { name: 'the backoffLimitPerIndex example', yaml: BACKOFF_LIMIT_PER_INDEX },
    { name: 'the success policy example', yaml: SUCCESS_POLICY },
    { name: 'the Indexed Job reading its index through the Downward API', yaml: INDEXED_DOWNWARD_API },
    { name: 'what kubectl create job --dry-run=client -o yaml prints', yaml: KUBECTL_DRY_RUN },
  ];
  it.each(cases)('accepts $name', ({ yaml }) => {
    const r = create(yaml);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.job).toBeDefined();
  });
});

describe('what the pipeline makes of them', () => {
  it('when the pi example is created, then the stored Job looks like the docs show it', () => {
    const job = create(PI).job!;
    expect(job.spec).toMatchObject({
      backoffLimit: 4,
      completionMode: 'NonIndexed',
      completions: 1,
      parallelism: 1,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
    });
    expect(job.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    expect(job.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' });
  });

  it('when the pod failure policy example is created, then podReplacementPolicy is Failed and the condition pattern is True', () => {
    const job = create(POD_FAILURE_POLICY).job!;
    expect(job.spec.podReplacementPolicy).toBe('Failed');
    expect(job.spec.podFailurePolicy?.rules[1]?.onPodConditions).toEqual([{ type: 'DisruptionTarget', status: 'True' }]);
  });

  it('when the backoffLimitPerIndex example is created, then backoffLimit is MaxInt32 and the script keeps its lines', () => {
    const job = create(BACKOFF_LIMIT_PER_INDEX).job!;
    expect(job.spec.backoffLimit).toBe(2147483647);
    expect(job.spec.template.spec.containers[0]?.command?.[2]).toBe(
      'import os, sys\nprint("Hello world")\nif int(os.environ.get("JOB_COMPLETION_INDEX")) % 2 == 0:\n  sys.exit(1)\n',
    );
  });

  it('when the pod failure policy example runs OnFailure, then it is rejected as upstream does', () => {
    const yaml = POD_FAILURE_POLICY.replace('restartPolicy: Never', 'restartPolicy: OnFailure');
    expect(create(yaml).errors).toEqual([
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ]);
  });

  it('when kubectl leaves out the command (no `-- cmd`), then kjob says it needs one', () => {
    const yaml = KUBECTL_DRY_RUN.replace(/ {6}- command:\n {8}- echo\n {8}- hello\n {8}image/, '      - image');
    expect(create(yaml).errors).toEqual([
      "spec.template.spec.containers[0].command: Required value: kjob runs the container's command and args as a process, without an image entrypoint to fall back on: set command (or args)",
    ]);
  });
});
