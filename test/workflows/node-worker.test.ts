/**
 * The worker of one process is two Temporal workers over one connection: the shared task queue
 * (workflows, runPod) and its node queue `<taskQueue>/<identity>` (watchPod, terminatePod). Tiny
 * fixture workflows call the pod activities on either queue through a real dev server.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { bundleWorkflowCode, type NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_FAILURE, type PodResult, type RunPodInput } from '../../src/k8s/pod-run.js';
import { silentLogger } from '../../src/log.js';
import { podWorkDir } from '../../src/storage/pod-files.js';
import { connectNative } from '../../src/temporal/connection.js';
import { createKjobWorker, type KjobWorker } from '../../src/temporal/worker.js';
import { nodeTaskQueue } from '../../src/workflows/definitions.js';
import { aRunPodInput } from '../activities/fixtures/builders.js';
import { pidGone, readPid } from '../activities/fixtures/processes.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';
import type { callActivity, podWithReports } from './fixtures/pod-activity-workflows.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pod-activity-workflows.ts');
const IDENTITY = 'node-a@test';

let stack: TestStack;
let connection: NativeConnection;
let worker: KjobWorker;
let running: Promise<void>;

beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: fixtures, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => console.error(m), log() {} } });
  connection = await connectNative(stack.config, stack.address);
  worker = await createKjobWorker({ config: stack.config, connection, client: stack.client, log: silentLogger, workflowBundle, identity: IDENTITY });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  await stack?.stop();
});

let n = 0;
function start<F extends typeof callActivity | typeof podWithReports>(workflow: string, args: Parameters<F>) {
  return stack.client.workflow.start<F>(workflow, { taskQueue: stack.taskQueue, workflowId: `node-worker-${Date.now()}-${n++}`, args });
}

function call(client: Client, queue: string, activity: string, input: unknown) {
  return client.workflow.execute<typeof callActivity>('callActivity', {
    taskQueue: stack.taskQueue,
    workflowId: `call-${activity}-${Date.now()}-${n++}`,
    args: [queue, activity as never, input],
  });
}

function waitingPod(): RunPodInput {
  // `$$$$` is `$$` after Kubernetes' `$$` escape.
  return aRunPodInput({
    terminationGracePeriodSeconds: 30,
    containers: [{ name: 'main', command: ['sh', '-c', 'echo $$$$ > pid; while [ ! -e go ]; do sleep 0.01; done'] }],
  });
}

function workDir(input: RunPodInput): string {
  return podWorkDir({ dataDir: stack.dataDir, namespace: input.namespace, jobUid: input.jobUid, podName: input.podName });
}

async function podPid(input: RunPodInput): Promise<number> {
  const pid = await poll(() => readPid(path.join(workDir(input), 'pid')), (p) => p !== null, { what: `${input.podName} to start`, timeoutMs: 30_000 });
  return pid as number;
}

const ref = (input: RunPodInput) => ({ namespace: input.namespace, jobUid: input.jobUid, podName: input.podName, podUid: input.podUid });

describe('a worker process: shared queue + node queue', () => {
  it('when a pod runs from the shared queue, then terminatePod and watchPod on the node queue reach it', async () => {
    expect(worker.nodeTaskQueue).toBe(nodeTaskQueue(stack.taskQueue, IDENTITY));
    const input = waitingPod();
    const handle = await start<typeof callActivity>('callActivity', [stack.taskQueue, 'runPod', input]);
    await podPid(input);

    const askedAt = Date.now();
    await call(stack.client, worker.nodeTaskQueue, 'terminatePod', { ...ref(input), gracePeriodSeconds: 0 });
    const result = (await handle.result()) as PodResult;
    console.log(`terminatePod through Temporal → runPod result: ${Date.now() - askedAt} ms`);
    expect(result).toMatchObject({ phase: 'Failed', terminatedByRequest: true, nodeName: IDENTITY });

    // watchPod answers with the same outcome afterwards.
    expect(await call(stack.client, worker.nodeTaskQueue, 'watchPod', { ...ref(input), heartbeatIntervalMs: 1000 })).toEqual(result);
  });

  it('when watchPod asks for a pod this node never ran, then it fails with PodUnknown', async () => {
    const err = await call(stack.client, worker.nodeTaskQueue, 'watchPod', { ...ref(aRunPodInput()), heartbeatIntervalMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect((cause as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect(((cause as ActivityFailure).cause as ApplicationFailure).type).toBe(POD_FAILURE.unknown);
  });

  it('when a shard pod runs, then its reports reach the workflow as podReports signals', async () => {
    const input = aRunPodInput({ containers: [{ name: 'main', command: ['sleep', '0.5'] }] });
    const { result, reports } = (await (await start<typeof podWithReports>('podWithReports', [stack.taskQueue, input])).result()) as Awaited<ReturnType<typeof podWithReports>>;
    expect(result.phase).toBe('Succeeded');
    expect(reports.flat()[0]).toMatchObject({ podName: input.podName, phase: 'Running', ready: true, nodeName: IDENTITY });
  });

  it('when the worker shuts down, then both workers stop and its pods are terminated with their grace period', async () => {
    const input = aRunPodInput({
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', command: ['sh', '-c', `trap '' TERM; echo $$$$ > pid; while :; do sleep 0.05; done`] }],
    });
    await start<typeof callActivity>('callActivity', [stack.taskQueue, 'runPod', input]);
    const pid = await podPid(input);
    expect(worker.getState()).toBe('RUNNING');
    const stoppingAt = Date.now();
    worker.shutdown();
    worker.shutdown(); // idempotent
    await running;
    const took = Date.now() - stoppingAt;
    expect(pidGone(pid)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(15_000);
    expect(worker.getState()).toBe('STOPPED');
    expect(worker.registry.runningCount).toBe(0);
    expect(existsSync(path.join(workDir(input), '..', 'outcome.json'))).toBe(true);
    const recorded = JSON.parse(readFileSync(path.join(workDir(input), '..', 'outcome.json'), 'utf8'));
    expect(recorded.outcome).toMatchObject({ kind: 'failure', type: POD_FAILURE.workerShutdown });
    writeFileSync(path.join(workDir(input), 'go'), '');
  });
});
