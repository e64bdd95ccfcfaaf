/**
 * Connections to Temporal made from Config: a client connection (API, tests) and a native
 * connection (worker). Connecting retries briefly so a just-started server is tolerated.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

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

export interface ClientHandle {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

export async function connectClient(config: Config, address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`): Promise<ClientHandle> {
  const connection = await retry(`to Temporal at ${address}`, () => Connection.connect({ address }));
  const client = new Client({ connection, namespace: config.namespace });
  return { client, connection, close: () => connection.close() };
}

export async function connectNative(config: Config, address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`): Promise<NativeConnection> {
  return retry(`the worker to Temporal at ${address}`, () => NativeConnection.connect({ address }));
}
