/**
 * The per-worker status reporter against a fake channel (the worker wires it to Temporal signals):
 * coalescing per target, dropping finished pods' reports, retries across an outage, NotFound.
 */
import { describe, expect, it } from 'vitest';
import type { ReportChannel, ReportDelivery } from '../../src/activities/deps.js';
import { StatusReporter, type ReportTarget } from '../../src/activities/status-reporter.js';
import type { PodStatusReport } from '../../src/k8s/pod-run.js';
import { poll } from '../support/poll.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function report(podName: string, restartCount = 0): PodStatusReport {
  return {
    podName,
    phase: 'Running',
    nodeName: 'node-1@test',
    startedAt: 1,
    ready: true,
    initContainerStatuses: [],
    containerStatuses: [
      { name: 'main', image: '', imageID: '', ready: true, started: true, restartCount, state: { running: { startedAt: 'x' } }, lastState: {} },
    ],
  };
}

interface Sent {
  signal: 'podStatus' | 'podReports';
  workflowId: string;
  reports: PodStatusReport[];
  at: number;
}

/** A channel that answers with `answer(callNumber)`: a delivery, or throws. */
function fakeChannel(answer: (call: number) => ReportDelivery | Error = () => 'delivered') {
  const sent: Sent[] = [];
  let calls = 0;
  const deliver = async (signal: Sent['signal'], workflowId: string, reports: PodStatusReport[]): Promise<ReportDelivery> => {
    const a = answer(++calls);
    if (a instanceof Error) throw a;
    sent.push({ signal, workflowId, reports, at: Date.now() });
    return a;
  };
  const channel: ReportChannel = {
    podStatus: (id, r) => deliver('podStatus', id, [r]),
    podReports: (id, rs) => deliver('podReports', id, rs),
  };
  return { channel, sent, calls: () => calls };
}

const shard: ReportTarget = { workflowId: 'default/job/pods-0', signal: 'podReports' };
const v1: ReportTarget = { workflowId: 'default/job', signal: 'podStatus' };
const restarts = (rs: PodStatusReport[]) => rs.map((r) => [r.podName, r.containerStatuses[0]?.restartCount]);

describe('StatusReporter', () => {
  it('when many reports for one shard arrive within the interval, then one podReports signal carries the newest of each pod', async () => {
    const { channel, sent } = fakeChannel();
    const reporter = new StatusReporter(channel, quiet, { flushIntervalMs: 30 });
    for (let round = 0; round < 10; round++) for (let p = 0; p < 10; p++) reporter.push(shard, `uid-${p}`, report(`pod-${p}`, round));
    await poll(() => sent.length, (n) => n > 0, { what: 'a flush', timeoutMs: 2000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.signal).toBe('podReports');
    expect(restarts(sent[0]!.reports)).toEqual(Array.from({ length: 10 }, (_, p) => [`pod-${p}`, 9]));
    reporter.close();
  });

  it('when targets differ, then each gets its own signal; v1 targets get one podStatus signal per pod', async () => {
    const { channel, sent } = fakeChannel();
    const reporter = new StatusReporter(channel, quiet, { flushIntervalMs: 10 });
    reporter.push(shard, 'a', report('a'));
    reporter.push(v1, 'b', report('b', 0));
    reporter.push(v1, 'b', report('b', 1));
    reporter.push(v1, 'c', report('c'));
    await poll(() => sent.length, (n) => n >= 3, { what: 'three signals', timeoutMs: 2000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(sent.map((s) => [s.signal, s.workflowId, restarts(s.reports)])).toEqual([
      ['podReports', 'default/job/pods-0', [['a', 0]]],
      ['podStatus', 'default/job', [['b', 1]]],
      ['podStatus', 'default/job', [['c', 0]]],
    ]);
    reporter.close();
  });

  it('when reports keep coming, then a target gets at most one signal per flush interval', async () => {
    const { channel, sent } = fakeChannel();
    const reporter = new StatusReporter(channel, quiet, { flushIntervalMs: 50 });
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 500) {
      reporter.push(shard, `uid-${n % 5}`, report(`pod-${n % 5}`, n));
      n++;
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 100));
    // ~600 ms of reports at one flush per 50 ms: at most 13 signals, for hundreds of reports.
    expect(n).toBeGreaterThan(50);
    expect(sent.length).toBeLessThanOrEqual(13);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(45);
    reporter.close();
  });

  it('when a pod finishes before the flush, then its report is dropped (and later ones are ignored)', async () => {
    const { channel, sent } = fakeChannel();
    const reporter = new StatusReporter(channel, quiet, { flushIntervalMs: 20 });
    reporter.push(shard, 'done', report('done'));
    reporter.push(shard, 'running', report('running'));
    reporter.finished('done');
    reporter.push(shard, 'done', report('done', 1));
    await poll(() => sent.length, (n) => n > 0, { what: 'a flush', timeoutMs: 2000 });
    expect(restarts(sent[0]!.reports)).toEqual([['running', 0]]);
    reporter.close();
  });

  it('when sends fail through an outage, then they are retried with backoff until they work, with only the newest report per pod', async () => {
    const failures = 6;
    const { channel, sent, calls } = fakeChannel((call) => (call <= failures ? new Error('UNAVAILABLE: Temporal is down') : 'delivered'));
    const warnings: unknown[] = [];
    const reporter = new StatusReporter(channel, { ...quiet, warn: (_m, f) => warnings.push(f) }, { flushIntervalMs: 10, retryBaseMs: 5, retryMaxMs: 40 });
    reporter.push(shard, 'a', report('a', 0));
    await poll(() => calls(), (n) => n >= 2, { what: 'the first failed sends', timeoutMs: 2000 });
    reporter.push(shard, 'a', report('a', 1));
    reporter.push(shard, 'b', report('b', 0));
    await poll(() => sent.length, (n) => n > 0, { what: 'delivery after the outage', timeoutMs: 5000 });
    expect(calls()).toBe(failures + 1);
    expect(restarts(sent[0]!.reports)).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
    expect(warnings).toHaveLength(failures);
    expect(warnings.at(-1)).toMatchObject({ attempt: failures, retryInMs: 40 });
    expect(reporter.pendingCount).toBe(0);
    reporter.close();
  });

  it('when a pod finishes during an outage, then its report is dropped and nothing is sent for it', async () => {
    let down = true;
    const { channel, sent } = fakeChannel(() => (down ? new Error('UNAVAILABLE') : 'delivered'));
    const reporter = new StatusReporter(channel, quiet, { flushIntervalMs: 10, retryBaseMs: 5, retryMaxMs: 20 });
    reporter.push(shard, 'a', report('a'));
    await new Promise((r) => setTimeout(r, 50));
    reporter.finished('a');
    expect(reporter.pendingCount).toBe(0);
    down = false;
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toEqual([]);
    reporter.close();
  });

  it('when the workflow is gone (NotFound), then the reports are given up without retries, and the target is not poisoned', async () => {
    const { channel, sent, calls } = fakeChannel((call) => (call === 1 ? 'workflowGone' : 'delivered'));
    const info: string[] = [];
    const reporter = new StatusReporter(channel, { ...quiet, info: (m) => info.push(m) }, { flushIntervalMs: 10, retryBaseMs: 5 });
    reporter.push(shard, 'a', report('a'));
    await poll(() => calls(), (n) => n === 1, { what: 'the first send', timeoutMs: 2000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls()).toBe(1);
    expect(info).toContain('pod status reports dropped: the workflow is gone');
    // A new workflow with the same id (a Job re-created under its name) still gets its reports.
    reporter.push(shard, 'b', report('b'));
    await poll(() => calls(), (n) => n === 2, { what: 'the second send', timeoutMs: 2000 });
    expect(sent.map((s) => restarts(s.reports))).toEqual([[['a', 0]], [['b', 0]]]);
    reporter.close();
  });
});
