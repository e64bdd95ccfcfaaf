/**
 * The worker's side of the pod launcher: container processes are started, signalled and reaped by
 * a small child process of the worker (launcher/launcher-main.js), which also writes their logs.
 * Forking from the worker itself costs its main thread about 16 ms per container (fork + exec of a
 * large, many-threaded process), time in which workflow activations, activity completions and
 * heartbeats wait; the launcher forks in a fraction of that, on its own thread.
 *
 * `ChildProcessLauncher` is started lazily with the first container, runs as long as the worker
 * (its registry closes it on shutdown, once the pods had their grace period) and is restarted with
 * backoff when it dies. The containers it ran die with it (their watchdogs SIGKILL them): their
 * runs end with `lost` set, which the pod turns into a `PodLauncherDied` failure. It holds the
 * worker's event loop open only while it has work.
 *
 * `InProcessLauncher` runs the same launcher code inside the worker (the pre-launcher design), for
 * comparison in bench/pod-runtime.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ActivityLogger } from './deps.js';
import { LauncherCore } from './launcher/launcher-core.js';
import type { LauncherEvent, LauncherRequest } from './launcher/protocol.js';

export interface ProcessExit {
  /** The exit code, or 128 + the signal number when a signal killed the process. */
  exitCode: number;
  /** The number of the signal that killed the process, if one did. */
  signal: number | null;
  /** The first error writing the process's log (a full disk): its output since then is lost. */
  logError: string | null;
  /** Set when the launcher died under the process: why. The exit is then the watchdog's SIGKILL. */
  lost?: string;
}

export interface ContainerProcess {
  readonly pid: number;
  /** Resolves once the process exited, the rest of its group is killed and its log is complete. */
  readonly finished: Promise<ProcessExit>;
  /** Sends a signal to the process's whole group (no-op once the group is gone). */
  signalGroup(signal: NodeJS.Signals): void;
}

export type StartOutcome = { started: true; process: ContainerProcess } | { started: false; message: string };

export interface LaunchOptions {
  /** command + args, already expanded. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The run's CRI log file and its `.done` sidecar. */
  log: string;
  done: string;
}

export interface PodLauncher {
  /**
   * Starts one container process, its output going to `log`. A process that cannot start is an
   * outcome (StartError), not an exception; a log that cannot be created throws, and so does a
   * launcher that died before answering (`LauncherDiedError`).
   */
  start(options: LaunchOptions): Promise<StartOutcome>;
  /** Stops the launcher; whatever still runs is killed. Idempotent. */
  close(): Promise<void>;
}

/** The launcher died (or was stopped) before it could answer for a process. */
export class LauncherDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LauncherDiedError';
  }
}

export const LAUNCHER_MAIN = fileURLToPath(new URL('./launcher/launcher-main.js', import.meta.url));

/** SIGKILL's exit as a container runtime reports it: what the watchdog does when the launcher dies. */
const KILLED: Pick<ProcessExit, 'exitCode' | 'signal'> = { exitCode: 137, signal: 9 };

interface PendingStart {
  resolve(outcome: StartOutcome): void;
  reject(err: Error): void;
}

/**
 * One launcher's conversation: the processes asked for and running, by id. Subclasses carry the
 * requests to a launcher; every event comes back through `receive`.
 */
abstract class Session {
  private nextId = 1;
  private readonly starts = new Map<number, PendingStart>();
  private readonly exits = new Map<number, (exit: ProcessExit) => void>();
  /** Why new starts are refused (the launcher is gone or going). */
  protected refusal: string | null = null;
  private lost = false;

  protected abstract send(request: LauncherRequest): void;

  /** The session has work in flight (or not): subclasses hold the event loop open meanwhile. */
  protected busyChanged(_busy: boolean): void {}

  get busy(): boolean {
    return this.starts.size + this.exits.size > 0;
  }

  start(options: LaunchOptions): Promise<StartOutcome> {
    if (this.refusal !== null) return Promise.reject(new LauncherDiedError(this.refusal));
    const id = this.nextId++;
    const wasBusy = this.busy;
    const outcome = new Promise<StartOutcome>((resolve, reject) => this.starts.set(id, { resolve, reject }));
    if (!wasBusy) this.busyChanged(true);
    this.send({ type: 'start', id, argv: options.argv, env: options.env, cwd: options.cwd, log: options.log, done: options.done });
    return outcome;
  }

  protected receive(event: LauncherEvent): void {
    switch (event.type) {
      case 'started': {
        const pending = this.starts.get(event.id);
        if (!pending) return;
        this.starts.delete(event.id);
        let exited = false;
        const finished = new Promise<ProcessExit>((resolve) => this.exits.set(event.id, resolve));
        void finished.then(() => (exited = true));
        pending.resolve({
          started: true,
          process: {
            pid: event.pid,
            finished,
            signalGroup: (signal) => {
              if (!exited && !this.lost) this.send({ type: 'signal', id: event.id, signal });
            },
          },
        });
        break;
      }
      case 'startFailed':
        this.starts.get(event.id)?.resolve({ started: false, message: event.message });
        this.starts.delete(event.id);
        break;
      case 'logFailed':
        this.starts.get(event.id)?.reject(new Error(event.message));
        this.starts.delete(event.id);
        break;
      case 'exit':
        this.exits.get(event.id)?.({ exitCode: event.exitCode, signal: event.signal, logError: event.logError });
        this.exits.delete(event.id);
        break;
    }
    if (!this.busy) this.busyChanged(false);
  }

  /** The launcher is gone: what it was asked for is lost (its processes were killed by their watchdogs). */
  protected lose(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.refusal = reason;
    for (const pending of this.starts.values()) pending.reject(new LauncherDiedError(reason));
    for (const exit of this.exits.values()) exit({ ...KILLED, logError: null, lost: reason });
    this.starts.clear();
    this.exits.clear();
    this.busyChanged(false);
  }
}

/** The launcher code on the worker's own thread: the worker forks and writes logs itself. */
export class InProcessLauncher extends Session implements PodLauncher {
  private readonly core = new LauncherCore((event) => this.receive(event));

  protected send(request: LauncherRequest): void {
    this.core.handle(request);
  }

  close(): Promise<void> {
    this.core.killAll();
    return Promise.resolve();
  }
}

/** One launcher process. */
class ChildSession extends Session {
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  /** Resolves once the launcher exited and its pipes closed. */
  readonly gone: Promise<void>;
  private outbox: string[] = [];

  constructor(
    script: string,
    private readonly nodeName: string,
    private readonly log: ActivityLogger,
    onGone: (session: ChildSession, reason: string) => void,
  ) {
    super();
    this.child = spawn(process.execPath, [script], {
      // Nothing of the worker's environment (NODE_OPTIONS, a TypeScript loader): each container
      // gets its own environment with its start request.
      env: {},
      // Its own process group: a Ctrl-C meant for the worker must not kill the pods' launcher
      // (the worker gives them their grace period, then closes the launcher).
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const child = this.child;
    child.stdin?.on('error', () => undefined);
    let carry = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      const lines = (carry + text).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') continue;
        let event: LauncherEvent;
        try {
          event = JSON.parse(line) as LauncherEvent;
        } catch {
          log.error('pod launcher sent something that is not an event', { pid: child.pid, line: line.slice(0, 200) });
          continue;
        }
        this.receive(event);
      }
    });
    // The launcher's own diagnostics (a warning, its crash): one log line each.
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim() !== '') log.warn('pod launcher stderr', { pid: child.pid, line });
    });
    this.gone = new Promise((resolve) => {
      let done = false;
      const died = (why: string) => {
        if (done) return;
        done = true;
        const reason = `the pod launcher (pid ${child.pid ?? 'none'}) of worker ${this.nodeName} ${why}`;
        this.lose(reason);
        onGone(this, reason);
        resolve();
      };
      child.once('error', (err) => {
        // Only a launcher that never started ends here; a later error (a failed kill) is not its death.
        if (child.pid === undefined) died(`could not be started (${err.message})`);
      });
      child.once('close', (code, signal) => died(`died (${signal !== null ? `signal ${signal}` : `exit code ${code}`})`));
    });
    this.busyChanged(false);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** No more requests: the launcher kills what still runs and exits. */
  end(): void {
    this.refusal ??= `the pod launcher of worker ${this.nodeName} was stopped`;
    this.flush();
    this.child.stdin?.end();
  }

  protected send(request: LauncherRequest): void {
    if (this.outbox.length === 0) setImmediate(() => this.flush());
    this.outbox.push(JSON.stringify(request) + '\n');
  }

  private flush(): void {
    if (this.outbox.length === 0) return;
    const data = this.outbox.join('');
    this.outbox = [];
    if (this.child.stdin?.writable) this.child.stdin.write(data);
  }

  /** An idle launcher does not keep the worker's event loop alive (a test, a CLI that is done). */
  protected override busyChanged(busy: boolean): void {
    const child = this.child;
    if (!child) return; // during construction
    const handles = [child, child.stdout as Socket | null, child.stderr as Socket | null, child.stdin as Socket | null];
    for (const h of handles) {
      if (busy) h?.ref();
      else h?.unref();
    }
  }
}

export interface ChildProcessLauncherOptions {
  /** The worker's node name, for messages. */
  nodeName: string;
  log: ActivityLogger;
  /** Delay before the first restart after a launcher died; doubles per death (default 100 ms). */
  restartBackoffBaseMs?: number;
  /** Longest restart delay (default 5 s). */
  restartBackoffMaxMs?: number;
  /** A launcher that ran this long before dying restarts without delay (default 60 s). */
  healthyAfterMs?: number;
  /** The launcher script (tests may substitute one). */
  script?: string;
}

/** The worker's launcher process: started with the first container, restarted with backoff. */
export class ChildProcessLauncher implements PodLauncher {
  private session: ChildSession | null = null;
  /** Launchers that died in a row, each before it was healthy. */
  private deaths = 0;
  private notBefore = 0;
  private closed = false;
  private waiting: Promise<void> | null = null;

  constructor(private readonly options: ChildProcessLauncherOptions) {}

  /** The current launcher's pid, if one runs. */
  get pid(): number | undefined {
    return this.session?.pid;
  }

  async start(options: LaunchOptions): Promise<StartOutcome> {
    if (this.closed) throw new LauncherDiedError(`the pod launcher of worker ${this.options.nodeName} was stopped`);
    return (await this.current()).start(options);
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    if (!session) return;
    session.end();
    const timer = setTimeout(() => session.child.kill('SIGKILL'), 5000);
    await session.gone;
    clearTimeout(timer);
  }

  private async current(): Promise<ChildSession> {
    while (!this.session) {
      const delay = this.notBefore - Date.now();
      if (delay > 0) {
        this.waiting ??= new Promise<void>((resolve) => setTimeout(resolve, delay)).finally(() => (this.waiting = null));
        await this.waiting;
        continue;
      }
      if (this.closed) throw new LauncherDiedError(`the pod launcher of worker ${this.options.nodeName} was stopped`);
      this.session = new ChildSession(this.options.script ?? LAUNCHER_MAIN, this.options.nodeName, this.options.log, (s, reason) => this.gone(s, reason));
      this.options.log.info('pod launcher started', { pid: this.session.pid });
    }
    return this.session;
  }

  private gone(session: ChildSession, reason: string): void {
    if (this.session === session) this.session = null;
    if (this.closed) return;
    const { restartBackoffBaseMs = 100, restartBackoffMaxMs = 5000, healthyAfterMs = 60_000 } = this.options;
    this.deaths = Date.now() - session.startedAt >= healthyAfterMs ? 1 : this.deaths + 1;
    const delay = this.deaths <= 1 ? 0 : Math.min(restartBackoffMaxMs, restartBackoffBaseMs * 2 ** (this.deaths - 2));
    this.notBefore = Date.now() + delay;
    this.options.log.error('pod launcher died; its containers were killed', { pid: session.pid, reason, restartInMs: delay });
  }
}
