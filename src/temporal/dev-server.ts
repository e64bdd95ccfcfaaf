/**
 * The embedded Temporal: `temporal server start-dev` with its SQLite file under the data dir (so
 * Jobs survive a restart), kjob's search attributes registered, the UI on its own port. Started as
 * a child process we own, so shutdown leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log.js';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.js';

export interface DevServerOptions {
  binary: string;
  dataDir: string;
  /** Frontend port; 0 picks a free one. */
  port: number;
  /** UI port; 0 picks a free one; null = headless. */
  uiPort: number | null;
  namespace: string;
  log: Logger;
  /** SQLite file; default `<dataDir>/temporal.db`. Use ':memory:'-free runs in tests with a temp dir. */
  dbFile?: string;
  startTimeoutMs?: number;
  /**
   * CPU niceness of the server (`nice -n`); default none. `npm start` runs it below the API and
   * above the worker and its pods, so on a machine saturated by pods the API still answers at once.
   */
  niceness?: number;
  /** Register kjob's search attributes with the server's flags (default true; tests of kjob's own registration turn it off). */
  searchAttributes?: boolean;
}

export interface DevServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The server's last output lines (its own JSON log lines at --log-level warn). */
  lastLines: string[];
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  pid: number;
  /** Resolves when the server has exited, for whatever reason (stop() included). */
  exited: Promise<DevServerExit>;
  stop(): Promise<void>;
}

// A background job's stdin is /dev/null in a non-interactive sh, so the pipe is kept on fd 3.
const SUPERVISOR = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'server=$!',
  '(read _ <&3; kill -TERM "$server" 2>/dev/null; sleep 10; kill -KILL "$server" 2>/dev/null) </dev/null &',
  'watcher=$!',
  'wait "$server"; code=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$code"',
].join('\n');

const SA_TYPES: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', INT: 'Int' };

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const host = '127.0.0.1';
  const port = options.port === 0 ? await freePort(host) : options.port;
  const uiPort = options.uiPort === null ? null : options.uiPort === 0 ? await freePort(host) : options.uiPort;
  mkdirSync(options.dataDir, { recursive: true });
  const dbFile = options.dbFile ?? path.join(options.dataDir, 'temporal.db');
  const args = [
    'server', 'start-dev',
    '--db-filename', dbFile,
    '--ip', host,
    '--port', String(port),
    '--log-level', 'warn',
    '--log-format', 'json',
    '--metrics-port', String(await freePort(host)),
    '--http-port', String(await freePort(host)),
    // Keep workflow task latency low for short pods; the dev server's defaults are tuned for demos.
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    // A busy Job's pods complete while its workflow task runs; past 100 such buffered events the
    // server force-fails the task and its work is redone (FORCE_CLOSE_COMMAND). Allow more.
    '--dynamic-config-value', 'history.maximumBufferedEventsBatch=1000',
  ];
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-disable-news-fetch');
  for (const key of options.searchAttributes === false ? [] : SEARCH_ATTRIBUTES) {
    args.push('--search-attribute', `${key.name}=${SA_TYPES[key.type] ?? 'Keyword'}`);
  }

  // The server must not outlive us, even when we are SIGKILLed: a small `sh` supervisor runs it and
  // watches a pipe only we hold open; at EOF (we closed it in stop(), or we died) it stops the
  // server with SIGTERM, then SIGKILL after 10 s. Its own process group is the fallback's target.
  const command = options.niceness ? ['nice', '-n', String(options.niceness), options.binary] : [options.binary];
  const child: ChildProcess = spawn('/bin/sh', ['-c', SUPERVISOR, 'kjob-temporal', ...command, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdin?.on('error', () => undefined);
  const log = options.log.child({ component: 'temporal-dev-server' });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const stderrTail: string[] = [];
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      log.debug('temporal', { line });
    }
  };
  child.stdout?.on('data', onLine);
  child.stderr?.on('data', onLine);
  const exitPromise = new Promise<DevServerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve({ code, signal, lastLines: [...stderrTail] });
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await canConnect(host, port))) {
    if (exited) {
      throw new Error(`temporal dev server exited during start-up (${JSON.stringify(exited)}): ${stderrTail.join('\n')}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not listen on ${host}:${port} within ${options.startTimeoutMs ?? 60_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const stop = async () => {
    if (exited) return;
    child.stdin?.end();
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    }, 15_000);
    await exitPromise;
    clearTimeout(timer);
  };
  return {
    address: `${host}:${port}`,
    uiUrl: uiPort === null ? null : `http://${host}:${uiPort}`,
    pid: child.pid ?? -1,
    exited: exitPromise,
    stop,
  };
}

export interface SupervisedDevServer {
  address: string;
  uiUrl: string | null;
  /** Stops the server (no restart); resolves once it has exited. */
  stop(): Promise<void>;
}

/** A server that ran this long was healthy: the next restart waits the shortest backoff again. */
const HEALTHY_RUN_MS = 60_000;

/**
 * The embedded server of `npm start`, restarted on the same ports and database (1 s backoff,
 * doubling to 30 s) if it exits on its own — crashed or killed — so kjob does not go on answering
 * 503 for ever; the API and the worker reconnect by themselves. `onExit` tells a person.
 */
export async function startSupervisedDevServer(options: DevServerOptions & { onExit?: (message: string) => void }): Promise<SupervisedDevServer> {
  const log = options.log.child({ component: 'temporal-dev-server' });
  let current = await startDevServer(options);
  const port = Number(current.address.split(':').pop());
  const uiPort = current.uiUrl === null ? null : Number(current.uiUrl.split(':').pop());
  let stopping = false;
  let backoff = 1_000;
  let started = Date.now();
  let restartTimer: NodeJS.Timeout | null = null;

  const restart = async (): Promise<void> => {
    restartTimer = null;
    if (stopping) return;
    try {
      started = Date.now();
      current = await startDevServer({ ...options, port, uiPort });
      log.info('temporal dev server restarted', { address: current.address });
      options.onExit?.(`the Temporal dev server is back on ${current.address}`);
      watch(current);
    } catch (err) {
      log.error('temporal dev server could not be restarted', { error: err });
      options.onExit?.(`the Temporal dev server could not be restarted (${(err as Error).message}); trying again in ${backoff / 1000} s`);
      restartTimer = setTimeout(() => void restart(), backoff);
      backoff = Math.min(backoff * 2, 30_000);
    }
  };
  const watch = (server: DevServer) => {
    void server.exited.then((how) => {
      if (stopping || server !== current) return;
      if (Date.now() - started > HEALTHY_RUN_MS) backoff = 1_000;
      log.error('temporal dev server exited unexpectedly', { code: how.code, signal: how.signal, lastLines: how.lastLines });
      const why = how.lastLines.at(-1)?.slice(0, 300);
      options.onExit?.(`the Temporal dev server exited (${how.signal ?? `code ${how.code}`})${why ? `: ${why}` : ''}; restarting it in ${backoff / 1000} s`);
      restartTimer = setTimeout(() => void restart(), backoff);
      backoff = Math.min(backoff * 2, 30_000);
    });
  };
  watch(current);

  return {
    address: current.address,
    uiUrl: current.uiUrl,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      await current.stop();
    },
  };
}
