/**
 * The cluster suite's global setup: `npm run cluster up` on the suite's own ports and state dir
 * (builds Temporal once into .tools/, PostgreSQL, 4 Temporal services, 2 APIs, 3 workers), and
 * `down --purge` afterwards. KJOB_CLUSTER_KEEP=1 leaves it running (the next run reuses it).
 */
import { cluster } from './cluster-env.js';

export async function setup(): Promise<void> {
  const started = Date.now();
  await cluster('up');
  console.log(`cluster up in ${Math.round((Date.now() - started) / 1000)} s`);
}

export async function teardown(): Promise<void> {
  if (process.env.KJOB_CLUSTER_KEEP === '1') return;
  await cluster('down', '--purge');
}
