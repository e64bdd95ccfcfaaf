/**
 * The cluster suite's global setup: `npm run cluster up` on the suite's own ports and state dir
 * (builds Temporal once into .tools/, PostgreSQL, 4 Temporal services, 2 APIs, 3 workers), and
 * `down --purge` afterwards. KJOB_CLUSTER_KEEP=1 leaves it running (the next run reuses it).
 */
import { cluster } from './cluster-env.js';

export async function setup(): Promise<void> {
  const started = Date.now();
  try {
    await cluster('up');
  } catch (err) {
    // A half-started cluster is stopped, not left behind (vitest runs no teardown after a failed setup).
    if (process.env.KJOB_CLUSTER_KEEP !== '1') await cluster('down', '--purge').catch(() => undefined);
    throw err;
  }
  console.log(`cluster up in ${Math.round((Date.now() - started) / 1000)} s`);
}

export async function teardown(): Promise<void> {
  if (process.env.KJOB_CLUSTER_KEEP === '1') return;
  await cluster('down', '--purge');
}
