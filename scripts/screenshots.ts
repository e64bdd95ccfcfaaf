/**
 * `npm run screenshots`: the README's pictures of the Temporal UI, taken with headless Chromium
 * (Debian's `chromium`, or CHROMIUM_PATH) driven by playwright-core. It starts a throwaway stack
 * (dev server with its UI, a worker, the API), creates Jobs in every phase through the API as a
 * user would, and writes PNGs to docs/img/. Not part of `npm test`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startApiServer } from '../src/api/server.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger, silentLogger } from '../src/log.js';
import { findTemporalBinary, PROJECT_ROOT } from '../src/temporal/cli-binary.js';
import { connectClient, connectNative } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { createKjobWorker, installTemporalLogging } from '../src/temporal/worker.js';

const OUT = path.join(PROJECT_ROOT, 'docs/img');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function job(name: string, script: string, spec: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { app: 'demo' } },
    spec: {
      ...spec,
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }] } },
    },
  };
}

async function main(): Promise<void> {
  installTemporalLogging(createLogger({ level: 'warn' }), 'WARN');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kjob-screenshots-'));
  const binary = await findTemporalBinary({ cliPath: null, envPath: process.env.PATH });
  const server = await startDevServer({ binary, dataDir, port: 0, uiPort: 0, namespace: 'default', log: createLogger({ level: 'warn' }) });
  // Backoff of 20 s so the failing Job is caught waiting for its next attempt.
  const config: Config = Object.freeze({ ...loadConfig({}), temporalAddress: server.address, dataDir, port: 0, backoffBaseSeconds: 20 });
  const { client, close } = await connectClient(config, server.address);
  const connection = await connectNative(config, server.address);
  const worker = await createKjobWorker({ config, connection, client, log: silentLogger });
  const running = worker.run();
  const api = await startApiServer({ config, client, log: silentLogger });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${api.url}${p}`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ status?: { conditions?: Array<{ type: string; status: string }>; failed?: number } }>;
    };
    const JOBS = '/apis/batch/v1/namespaces/default/jobs';
    const waitFor = async (name: string, until: (j: Awaited<ReturnType<typeof call>>) => boolean) => {
      for (let i = 0; i < 300; i++) {
        if (until(await call('GET', `${JOBS}/${name}`))) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${name} did not get there`);
    };
    const has = (type: string) => (j: Awaited<ReturnType<typeof call>>) => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

    await call('POST', JOBS, job('indexed-complete', 'echo "index $JOB_COMPLETION_INDEX"; sleep 0.5', { completionMode: 'Indexed', completions: 4, parallelism: 2 }));
    await call('POST', JOBS, job('backoff-failed', 'echo failing; exit 1', { backoffLimit: 0 }));
    await call('POST', JOBS, job('deleted-after-failing', 'exit 2', { backoffLimit: 0 }));
    await call('POST', JOBS, job('deleted-after-completing', 'true'));
    await call('POST', JOBS, job('suspended', 'sleep 600', { suspend: true }));
    await call('POST', JOBS, job('running', 'sleep 600', { completions: 3, parallelism: 2 }));
    await call('POST', JOBS, job('retrying', 'echo retry me; exit 1', { backoffLimit: 4 }));
    await waitFor('indexed-complete', has('Complete'));
    await waitFor('backoff-failed', has('Failed'));
    await waitFor('deleted-after-failing', has('Failed'));
    await waitFor('deleted-after-completing', has('Complete'));
    await waitFor('retrying', (j) => (j.status?.failed ?? 0) >= 1);
    await call('DELETE', `${JOBS}/deleted-after-failing`);
    await call('DELETE', `${JOBS}/deleted-after-completing`);
    // Let the deleted Jobs' runs close and Visibility catch up.
    await new Promise((r) => setTimeout(r, 3_000));

    if (process.env.KJOB_SCREENSHOTS_HOLD) {
      // Exploring the UI by hand: keep the stack up until the file named by the variable is gone.
      console.log(`UI ${server.uiUrl}`);
      const { existsSync } = await import('node:fs');
      while (existsSync(process.env.KJOB_SCREENSHOTS_HOLD)) await new Promise((r) => setTimeout(r, 1_000));
    }
    mkdirSync(OUT, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const ui = server.uiUrl!;
    const shot = async (file: string, clip?: { x: number; y: number; width: number; height: number }) => {
      await page.screenshot({ path: path.join(OUT, file), ...(clip ? { clip } : {}) });
      console.log(`docs/img/${file}`);
    };

    // 1: the Jobs, with the KjobPhase search attribute as a column (the UI keeps this choice).
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent("WorkflowType='job'")}`);
    await page.getByText('default/indexed-complete').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    await page.getByTestId('orderable-list-item-Run ID-remove-button').click();
    await page.getByTestId('orderable-list-item-KjobPhase-add-button').click();
    for (let i = 0; i < 3; i++) await page.getByTestId('orderable-list-item-KjobPhase-move-up-button').click();
    await page.keyboard.press('Escape');
    await page.reload();
    await page.getByText('default/indexed-complete').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1_500);
    await shot('temporal-ui-jobs.png', { x: 260, y: 60, width: 1180, height: 480 });

    // 2: a Job's User Metadata tab: summary, static details (the spec), current details.
    const metadataOf = async (workflowId: string) => {
      await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
      await page.getByText('User Metadata').first().click();
      await page.getByText('Current Details').first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1_500);
    };
    await metadataOf('default/retrying');
    await shot('temporal-ui-job-backoff.png', { x: 260, y: 60, width: 1180, height: 640 });
    await metadataOf('default/backoff-failed');
    await shot('temporal-ui-job-failed.png', { x: 260, y: 60, width: 1180, height: 640 });

    // 3: the pods of an Indexed Job in its timeline: one runPod per pod, named with index and attempt.
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent('default/indexed-complete')}`);
    await page.getByText('indexed-complete-0-').first().waitFor({ timeout: 30_000 });
    const timeline = page.getByRole('heading', { name: 'Timeline' }).first();
    await timeline.scrollIntoViewIfNeeded();
    await page.waitForTimeout(1_500);
    const box = await timeline.boundingBox();
    await shot('temporal-ui-job-pods.png', { x: 260, y: Math.max(0, (box?.y ?? 0) - 10), width: 1180, height: Math.min(420, 900 - Math.max(0, (box?.y ?? 0) - 10)) });
  } finally {
    await browser.close();
    await api.close();
    worker.shutdown();
    await running;
    await connection.close();
    await close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
