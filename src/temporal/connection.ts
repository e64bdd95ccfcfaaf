/**
 * Connections to Temporal made from Config: a client connection (API, worker, tests) and a native
 * connection (worker). Connecting retries briefly so a just-started server is tolerated.
 *
 * Two gRPC settings make outages short and honest for the API (issue "Honest, fast errors"):
 * - gRPC's reconnect backoff grows to 120 s by default, so after a long outage the channel could
 *   wait tens of seconds before it even tries the server again; kjob caps it at 1 s, so a returning
 *   server is used within about a second.
 * - The client's retry interceptor retries UNAVAILABLE ten times over ~20 s by default; with
 *   `failFast` (the API) a call gives up after ~1 s of refused connections, so an HTTP request
 *   answers 503 "Temporal is unreachable" within 2 s instead of hanging.
 */
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

/** gRPC status UNAVAILABLE: the server cannot be reached (refused, reset, not resolvable). */
const GRPC_UNAVAILABLE = 14;
/** Outcomes made on this side (CANCELLED, DEADLINE_EXCEEDED): they say nothing about the server. */
const LOCAL_CODES = new Set([1, 4]);
/** With failFast, attempts of one call while the server is unavailable (~100+170+290 ms of waits). */
const FAIL_FAST_ATTEMPTS = 4;

async function retry<T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not connect ${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The last thing the connection saw of the server: an answer, or a failure to reach it. */
export interface Reachability {
  /** When a call last reached the server (any answer, errors included), epoch ms; 0 = never. */
  lastAnswerAt: number;
  /** When a call last failed to reach it, and why; null once the server answered again. */
  unreachable: { at: number; message: string } | null;
}

export interface ClientHandle {
  client: Client;
  connection: Connection;
  address: string;
  reachability: Reachability;
  close(): Promise<void>;
}

export interface ClientConnectOptions {
  /** Give up on an unreachable server after ~1 s instead of ~20 s (API requests). */
  failFast?: boolean;
  /** Do not wait for the server: connect on first use (the API starts while Temporal is down). */
  lazy?: boolean;
}

export function defaultAddress(config: Config): string {
  return config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
}

/** Connection options: short reconnect backoff, and a retry policy that records reachability. */
export function connectionOptions(address: string, reachability: Reachability, failFast: boolean): ConnectionOptions {
  const defaults = defaultGrpcRetryOptions();
  return {
    address,
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1_000 },
    interceptors: [
      makeGrpcRetryInterceptor({
        delayFunction: defaults.delayFunction,
        // Called with the outcome of every attempt, so it is also where reachability is observed.
        retryableDecider(attempt, status) {
          if (status.code === GRPC_UNAVAILABLE) {
            reachability.unreachable = { at: Date.now(), message: status.details };
            if (failFast) return attempt < FAIL_FAST_ATTEMPTS;
          } else if (!LOCAL_CODES.has(status.code)) {
            reachability.lastAnswerAt = Date.now();
            reachability.unreachable = null;
          }
          return defaults.retryableDecider(attempt, status);
        },
      }),
    ],
  };
}

export async function connectClient(config: Config, address = defaultAddress(config), options: ClientConnectOptions = {}): Promise<ClientHandle> {
  const reachability: Reachability = { lastAnswerAt: 0, unreachable: null };
  const connectionOpts = connectionOptions(address, reachability, options.failFast ?? false);
  const connection = options.lazy ? Connection.lazy(connectionOpts) : await retry(`to Temporal at ${address}`, () => Connection.connect(connectionOpts));
  const client = new Client({ connection, namespace: config.namespace });
  return { client, connection, address, reachability, close: () => connection.close() };
}

export async function connectNative(config: Config, address = defaultAddress(config)): Promise<NativeConnection> {
  // Loaded on demand: the API process never needs the worker's native runtime.
  const { NativeConnection } = await import('@temporalio/worker');
  return retry(`the worker to Temporal at ${address}`, () => NativeConnection.connect({ address }));
}
