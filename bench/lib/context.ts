/** What every phase gets: the parsed flags and the handles on the deployment under test. */
import type { Client } from '@temporalio/client';
import type { BenchArgs } from './args.js';
import type { KjobClient } from './kjob-client.js';
import type { RssSampler } from './rss.js';

export interface BenchContext {
  args: BenchArgs;
  kjob: KjobClient;
  /** For the bare fan-out and reading histories only. */
  temporal: Client;
  temporalAddress: string;
  /**
   * How far before a phase's start its workflow runs are looked for: 0 when the dev server runs on
   * this machine's clock, a little for a remote server whose clock may differ.
   */
  clockSlackMs: number;
  /** Peak RSS of kjob's process tree; null when kjob is not ours to watch. */
  rss: RssSampler | null;
  /** Short id in every Job name and label of this run, so runs never collide on one deployment. */
  runId: string;
  /** Where process logs of this run go (kjob's, the bare worker's). */
  logPrefix: string;
  /** Why kjob can no longer be measured (its process exited), or null. */
  kjobGone(): string | null;
  progress(message: string): void;
}

/** A phase step that threw: recorded in the results instead of ending the run. */
export interface Failure {
  error: string;
}

export async function attempt<T>(ctx: BenchContext, what: string, fn: () => Promise<T>): Promise<T | Failure> {
  try {
    return await fn();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    ctx.progress(`${what} failed: ${error}`);
    return { error };
  }
}

export function failed(x: unknown): x is Failure {
  return typeof x === 'object' && x !== null && 'error' in x && Object.keys(x).length === 1;
}
