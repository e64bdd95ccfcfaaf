/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and responses are untyped JSON in tests */
/**
 * The real API on a free port in front of a test stack's worker, and a small HTTP client for it.
 * `request` never throws on an HTTP error status: tests assert on status, Status objects and
 * headers.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../../src/config.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { startApiServer, type StartApiOptions } from '../../src/api/server.js';
import { afterAll, beforeAll } from 'vitest';
import { startTestStack, type TestStack } from './temporal-env.js';

export interface RequestOptions {
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  text: string;
  /** The texts of the `Warning: 299 - "…"` headers, unescaped. */
  warnings: string[];
}

export interface TestApi {
  baseUrl: string;
  config: Config;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  config?: Partial<Config>;
  /** A different Temporal client (e.g. one pointed at a dead address). */
  client?: Client;
  gateway?: StartApiOptions['gateway'];
  /** What the client's connection saw of the server (connectClient's), for the 503 messages. */
  reachability?: StartApiOptions['reachability'];
  log?: Logger;
}

/** Splits a Warning header (`299 - "a", 299 - "b \"quoted\""`) into its texts. */
export function parseWarnings(header: string | null): string[] {
  if (!header) return [];
  const out: string[] = [];
  const re = /299 - "((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) out.push(m[1]!.replace(/\\(.)/g, '$1'));
  return out;
}

export async function startTestApi(stack: Pick<TestStack, 'config' | 'client'>, options: TestApiOptions = {}): Promise<TestApi> {
  const config = Object.freeze({ ...stack.config, port: 0, host: '127.0.0.1', ...options.config });
  const server = await startApiServer({
    config,
    client: options.client ?? stack.client,
    log: options.log ?? silentLogger,
    ...(options.gateway ? { gateway: options.gateway } : {}),
    ...(options.reachability ? { reachability: options.reachability } : {}),
  });
  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | Buffer | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    } else if (opts.contentType) {
      headers['content-type'] = opts.contentType;
    }
    const res = await fetch(server.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text, warnings: parseWarnings(res.headers.get('warning')) };
  };
  return { baseUrl: server.url, config, request, close: () => server.close() };
}

export interface ManifestOptions {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  /** The container's command (no shell unless you ask for `sh -c`). */
  command?: string[];
  restartPolicy?: 'Never' | 'OnFailure' | 'Always';
  spec?: Record<string, unknown>;
  podSpec?: Record<string, unknown>;
}

/** A batch/v1 Job manifest with one container; overrides show only what a test is about. */
export function jobManifest(options: ManifestOptions = {}): Record<string, any> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.generateName !== undefined ? { generateName: options.generateName } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.labels ? { labels: options.labels } : {}),
    },
    spec: {
      backoffLimit: 2,
      ...options.spec,
      template: {
        spec: {
          restartPolicy: options.restartPolicy ?? 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'busybox', command: options.command ?? ['sh', '-c', 'echo hello'] }],
          ...options.podSpec,
        },
      },
    },
  };
}

/** A unique, valid Job name for one test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A worker stack and the API in front of it for one test file: started in beforeAll, stopped in
 * afterAll. Read `stack`/`api` inside tests (they exist once beforeAll ran).
 */
export function useTestApi(): { readonly stack: TestStack; readonly api: TestApi } {
  let stack: TestStack | undefined;
  let api: TestApi | undefined;
  beforeAll(async () => {
    stack = await startTestStack();
    api = await startTestApi(stack);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });
  return {
    get stack() {
      if (!stack) throw new Error('useTestApi: the stack is not started yet (use it inside a test)');
      return stack;
    },
    get api() {
      if (!api) throw new Error('useTestApi: the API is not started yet (use it inside a test)');
      return api;
    },
  };
}
