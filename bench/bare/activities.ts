/**
 * The bare fan-out's only activity: one process, like one pod, with none of kjob's work around
 * it (no watchdog, logs, heartbeats or status reports).
 */
import { runOnce } from '../lib/spawn-baseline.js';

export async function runTrue(): Promise<number> {
  return runOnce(['true']);
}
