/**
 * A worker that cannot work does not take work: the data directory is checked (create, write,
 * remove a file) before anything polls, and the worker refuses to start naming the directory.
 * Tests run as root, where permission bits do not stop writes: the unusable directories here are a
 * path under a file (`/dev/null/x`, ENOTDIR) and a read-only tmpfs mount (EROFS) when the
 * machine lets us mount one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDataDir, DataDirError } from '../../src/storage/data-dir.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kjob-datadir-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A read-only tmpfs, or null when this machine does not let us mount one. */
function readOnlyDir(): string | null {
  const d = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', d], { stdio: 'ignore' });
  } catch {
    return null;
  }
  cleanups.push(() => execFileSync('umount', [d], { stdio: 'ignore' }));
  return d;
}

const readOnly = readOnlyDir();

function runEntry(entry: string, dataDir: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      // An address where nothing listens: were the check not first, the entry would hang connecting.
      env: { ...process.env, KJOB_DATA_DIR: dataDir, TEMPORAL_ADDRESS: '127.0.0.1:1', KJOB_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

describe('checkDataDir', () => {
  it('when the directory is usable, then it is created if missing and no probe file is left', async () => {
    const dir = path.join(tempDir(), 'new', 'data');
    await checkDataDir(dir);
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('when the directory cannot be created (a path under a file), then DataDirError names it and says why', async () => {
    const err = await checkDataDir('/dev/null/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirError);
    expect((err as Error).message).toMatch(/^cannot use KJOB_DATA_DIR \/dev\/null\/x: ENOTDIR: not a directory/);
  });

  it.skipIf(readOnly === null)('when the directory is read-only, then DataDirError says EROFS', async () => {
    const err = await checkDataDir(readOnly!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot use KJOB_DATA_DIR ${readOnly}: EROFS: read-only file system`));
  });
});

describe('entry points refuse an unusable data directory', () => {
  const cases = [
    { name: '`npm run worker` (worker.ts)', entry: 'worker.ts', prefix: 'kjob worker: ' },
    { name: '`npm start` (src/main.ts)', entry: 'src/main.ts', prefix: 'kjob: ' },
  ];
  it.each(cases)('when $name gets a data directory it cannot write, then it exits 1 naming the directory, before connecting', async ({ entry, prefix }) => {
    const dataDir = readOnly ?? '/dev/null/x';
    const { code, stderr, ms } = await runEntry(entry, dataDir);
    expect(code).toBe(1);
    expect(stderr).toContain(`${prefix}cannot use KJOB_DATA_DIR ${dataDir}: ${readOnly ? 'EROFS' : 'ENOTDIR'}`);
    expect(ms).toBeLessThan(15_000);
  });
});
