/**
 * The process metrics prom-client collects (`process_*`, `nodejs_*`), once per process: each
 * collection installs its own event-loop and GC observers, so the API and the worker registries
 * (several of each in a test process) merge this one registry at scrape time.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

let registry: Registry | null = null;

export function processMetrics(): Registry {
  if (registry === null) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
