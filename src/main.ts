/**
 * `npm start`: the whole kjob stack in one process. Without TEMPORAL_ADDRESS it starts an embedded
 * Temporal dev server (SQLite under KJOB_DATA_DIR, UI on KJOB_UI_PORT), then a worker and the API.
 * SIGINT/SIGTERM stop everything: pods get SIGTERM and their grace period, then the server stops.
 */
import { startApiServer } from './api/server.js';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { checkDataDir, DataDirError } from './storage/data-dir.js';
import { findTemporalBinary } from './temporal/cli-binary.js';
import { connectClient, connectNative } from './temporal/connection.js';
import { startDevServer, type DevServer } from './temporal/dev-server.js';
import { createKjobWorker, installTemporalLogging } from './temporal/worker.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, fields: { service: 'kjob' } });
  installTemporalLogging(log, config.logLevel === 'debug' ? 'DEBUG' : 'INFO');
  const cleanups: Array<() => Promise<void>> = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log.warn('shutdown step failed', { error: err });
      }
    }
    log.info('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    // A worker that cannot work does not take work (nor should a dev server store its data there).
    await checkDataDir(config.dataDir);
    let address = config.temporalAddress;
    let server: DevServer | null = null;
    if (!address) {
      const binary = await findTemporalBinary({ cliPath: config.temporalCliPath, envPath: process.env.PATH });
      server = await startDevServer({
        binary,
        dataDir: config.dataDir,
        port: config.temporalPort,
        uiPort: config.uiPort,
        namespace: config.namespace,
        log,
      });
      address = server.address;
      const s = server;
      cleanups.push(() => s.stop());
      log.info('temporal dev server started', { address, ui: server.uiUrl, db: `${config.dataDir}/temporal.db` });
    }

    const clientHandle = await connectClient(config, address);
    cleanups.push(() => clientHandle.close());
    const connection = await connectNative(config, address);
    cleanups.push(() => connection.close());

    const worker = await createKjobWorker({ config, connection, client: clientHandle.client, log });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    running.catch((err: unknown) => {
      log.error('worker failed', { error: err });
      void shutdown(1);
    });

    const api = await startApiServer({ config, client: clientHandle.client, log });
    cleanups.push(() => api.close());

    console.log(`kjob API:    ${api.url}`);
    if (server?.uiUrl) console.log(`Temporal UI: ${server.uiUrl}`);
    else console.log(`Temporal:    ${address} (namespace ${config.namespace})`);
  } catch (err) {
    if (err instanceof DataDirError) console.error(`kjob: ${err.message}`);
    log.error('start failed', { error: err });
    await shutdown(1);
  }
}

void main();
