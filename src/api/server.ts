/**
 * `npm run api`: the API process of a real deployment (loadConfig → Temporal client → app →
 * listen), and `startApiServer`, which `src/main.ts` and the tests reuse. Port 0 picks a free
 * port; the chosen address is logged and printed. SIGINT/SIGTERM close the server gracefully.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Connection, type Client } from '@temporalio/client';
import { loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { connectClient, type Reachability } from '../temporal/connection.js';
import { createTemporalSetup } from '../temporal/search-attributes.js';
import { createApp } from './app.js';
import { createCronJobsGateway } from './cronjobs-gateway.js';
import { createJobsGateway, type GatewayOptions } from './jobs-gateway.js';

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartApiOptions {
  config: Config;
  client: Client;
  log: Logger;
  /** What the client's connection saw of the server (connectClient's), for honest 503 messages. */
  reachability?: Reachability;
  /** Gateway tuning (tests shorten the timeouts). */
  gateway?: Omit<GatewayOptions, 'config' | 'client' | 'log' | 'setup' | 'reachability'>;
}

/** How long close() lets in-flight requests finish before cutting connections (log follows never end on their own). */
const CLOSE_GRACE_MS = 5_000;

export async function startApiServer({ config, client, log, reachability, gateway }: StartApiOptions): Promise<ApiServer> {
  // kjob registers its search attributes itself (and finds a missing namespace) at start; when
  // Temporal is not reachable yet, the first request or readiness probe that needs them does it.
  const setup =
    client.connection instanceof Connection
      ? createTemporalSetup({ connection: client.connection, namespace: client.options.namespace, address: client.connection.options.address, log })
      : undefined;
  setup?.check().catch((err: unknown) => log.info('Temporal not reachable yet; kjob checks its namespace and search attributes when it is', { error: (err as Error).message }));
  const jobs = createJobsGateway({ config, client, log, ...gateway, ...(setup ? { setup } : {}), ...(reachability ? { reachability } : {}) });
  const cronJobs = createCronJobsGateway({ config, client, log, ...(gateway?.queryTimeoutMs !== undefined ? { queryTimeoutMs: gateway.queryTimeoutMs } : {}) });
  const app = createApp({ config, jobs, cronJobs, log });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log.info(`kjob API listening on ${url}`, { url, port });

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      const force = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, CLOSE_GRACE_MS);
      force.unref();
    });
    return closing;
  };
  return { url, port, close };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, fields: { service: 'kjob-api' } });
  // Lazy: the API starts (and answers 503 "Temporal is unreachable") while Temporal is down.
  const temporal = await connectClient(config, undefined, { lazy: true, failFast: true });
  const api = await startApiServer({ config, client: temporal.client, log, reachability: temporal.reachability });
  console.log(`kjob API listening on ${api.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    await api.close();
    await temporal.close();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

// Run only as the entry point (`tsx src/api/server.ts`), not when imported by main.ts or tests.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
