/**
 * The bare fan-out's worker, run as its own process (as kjob's worker is a process apart from the
 * benchmark): `node --import tsx bench/bare/worker.ts <address> <namespace> <taskQueue> <maxActivities>`.
 * Prints `ready` once it polls; stops on SIGTERM.
 */
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities.js';

async function main(): Promise<void> {
  const [address, namespace, taskQueue, maxActivities] = process.argv.slice(2);
  if (!address || !namespace || !taskQueue || !maxActivities) throw new Error('usage: worker.ts <address> <namespace> <taskQueue> <maxActivities>');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: path.join(import.meta.dirname, 'workflows.ts'),
    activities,
    // The fan-out keeps P activities in flight; the worker must allow that many at once.
    maxConcurrentActivityTaskExecutions: Number(maxActivities),
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  const running = worker.run();
  console.log('ready');
  await running;
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
