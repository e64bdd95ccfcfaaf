/**
 * Child processes the benchmark owns (kjob, the bare worker): started with their output kept in
 * a log file, awaited until they print a line, and stopped by pid (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface OwnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Set once the process exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null; at: string } | null;
  /** Resolves with the first capture group of `pattern` in stdout/stderr, rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs: number): Promise<void>;
}

export interface StartOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** File that receives the process's stdout and stderr. */
  logFile: string;
}

export function startOwnedProcess(options: StartOptions): OwnedProcess {
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    // Only the start-up lines matter for waitFor; keep the buffer from growing with a chatty process.
    if (output.length < 64_000) output += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      owned.exit = { code, signal, at: new Date().toISOString() };
      for (const l of listeners) l();
      log.end();
      resolve();
    });
  });
  const owned: OwnedProcess = {
    child,
    pid: child.pid ?? -1,
    exit: null,
    waitFor: (pattern, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(output);
          if (m) done(() => resolve(m[1] ?? m[0]));
          else if (owned.exit) done(() => reject(new Error(`${options.command} exited (${JSON.stringify(owned.exit)}) before printing ${pattern}; see ${options.logFile}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${options.command} did not print ${pattern} within ${timeoutMs} ms; see ${options.logFile}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      }),
    stop: async (graceMs) => {
      if (owned.exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return owned;
}
