/**
 * The read model: what the API serves from published memos is what the `job`, `pods` and
 * `events` queries served from the controller state (plus resourceVersions), and the Temporal
 * errors the gateway maps become honest Status answers. Pure: no server.
 */
import { ServiceError, WorkflowNotFoundError, NamespaceNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { renderEvents, renderJob, renderPods, type EventRecord } from '../../src/controller/index.js';
import { isSearchAttributeMissing, mapTemporalError, type ErrorContext } from '../../src/api/jobs-gateway.js';
import {
  initialJobMemo,
  jobMemoOf,
  listResourceVersion,
  publishedPodsOf,
  renderPublishedEvents,
  renderPublishedJob,
  renderPublishedPods,
} from '../../src/api/published.js';
import { JOBS, Misconfigured, NotFound, ServiceUnavailable } from '../../src/api/status.js';
import { podMemoKey, type JobMemo } from '../../src/workflows/definitions.js';
import { aJob, aPod, aState, T0 } from '../support/builders.js';

const anEvent = (overrides: Partial<EventRecord> = {}): EventRecord => ({
  seq: 1,
  type: 'Normal',
  reason: 'SuccessfulCreate',
  message: 'Created pod: myjob-abcde',
  involvedKind: 'Job',
  involvedName: 'myjob',
  firstTimestamp: T0,
  lastTimestamp: T0,
  count: 1,
  ...overrides,
});

/** What the Job workflow publishes for `state` (workflows/job-publisher.ts does the same split). */
function memoOf(state: ReturnType<typeof aState>, rv: number): Record<string, unknown> {
  const { status = {}, ...job } = renderJob(state);
  const memo: JobMemo = { job, status, events: state.events, shards: ['default/myjob/pods-0'], rv };
  return { ...memo };
}

const deleting = aState({ deletion: { at: T0 + 5_000, propagationPolicy: 'Foreground' } });
const state = aState({
  job: aJob({ completions: 3, parallelism: 2 }),
  pods: [aPod({ name: 'myjob-bbbbb', exit: [['main', 0]] }), aPod({ name: 'myjob-aaaaa' })],
  events: [anEvent(), anEvent({ seq: 2, involvedKind: 'Pod', involvedName: 'myjob-aaaaa', reason: 'Started', lastTimestamp: T0 + 2_000, count: 3 })],
});

describe('published Job', () => {
  it('when the memo has a status, then GET serves the query\'s Job with resourceVersion = rv', () => {
    const memo = jobMemoOf(memoOf(state, 1_767_225_600_000_123));
    expect(memo).not.toBeNull();
    const want = renderJob(state);
    expect(renderPublishedJob(memo!)).toEqual({ ...want, metadata: { ...want.metadata, resourceVersion: '1767225600000123' } });
  });

  it('when the Job is being deleted in the foreground, then the memo shows deletionTimestamp and the finalizer', () => {
    const job = renderPublishedJob(jobMemoOf(memoOf(deleting, 7))!);
    expect(job.metadata).toMatchObject({ deletionTimestamp: expect.any(String), finalizers: ['foregroundDeletion'] });
  });

  it.each([
    { name: 'no memo at all (a workflow started before wave 2)', memo: undefined },
    { name: 'a memo without status', memo: { job: renderJob(state) } },
    { name: 'a status but no job', memo: { status: {} } },
  ])('when there is $name, then it is not published state (the gateway asks the query)', ({ memo }) => {
    expect(jobMemoOf(memo)).toBeNull();
  });

  it('when the API creates a Job, then its first memo reads back as the stored Job with an empty status', () => {
    const job = aJob();
    const read = renderPublishedJob(jobMemoOf(JSON.parse(JSON.stringify(initialJobMemo(job, 42))) as Record<string, unknown>)!);
    expect(read).toEqual({ ...job, metadata: { ...job.metadata, resourceVersion: '42' }, status: {} });
  });
});

describe('published pods and events', () => {
  const memo = jobMemoOf(memoOf(state, 100))!;
  const shardMemo: Record<string, unknown> = {
    [podMemoKey('myjob-bbbbb')]: { ...state.pods[0]!, rv: 90 },
    [podMemoKey('myjob-aaaaa')]: { ...state.pods[1]!, rv: 95 },
    [podMemoKey('myjob-gone1')]: null,
    unrelated: { name: 'x' },
  };

  it('when a shard publishes pod keys, then the pods render as the pods query did, each with its own rv', () => {
    const pods = renderPublishedPods(memo, publishedPodsOf(shardMemo));
    const want = renderPods(state).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    expect(pods.map((p) => p.metadata.resourceVersion)).toEqual(['95', '90']);
    expect(pods.map(({ metadata: { resourceVersion: _rv, ...metadata }, ...rest }) => ({ ...rest, metadata }))).toEqual(want);
  });

  it('when the memo holds events, then they render as the events query did, with rv = lastTimestamp in µs', () => {
    const events = renderPublishedEvents(memo);
    const want = renderEvents(state);
    expect(events.map((e) => e.metadata.resourceVersion)).toEqual([String(T0 * 1000), String((T0 + 2_000) * 1000)]);
    // Pod events carry no pod uid here (that would take a describe of the shards).
    const strip = (e: (typeof want)[number]) => ({ ...e, metadata: { ...e.metadata, resourceVersion: undefined }, involvedObject: { ...e.involvedObject, uid: undefined } });
    expect(events.map(strip)).toEqual(want.map(strip));
  });

  it('when a list is served, then its resourceVersion is the highest of its items, or empty', () => {
    expect(listResourceVersion([{ metadata: { resourceVersion: '9' } }, { metadata: { resourceVersion: '12' } }, { metadata: {} }])).toBe('12');
    expect(listResourceVersion([])).toBe('');
  });
});

describe('Temporal errors as the API answers them', () => {
  const ctx: ErrorContext = { address: '127.0.0.1:7233', namespace: 'default', timeoutMs: 1_800 };
  const grpc = (code: number, details: string) => Object.assign(new Error(details), { code, details, metadata: { get: () => [] } });
  const service = (code: number, details: string) => new ServiceError('call failed', { cause: grpc(code, details) });

  it.each([
    { name: 'a workflow that does not exist', err: new WorkflowNotFoundError('nope', 'default/x', undefined), want: NotFound, message: /not found/ },
    { name: 'a namespace that does not exist', err: new NamespaceNotFoundError('nope'), want: Misconfigured, message: /temporal operator namespace create --namespace nope --address 127\.0\.0\.1:7233/ },
    { name: 'a NOT_FOUND that names the namespace of a workflow', err: service(5, 'Workflow executionsRow not found. WorkflowId: x, RunId: y, Namespace: default'), want: NotFound, message: /not found/ },
    { name: "the server's namespace NOT_FOUND", err: service(5, 'Namespace nope is not found.'), want: Misconfigured, message: /does not exist/ },
    { name: 'a refused connection', err: service(14, 'No connection established'), want: ServiceUnavailable, message: /^Temporal is unreachable at 127\.0\.0\.1:7233: No connection/ },
    { name: 'a deadline with no sign of an outage', err: service(4, 'Deadline exceeded'), want: ServiceUnavailable, message: /did not answer within 1\.8 s/ },
  ])('when the client fails with $name, then the API answers $want.name', ({ err, want, message }) => {
    const mapped = mapTemporalError(err, JOBS, 'x', ctx);
    expect(mapped).toBeInstanceOf(want);
    expect((mapped as Error).message).toMatch(message);
  });

  it('when a deadline passes while the connection sees the server refuse, then it says Temporal is unreachable', () => {
    const mapped = mapTemporalError(service(4, 'Deadline exceeded'), JOBS, 'x', { ...ctx, reachability: { lastAnswerAt: 0, unreachable: { at: Date.now(), message: 'connect ECONNREFUSED' } } });
    expect((mapped as Error).message).toBe('Temporal is unreachable at 127.0.0.1:7233: connect ECONNREFUSED');
  });

  it('when a start or list is refused for an unknown search attribute, then it is recognised (kjob registers them and retries)', () => {
    expect(isSearchAttributeMissing(service(3, 'Namespace default has no mapping defined for search attribute KjobName'))).toBe(true);
    expect(isSearchAttributeMissing(service(3, 'invalid query: invalid search attribute: KjobName'))).toBe(true);
    expect(isSearchAttributeMissing(service(3, 'bad cron'))).toBe(false);
  });

  it('when the API is misconfigured, then the Status has no Retry-After (retrying does not help)', () => {
    expect(new Misconfigured('x').details).toBeUndefined();
    expect(new ServiceUnavailable('x').details?.retryAfterSeconds).toBe(1);
  });
});
