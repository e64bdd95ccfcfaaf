/**
 * kjob's configuration: the ONLY module that reads the environment. `loadConfig` validates every
 * variable of DESIGN.md's table once and fails fast naming the variable and its bad value; the
 * frozen result is passed explicitly to everything else.
 */
import path from 'node:path';
import { DEFAULT_PODS_PER_SHARD } from './controller/state.js';

export interface Config {
  /** API port; 0 picks a free one. */
  port: number;
  host: string;
  dataDir: string;
  /** An existing Temporal frontend (`host:port`), or null for the embedded dev server. */
  temporalAddress: string | null;
  namespace: string;
  taskQueue: string;
  temporalPort: number;
  uiPort: number;
  temporalCliPath: string | null;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  restartBackoffMaxSeconds: number;
  podHeartbeatTimeoutSeconds: number;
  /** Pods one pod shard workflow runs at most (KJOB_PODS_PER_SHARD). */
  podsPerShard: number;
  /** Pods one worker runs at once (KJOB_WORKER_MAX_PODS); more wait as Pending in the task queue. */
  workerMaxPods: number;
  /**
   * Workflows one worker keeps in memory between their tasks (KJOB_WORKER_MAX_CACHED_WORKFLOWS).
   * A finished Job's workflow stays open until the Job is deleted: without a bound the SDK's
   * default (thousands on a large machine) keeps every idle Job's sandbox resident.
   */
  workerMaxCachedWorkflows: number;
  /** Largest accepted request body, bytes (KJOB_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** When set, every route but /healthz and /readyz needs `Authorization: Bearer <token>`. */
  apiToken: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** PATH given to pod processes: the worker's own PATH. */
  podPath: string;
  /**
   * KJOB_TEST_KNOBS=1, tests only: CronJobs created while it is on honour the annotation
   * `kjob.dev/test-schedule-every` (a Go duration such as `2s`) in place of their schedule.
   */
  testKnobs: boolean;
  /** KJOB_WORKER_METRICS_ADDRESS (`host:port`): where a worker serves its Prometheus /metrics; null = not served. */
  workerMetricsAddress: { host: string; port: number } | null;
  /** KJOB_TEMPORAL_METRICS_ADDRESS (`host:port`): the Temporal SDK runtime's own Prometheus exporter (worker); null = off. */
  temporalMetricsAddress: string | null;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${variable}=${JSON.stringify(value)}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, raw, 'must be a whole number');
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(name, raw, `must be between ${min} and ${max}`);
  return n;
}

function seconds(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw.trim());
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n)) {
    throw new ConfigError(name, raw, 'must be a non-negative number of seconds (fractions allowed, e.g. 0.05)');
  }
  if (n < min || n > max) throw new ConfigError(name, raw, `must be between ${min} and ${max} seconds`);
  return n;
}

function flag(env: Env, name: string): boolean {
  const raw = read(env, name);
  if (raw === undefined || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(name, raw, 'must be 1/true or 0/false');
}

function hostPort(env: Env, name: string): string | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(raw)) throw new ConfigError(name, raw, 'must be host:port');
  return raw;
}

/** A `host:port` to listen on (port 0 picks a free one). */
function listenAddress(env: Env, name: string): { host: string; port: number } | null {
  const raw = hostPort(env, name);
  if (raw === null) return null;
  const at = raw.lastIndexOf(':');
  const port = Number(raw.slice(at + 1));
  if (port > 65_535) throw new ConfigError(name, raw, 'port must be between 0 and 65535');
  return { host: raw.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port };
}

function dnsLabel(env: Env, name: string, fallback: string): string {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,253}[A-Za-z0-9])?$/.test(raw)) {
    throw new ConfigError(name, raw, 'must be letters, digits, ".", "_" or "-"');
  }
  return raw;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const logLevel = read(env, 'KJOB_LOG_LEVEL') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError('KJOB_LOG_LEVEL', logLevel, 'must be debug, info, warn or error');
  }
  const backoffBaseSeconds = seconds(env, 'KJOB_BACKOFF_BASE_SECONDS', 10, 0.001, 86_400);
  const backoffMaxSeconds = seconds(env, 'KJOB_BACKOFF_MAX_SECONDS', 360, 0.001, 86_400);
  const restartBackoffMaxSeconds = seconds(env, 'KJOB_RESTART_BACKOFF_MAX_SECONDS', 300, 0.001, 86_400);
  const config: Config = {
    port: integer(env, 'KJOB_PORT', 8080, 0, 65_535),
    host: read(env, 'KJOB_HOST') ?? '127.0.0.1',
    dataDir: path.resolve(cwd, read(env, 'KJOB_DATA_DIR') ?? '.kjob'),
    temporalAddress: hostPort(env, 'TEMPORAL_ADDRESS'),
    namespace: dnsLabel(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: dnsLabel(env, 'KJOB_TASK_QUEUE', 'kjob'),
    temporalPort: integer(env, 'KJOB_TEMPORAL_PORT', 7233, 0, 65_535),
    uiPort: integer(env, 'KJOB_UI_PORT', 8233, 0, 65_535),
    temporalCliPath: read(env, 'TEMPORAL_CLI_PATH') ?? null,
    backoffBaseSeconds,
    backoffMaxSeconds,
    restartBackoffMaxSeconds,
    podHeartbeatTimeoutSeconds: seconds(env, 'KJOB_POD_HEARTBEAT_TIMEOUT_SECONDS', 30, 0.3, 86_400),
    podsPerShard: integer(env, 'KJOB_PODS_PER_SHARD', DEFAULT_PODS_PER_SHARD, 1, 500),
    workerMaxPods: integer(env, 'KJOB_WORKER_MAX_PODS', 200, 1, 100_000),
    workerMaxCachedWorkflows: integer(env, 'KJOB_WORKER_MAX_CACHED_WORKFLOWS', 250, 2, 100_000),
    maxBodyBytes: integer(env, 'KJOB_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    apiToken: read(env, 'KJOB_API_TOKEN') ?? null,
    logLevel: logLevel as Config['logLevel'],
    podPath: read(env, 'PATH') ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    testKnobs: flag(env, 'KJOB_TEST_KNOBS'),
    workerMetricsAddress: listenAddress(env, 'KJOB_WORKER_METRICS_ADDRESS'),
    temporalMetricsAddress: hostPort(env, 'KJOB_TEMPORAL_METRICS_ADDRESS'),
  };
  return Object.freeze(config);
}

/** The Job-shaping values, copied into each workflow's input at creation (determinism). */
export function jobSettingsFrom(config: Config) {
  return {
    backoffBaseMs: Math.round(config.backoffBaseSeconds * 1000),
    backoffMaxMs: Math.round(config.backoffMaxSeconds * 1000),
    restartBackoffMaxMs: Math.round(config.restartBackoffMaxSeconds * 1000),
    heartbeatTimeoutMs: Math.round(config.podHeartbeatTimeoutSeconds * 1000),
    podsPerShard: config.podsPerShard,
  };
}
