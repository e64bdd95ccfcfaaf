/**
 * The pod launcher's protocol: one JSON object per line, requests on the launcher's stdin, events
 * on its stdout. Every request and event names the container process it is about by `id`, a
 * number the worker picks (unique per launcher process).
 *
 * ```
 * worker                                   launcher
 *   start {id, argv, env, cwd, log, done} ──►  opens the log, finds the executable, spawns
 *                                         ◄──  started {id, pid}            the process runs
 *                                         ◄──  startFailed {id, message}    a StartError (log closed)
 *                                         ◄──  logFailed {id, message}      the log cannot be opened
 *   signal {id, signal}                   ──►  kill(-pid, signal) while the process group lives
 *                                         ◄──  exit {id, exitCode, signal, logError}
 *   (stdin closed: the worker stopped or died)  SIGKILL to every process group, then exit
 * ```
 *
 * `exit` comes once the process exited, the rest of its group was killed, its output was read and
 * the log closed (the `.done` sidecar written): the log file is complete when the worker hears of
 * the exit. `logError` is the first error writing the log (a full disk), else null.
 *
 * Types only: the launcher (plain JavaScript) refers to them through JSDoc.
 */

/** Worker → launcher. */
export type LauncherRequest = StartRequest | SignalRequest;

export interface StartRequest {
  type: 'start';
  id: number;
  /** command + args, already expanded; argv[0] is looked up in env.PATH as runc does. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The CRI log of this run (`<restartCount>.log`) and its sidecar (`<restartCount>.done`). */
  log: string;
  done: string;
}

export interface SignalRequest {
  type: 'signal';
  id: number;
  signal: NodeJS.Signals;
}

/** Launcher → worker. */
export type LauncherEvent = StartedEvent | StartFailedEvent | LogFailedEvent | ExitEvent;

export interface StartedEvent {
  type: 'started';
  id: number;
  /** The process's pid, which is also its process group's id. */
  pid: number;
}

/** The process could not be started: the container's outcome (StartError), with containerd's message. */
export interface StartFailedEvent {
  type: 'startFailed';
  id: number;
  message: string;
}

/** The log could not be created: not a container outcome but the worker's own failure. */
export interface LogFailedEvent {
  type: 'logFailed';
  id: number;
  message: string;
}

export interface ExitEvent {
  type: 'exit';
  id: number;
  /** The exit code, or 128 + the signal number when a signal killed the process. */
  exitCode: number;
  /** The number of the signal that killed the process, if one did. */
  signal: number | null;
  /** The first error writing the container's log, if any (its output since then is lost). */
  logError: string | null;
}
