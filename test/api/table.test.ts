import { describe, expect, it } from 'vitest';
import type { Request } from 'express';
import { eventTable, humanDuration, jobCompletionsColumn, jobStatusColumn, jobTable, podStatusColumn, wantsTable } from '../../src/api/table.js';
import type { ContainerStatus, Job, KubeEvent, Pod } from '../../src/k8s/types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  const cases = [
    { name: 'under two minutes in seconds', ms: 119 * S, want: '119s' },
    { name: 'minutes and seconds under ten minutes', ms: 3 * M + 12 * S, want: '3m12s' },
    { name: 'whole minutes without seconds', ms: 4 * M, want: '4m' },
    { name: 'minutes only past ten minutes', ms: 25 * M + 30 * S, want: '25m' },
    { name: 'hours and minutes under eight hours', ms: 5 * H + 3 * M, want: '5h3m' },
    { name: 'hours only under two days', ms: 30 * H + 5 * M, want: '30h' },
    { name: 'days and hours under eight days', ms: 3 * D + 4 * H, want: '3d4h' },
    { name: 'days only under two years', ms: 40 * D + 3 * H, want: '40d' },
    { name: 'years and days', ms: (2 * 365 + 10) * D, want: '2y10d' },
    { name: 'a clock one second behind as 0s', ms: -1 * S, want: '0s' },
    { name: 'a clock far behind as invalid', ms: -5 * S, want: '<invalid>' },
  ];
  it.each(cases)('prints $name', ({ ms, want }) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

const aJob = (over: { spec?: Partial<Job['spec']>; status?: Job['status']; deleting?: boolean } = {}): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', creationTimestamp: '2026-01-01T00:00:00Z', ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}) },
  spec: { completions: 1, parallelism: 1, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...over.spec },
  ...(over.status ? { status: over.status } : {}),
});
const cond = (type: string, status: 'True' | 'False' = 'True') => ({ type, status }) as NonNullable<NonNullable<Job['status']>['conditions']>[number];

describe('printJob columns', () => {
  const statusCases = [
    { name: 'Complete once Complete is true', job: aJob({ status: { conditions: [cond('SuccessCriteriaMet'), cond('Complete')] } }), want: 'Complete' },
    { name: 'Failed once Failed is true', job: aJob({ status: { conditions: [cond('FailureTarget'), cond('Failed')] } }), want: 'Failed' },
    { name: 'Terminating while being deleted', job: aJob({ deleting: true }), want: 'Terminating' },
    { name: 'Suspended while suspended', job: aJob({ status: { conditions: [cond('Suspended')] } }), want: 'Suspended' },
    { name: 'Running after a resume (Suspended False)', job: aJob({ status: { conditions: [cond('Suspended', 'False')] } }), want: 'Running' },
    { name: 'FailureTarget before Failed', job: aJob({ status: { conditions: [cond('FailureTarget')] } }), want: 'FailureTarget' },
    { name: 'Running otherwise', job: aJob(), want: 'Running' },
  ];
  it.each(statusCases)('shows STATUS $name', ({ job, want }) => {
    expect(jobStatusColumn(job)).toBe(want);
  });

  const completionCases = [
    { name: 'succeeded/completions', job: aJob({ spec: { completions: 3 }, status: { succeeded: 2 } }), want: '2/3' },
    { name: 'work-queue mode with parallelism', job: aJob({ spec: { completions: null, parallelism: 4 }, status: { succeeded: 0 } }), want: '0/1 of 4' },
    { name: 'work-queue mode with parallelism 1', job: aJob({ spec: { completions: null, parallelism: 1 } }), want: '0/1' },
  ];
  it.each(completionCases)('shows COMPLETIONS as $name', ({ job, want }) => {
    expect(jobCompletionsColumn(job)).toBe(want);
  });

  it('shows DURATION from start to completion and AGE from creation', () => {
    const job = aJob({ status: { startTime: '2026-01-01T00:00:05Z', completionTime: '2026-01-01T00:00:47Z', succeeded: 1 } });
    const t = jobTable([job], Date.parse('2026-01-01T00:10:00Z'));
    expect(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age']);
    expect(t.rows[0]!.cells.slice(0, 5)).toEqual(['pi', 'Running', '1/1', '42s', '10m']);
    expect(t.rows[0]!.object?.metadata.name).toBe('pi');
  });
});

const status = (state: ContainerStatus['state'], ready = false, restartCount = 0): ContainerStatus => ({
  name: 'c',
  image: 'busybox',
  imageID: '',
  ready,
  restartCount,
  state,
  lastState: {},
});
const aPod = (containerStatuses: ContainerStatus[], over: Partial<Pod['status']> = {}, deleting = false): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'pi-abcde', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { containers: [{ name: 'c' }] },
  status: { phase: 'Running', containerStatuses, ...over },
});

describe('printPod STATUS', () => {
  const cases = [
    { name: 'Completed for a container that exited 0', pod: aPod([status({ terminated: { exitCode: 0, reason: 'Completed' } })], { phase: 'Succeeded' }), want: 'Completed' },
    { name: 'Error for a container that failed', pod: aPod([status({ terminated: { exitCode: 1, reason: 'Error' } })], { phase: 'Failed' }), want: 'Error' },
    { name: 'ExitCode:N when the reason is empty', pod: aPod([status({ terminated: { exitCode: 3 } })], { phase: 'Failed' }), want: 'ExitCode:3' },
    { name: 'the waiting reason in crash-loop backoff', pod: aPod([status({ waiting: { reason: 'CrashLoopBackOff' } }, false, 1)]), want: 'CrashLoopBackOff' },
    { name: 'Running for a running container', pod: aPod([status({ running: { startedAt: '2026-01-01T00:00:00Z' } }, true)]), want: 'Running' },
    { name: 'Terminating while being deleted', pod: aPod([status({ running: {} }, true)], {}, true), want: 'Terminating' },
    {
      name: 'Init:0/1 while the init container runs',
      pod: { ...aPod([status({ waiting: { reason: 'PodInitializing' } })], { phase: 'Pending', initContainerStatuses: [status({ running: {} })] }), spec: { containers: [{ name: 'c' }], initContainers: [{ name: 'i' }] } },
      want: 'Init:0/1',
    },
  ];
  it.each(cases)('shows $name', ({ pod, want }) => {
    expect(podStatusColumn(pod)).toBe(want);
  });
});

describe('printEvent', () => {
  it('shows the object as kind/name and a repeated event with its count', () => {
    const event: KubeEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'pi.1' },
      involvedObject: { kind: 'Job', name: 'pi' },
      reason: 'SuccessfulCreate',
      message: 'Created pod: pi-abcde',
      type: 'Normal',
      source: { component: 'job-controller' },
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:30Z',
      count: 3,
    };
    const t = eventTable([event], Date.parse('2026-01-01T00:01:00Z'));
    expect(t.rows[0]!.cells.slice(0, 5)).toEqual(['30s (x3 over 60s)', 'Normal', 'SuccessfulCreate', 'job/pi', 'Created pod: pi-abcde']);
  });
});

describe('wantsTable', () => {
  const req = (accept: string | undefined) => ({ headers: accept === undefined ? {} : { accept } }) as Request;
  const cases = [
    { name: "kubectl get's Accept header", accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', want: true },
    { name: 'plain JSON', accept: 'application/json', want: false },
    { name: 'no Accept header', accept: undefined, want: false },
    { name: 'plain JSON preferred over a Table', accept: 'application/json,application/json;as=Table;v=v1;g=meta.k8s.io', want: false },
  ];
  it.each(cases)('answers $want for $name', ({ accept, want }) => {
    expect(wantsTable(req(accept))).toBe(want);
  });
});
