/**
 * Builds kjob's worker: two Temporal workers over one connection (the shared task queue with the
 * Job and CronJob workflows, `runPod` and the Schedule activities; and this node's own task queue)
 * and the PodRegistry that runs this node's pods. Shared by worker.ts, `npm start` and the tests.
 */
import os from 'node:os';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection, type State, type WorkflowBundle, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, PodRegistry, type ActivityDeps, type ReportDelivery } from '../activities/index.js';
import { createScheduleActivities } from '../activities/schedules.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { checkDataDir } from '../storage/data-dir.js';
import { nodeTaskQueue, podReportsSignal, podStatusSignal } from '../workflows/definitions.js';
import { bundleWorkflowsInChild } from './workflow-bundle.js';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';

export { WORKFLOWS_PATH } from './workflows-path.js';

export interface KjobWorkerOptions {
  config: Config;
  connection: NativeConnection;
  /** Used by pod attempts to report progress to their Job workflow. */
  client: Client;
  log: Logger;
  /** A pre-built bundle (tests build it once per file); default: bundle src/workflows at start, in a child process. */
  workflowBundle?: WorkflowBundleWithSourceMap | WorkflowBundle;
  /** Task queue override (tests use one per file). */
  taskQueue?: string;
  identity?: string;
  /** The worker's Prometheus metrics (default: a fresh set; worker.ts serves them). */
  metrics?: WorkerMetrics;
}

const NO_WORKFLOWS_WARNING = 'No workflows registered, not polling for workflow tasks';

/**
 * Routes the Temporal SDK's own logs (worker state, workflow `log.*` calls through the replay-safe
 * sink) into kjob's JSON-lines logger. Call once per process, before creating connections.
 */
export function installTemporalLogging(log: Logger, level: LogLevel = 'INFO', metricsAddress: string | null = null): void {
  const sdk = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    // The SDK's own worker metrics (temporal_workflow_task_*, temporal_activity_*, slots, polls).
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...(entry.meta ?? {}) };
      switch (entry.level) {
        case 'ERROR':
          return sdk.error(entry.message, fields);
        case 'WARN':
          // The node-queue worker runs activities only, by design: not worth a warning.
          if (entry.message === NO_WORKFLOWS_WARNING) return sdk.debug(entry.message, fields);
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

/** What `createKjobWorker` returns: the process's two Temporal workers and its pods, as one. */
export interface KjobWorker {
  /** The worker's identity: its node name and the suffix of its node task queue. */
  readonly identity: string;
  readonly nodeTaskQueue: string;
  readonly registry: PodRegistry;
  /** Its Prometheus metrics (controller passes of the Jobs it runs, its pods). */
  readonly metrics: WorkerMetrics;
  /** Runs both workers until both have stopped and every pod of this node is gone. */
  run(): Promise<void>;
  /** Starts stopping: pods get SIGTERM and their grace period, both workers drain. Idempotent. */
  shutdown(): void;
  /** The less advanced state of the two workers (`FAILED` if either failed). */
  getState(): State;
}

const STATE_ORDER: State[] = ['INITIALIZED', 'RUNNING', 'STOPPING', 'DRAINING', 'DRAINED', 'STOPPED'];

/** watchPod holds one long-lived slot per pod it watches; terminatePod and removePodData are short. */
function nodeQueueSlots(maxPods: number): number {
  return 2 * maxPods + 100;
}

/**
 * The worker of one process (one node): a NativeConnection shared by
 * - worker A on the shared task queue: the workflows and `runPod` / `removePodData`, at most
 *   `KJOB_WORKER_MAX_PODS` pods at once (more wait in the queue as Pending pods);
 * - worker B on the node task queue `<taskQueue>/<identity>`: `watchPod`, `terminatePod`,
 *   `removePodData` for this node's pods and `readPodLog` (their logs, for APIs on other
 *   machines), no workflows.
 * Checks the data directory before it polls anything (`DataDirError`).
 */
export async function createKjobWorker(options: KjobWorkerOptions): Promise<KjobWorker> {
  const { config, client } = options;
  await checkDataDir(config.dataDir);
  const identity = options.identity ?? workerIdentity();
  const taskQueue = options.taskQueue ?? config.taskQueue;
  const nodeQueue = nodeTaskQueue(taskQueue, identity);
  const log = options.log.child({ component: 'worker', worker: identity });
  const metrics = options.metrics ?? createWorkerMetrics();
  const deps: ActivityDeps = {
    dataDir: config.dataDir,
    nodeName: identity,
    log: log.child({ component: 'pod' }),
    reports: {
      podStatus: (workflowId, report) => signalUnlessGone(client, workflowId, (h) => h.signal(podStatusSignal, report)),
      podReports: (workflowId, reports) => signalUnlessGone(client, workflowId, (h) => h.signal(podReportsSignal, reports)),
    },
    path: config.podPath,
    observer: metrics.observer,
  };
  const registry = new PodRegistry(deps);
  metrics.setRunningPods(() => registry.runningCount);
  const activities = createActivities(deps, registry);
  const shared = await Worker.create({
    connection: options.connection,
    namespace: config.namespace,
    taskQueue,
    identity,
    // Pod attempts, and the CronJob workflows' Temporal Schedule writes.
    activities: {
      runPod: activities.runPod,
      removePodData: activities.removePodData,
      ...createScheduleActivities({ client: options.client, log: log.child({ component: 'schedules' }) }),
    },
    workflowBundle: options.workflowBundle ?? (await bundleWorkflowsInChild()),
    // The controller's metrics: each Job workflow pass reports through this sink (not on replay).
    sinks: metrics.sinks,
    // Two workflow threads: a Job's and its shards' workflow tasks need not queue behind each other.
    workflowThreadPoolSize: 2,
    // Busy Jobs and shards stay warm; an idle one evicted replays its (bounded) history on its next task.
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
    // Each pod is a child process, not CPU here; the limit is back-pressure (KJOB_WORKER_MAX_PODS).
    maxConcurrentActivityTaskExecutions: config.workerMaxPods,
    // Pods get SIGTERM and their grace period when the worker shuts down (the registry does it
    // at once; this is how long the SDK waits for their outcomes before cancelling).
    shutdownGraceTime: '35s',
  });
  const node = await Worker.create({
    connection: options.connection,
    namespace: config.namespace,
    taskQueue: nodeQueue,
    identity,
    activities: { watchPod: activities.watchPod, terminatePod: activities.terminatePod, removePodData: activities.removePodData, readPodLog: activities.readPodLog },
    maxConcurrentActivityTaskExecutions: nodeQueueSlots(config.workerMaxPods),
    shutdownGraceTime: '35s',
  });
  const workers = [shared, node];

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log.info('worker stopping', { pods: registry.runningCount });
    // The pods first: their grace periods count from now, while the workers drain.
    void registry.shutdown();
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };

  const run = async () => {
    const runs = workers.map((w) =>
      w.run().catch((err: unknown) => {
        // One worker failing stops the other: a node that cannot poll one of its queues is not whole.
        shutdown();
        throw err;
      }),
    );
    log.info('worker polling', { taskQueue, nodeTaskQueue: nodeQueue, maxPods: config.workerMaxPods });
    const results = await Promise.allSettled(runs);
    // A worker that stopped without shutdown() (e.g. the runtime's own signal handling) still
    // must not leave pods behind.
    shutdown();
    await registry.shutdown();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  return {
    identity,
    nodeTaskQueue: nodeQueue,
    registry,
    metrics,
    run,
    shutdown,
    getState: () => {
      const states = workers.map((w) => w.getState());
      if (states.includes('FAILED')) return 'FAILED';
      return STATE_ORDER[Math.min(...states.map((st) => STATE_ORDER.indexOf(st)))] ?? 'STOPPED';
    },
  };
}

/** Signals a workflow; a workflow that does not exist (any more) is `workflowGone`, not an error. */
async function signalUnlessGone(client: Client, workflowId: string, send: (h: WorkflowHandle) => Promise<void>): Promise<ReportDelivery> {
  try {
    await send(client.workflow.getHandle(workflowId));
    return 'delivered';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'workflowGone';
    throw err;
  }
}
