/**
 * `npm run worker`: one kjob worker (Job workflows + this node's pods) against TEMPORAL_ADDRESS.
 * Run as many as you like, on as many machines as you like.
 */
import { loadConfig } from './src/config.js';
import { createLogger } from './src/log.js';
import { checkDataDir, DataDirError } from './src/storage/data-dir.js';
import { connectClient, connectNative } from './src/temporal/connection.js';
import { setUpTemporal } from './src/temporal/search-attributes.js';
import { createKjobWorker, installTemporalLogging } from './src/temporal/worker.js';
import { serveMetrics } from './src/temporal/worker-metrics.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, fields: { service: 'kjob-worker' } });
  // A worker that cannot work does not take work: check before connecting to anything.
  await checkDataDir(config.dataDir);
  installTemporalLogging(log, config.logLevel === 'debug' ? 'DEBUG' : 'INFO', config.temporalMetricsAddress);
  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
  const { client, connection: clientConnection, close } = await connectClient(config, address);
  // kjob registers its own search attributes; a namespace that does not exist stops the worker here.
  const { problem } = await setUpTemporal({ connection: clientConnection, namespace: config.namespace, address, log });
  if (problem?.kind === 'namespace') throw new Error(problem.message);
  const connection = await connectNative(config, address);
  const worker = await createKjobWorker({ config, connection, client, log });
  const metricsServer = config.workerMetricsAddress ? await serveMetrics(worker.metrics.registry, config.workerMetricsAddress, { token: config.apiToken, log }) : null;
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info('worker started', { temporal: address, namespace: config.namespace, taskQueue: config.taskQueue, nodeTaskQueue: worker.nodeTaskQueue });
  await worker.run();
  await metricsServer?.close();
  await connection.close();
  await close();
  log.info('worker stopped');
}

main().catch((err: unknown) => {
  if (err instanceof DataDirError) console.error(`kjob worker: ${err.message}`);
  console.error(JSON.stringify({ ts: new Date().toISOString(), level: 'error', msg: 'worker failed', error: String(err) }));
  process.exit(1);
});
