/**
 * The bare Temporal fan-out: the least a Temporal program needs to run C processes with P in
 * flight, one activity per process. It is the yardstick kjob is compared against on the same dev
 * server, so it is deliberately minimal.
 *
 * Temporal caps one run at 2,000 pending activities and warns past 10,240 history events, so the
 * parent splits the work into lanes of at most LANE_MAX_PARALLELISM activities in flight, and each
 * lane runs its completions as a sequence of child workflows of at most SLICE_MAX_COMPLETIONS
 * (about 3 events per activity, so every run stays well under the warning).
 */
import { executeChild, proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities.js';

export const LANE_MAX_PARALLELISM = 200;
export const SLICE_MAX_COMPLETIONS = 1_000;

export interface FanOutInput {
  completions: number;
  parallelism: number;
}

export interface FanOutResult {
  succeeded: number;
  failed: number;
  /** Child workflows run (one per slice). */
  slices: number;
}

// One attempt per process, as kjob's pods: a failure is a result, not something to retry.
const { runTrue } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 1 } });

/** Keeps `parallelism` activities in flight until `completions` have finished. */
export async function bareSlice({ completions, parallelism }: FanOutInput): Promise<FanOutResult> {
  let started = 0;
  let succeeded = 0;
  let failed = 0;
  const lane = async () => {
    while (started < completions) {
      started++;
      const code = await runTrue().catch(() => -1);
      if (code === 0) succeeded++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, completions) }, lane));
  return { succeeded, failed, slices: 1 };
}

/** Splits n into k near-equal positive parts. */
function split(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

async function runLane(completions: number, parallelism: number): Promise<FanOutResult> {
  const total: FanOutResult = { succeeded: 0, failed: 0, slices: 0 };
  for (let left = completions; left > 0; left -= SLICE_MAX_COMPLETIONS) {
    const slice = Math.min(left, SLICE_MAX_COMPLETIONS);
    const r = await executeChild(bareSlice, { args: [{ completions: slice, parallelism }] });
    total.succeeded += r.succeeded;
    total.failed += r.failed;
    total.slices += r.slices;
  }
  return total;
}

export async function bareFanOut({ completions, parallelism }: FanOutInput): Promise<FanOutResult> {
  const lanes = Math.max(1, Math.ceil(Math.min(parallelism, completions) / LANE_MAX_PARALLELISM));
  const parallelisms = split(Math.min(parallelism, completions), lanes);
  const shares = split(completions, lanes);
  const results = await Promise.all(parallelisms.map((p, i) => runLane(shares[i]!, p)));
  return results.reduce((a, r) => ({ succeeded: a.succeeded + r.succeeded, failed: a.failed + r.failed, slices: a.slices + r.slices }), {
    succeeded: 0,
    failed: 0,
    slices: 0,
  });
}
