/**
 * Builds kjob's Temporal worker: the Job and CronJob workflows (bundled from src/workflows), the pod
 * activities and the Schedule activities, on the configured task queue. Shared by worker.ts, `npm start`
 * and the tests.
 */
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createScheduleActivities } from '../activities/schedules.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { podStatusSignal, podsQuery } from '../workflows/definitions.js';
import { PROJECT_ROOT } from './cli-binary.js';

export const WORKFLOWS_PATH = path.join(PROJECT_ROOT, 'src/workflows/index.ts');

export interface KjobWorkerOptions {
  config: Config;
  connection: NativeConnection;
  /** Used by pod attempts to report progress to their Job workflow. */
  client: Client;
  log: Logger;
  /** A pre-built bundle (tests build it once per file); default: bundle src/workflows at start. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Task queue override (tests use one per file). */
  taskQueue?: string;
  identity?: string;
}

/**
 * Routes the Temporal SDK's own logs (worker state, workflow `log.*` calls through the replay-safe
 * sink) into kjob's JSON-lines logger. Call once per process, before creating connections.
 */
export function installTemporalLogging(log: Logger, level: LogLevel = 'INFO'): void {
  const sdk = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...(entry.meta ?? {}) };
      switch (entry.level) {
        case 'ERROR':
          return sdk.error(entry.message, fields);
        case 'WARN':
          return sdk.warn(entry.message, fields);
        case 'INFO':
          return sdk.info(entry.message, fields);
        default:
          return sdk.debug(entry.message, fields);
      }
    }),
  });
}

export function workerIdentity(): string {
  return `${process.pid}@${os.hostname()}`;
}

export async function createKjobWorker(options: KjobWorkerOptions): Promise<Worker> {
  const identity = options.identity ?? workerIdentity();
  const log = options.log.child({ component: 'worker', worker: identity });
  const activities = createActivities({
    dataDir: options.config.dataDir,
    nodeName: identity,
    log: log.child({ component: 'pod' }),
    reportStatus: async (workflowId, report) => {
      await options.client.workflow.getHandle(workflowId).signal(podStatusSignal, report);
    },
    deletionGracePeriod: async (workflowId, podName) => {
      const pods = await options.client.workflow.getHandle(workflowId).query(podsQuery);
      return pods.items.find((p) => p.metadata.name === podName)?.metadata.deletionGracePeriodSeconds ?? null;
    },
    path: options.config.podPath,
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.config.namespace,
    taskQueue: options.taskQueue ?? options.config.taskQueue,
    identity,
    // Pod attempts, and the CronJob workflows' Temporal Schedule writes.
    activities: { ...activities, ...createScheduleActivities({ client: options.client, log: log.child({ component: 'schedules' }) }) },
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // Pods are long-lived activities: allow many at once; each is a child process, not CPU here.
    maxConcurrentActivityTaskExecutions: 200,
    // Pod processes get SIGTERM and their grace period when the worker shuts down.
    shutdownGraceTime: '35s',
  });
}
