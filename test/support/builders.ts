/**
 * Test data builders: Jobs with Kubernetes' defaults filled in, pod records and controller states
 * driver (`aRun`) that feeds events to the pure controller with a fake clock and counter-based
 * pod-name suffixes, keeping every state it produced.
 */
import { initialState, reconcile, type Action, type JobSettings, type JobState, type PodRecord, type ReconcileEnv, type ReconcileResult, type Trigger } from '../../src/controller/index.js';
import type { PodResult, PodStatusReport } from '../../src/k8s/pod-run.js';
import { prepareForCreate } from '../../src/k8s/job-strategy.js';
import type { ContainerStatus, Job, JobSpec, PodSpec, StoredJob } from '../../src/k8s/types.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function aSettings(overrides: Partial<JobSettings> = {}): JobSettings {
  return { backoffBaseMs: 10_000, backoffMaxMs: 360_000, restartBackoffMaxMs: 300_000, heartbeatTimeoutMs: 30_000, ...overrides };
}

export type JobOverrides = Partial<Omit<JobSpec, 'template'>> & {
  name?: string;
  namespace?: string;
  uid?: string;
  restartPolicy?: 'Never' | 'OnFailure';
  template?: Partial<PodSpec>;
  terminationGracePeriodSeconds?: number;
};

/**
 * A stored Job as the API server would keep it: the manifest built from `overrides`, defaulted
 * and finalized by the k8s package (`prepareForCreate`: Kubernetes' defaulting of job-semantics §2,
 * generated selector and labels, uid, creationTimestamp, generation 1). Each case names only its
 * smoking gun: `aJob({ completions: 5, parallelism: 2 })`.
 */
export function aJob(overrides: JobOverrides = {}): StoredJob {
  const { name = 'myjob', namespace = 'default', uid = '0b7c3a6e-1111-4222-8333-444455556666', restartPolicy = 'Never', template, terminationGracePeriodSeconds, ...spec } = overrides;
  const podSpec: PodSpec = {
    containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'exit 0'] }],
    restartPolicy,
    ...(terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds } : {}),
    ...template,
  };
  const manifest: Job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace }, spec: { ...spec, template: { spec: podSpec } } };
  return prepareForCreate(manifest, { namespace, uid, now: new Date(T0) });
}

// ---- container statuses and pod results -------------------------------------------------

export function terminated(name: string, exitCode: number, finishedAt: number, restartCount = 0): ContainerStatus {
  return {
    name,
    image: 'busybox',
    imageID: '',
    ready: false,
    started: false,
    restartCount,
    state: {
      terminated: {
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt: new Date(finishedAt - 1000).toISOString(),
        finishedAt: new Date(finishedAt).toISOString(),
      },
    },
    lastState: {},
  };
}

export function running(name: string, restartCount = 0): ContainerStatus {
  return { name, image: 'busybox', imageID: '', ready: true, started: true, restartCount, state: { running: { startedAt: new Date(T0).toISOString() } }, lastState: {} };
}

export interface ExitOptions {
  at?: number;
  container?: string;
  /** Extra containers as [name, exitCode]. */
  others?: Array<[string, number]>;
  init?: Array<[string, number]>;
  reason?: string;
  terminatedByRequest?: boolean;
}

export function aPodResult(podName: string, exitCode: number, opts: ExitOptions = {}): PodResult {
  const at = opts.at ?? T0;
  const statuses = [terminated(opts.container ?? 'main', exitCode, at), ...(opts.others ?? []).map(([n, c]) => terminated(n, c, at))];
  const init = (opts.init ?? []).map(([n, c]) => terminated(n, c, at));
  const failed = exitCode !== 0 || statuses.some((s) => s.state.terminated?.exitCode !== 0) || init.some((s) => s.state.terminated?.exitCode !== 0);
  const result: PodResult = {
    podName,
    phase: failed ? 'Failed' : 'Succeeded',
    nodeName: '1@worker',
    startedAt: at - 1000,
    finishedAt: at,
    terminatedByRequest: opts.terminatedByRequest ?? false,
    initContainerStatuses: init,
    containerStatuses: statuses,
  };
  if (opts.reason !== undefined) result.reason = opts.reason;
  return result;
}

// ---- events ------------------------------------------------------------------------------

export function podExited(podName: string, exitCode: number, opts: ExitOptions = {}): Trigger {
  return { type: 'podExited', result: aPodResult(podName, exitCode, opts) };
}

export function podRunning(podName: string, opts: { ready?: boolean; restarts?: number; node?: string; at?: number } = {}): Trigger {
  const report: PodStatusReport = {
    podName,
    phase: 'Running',
    nodeName: opts.node ?? '1@worker',
    startedAt: opts.at ?? T0,
    ready: opts.ready ?? true,
    initContainerStatuses: [],
    containerStatuses: [running('main', opts.restarts ?? 0)],
  };
  return { type: 'podStatus', report };
}

export const podLost = (podName: string, message = ''): Trigger => ({ type: 'podLost', podName, message });
export const podNotStarted = (podName: string): Trigger => ({ type: 'podNotStarted', podName });
export const podStartFailed = (podName: string, message = 'cannot create working directory'): Trigger => ({ type: 'podStartFailed', podName, message });
export const timerFired = (timerId: string): Trigger => ({ type: 'timerFired', timerId });
export const suspend = (): Trigger => ({ type: 'suspendRequested' });
export const resume = (): Trigger => ({ type: 'resumeRequested' });
export const scale = (parallelism: number): Trigger => ({ type: 'scaleRequested', parallelism });
export const deleteJob = (propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background'): Trigger => ({ type: 'jobDeleteRequested', propagationPolicy });
export const deletePod = (podName: string, gracePeriodSeconds: number | null = null): Trigger => ({ type: 'podDeleteRequested', podName, gracePeriodSeconds });

// ---- controller states -------------------------------------------------------------------

const frozen = new WeakSet<object>();

/**
 * Freezes a plain-JSON value and everything in it. The controller must never change a state it
 * was given (its records are shared between states by copy on write); frozen, any such change
 * throws a TypeError in whichever test makes it.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || frozen.has(value)) return value;
  frozen.add(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

/** `reconcile` on a frozen state, returning a frozen result: what every controller test calls. */
export function reconcileFrozen(state: JobState, trigger: Trigger | Trigger[], env: ReconcileEnv): ReconcileResult {
  const result = reconcile(deepFreeze(state), trigger, env);
  deepFreeze(result.state);
  return result;
}

export type PodOverrides = Partial<PodRecord> & {
  /** Terminated containers as [name, exitCode] (sets containerStatuses). */
  exit?: Array<[string, number]>;
  /** Terminated init containers as [name, exitCode]. */
  initExit?: Array<[string, number]>;
  /** Restart count of the (running) main container. */
  restarts?: number;
};

/**
 * A pod record as the controller keeps it; `aPod({ phase: 'Failed', exit: [['main', 1]] })`.
 * Defaults: a Running, ready, not yet accounted pod of `myjob`, created and started at T0.
 */
export function aPod(overrides: PodOverrides = {}): PodRecord {
  const { exit, initExit = [], restarts = 0, ...rest } = overrides;
  const phase = rest.phase ?? (exit === undefined ? 'Running' : exit.every(([, c]) => c === 0) ? 'Succeeded' : 'Failed');
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const name = rest.name ?? (rest.index !== undefined && rest.index !== null ? `myjob-${rest.index}-abcde` : 'myjob-abcde');
  const finishedAt = rest.finishedAt ?? (terminal ? T0 + 1000 : null);
  const exitedAt = finishedAt ?? T0 + 1000;
  return {
    name,
    uid: `uid-${name}`,
    index: null,
    phase,
    createdAt: T0,
    startedAt: phase === 'Pending' ? null : T0,
    finishedAt,
    nodeName: phase === 'Pending' ? null : '1@worker',
    ready: phase === 'Running',
    deletion: null,
    reason: null,
    message: null,
    conditions: [],
    initContainerStatuses: initExit.map(([n, c]) => terminated(n, c, exitedAt)),
    containerStatuses: exit ? exit.map(([n, c]) => terminated(n, c, exitedAt)) : phase === 'Running' ? [running('main', restarts)] : [],
    indexFailureCount: null,
    indexIgnoredFailureCount: null,
    counted: null,
    ...rest,
  };
}

export interface StateOverrides extends Partial<Omit<JobState, 'job' | 'settings'>> {
  job?: StoredJob;
  settings?: JobSettings;
}

/**
 * A controller state as if the Job had been running: `aState({ job: aJob({ completions: 3 }),
 * pods: [aPod(), aPod({ name: 'b', exit: [['main', 0]] })] })`. startTime defaults to T0 unless the
 * Job is suspended. Counts are whatever the overrides say (pods not yet accounted have counted null).
 */
export function aState(overrides: StateOverrides = {}): JobState {
  const { job = aJob(), settings = aSettings(), ...rest } = overrides;
  return { ...initialState(job, settings, T0), startTime: job.spec.suspend ? null : T0, ...rest };
}

/** One pass: the state after `trigger` (a `jobStarted` resync by default) and the actions taken. */
export function syncOnce(state: JobState, trigger: Trigger | Trigger[] = { type: 'jobStarted' }, now = T0 + 1000): ReconcileResult {
  return reconcileFrozen(state, trigger, { now, randomSuffix: counterSuffix() });
}

// ---- a driver for scenarios ----------------------------------------------------------------

/** A counter-based stand-in for the workflow's random suffix: `bbbbb`, `bbbbc`, … */
export function counterSuffix(): () => string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let n = 0;
  return () => {
    let x = n++;
    let out = '';
    for (let i = 0; i < 5; i++) {
      out = alphabet[x % alphabet.length] + out;
      x = Math.floor(x / alphabet.length);
    }
    return out;
  };
}

export class Run {
  now: number;
  state: JobState;
  /** Every state produced, for the plain-JSON round-trip check. */
  readonly states: JobState[] = [];
  /** Actions of the last `send`. */
  last: Action[] = [];
  /** Every action so far. */
  readonly actions: Action[] = [];
  private readonly suffix = counterSuffix();

  constructor(
    job: StoredJob,
    settings: JobSettings = aSettings(),
    now = T0,
    private readonly envExtras: Pick<ReconcileEnv, 'maxRunningPods'> = {},
  ) {
    this.now = now;
    this.state = initialState(job, settings, now);
    this.states.push(this.state);
  }

  /** Feeds one event at the current (or given) time. */
  send(event: Trigger, at?: number): this {
    if (at !== undefined) this.now = at;
    const result = reconcileFrozen(this.state, event, { now: this.now, randomSuffix: this.suffix, ...this.envExtras });
    this.state = result.state;
    this.states.push(result.state);
    this.last = result.actions;
    this.actions.push(...result.actions);
    return this;
  }

  start(): this {
    return this.send({ type: 'jobStarted' });
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  /** Names of the pods that are Pending/Running without a deletion timestamp. */
  active(): string[] {
    return this.state.pods.filter((p) => (p.phase === 'Pending' || p.phase === 'Running') && p.deletion === null).map((p) => p.name);
  }

  activeIndexes(): number[] {
    return this.state.pods
      .filter((p) => (p.phase === 'Pending' || p.phase === 'Running') && p.deletion === null)
      .map((p) => p.index ?? -1)
      .sort((a, b) => a - b);
  }

  terminating(): string[] {
    return this.state.pods.filter((p) => (p.phase === 'Pending' || p.phase === 'Running') && p.deletion !== null).map((p) => p.name);
  }

  podOfIndex(index: number): string {
    const p = this.state.pods.find((x) => x.index === index && (x.phase === 'Pending' || x.phase === 'Running') && x.deletion === null);
    if (!p) throw new Error(`no active pod for index ${index}`);
    return p.name;
  }

  /** Exits pod `name` with `exitCode` at the current time. */
  exit(name: string, exitCode: number, opts: ExitOptions = {}): this {
    return this.send(podExited(name, exitCode, { at: this.now, ...opts }));
  }

  /** Exits every active pod with the code `codeOf` returns (by pod). */
  exitAll(codeOf: (index: number | null, name: string) => number): this {
    for (const p of this.state.pods.filter((x) => (x.phase === 'Pending' || x.phase === 'Running') && x.deletion === null)) {
      this.exit(p.name, codeOf(p.index, p.name));
    }
    return this;
  }

  /** Lets every terminating pod exit (as cancelled attempts do). */
  finishTerminating(exitCode = 143): this {
    for (const name of this.terminating()) this.exit(name, exitCode, { terminatedByRequest: true });
    return this;
  }

  /** Fires an armed timer at its fireAt. */
  fire(timerId: string): this {
    const at = this.state.timers[timerId];
    if (at === undefined) throw new Error(`timer ${timerId} is not armed`);
    return this.send(timerFired(timerId), Math.max(this.now, at));
  }

  actionsOf<T extends Action['type']>(type: T, from: Action[] = this.last): Array<Extract<Action, { type: T }>> {
    return from.filter((a): a is Extract<Action, { type: T }> => a.type === type);
  }
}

/** Every Run created since the last `drainRuns()` (for the plain-JSON check in afterEach). */
const runs: Run[] = [];

export function aRun(job: StoredJob, settings?: JobSettings, envExtras: Pick<ReconcileEnv, 'maxRunningPods'> = {}): Run {
  const run = new Run(job, settings, T0, envExtras);
  runs.push(run);
  return run.start();
}

/** The Runs created since the last call. */
export function drainRuns(): Run[] {
  return runs.splice(0, runs.length);
}
