/**
 * One real Temporal dev server for the whole integration run, on free ports, with kjob's search
 * attributes. Its address is provided to the test files (`inject('temporalAddress')`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/log.js';
import { findTemporalBinary } from '../../src/temporal/cli-binary.js';
import { startDevServer } from '../../src/temporal/dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binary = await findTemporalBinary({ cliPath: process.env.TEMPORAL_CLI_PATH ?? null, envPath: process.env.PATH });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kjob-temporal-'));
  const server = await startDevServer({
    binary,
    dataDir,
    port: 0,
    uiPort: null,
    namespace: 'default',
    log: createLogger({ level: 'warn', fields: { component: 'test-dev-server' } }),
    startTimeoutMs: 120_000,
  });
  project.provide('temporalAddress', server.address);
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
