/**
 * The floor under every pod: `child_process.spawn('true')` with P in flight until C have exited,
 * in this process. kjob and the bare Temporal fan-out can only add to this cost.
 */
import { spawn } from 'node:child_process';

export interface ThroughputResult {
  seconds: number;
  podsPerSecond: number;
  succeeded: number;
  failed: number;
}

/** Runs `argv` once; resolves with its exit code (128 + n for a signal, -1 if it could not start). */
export function runOnce(argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.once('error', () => resolve(-1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
}

export async function spawnBaseline(completions: number, parallelism: number, argv: readonly string[] = ['true']): Promise<ThroughputResult> {
  let started = 0;
  let succeeded = 0;
  let failed = 0;
  // Each lane starts the next process as soon as its previous one exited: P always in flight.
  const lane = async () => {
    while (started < completions) {
      started++;
      if ((await runOnce(argv)) === 0) succeeded++;
      else failed++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(parallelism, completions) }, lane));
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, podsPerSecond: completions / seconds, succeeded, failed };
}
