/**
 * Throughput side by side, per size: raw spawn, the bare Temporal fan-out on the same dev server,
 * then kjob. When the size is the `get` size, the GET load runs during kjob's Job (so that Job's
 * pods/s is measured under the load, as a user polling their Job would see it).
 */
import os from 'node:os';
import { runBareFanOut, BARE_WORKFLOW_TYPES, type BareWorker } from '../lib/bare-fanout.js';
import { attempt, failed, type BenchContext, type Failure } from '../lib/context.js';
import { historyStats, type HistoryStats } from '../lib/histories.js';
import type { RssPeak } from '../lib/rss.js';
import { spawnBaseline, type ThroughputResult } from '../lib/spawn-baseline.js';
import { round, withTimeout } from '../lib/stats.js';
import type { Size } from '../lib/args.js';
import { loadDuringJob, withJobEnd, type GetUnderLoad } from './get.js';
import { runKjobJob, type KjobRun } from './kjob-run.js';

export interface ThroughputRow {
  size: string;
  completions: number;
  parallelism: number;
  spawn: ThroughputResult | Failure;
  bare: (ThroughputResult & { slices: number }) | Failure;
  kjob: KjobRun | Failure;
  /** kjob's pods/s as a percentage of the bare fan-out's. */
  kjobPercentOfBare: number | null;
  /** Peak RSS while kjob's Job ran. */
  rss: RssPeak | null;
  /** Every kjob workflow run started by this Job. */
  histories: HistoryStats | Failure;
  /** 1-minute load average when kjob's Job ended. */
  loadAverage1m: number;
  /** Present when the GET load ran during this Job. */
  get?: GetUnderLoad | Failure;
}

const HISTORIES_TIMEOUT_MS = 300_000;

function percentOf(kjob: KjobRun | Failure, bare: ThroughputResult | Failure): number | null {
  if (failed(kjob) || failed(bare) || kjob.outcome !== 'Complete') return null;
  return Math.round((kjob.podsPerSecond / bare.podsPerSecond) * 100);
}

/** History lengths of kjob's runs since `since`; bounded in time, since a dead embedded server never answers. */
export function readHistories(ctx: BenchContext, since: Date): Promise<HistoryStats | Failure> {
  return attempt(ctx, 'histories', () => withTimeout(historyStats(ctx.temporal, { since, excludeTypes: BARE_WORKFLOW_TYPES }), HISTORIES_TIMEOUT_MS, 'reading histories'));
}

export async function throughputForSize(ctx: BenchContext, size: Size, bareWorker: BareWorker | Failure, withGetLoad: boolean): Promise<ThroughputRow> {
  const { completions, parallelism } = size;
  const skipped = { error: 'not run (--no-baselines)' };
  if (ctx.args.baselines) ctx.progress(`throughput ${size.label}: raw spawn`);
  const spawn = ctx.args.baselines ? await attempt(ctx, 'spawn baseline', () => spawnBaseline(completions, parallelism)) : skipped;
  if (ctx.args.baselines) ctx.progress(`throughput ${size.label}: bare Temporal fan-out`);
  const bare = !ctx.args.baselines ? skipped : failed(bareWorker) ? bareWorker : await attempt(ctx, 'bare fan-out', () => runBareFanOut(ctx.temporal, bareWorker, completions, parallelism));

  ctx.progress(`throughput ${size.label}: kjob`);
  const since = new Date(Date.now() - ctx.clockSlackMs);
  ctx.rss?.mark();
  let get: GetUnderLoad | Failure | undefined;
  const during = withGetLoad
    ? async (name: string, createdAt: number) => {
        get = await attempt(ctx, 'GET load', () => loadDuringJob(ctx, name, createdAt));
      }
    : undefined;
  const kjob = ctx.kjobGone() !== null ? { error: ctx.kjobGone()! } : await attempt(ctx, 'kjob Job', () => runKjobJob(ctx, size, 'tp', during));
  const rss = ctx.rss?.mark() ?? null;
  const loadAverage1m = round(os.loadavg()[0]!, 2)!;
  const histories = await readHistories(ctx, since);
  const row: ThroughputRow = { size: size.label, completions, parallelism, spawn, bare, kjob, kjobPercentOfBare: percentOf(kjob, bare), rss, loadAverage1m, histories };
  if (withGetLoad) row.get = withJobEnd(get ?? { error: 'the GET load did not run' }, kjob);
  return row;
}
