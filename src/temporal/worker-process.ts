/**
 * The worker of `npm start` as a child process (`node --import tsx worker.ts`), so the API never
 * shares an event loop with hundreds of pods' I/O. Supervised: an unexpected exit restarts it
 * with backoff (1 s doubling to 30 s, back to 1 s after a minute of running); `stop()` sends it
 * SIGTERM (it gives its pods their grace period) and SIGKILLs its process group only if it is
 * still there after `timeoutMs`. If the parent dies, the child stops itself (exit-with-parent.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import type { LogFile, Logger } from '../log.js';
import { PROJECT_ROOT } from './cli-binary.js';

const EXIT_WITH_PARENT = pathToFileURL(path.join(PROJECT_ROOT, 'src/temporal/exit-with-parent.mjs')).href;
const WORKER_ENTRY = path.join(PROJECT_ROOT, 'worker.ts');
/** A worker that ran this long was healthy: the next restart waits the shortest backoff again. */
const HEALTHY_RUN_MS = 60_000;
/** The worker's own shutdown grace is 35 s; past this it is stuck, not stopping. */
const DEFAULT_STOP_TIMEOUT_MS = 60_000;
const STDERR_TAIL_LINES = 10;
/**
 * The worker and its pods (which inherit it) run at a lower CPU priority than the API and the
 * Temporal server: on a machine saturated by pods, the control plane still answers promptly (the
 * kubelet's system-reserved idea). Without contention it changes nothing.
 */
export const WORKER_NICENESS = 10;

export interface WorkerProcessOptions {
  /** The worker's environment (the parent's, with TEMPORAL_ADDRESS of the server in use). */
  env: NodeJS.ProcessEnv;
  /** Where the worker's output (its JSON log lines) goes. */
  logFile: LogFile;
  log: Logger;
  /** Told, for a person, when the worker exited unexpectedly and when it is restarted. */
  onExit?: (message: string) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface WorkerProcess {
  /** The running worker's pid (its Temporal identity is `<pid>@<host>`), or null between runs. */
  pid(): number | null;
  /** When the current run was spawned (epoch ms). */
  startedAt(): number;
  /** Stops the worker (no restart); resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * What a line of the worker's stderr says about why it failed, or null when it says nothing of
 * the kind: a JSON log line of level error (`msg: error`), or any line that is not a log line (a
 * crash's message or stack). Warnings and the SDK core's own log lines are left to the log file.
 */
export function failureLine(line: string): string | null {
  const text = line.trim();
  if (!text) return null;
  if (text.startsWith('{')) {
    try {
      const entry = JSON.parse(text) as { level?: unknown; msg?: unknown; error?: unknown };
      if (entry.level !== 'error') return null;
      return `${String(entry.msg)}${entry.error !== undefined ? `: ${typeof entry.error === 'string' ? entry.error : JSON.stringify(entry.error)}` : ''}`;
    } catch {
      return text;
    }
  }
  // The SDK core logs with ANSI colours and a level word.
  if (/\b(TRACE|DEBUG|INFO|WARN)\b/.test(text)) return null;
  return text;
}

export function startWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const log = options.log.child({ component: 'worker-process' });
  const minBackoff = options.minBackoffMs ?? 1_000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let spawnedAt = 0;
  let backoff = minBackoff;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;

  const run = () => {
    restartTimer = null;
    if (stopping) return;
    spawnedAt = Date.now();
    const proc = spawn(process.execPath, ['--import', 'tsx', '--import', EXIT_WITH_PARENT, WORKER_ENTRY], {
      cwd: PROJECT_ROOT,
      env: options.env,
      // stdin is the lifeline (exit-with-parent.ts); its own process group, so a terminal's Ctrl-C
      // reaches only us and we stop the worker in order.
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child = proc;
    try {
      if (proc.pid !== undefined) os.setPriority(proc.pid, WORKER_NICENESS);
    } catch (err) {
      log.warn('could not lower the worker\'s CPU priority', { error: (err as Error).message });
    }
    proc.stdin?.on('error', () => undefined);
    const tail: string[] = [];
    proc.stdout?.on('data', (chunk: Buffer) => options.logFile.append(chunk));
    proc.stderr?.on('data', (chunk: Buffer) => {
      options.logFile.append(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        const why = failureLine(line);
        if (why === null) continue;
        tail.push(why);
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
      }
    });
    log.info('worker started', { pid: proc.pid });
    exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        child = null;
        resolve();
        if (stopping) {
          log.info('worker stopped', { pid: proc.pid, code, signal });
          return;
        }
        const ranMs = Date.now() - spawnedAt;
        if (ranMs > HEALTHY_RUN_MS) backoff = minBackoff;
        const why = tail.at(-1) ?? '';
        log.error('worker exited unexpectedly; restarting', { pid: proc.pid, code, signal, restartInMs: backoff, lastError: why });
        options.onExit?.(
          `kjob worker exited (${signal ?? `code ${code}`})${why ? `: ${why.slice(0, 300)}` : ''}; restarting in ${backoff / 1000} s (log: ${options.logFile.path})`,
        );
        restartTimer = setTimeout(run, backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
      });
    });
  };
  run();

  return {
    pid: () => child?.pid ?? null,
    startedAt: () => spawnedAt,
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const proc = child;
      if (!proc) return;
      proc.kill('SIGTERM');
      const force = setTimeout(() => {
        log.warn('worker did not stop in time; killing it', { pid: proc.pid, timeoutMs });
        try {
          process.kill(-(proc.pid ?? 0), 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      await exited;
      clearTimeout(force);
    },
  };
}

/**
 * Waits until a worker polls `taskQueue` that was seen polling after `since` (epoch ms), i.e. the
 * worker just started is ready; false after `timeoutMs`.
 */
export async function waitForPoller(client: Client, taskQueue: string, since: () => number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await client.withDeadline(Date.now() + 2_000, () =>
        client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 }),
      );
      // lastAccessTime has second resolution.
      if ((res.pollers ?? []).some((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= since() - 1_000)) return true;
    } catch {
      // Not answering yet: keep waiting until the deadline.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
