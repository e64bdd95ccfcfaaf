/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON */
/**
 * `GET /metrics` of the API against a real stack: the kube-state-metrics series follow a Job as it
 * runs, completes or fails (computed from published state), CronJobs have theirs, requests are
 * counted, and the endpoint needs the token like every other route.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobManifest, startTestApi, uniqueName, useTestApi } from '../support/api-env.js';
import { poll } from '../support/poll.js';
import { sample } from '../support/prometheus.js';

const NS = 'metrics';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const env = useTestApi();

async function scrape(): Promise<string> {
  const res = await env.api.request('GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** Scrapes until `until` holds for the text; returns it. */
function scrapeUntil(until: (text: string) => boolean, what: string): Promise<string> {
  return poll(scrape, until, { what, timeoutMs: 30_000 });
}

describe('GET /metrics (kube-state-metrics series from published state)', () => {
  it('when a Job runs and then completes, then its series follow it: active, succeeded, start and completion time, Complete condition', async () => {
    const name = uniqueName('ksm');
    const gate = path.join(mkdtempSync(path.join(os.tmpdir(), 'kjob-metrics-')), 'go');
    const created = await env.api.request('POST', JOBS, {
      body: jobManifest({
        name,
        labels: { team: 'data', 'app.kubernetes.io/name': 'etl' },
        spec: { completions: 2, parallelism: 2 },
        command: ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done`],
      }),
    });
    expect(created.status).toBe(201);
    const id = { namespace: NS, job_name: name };

    const running = await scrapeUntil((t) => sample(t, 'kube_job_status_active', id) === 2, 'two active pods');
    expect(sample(running, 'kube_job_info', id)).toBe(1);
    expect(sample(running, 'kube_job_spec_completions', id)).toBe(2);
    expect(sample(running, 'kube_job_spec_parallelism', id)).toBe(2);
    expect(sample(running, 'kube_job_status_succeeded', id)).toBe(0);
    expect(sample(running, 'kube_job_status_failed', id)).toBe(0);
    expect(sample(running, 'kube_job_status_start_time', id)).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(sample(running, 'kube_job_status_completion_time', id)).toBeUndefined();
    expect(sample(running, 'kube_job_complete', { ...id, condition: 'true' })).toBeUndefined();
    expect(sample(running, 'kube_job_labels', { ...id, label_team: 'data', label_app_kubernetes_io_name: 'etl' })).toBe(1);
    expect(sample(running, 'kube_job_owner', { ...id, owner_kind: '<none>' })).toBe(1);

    writeFileSync(gate, '');
    const done = await scrapeUntil((t) => sample(t, 'kube_job_complete', { ...id, condition: 'true' }) === 1, 'the Complete condition');
    expect(sample(done, 'kube_job_complete', { ...id, condition: 'false' })).toBe(0);
    expect(sample(done, 'kube_job_status_succeeded', id)).toBe(2);
    expect(sample(done, 'kube_job_status_active', id)).toBe(0);
    expect(sample(done, 'kube_job_status_completion_time', id)).toBeGreaterThanOrEqual(sample(done, 'kube_job_status_start_time', id)!);
    expect(existsSync(gate)).toBe(true);

    // Deleted: its series are gone.
    expect((await env.api.request('DELETE', `${JOBS}/${name}`)).status).toBe(200);
    await scrapeUntil((t) => sample(t, 'kube_job_info', id) === undefined, 'the deleted Job gone');
  });

  it('when a Job fails, then kube_job_failed holds and kube_job_status_failed carries the reason', async () => {
    const name = uniqueName('ksm-fail');
    expect((await env.api.request('POST', JOBS, { body: jobManifest({ name, spec: { backoffLimit: 0 }, command: ['sh', '-c', 'exit 3'] }) })).status).toBe(201);
    const id = { namespace: NS, job_name: name };
    const failed = await scrapeUntil((t) => sample(t, 'kube_job_failed', { ...id, condition: 'true' }) === 1, 'the Failed condition');
    expect(sample(failed, 'kube_job_status_failed', { ...id, reason: 'BackoffLimitExceeded' })).toBe(1);
    expect(sample(failed, 'kube_job_status_failed', { ...id, reason: 'DeadlineExceeded' })).toBe(0);
    expect(sample(failed, 'kube_job_complete', { ...id, condition: 'true' })).toBeUndefined();
  });

  it('when a CronJob exists, then the kube_cronjob series describe it', async () => {
    const name = uniqueName('ksm-cron');
    const res = await env.api.request('POST', `/apis/batch/v1/namespaces/${NS}/cronjobs`, {
      body: {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name, labels: { tier: 'nightly' } },
        spec: { schedule: '0 3 * * *', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: jobManifest().spec } },
      },
    });
    expect(res.status).toBe(201);
    const id = { namespace: NS, cronjob: name };
    const text = await scrapeUntil((t) => sample(t, 'kube_cronjob_info', id) !== undefined, 'the CronJob');
    expect(sample(text, 'kube_cronjob_info', { ...id, schedule: '0 3 * * *', concurrency_policy: 'Allow', timezone: 'Europe/Paris' })).toBe(1);
    expect(sample(text, 'kube_cronjob_spec_suspend', id)).toBe(1);
    expect(sample(text, 'kube_cronjob_status_active', id)).toBe(0);
    expect(sample(text, 'kube_cronjob_spec_successful_job_history_limit', id)).toBe(3);
    expect(sample(text, 'kube_cronjob_labels', { ...id, label_tier: 'nightly' })).toBe(1);
    expect((await env.api.request('DELETE', `/apis/batch/v1/namespaces/${NS}/cronjobs/${name}`)).status).toBe(200);
  });

  it('when requests are served, then apiserver_request_total and the duration histogram count them by verb, resource and code', async () => {
    await env.api.request('GET', `${JOBS}/no-such-job`);
    await env.api.request('GET', JOBS);
    const text = await scrape();
    expect(sample(text, 'apiserver_request_total', { verb: 'GET', resource: 'jobs', subresource: '', code: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_request_total', { verb: 'LIST', resource: 'jobs', subresource: '', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_request_total', { verb: 'CREATE', resource: 'jobs', subresource: '', code: '201' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_request_duration_seconds_count', { verb: 'GET', resource: 'jobs', subresource: '' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kjob_published_state_up')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('when KJOB_API_TOKEN is set, then /metrics needs it', async () => {
    const secured = await startTestApi(env.stack, { config: { apiToken: 'metrics-token' } });
    try {
      const denied = await secured.request('GET', '/metrics');
      expect(denied.status).toBe(401);
      expect((denied.json as any).kind).toBe('Status');
      const allowed = await secured.request('GET', '/metrics', { headers: { authorization: 'Bearer metrics-token' } });
      expect(allowed.status).toBe(200);
      expect(allowed.text).toContain('# TYPE kube_job_status_active gauge');
      expect((await secured.request('POST', '/metrics', { headers: { authorization: 'Bearer metrics-token' } })).status).toBe(405);
    } finally {
      await secured.close();
    }
  });
});
