/**
 * Determinism guard: every recorded history of a finished Job (test/replay/histories/*.json,
 * made with `npm run record-histories`) must replay against the current workflow code. A change
 * that alters what a running workflow does must go behind `patched()` and keep these passing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/temporal-env.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

/**
 * The workflow id a history was recorded under (scripts/record-histories.ts names the files):
 * `<prefix>-<job>.json` is the Job `default/<job>`, `<prefix>-<job>-pods-<k>.json` its shard k.
 * Workflows derive ids from their own (shard ids), so replay must use the same.
 */
function workflowIdOf(file: string): string {
  const base = file.replace(/\.json$/, '').replace(/^v\d+-/, '');
  const shard = /^(.+)-pods-(\d+)$/.exec(base);
  return shard ? `default/${shard[1]}/pods-${shard[2]}` : `default/${base}`;
}

describe('recorded histories', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('replays %s without non-determinism', async (file) => {
    const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
    const bundle = await workflowBundle();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, history, workflowIdOf(file)),
    ).resolves.toBeUndefined();
  });
});
