/**
 * The objects the API serves (DESIGN.md "Objects"; job-semantics §5, job-semantics §7, job-semantics §18, job-semantics §19).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { podAttemptSpec, podRunInput, renderEvents, renderJob, renderPods } from '../../src/controller/index.js';
import { recordEvent, type Ctx } from '../../src/controller/context.js';
import { podName } from '../../src/controller/pods.js';
import { MAX_EVENTS } from '../../src/controller/state.js';
import { aJob, aRun, aSettings, podRunning, T0 } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('renderJob', () => {
  it('serves metadata, the defaulted spec and a full status for a running NonIndexed Job', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 2 }));
    const job = renderJob(run.state);
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'myjob', namespace: 'default', generation: 1 } });
    expect(job.spec).toEqual(run.state.job.spec);
    expect(job.status).toEqual({
      startTime: '2026-01-01T00:00:00Z',
      active: 2,
      ready: 0,
      succeeded: 0,
      failed: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
    });
  });

  it('shows completedIndexes for Indexed Jobs (empty at first) and failedIndexes only with backoffLimitPerIndex (job-semantics §7)', () => {
    expect(renderJob(aRun(aJob({ completions: 2, completionMode: 'Indexed' })).state).status).toMatchObject({ completedIndexes: '' });
    expect(renderJob(aRun(aJob({ completions: 2, completionMode: 'Indexed' })).state).status?.failedIndexes).toBeUndefined();
    expect(renderJob(aRun(aJob({ completions: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 })).state).status).toMatchObject({
      completedIndexes: '',
      failedIndexes: '',
    });
  });

  it('shows conditions with RFC 3339 times and active 0 once finished (job-semantics §17, §18)', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.advance(1500).exit(run.active()[0]!, 0);
    const status = renderJob(run.state).status!;
    expect(status.conditions?.[0]).toEqual({
      type: 'SuccessCriteriaMet',
      status: 'True',
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods',
      lastProbeTime: '2026-01-01T00:00:01Z',
      lastTransitionTime: '2026-01-01T00:00:01Z',
    });
    expect(status.completionTime).toBe('2026-01-01T00:00:01Z');
  });
});

describe('renderPods', () => {
  it('renders an Indexed pod with its labels, annotation, hostname, JOB_COMPLETION_INDEX and owner (job-semantics §5)', () => {
    const job = aJob({
      completions: 3,
      parallelism: 1,
      completionMode: 'Indexed',
      template: {
        containers: [
          { name: 'main', image: 'busybox', command: ['true'] },
          { name: 'own', image: 'busybox', env: [{ name: 'JOB_COMPLETION_INDEX', value: '7' }] },
        ],
        initContainers: [{ name: 'init', image: 'busybox' }],
      },
    });
    const run = aRun(job);
    const pod = renderPods(run.state)[0]!;
    expect(pod.metadata.name).toBe('myjob-0-bbbbb');
    expect(pod.metadata.labels).toEqual({
      'batch.kubernetes.io/controller-uid': job.metadata.uid,
      'controller-uid': job.metadata.uid,
      'batch.kubernetes.io/job-name': 'myjob',
      'job-name': 'myjob',
      'batch.kubernetes.io/job-completion-index': '0',
    });
    expect(pod.metadata.annotations).toEqual({ 'batch.kubernetes.io/job-completion-index': '0' });
    expect(pod.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: 'myjob', uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(pod.spec.hostname).toBe('myjob-0');
    const indexEnv = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } };
    expect(pod.spec.containers[0]?.env).toEqual([indexEnv]);
    expect(pod.spec.containers[1]?.env).toEqual([{ name: 'JOB_COMPLETION_INDEX', value: '7' }]);
    expect(pod.spec.initContainers?.[0]?.env).toEqual([indexEnv]);
    expect(pod.status.phase).toBe('Pending');
    expect(pod.status.containerStatuses?.map((c) => [c.name, c.state.waiting?.reason])).toEqual([
      ['main', 'ContainerCreating'],
      ['own', 'ContainerCreating'],
    ]);
  });

  it('renders a NonIndexed pod without index label, annotation or hostname', () => {
    const pod = renderPods(aRun(aJob({ completions: 1 })).state)[0]!;
    expect(pod.metadata.name).toBe('myjob-bbbbb');
    expect(pod.metadata.labels?.['batch.kubernetes.io/job-completion-index']).toBeUndefined();
    expect(pod.spec.hostname).toBeUndefined();
    expect(pod.spec.containers[0]?.env).toBeUndefined();
  });

  it('renders a running pod with its node, start time, Ready condition and container statuses', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.send(podRunning(run.active()[0]!, { node: '7@box', at: T0 + 100 }));
    const pod = renderPods(run.state)[0]!;
    expect(pod.spec.nodeName).toBe('7@box');
    expect(pod.status.startTime).toBe('2026-01-01T00:00:00Z');
    expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    expect(pod.status.containerStatuses?.[0]?.state.running).toBeDefined();
  });

  it('shows deletionTimestamp (request time + grace) while a pod terminates', () => {
    const run = aRun(aJob({ completions: 1, terminationGracePeriodSeconds: 10 }));
    run.send({ type: 'suspendRequested' });
    const pod = renderPods(run.state)[0]!;
    expect(pod.metadata.deletionTimestamp).toBe('2026-01-01T00:00:10Z');
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(10);
  });

  it('cuts long generated names to 63 characters, keeping -<index>- (podGenerateNameWithIndex)', () => {
    const long = 'a'.repeat(70);
    expect(podName(long, null, 'xyzab')).toHaveLength(63);
    const indexed = podName(long, 123, 'xyzab');
    expect(indexed).toHaveLength(63);
    expect(indexed.endsWith('-123-xyzab')).toBe(true);
  });
});

describe('podRunInput', () => {
  it('carries what the worker needs, with the Job settings turned into activity timings', () => {
    const run = aRun(aJob({ completions: 2, completionMode: 'Indexed', terminationGracePeriodSeconds: 3 }), aSettings({ heartbeatTimeoutMs: 9000, backoffBaseMs: 50, restartBackoffMaxMs: 400 }));
    const name = run.active()[0]!;
    const input = podRunInput(run.state, name);
    expect(input).toMatchObject({
      namespace: 'default',
      jobName: 'myjob',
      podName: name,
      index: 0,
      terminationGracePeriodSeconds: 3,
      heartbeatIntervalMs: 3000,
      restartBackoffBaseMs: 50,
      restartBackoffMaxMs: 400,
    });
    expect(input.spec.hostname).toBe('myjob-0');
    expect(podAttemptSpec(run.state, run.actionsOf('startPod', run.actions)[0]!.pod)).toEqual(input);
  });
});

describe('renderEvents', () => {
  it('renders the Job events with source job-controller, in order (job-semantics §19)', () => {
    const run = aRun(aJob({ completions: 1 }));
    run.exit(run.active()[0]!, 0);
    const events = renderEvents(run.state);
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual([
      ['Normal', 'SuccessfulCreate', 'Created pod: myjob-bbbbb'],
      ['Normal', 'Completed', 'Job completed'],
    ]);
    expect(events[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'myjob.1', namespace: 'default' },
      involvedObject: { kind: 'Job', name: 'myjob', namespace: 'default', uid: run.state.job.metadata.uid },
      source: { component: 'job-controller' },
      count: 1,
    });
  });

  it('aggregates a repeated event into one with a count, and keeps at most MAX_EVENTS', () => {
    const run = aRun(aJob({ completions: 1 }));
    const ctx: Ctx = { state: structuredClone(run.state), env: { now: T0 + 5, randomSuffix: () => 'zzzzz' }, actions: [], timers: {} };
    recordEvent(ctx, 'Warning', 'Odd', 'same');
    recordEvent(ctx, 'Warning', 'Odd', 'same');
    expect(ctx.state.events.at(-1)).toMatchObject({ reason: 'Odd', count: 2, firstTimestamp: T0 + 5, lastTimestamp: T0 + 5 });
    expect(ctx.actions.map((a) => (a.type === 'recordEvent' ? a.event.count : 0))).toEqual([1, 2]);
    for (let i = 0; i < MAX_EVENTS + 10; i++) recordEvent(ctx, 'Normal', 'N', `m${i}`);
    expect(ctx.state.events).toHaveLength(MAX_EVENTS);
    expect(ctx.state.events.at(-1)?.seq).toBe(ctx.state.eventSeq);
    expect(ctx.state.events[0]?.message).toBe('m10');
  });
});
