/**
 * Starting kjob the way a user does: its start command (default `node --import tsx src/main.ts`,
 * what `npm start` execs) with a fresh KJOB_DATA_DIR and free ports, so the embedded Temporal dev
 * server comes up too. Only the documented environment variables are set; any KJOB_* of the
 * caller's environment is dropped so every setting is kjob's default unless named here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startOwnedProcess, type OwnedProcess } from './child-process.js';
import { sleep } from './stats.js';

export interface KjobProcess {
  apiUrl: string;
  temporalAddress: string;
  dataDir: string;
  process: OwnedProcess;
  stop(keepData: boolean): Promise<void>;
}

export interface StartKjobOptions {
  kjobDir: string;
  /** argv of the start command, run in kjobDir. */
  command: string[];
  logFile: string;
  logLevel: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('KJOB_') || k === 'TEMPORAL_ADDRESS' || k === 'TEMPORAL_NAMESPACE') continue;
    env[k] = v;
  }
  return env;
}

/** Waits for /readyz: Temporal answers and a worker polls, so the first Job is not timed against start-up. */
async function waitReady(apiUrl: string, proc: OwnedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${apiUrl}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (proc.exit) throw new Error(`kjob exited while starting: ${JSON.stringify(proc.exit)}`);
    if (Date.now() > deadline) throw new Error(`kjob at ${apiUrl} not ready within ${timeoutMs} ms (last /readyz ${status})`);
    await sleep(200);
  }
}

export async function startKjob(options: StartKjobOptions): Promise<KjobProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kjob-bench-'));
  const [apiPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const proc = startOwnedProcess({
    command: options.command[0]!,
    args: options.command.slice(1),
    cwd: options.kjobDir,
    env: {
      ...cleanEnv(),
      KJOB_PORT: String(apiPort),
      KJOB_DATA_DIR: dataDir,
      KJOB_TEMPORAL_PORT: String(temporalPort),
      KJOB_UI_PORT: String(uiPort),
      KJOB_LOG_LEVEL: options.logLevel,
    },
    logFile: options.logFile,
  });
  const apiUrl = await proc.waitFor(/kjob API:\s+(http:\/\/\S+)/, 180_000);
  await waitReady(apiUrl, proc, 120_000);
  return {
    apiUrl,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    dataDir,
    process: proc,
    stop: async (keepData) => {
      // kjob gives its pods a 35 s grace on shutdown; past a minute it is stuck, not stopping.
      await proc.stop(60_000);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
