/**
 * A worker's /metrics against a real dev server and real pods: the Kubernetes job controller's
 * counters move as the Job workflows it runs make their passes (reported through the workflow
 * sink), and the kubelet series follow its pods.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { serveMetrics, type MetricsServer } from '../../src/temporal/worker-metrics.js';
import { manifest, startJob, uniqueName } from '../support/jobs.js';
import { poll } from '../support/poll.js';
import { sample, sum } from '../support/prometheus.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

let stack: TestStack;
let server: MetricsServer;

beforeAll(async () => {
  stack = await startTestStack();
  server = await serveMetrics(stack.worker!.metrics.registry, { host: '127.0.0.1', port: 0 }, { token: 'worker-token', log: silentLogger });
});
afterAll(async () => {
  await server?.close();
  await stack?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(server.url, { headers: { authorization: 'Bearer worker-token' } });
  expect(res.status).toBe(200);
  return res.text();
}

describe('worker /metrics', () => {
  it('when a Job completes, then the controller counts its pods and its end, and the kubelet series its pod starts', async () => {
    const before = await scrape();
    const started = await startJob(stack, manifest(uniqueName('metrics-ok'), 'exit 0', { completions: 3, parallelism: 3 }));
    await started.waitForCondition('Complete');
    const after = await poll(
      scrape,
      (t) => sum(t, 'job_controller_job_finished_total', { result: 'succeeded' }) > sum(before, 'job_controller_job_finished_total', { result: 'succeeded' }),
      { what: 'job_finished_total to count the Job' },
    );
    const delta = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);
    expect(delta('job_controller_job_finished_total', { completion_mode: 'NonIndexed', result: 'succeeded', reason: 'CompletionsReached' })).toBe(1);
    expect(delta('job_controller_job_pods_finished_total', { completion_mode: 'NonIndexed', result: 'succeeded' })).toBe(3);
    expect(delta('job_controller_job_pods_finished_total', { result: 'failed' })).toBe(0);
    expect(delta('job_controller_job_sync_total', { completion_mode: 'NonIndexed', result: 'success', action: 'pods_created' })).toBeGreaterThanOrEqual(1);
    expect(delta('job_controller_job_sync_total', { action: 'tracking' })).toBeGreaterThanOrEqual(1);
    expect(delta('kubelet_started_pods_total')).toBe(3);
    expect(delta('kubelet_pod_start_duration_seconds_count')).toBe(3);
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('when pods fail, then the failure policy actions and the failed Job are counted by rule action and reason', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kjob-metrics-'));
    // The first pod exits 42 (Ignore), the second 3 (FailJob).
    const script = `if [ -e "${dir}/once" ]; then exit 3; fi; touch "${dir}/once"; exit 42`;
    const m = manifest(uniqueName('metrics-policy'), script, {
      backoffLimit: 5,
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onExitCodes: { operator: 'In', values: [42] } },
          { action: 'FailJob', onExitCodes: { operator: 'In', values: [3] } },
        ],
      },
    });
    const before = await scrape();
    const started = await startJob(stack, m);
    await started.waitForCondition('Failed');
    const after = await poll(scrape, (t) => sum(t, 'job_controller_job_finished_total', { result: 'failed' }) > sum(before, 'job_controller_job_finished_total', { result: 'failed' }), {
      what: 'job_finished_total to count the failed Job',
    });
    const delta = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);
    expect(delta('job_controller_job_finished_total', { completion_mode: 'NonIndexed', result: 'failed', reason: 'PodFailurePolicy' })).toBe(1);
    expect(delta('job_controller_pod_failures_handled_by_failure_policy_total', { action: 'Ignore' })).toBe(1);
    expect(delta('job_controller_pod_failures_handled_by_failure_policy_total', { action: 'FailJob' })).toBe(1);
    // The ignored failure is not a failed pod of the Job (status.failed stays 1).
    expect(delta('job_controller_job_pods_finished_total', { result: 'failed' })).toBe(1);
  });

  it('while a pod runs, then kubelet_running_pods counts it', async () => {
    const gate = path.join(mkdtempSync(path.join(os.tmpdir(), 'kjob-metrics-')), 'go');
    const started = await startJob(stack, manifest(uniqueName('metrics-run'), `while [ ! -e ${gate} ]; do sleep 0.05; done`));
    await poll(scrape, (t) => sample(t, 'kubelet_running_pods') === 1, { what: 'one running pod' });
    writeFileSync(gate, '');
    await started.waitForCondition('Complete');
    await poll(scrape, (t) => sample(t, 'kubelet_running_pods') === 0, { what: 'no running pod' });
  });

  it('when the token is missing or the path unknown, then the worker refuses', async () => {
    expect((await fetch(server.url)).status).toBe(401);
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST', headers: { authorization: 'Bearer worker-token' } })).status).toBe(405);
  });
});
