/**
 * The workflow bundle, built in a child process. Bundling (webpack) in the worker's own process
 * left ~150 MB of its allocations resident for the worker's lifetime; a child returns it all to
 * the system when it exits, and the worker only reads the code.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowBundle } from '@temporalio/worker';

const run = promisify(execFile);
const BUNDLE_MAIN = path.join(import.meta.dirname, 'bundle-main.ts');

export async function bundleWorkflowsInChild(): Promise<WorkflowBundle> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kjob-bundle-'));
  try {
    const out = path.join(dir, 'workflows.js');
    try {
      await run(process.execPath, ['--import', 'tsx', BUNDLE_MAIN, out], { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new Error(`bundling the workflows failed${stderr ? `: ${stderr}` : ''}`);
    }
    return { code: await readFile(out, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
