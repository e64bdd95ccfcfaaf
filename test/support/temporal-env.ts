/**
 * A real kjob worker for one test file, against the run's shared dev server: its own task queue
 * and data dir, tiny backoff through the workflow input, the workflow bundle built once per file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { connectClient, connectNative } from '../../src/temporal/connection.js';
import { WORKFLOWS_PATH, createKjobWorker, installTemporalLogging, type KjobWorker } from '../../src/temporal/worker.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | null = null;

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => console.error(m), log() {} },
  });
  return bundle;
}

export interface TestStack {
  config: Config;
  client: Client;
  taskQueue: string;
  dataDir: string;
  address: string;
  /** The first in-process worker (null with `{ worker: false }`). */
  worker: KjobWorker | null;
  /** Another worker on the same task queue (a second "node"). */
  addWorker(identity?: string): Promise<{ worker: KjobWorker; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

/** Config for tests: fast backoff and heartbeats, unique task queue, temp data dir. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = overrides.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'kjob-test-'));
  return Object.freeze({
    ...loadConfig({}),
    temporalAddress: inject('temporalAddress'),
    port: 0,
    dataDir,
    taskQueue: `kjob-test-${randomUUID().slice(0, 8)}`,
    backoffBaseSeconds: 0.05,
    backoffMaxSeconds: 1,
    restartBackoffMaxSeconds: 0.5,
    podHeartbeatTimeoutSeconds: 3,
    ...overrides,
  });
}

export interface StackOptions {
  /** Start the first in-process worker right away (default true). */
  worker?: boolean;
  log?: Logger;
}

let sdkLoggingInstalled = false;

/** The SDK logs (workflow `log.*`, worker state) go to our logger: warnings only, unless KJOB_TEST_LOGS. */
function quietSdkLogs(): void {
  if (sdkLoggingInstalled) return;
  sdkLoggingInstalled = true;
  try {
    installTemporalLogging(createLogger({ level: process.env.KJOB_TEST_LOGS ? 'debug' : 'warn' }), process.env.KJOB_TEST_LOGS ? 'DEBUG' : 'WARN');
  } catch {
    // The runtime was already created in this process (another helper got there first).
  }
}

export async function startTestStack(overrides: Partial<Config> = {}, options: StackOptions = {}): Promise<TestStack> {
  quietSdkLogs();
  const log = options.log ?? silentLogger;
  const config = testConfig(overrides);
  const address = config.temporalAddress as string;
  const clientHandle = await connectClient(config, address);
  const workflowBundleReady = await workflowBundle();
  const workers: Array<() => Promise<void>> = [];

  const addWorker = async (identity?: string) => {
    const connection = await connectNative(config, address);
    const worker = await createKjobWorker({
      config,
      connection,
      client: clientHandle.client,
      log: process.env.KJOB_TEST_LOGS ? createLogger({ level: 'debug' }) : log,
      workflowBundle: workflowBundleReady,
      ...(identity ? { identity } : {}),
    });
    const running = worker.run();
    let stopped: Promise<void> | null = null;
    const stop = () =>
      (stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await connection.close();
      })());
    workers.push(stop);
    return { worker, stop };
  };

  const first = options.worker === false ? null : await addWorker();
  return {
    config,
    client: clientHandle.client,
    taskQueue: config.taskQueue,
    dataDir: config.dataDir,
    address,
    worker: first?.worker ?? null,
    addWorker,
    stop: async () => {
      for (const stop of workers) await stop();
      await clientHandle.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
