/**
 * A worker that cannot use its data directory must not take pods (each would fail with
 * PodSetupFailed and burn its Job's backoffLimit): it checks at start, before polling, that it can
 * create, write and remove a file there, and refuses to start otherwise.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';

export class DataDirError extends Error {
  constructor(
    readonly dataDir: string,
    cause: unknown,
  ) {
    super(`cannot use KJOB_DATA_DIR ${dataDir}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DataDirError';
  }
}

/** Creates the directory if needed, then writes, syncs and removes a probe file in it. */
export async function checkDataDir(dataDir: string): Promise<void> {
  const dir = path.resolve(dataDir);
  const probe = path.join(dir, `.kjob-write-check-${randomUUID()}`);
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(probe, 'wx');
    try {
      await fh.writeFile('kjob\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rm(probe);
  } catch (err) {
    await rm(probe, { force: true }).catch(() => undefined);
    throw new DataDirError(dir, err);
  }
}
