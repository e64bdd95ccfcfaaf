/**
 * Starting a container's process the way a container runtime would, minus the isolation: the
 * command is exec'd directly (no shell interprets it) in its own process group, stdin is
 * `/dev/null`, stdout/stderr are piped to the worker, and the whole group is the unit of signals
 * (SIGTERM, then SIGKILL) and of clean-up.
 *
 * Orphan protection. A container must not outlive its worker, even when the worker is SIGKILLed
 * and cannot clean up. Each container is therefore started through a tiny `sh` watchdog:
 *
 *   sh (group leader, new session) ─┬─ forks a watcher subshell that blocks reading a pipe whose
 *                                   │  only writer is the worker; when the worker dies the read
 *                                   │  hits EOF and the watcher SIGKILLs the whole group at once
 *                                   │  (it ignores the SIGTERM of an ordinary termination itself)
 *                                   └─ then `exec`s the command: same pid, same process group, so
 *                                      the worker sees the command's own exit code and signal
 *
 * A dead worker is a lost node: no grace period. Its pods are declared lost and replaced, and a pod
 * that ignores SIGTERM must not run on beside its replacement.
 *
 * When the command exits normally the worker SIGKILLs what is left of the group, the watcher
 * included, as a container runtime does when a container's init process exits (the kernel kills
 * every process of the container's PID namespace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';

export interface ProcessExit {
  /** The exit code, or 128 + the signal number when a signal killed the process. */
  exitCode: number;
  /** The number of the signal that killed the process, if one did. */
  signal: number | null;
}

export interface ContainerProcess {
  readonly pid: number;
  /** Resolves once the process exited, the rest of its group is killed and its output is read. */
  readonly finished: Promise<ProcessExit>;
  /** Sends a signal to the process's whole group (no-op once the group is gone). */
  signalGroup(signal: NodeJS.Signals): void;
}

export type StartOutcome = { started: true; process: ContainerProcess } | { started: false; message: string };

export interface StartOptions {
  /** command + args, already expanded. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

// The arguments are the command. fd 3 keeps the worker pipe for the watcher; the command gets neither.
const WATCHDOG_SCRIPT = [
  'exec 3<&0',
  '(trap "" TERM; read -r _ <&3; kill -KILL 0) </dev/null >/dev/null 2>&1 &',
  'exec "$@" </dev/null 3<&-',
].join('\n');

const SH = '/bin/sh';

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the executable as runc does before exec (Go `exec.LookPath` with the container's PATH), so
 * that a missing command is a StartError with the runtime's own wording rather than a shell's
 * exit code 127.
 */
export function resolveExecutable(name: string, pathVar: string, cwd: string): { file: string } | { error: string } {
  if (name === '') return { error: 'exec: "": executable file not found in $PATH' };
  if (name.includes('/')) {
    const file = path.resolve(cwd, name);
    try {
      const st = statSync(file);
      if (st.isDirectory()) return { error: `exec: "${name}": is a directory` };
      accessSync(file, fsConstants.X_OK);
      return { file };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { error: `exec: "${name}": stat ${name}: no such file or directory` };
      return { error: `exec: "${name}": permission denied` };
    }
  }
  for (const dir of pathVar.split(':')) {
    const file = path.resolve(cwd, dir === '' ? '.' : dir, name);
    if (isExecutableFile(file)) return { file };
  }
  return { error: `exec: "${name}": executable file not found in $PATH` };
}

function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Waits for a child's output pipes to close, at most `ms` (a process that left the group may hold them). */
function outputClosed(child: ChildProcess, ms: number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.closed);
  if (streams.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let open = streams.length;
    const timer = setTimeout(() => {
      for (const s of streams) s?.destroy();
      resolve();
    }, ms);
    for (const s of streams) {
      s?.once('close', () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

/** Starts one container process; a process that cannot start is an outcome, not an exception. */
export async function startContainerProcess(opts: StartOptions): Promise<StartOutcome> {
  const [name, ...args] = opts.argv;
  if (name === undefined) return { started: false, message: 'no command specified' };
  try {
    if (!statSync(opts.cwd).isDirectory()) {
      return { started: false, message: `chdir to cwd ("${opts.cwd}") set in config.json failed: not a directory` };
    }
  } catch {
    return { started: false, message: `chdir to cwd ("${opts.cwd}") set in config.json failed: no such file or directory` };
  }
  const resolved = resolveExecutable(name, opts.env.PATH ?? '', opts.cwd);
  if ('error' in resolved) return { started: false, message: resolved.error };

  const child = spawn(SH, ['-c', WATCHDOG_SCRIPT, 'kjob-watchdog', resolved.file, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    // A new session, hence a new process group whose id is the child's pid.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Never written, never ended: its only purpose is to reach EOF in the watcher when we die.
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('data', (chunk: Buffer) => opts.onOutput('stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer) => opts.onOutput('stderr', chunk));

  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    // Kept for the child's lifetime: a later error (a failed kill) must not crash the worker.
    child.on('error', (err) => resolve(err));
  });
  if (spawned !== null || child.pid === undefined) {
    return { started: false, message: `exec: "${name}": ${spawned?.message ?? 'could not start'}` };
  }
  const pid = child.pid;
  let gone = false;
  const finished = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      // The container's main process is gone: nothing else of its group may stay behind.
      killGroup(pid, 'SIGKILL');
      gone = true;
      child.stdin?.destroy();
      const exit: ProcessExit =
        signal !== null
          ? { exitCode: 128 + signalNumber(signal), signal: signalNumber(signal) }
          : { exitCode: code ?? 0, signal: null };
      void outputClosed(child, 2000).then(() => resolve(exit));
    });
  });
  return {
    started: true,
    process: {
      pid,
      finished,
      signalGroup: (signal) => {
        if (!gone) killGroup(pid, signal);
      },
    },
  };
}
