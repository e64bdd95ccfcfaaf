/**
 * The embedded Temporal dev server never outlives the kjob process that started it: a clean stop
 * ends it, and so does a SIGKILL of kjob (its supervisor sees the pipe close).
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { findTemporalBinary } from '../../src/temporal/cli-binary.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { poll } from '../support/poll.js';

const root = path.resolve(import.meta.dirname, '../..');

function serversOn(dataDir: string): string[] {
  try {
    // The server itself, not its supervisor shell (whose command line also names it).
    return execFileSync('pgrep', ['-f', `^[^ ]*temporal server start-dev --db-filename ${dataDir}`]).toString().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('embedded dev server', () => {
  it('when stopped, then no server process is left', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kjob-ds-stop-'));
    const binary = await findTemporalBinary({ cliPath: null, envPath: process.env.PATH });
    const server = await startDevServer({ binary, dataDir, port: 0, uiPort: null, namespace: 'default', log: silentLogger });
    expect(serversOn(dataDir)).toHaveLength(1);
    await server.stop();
    expect(serversOn(dataDir)).toEqual([]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the process that started it is SIGKILLed, then the server goes too', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kjob-ds-kill-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/start-dev-server.ts', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await poll(() => out, (o) => o.includes('address '), { what: 'the fixture to start a dev server', timeoutMs: 60_000 });
    expect(serversOn(dataDir)).toHaveLength(1);
    child.kill('SIGKILL');
    await poll(() => serversOn(dataDir), (s) => s.length === 0, { what: 'the orphaned dev server to stop', timeoutMs: 20_000 });
    rmSync(dataDir, { recursive: true, force: true });
  });
});
