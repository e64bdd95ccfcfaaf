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
  /** Register kjob's search attributes with the server's flags (default true; tests of kjob's own registration turn it off). */
  searchAttributes?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  pid: number;
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
  const child: ChildProcess = spawn('/bin/sh', ['-c', SUPERVISOR, 'kjob-temporal', options.binary, ...args], {
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
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
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
    stop,
  };
}
