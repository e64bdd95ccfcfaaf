/**
 * A whole kjob back end for tools (benchmarks, the history recorder): a throwaway dev server in a
 * temp dir and one worker on its own task queue. `stop()` removes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger, silentLogger } from '../src/log.js';
import { findTemporalBinary } from '../src/temporal/cli-binary.js';
import { connectClient, connectNative } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { createKjobWorker, installTemporalLogging } from '../src/temporal/worker.js';

export interface ThrowawayStack {
  config: Config;
  client: Client;
  binary: string;
  address: string;
  stop(): Promise<void>;
}

export async function startThrowawayStack(name: string, overrides: Partial<Config> = {}): Promise<ThrowawayStack> {
  installTemporalLogging(createLogger({ level: 'warn' }), 'WARN');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `kjob-${name}-`));
  const binary = await findTemporalBinary({ cliPath: null, envPath: process.env.PATH });
  const server = await startDevServer({ binary, dataDir, port: 0, uiPort: null, namespace: 'default', log: createLogger({ level: 'warn' }) });
  const config: Config = Object.freeze({
    ...loadConfig({}),
    temporalAddress: server.address,
    dataDir,
    taskQueue: `${name}-${randomUUID().slice(0, 6)}`,
    ...overrides,
  });
  const { client, close } = await connectClient(config, server.address);
  const connection = await connectNative(config, server.address);
  const worker = await createKjobWorker({ config, connection, client, log: silentLogger });
  const running = worker.run();
  return {
    config,
    client,
    binary,
    address: server.address,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
      await close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
