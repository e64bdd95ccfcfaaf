/**
 * `npm start`: the whole kjob stack with one command. Without TEMPORAL_ADDRESS it starts an
 * embedded Temporal dev server (SQLite under KJOB_DATA_DIR, UI on KJOB_UI_PORT); then the worker
 * as a supervised child process (so the API never shares an event loop with pods) and the API in
 * this process. A person sees progress lines and then where things are; the JSON logs go to
 * `<KJOB_DATA_DIR>/logs/` (also to stderr with KJOB_LOG_LEVEL=debug). SIGINT/SIGTERM stop the
 * worker first (its pods get their grace period), then the API, then the server.
 */
import os from 'node:os';
import path from 'node:path';
import { startApiServer } from './api/server.js';
import { loadConfig } from './config.js';
import { createLogger, openLogFile } from './log.js';
import { checkDataDir, DataDirError } from './storage/data-dir.js';
import { findTemporalBinary } from './temporal/cli-binary.js';
import { connectClient } from './temporal/connection.js';
import { startSupervisedDevServer, type SupervisedDevServer } from './temporal/dev-server.js';
import { setUpTemporal } from './temporal/search-attributes.js';
import { startWorkerProcess, waitForPoller } from './temporal/worker-process.js';

/** CPU niceness of the embedded Temporal server: between the API's and the worker's. */
const SERVER_NICENESS = 5;
/** How long the first start may take to bundle the workflows and poll (slow machines, cold caches). */
const WORKER_READY_TIMEOUT_MS = 120_000;

async function main(): Promise<void> {
  const config = loadConfig();
  // A worker that cannot work does not take work, nor should a dev server store its data (or kjob
  // its logs) there: checked first, and said plainly.
  try {
    await checkDataDir(config.dataDir);
  } catch (err) {
    if (!(err instanceof DataDirError)) throw err;
    process.stderr.write(`kjob: ${err.message}\n`);
    process.exit(1);
  }
  const debug = config.logLevel === 'debug';
  const logDir = path.join(config.dataDir, 'logs');
  const logFile = openLogFile(path.join(logDir, 'kjob.log'), { echo: debug });
  const workerLogFile = openLogFile(path.join(logDir, 'worker.log'), { echo: debug });
  const log = createLogger({ level: config.logLevel, fields: { service: 'kjob' }, write: logFile.write });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`logs: ${logDir}/kjob.log and worker.log${debug ? ' (also printed here)' : ' (KJOB_LOG_LEVEL=debug also prints them here)'}`);

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
    await logFile.close();
    await workerLogFile.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    let address = config.temporalAddress;
    let server: SupervisedDevServer | null = null;
    if (!address) {
      let binary = await findTemporalBinary({ cliPath: config.temporalCliPath, envPath: process.env.PATH, install: false }).catch(() => null);
      if (binary === null) {
        say('installing the Temporal CLI (first start only)…');
        binary = await findTemporalBinary({ cliPath: config.temporalCliPath, envPath: process.env.PATH });
      }
      say('starting Temporal dev server…');
      server = await startSupervisedDevServer({
        binary,
        dataDir: config.dataDir,
        port: config.temporalPort,
        uiPort: config.uiPort,
        namespace: config.namespace,
        log,
        // The API (0) before the server, the server before the worker and its pods (WORKER_NICENESS).
        niceness: SERVER_NICENESS,
        onExit: (message) => process.stderr.write(`${message} (log: ${logFile.path})\n`),
      });
      address = server.address;
      const s = server;
      cleanups.push(() => s.stop());
      log.info('temporal dev server started', { address, ui: server.uiUrl, db: `${config.dataDir}/temporal.db` });
    } else {
      say(`connecting to Temporal at ${address}…`);
    }

    const temporal = await connectClient(config, address, { failFast: true });
    cleanups.push(() => temporal.close());
    // Before the worker starts, so the two processes do not race to register the same attributes.
    const { problem } = await setUpTemporal({ connection: temporal.connection, namespace: config.namespace, address, log });
    if (problem?.kind === 'namespace') throw new Error(problem.message);
    if (problem) process.stderr.write(`warning: ${problem.message}\n`);

    say('starting worker…');
    const worker = startWorkerProcess({
      env: { ...process.env, TEMPORAL_ADDRESS: address },
      logFile: workerLogFile,
      log,
      onExit: (message) => process.stderr.write(`${message}\n`),
    });
    // Stopped first (cleanups run in reverse): its pods get their grace period while the API still answers.
    cleanups.push(() => worker.stop());

    const api = await startApiServer({ config, client: temporal.client, log, reachability: temporal.reachability });
    cleanups.push(() => api.close());

    if (!(await waitForPoller(temporal.client, config.taskQueue, () => worker.startedAt(), WORKER_READY_TIMEOUT_MS))) {
      process.stderr.write(`warning: the worker does not poll task queue "${config.taskQueue}" yet; Jobs wait for it (log: ${workerLogFile.path})\n`);
    }
    log.info('kjob started', { api: api.url, temporal: address, worker: `${worker.pid()}@${os.hostname()}` });
    say(`kjob API:    ${api.url}`);
    if (server?.uiUrl) say(`Temporal UI: ${server.uiUrl}`);
    else say(`Temporal:    ${address} (namespace ${config.namespace})`);
  } catch (err) {
    log.error('start failed', { error: err });
    process.stderr.write(`kjob could not start: ${(err as Error).message ?? String(err)} (log: ${logFile.path})\n`);
    await shutdown(1);
  }
}

void main();
