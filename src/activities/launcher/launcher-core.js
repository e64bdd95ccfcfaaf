// @ts-check
/**
 * What the pod launcher does with each request (protocol.ts), independent of how requests arrive:
 * starting a container's process the way a container runtime would, minus the isolation, writing
 * its output to the CRI log, signalling its process group and reporting its exit.
 *
 * The command is exec'd directly (no shell interprets it) in its own process group (a new
 * session), stdin is `/dev/null`, stdout/stderr are piped to the launcher, which writes them to
 * the run's log, and the whole group is the unit of signals (SIGTERM, then SIGKILL) and of
 * clean-up.
 *
 * Orphan protection. A container must not outlive its worker, even when the worker is SIGKILLed
 * and cannot clean up. Two layers:
 * - the launcher reads its requests from a pipe whose only writer is the worker: at EOF (the worker
 *   died or let it go) it SIGKILLs every process group it runs at once (launcher-main.js);
 * - each container is started through a tiny `sh` watchdog, for when the launcher itself dies:
 *
 *   sh (group leader, new session) ─┬─ forks a watcher subshell that blocks reading a pipe whose
 *                                   │  only writer is the launcher; when the launcher dies the read
 *                                   │  hits EOF and the watcher SIGKILLs the whole group at once
 *                                   │  (it ignores the SIGTERM of an ordinary termination itself)
 *                                   └─ then `exec`s the command: same pid, same process group, so
 *                                      the launcher sees the command's own exit code and signal
 *
 * A dead worker is a lost node: no grace period. Its pods are declared lost and replaced, and a pod
 * that ignores SIGTERM must not run on beside its replacement.
 *
 * When the command exits normally the launcher SIGKILLs what is left of the group, the watcher
 * included, as a container runtime does when a container's init process exits (the kernel kills
 * every process of the container's PID namespace).
 *
 * Plain JavaScript (checked by tsc through JSDoc) so that the launcher process starts without a
 * TypeScript loader; it imports only Node and the CRI log writer.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { ContainerLogWriter } from '../../storage/cri-log-writer.js';

/** @typedef {import('./protocol.js').LauncherRequest} LauncherRequest */
/** @typedef {import('./protocol.js').LauncherEvent} LauncherEvent */
/** @typedef {import('./protocol.js').StartRequest} StartRequest */
/** @typedef {import('node:child_process').ChildProcess} ChildProcess */

// The arguments are the command. fd 3 keeps the launcher pipe for the watcher; the command gets neither.
const WATCHDOG_SCRIPT = ['exec 3<&0', '(trap "" TERM; read -r _ <&3; kill -KILL 0) </dev/null >/dev/null 2>&1 &', 'exec "$@" </dev/null 3<&-'].join(
  '\n',
);

const SH = '/bin/sh';

/** How long output pipes may stay open after the process exited (a process that left the group may hold them). */
const OUTPUT_CLOSE_TIMEOUT_MS = 2000;

/** @param {string} file */
function isExecutableFile(file) {
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
 * @param {string} name
 * @param {string} pathVar
 * @param {string} cwd
 * @returns {{ file: string } | { error: string }}
 */
export function resolveExecutable(name, pathVar, cwd) {
  if (name === '') return { error: 'exec: "": executable file not found in $PATH' };
  if (name.includes('/')) {
    const file = path.resolve(cwd, name);
    try {
      const st = statSync(file);
      if (st.isDirectory()) return { error: `exec: "${name}": is a directory` };
      accessSync(file, fsConstants.X_OK);
      return { file };
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
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

/** @param {NodeJS.Signals} signal */
function signalNumber(signal) {
  return osConstants.signals[signal] ?? 0;
}

/**
 * Signals a whole process group; a group that is already gone (ESRCH) is not an error.
 * @param {number} pgid
 * @param {NodeJS.Signals} signal
 */
export function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ESRCH') throw err;
  }
}

/**
 * Waits for a child's output pipes to close, at most `ms`.
 * @param {ChildProcess} child
 * @param {number} ms
 * @returns {Promise<void>}
 */
function outputClosed(child, ms) {
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

/** @param {unknown} err */
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

/**
 * @typedef {object} Running
 * @property {number} pid  also the process group id
 * @property {boolean} exited  the process exited (and its group was killed): no more signals
 */

export class LauncherCore {
  /** @type {Map<number, Running>} */
  #running = new Map();
  /** @type {(event: LauncherEvent) => void} */
  #emit;

  /** @param {(event: LauncherEvent) => void} emit  receives every event, in order */
  constructor(emit) {
    this.#emit = emit;
  }

  /** Container processes started and not yet reported exited. */
  get running() {
    return this.#running.size;
  }

  /** @param {LauncherRequest} request */
  handle(request) {
    switch (request.type) {
      case 'start':
        return this.#start(request);
      case 'signal': {
        const r = this.#running.get(request.id);
        if (!r || r.exited) return;
        try {
          killGroup(r.pid, request.signal);
        } catch (err) {
          process.emitWarning(`kjob pod launcher: cannot signal process group ${r.pid}: ${messageOf(err)}`);
        }
        return;
      }
      default:
        process.emitWarning(`kjob pod launcher: unknown request ${JSON.stringify(request)}`);
    }
  }

  /** SIGKILL to every process group at once (the worker is gone). */
  killAll() {
    for (const r of this.#running.values()) {
      try {
        killGroup(r.pid, 'SIGKILL');
      } catch {
        // Nothing more can be done for this group; its watchdog still holds our pipe.
      }
    }
  }

  /** @param {StartRequest} req */
  #start(req) {
    const { id } = req;
    /** @type {ContainerLogWriter} */
    let writer;
    try {
      writer = new ContainerLogWriter(req.log, req.done);
    } catch (err) {
      return this.#emit({ type: 'logFailed', id, message: messageOf(err) });
    }
    /** @param {string} message */
    const startFailed = (message) => {
      writer.close();
      this.#emit({ type: 'startFailed', id, message });
    };

    const [name, ...args] = req.argv;
    if (name === undefined) return startFailed('no command specified');
    try {
      if (!statSync(req.cwd).isDirectory()) return startFailed(`chdir to cwd ("${req.cwd}") set in config.json failed: not a directory`);
    } catch {
      return startFailed(`chdir to cwd ("${req.cwd}") set in config.json failed: no such file or directory`);
    }
    const resolved = resolveExecutable(name, req.env.PATH ?? '', req.cwd);
    if ('error' in resolved) return startFailed(resolved.error);

    /** @type {ChildProcess} */
    let child;
    try {
      child = spawn(SH, ['-c', WATCHDOG_SCRIPT, 'kjob-watchdog', resolved.file, ...args], {
        cwd: req.cwd,
        env: req.env,
        // A new session, hence a new process group whose id is the child's pid.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      return startFailed(`exec: "${name}": ${messageOf(err)}`);
    }
    // Never written, never ended: its only purpose is to reach EOF in the watcher when we die.
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', (/** @type {Buffer} */ chunk) => writer.write('stdout', chunk));
    child.stderr?.on('data', (/** @type {Buffer} */ chunk) => writer.write('stderr', chunk));

    let spawned = false;
    child.once('spawn', () => {
      spawned = true;
      const pid = /** @type {number} */ (child.pid);
      /** @type {Running} */
      const running = { pid, exited: false };
      this.#running.set(id, running);
      this.#emit({ type: 'started', id, pid });
      child.once('exit', (code, signal) => {
        // The container's main process is gone: nothing else of its group may stay behind.
        try {
          killGroup(pid, 'SIGKILL');
        } catch {
          // The watchdog still ends the group when its pipe closes below.
        }
        running.exited = true;
        child.stdin?.destroy();
        void outputClosed(child, OUTPUT_CLOSE_TIMEOUT_MS).then(() => {
          writer.close();
          this.#running.delete(id);
          const sig = signal !== null ? signalNumber(signal) : null;
          this.#emit({
            type: 'exit',
            id,
            exitCode: sig !== null ? 128 + sig : (code ?? 0),
            signal: sig,
            logError: writer.error ? writer.error.message : null,
          });
        });
      });
    });
    // Kept for the child's lifetime: a later error (a failed kill) must not crash the launcher.
    child.on('error', (err) => {
      if (!spawned) startFailed(`exec: "${name}": ${err.message}`);
    });
  }
}
