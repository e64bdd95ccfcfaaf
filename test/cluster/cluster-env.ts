/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP responses are untyped JSON in tests */
/**
 * The cluster suite's view of `npm run cluster` (scripts/cluster/cluster.sh): its settings, its
 * processes (pid files under the state dir) and a small HTTP client for its two APIs. The suite
 * runs on ports and a state dir of its own, so it does not meet a cluster someone started by hand.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The environment of every `cluster.sh` call: the suite's ports and state dir unless set outside. */
export function clusterEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    KJOB_CLUSTER_DIR: env.KJOB_CLUSTER_DIR ?? path.join(ROOT, '.kjob-cluster-test'),
    KJOB_CLUSTER_PG_PORT: env.KJOB_CLUSTER_PG_PORT ?? '56432',
    KJOB_CLUSTER_TEMPORAL_PORT: env.KJOB_CLUSTER_TEMPORAL_PORT ?? '27233',
    KJOB_CLUSTER_API_PORTS: env.KJOB_CLUSTER_API_PORTS ?? '28081 28082',
    KJOB_CLUSTER_WORKERS: env.KJOB_CLUSTER_WORKERS ?? '3',
    // Read by the APIs when a Job is created and carried in its workflow input: a lost worker's
    // pods count as lost after 4 s, and pod-failure backoff is short.
    KJOB_POD_HEARTBEAT_TIMEOUT_SECONDS: env.KJOB_POD_HEARTBEAT_TIMEOUT_SECONDS ?? '4',
    KJOB_BACKOFF_BASE_SECONDS: env.KJOB_BACKOFF_BASE_SECONDS ?? '0.2',
    KJOB_BACKOFF_MAX_SECONDS: env.KJOB_BACKOFF_MAX_SECONDS ?? '2',
  };
}

const ENV = clusterEnv();
export const STATE_DIR = ENV.KJOB_CLUSTER_DIR!;
export const API_URLS = ENV.KJOB_CLUSTER_API_PORTS!.trim().split(/\s+/).map((p) => `http://127.0.0.1:${p}`);
export const TEMPORAL_ADDRESS = `127.0.0.1:${ENV.KJOB_CLUSTER_TEMPORAL_PORT}`;
export const WORKERS = Number(ENV.KJOB_CLUSTER_WORKERS);

/** `cluster.sh <args>`; its output goes to the test's stderr when it fails. */
export async function cluster(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [path.join(ROOT, 'scripts/cluster/cluster.sh'), ...args], { env: ENV, cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err: any) {
    throw new Error(`cluster.sh ${args.join(' ')} failed: ${String(err.stderr ?? err.message).slice(-4000)}`);
  }
}

/** The pid (= process group id) of one of the cluster's processes (`kjob-worker-2`, `temporal-history`, …), or null. */
export function pidOf(name: string): number | null {
  try {
    return Number(readFileSync(path.join(STATE_DIR, 'run', `${name}.pid`), 'utf8').trim());
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals a cluster process's whole group (npm, node and its children), as `cluster.sh down` does. */
export function signalGroup(name: string, signal: NodeJS.Signals): number {
  const pid = pidOf(name);
  if (pid === null) throw new Error(`no pid file for ${name}`);
  process.kill(-pid, signal);
  return pid;
}

/** The process group of a process, or null when it is gone. */
export async function groupOf(pid: number): Promise<number | null> {
  try {
    const { stdout } = await run('ps', ['-o', 'pgid=', '-p', String(pid)]);
    return Number(stdout.trim()) || null;
  } catch {
    return null;
  }
}

/** The cluster's kjob worker (`kjob-worker-N`) whose node a pod ran on (`spec.nodeName` = `<pid>@<host>`). */
export async function workerOfNode(nodeName: string): Promise<string> {
  const pgid = await groupOf(Number(nodeName.split('@')[0]));
  for (let i = 1; i <= WORKERS; i++) if (pgid !== null && pidOf(`kjob-worker-${i}`) === pgid) return `kjob-worker-${i}`;
  throw new Error(`no cluster worker runs node ${nodeName}`);
}

export interface Reply {
  status: number;
  json: any;
  text: string;
}

/** One request to one of the APIs (0 or 1); never throws on an HTTP error status. */
export async function request(api: number, method: string, urlPath: string, body?: unknown): Promise<Reply> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': typeof body === 'string' ? 'application/merge-patch+json' : 'application/json' };
  }
  const res = await fetch(API_URLS[api]! + urlPath, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
