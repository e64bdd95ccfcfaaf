/**
 * The pod runtime's own cost, without Temporal: pods through the PodRegistry directly.
 *   1. throughput: `true` pods at each concurrency, side by side —
 *      - raw: `spawn('true')` from a fresh, small Node process (the machine's ceiling);
 *      - in-process: the registry with the launcher code running in this process
 *        (InProcessLauncher: the worker forks and writes logs itself, as before the launcher);
 *      - launcher: the registry with its launcher process (the default);
 *      and for the last two, how long this process's main thread was blocked meanwhile
 *      (`monitorEventLoopDelay`: p99 and max delay of the event loop, ms).
 *   2. termination latency: registry.terminate → the pod's process is gone, for a pod that dies on
 *      SIGTERM (grace 30 s) and for one that ignores it (grace 0).
 *
 *   npx tsx bench/pod-runtime.ts [pods=1000] [concurrencies=50,300] [rounds=3] [ballastMb=500] [terminations=30]
 *
 * `ballastMb` of touched memory are held by this process so that it forks like a worker (a kjob
 * worker running 300 pods has an RSS of about 600 MB, bench/indexed-job.ts); forking costs more
 * the more memory the parent maps. Prints one JSON line per result; the variants run interleaved,
 * `rounds` times, so that a busy machine (shared cores) slows them alike; the last lines give the
 * medians.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InProcessLauncher, type PodLauncher } from '../src/activities/pod-launcher.js';
import { PodRegistry } from '../src/activities/pod-registry.js';
import type { RunPodInput } from '../src/k8s/pod-run.js';
import { podWorkDir } from '../src/storage/pod-files.js';

const args = process.argv.slice(2);
const PODS = Number(args[0] ?? 1000);
const CONCURRENCIES = (args[1] ?? '50,300').split(',').map(Number);
const ROUNDS = Number(args[2] ?? 3);
const BALLAST_MB = Number(args[3] ?? 500);
const TERMINATIONS = Number(args[4] ?? 30);

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const reports = { podStatus: async () => 'delivered' as const, podReports: async () => 'delivered' as const };
const dataDir = mkdtempSync(path.join(tmpdir(), 'kjob-bench-runtime-'));
const jobUid = randomUUID();
// Touched, so that the pages are really mapped (fork copies their page tables).
const ballast = Buffer.allocUnsafe(BALLAST_MB * 1024 * 1024).fill(1);

function pod(command: string[], grace = 30): RunPodInput {
  const podUid = randomUUID();
  return {
    workflowId: 'default/bench/pods-0',
    reports: 'podReports',
    namespace: 'default',
    jobName: 'bench',
    jobUid,
    podName: `bench-${podUid.slice(0, 8)}`,
    podUid,
    index: null,
    labels: {},
    annotations: {},
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', command }] },
    terminationGracePeriodSeconds: grace,
    restartBackoffBaseMs: 10_000,
    restartBackoffMaxMs: 300_000,
    heartbeatIntervalMs: 10_000,
  };
}

async function pool(n: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return performance.now() - t0;
}

function report(name: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: name, ...fields }));
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** `spawn('true')` n times, `concurrency` at once, from a fresh `node` with nothing loaded: ms. */
function rawFromSmallProcess(n: number, concurrency: number): Promise<number> {
  const script = `
    const { spawn } = require('node:child_process');
    let next = 0;
    const t0 = performance.now();
    Promise.all(Array.from({ length: ${concurrency} }, async () => {
      while (next < ${n}) { next++; await new Promise((r) => spawn('true', { stdio: 'ignore' }).once('exit', r)); }
    })).then(() => console.log(performance.now() - t0));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`raw spawn process exited ${code}`))));
  });
}

interface Sample {
  podsPerSecond: number;
  p99: number;
  max: number;
}
const results = new Map<string, Sample[]>();
const keep = (key: string, s: Sample) => results.set(key, [...(results.get(key) ?? []), s]);

/** `PODS` pods through a fresh registry over `launcher`, `concurrency` at once. */
async function registryRun(launcher: PodLauncher | undefined, concurrency: number): Promise<Sample & { failed: number; ms: number }> {
  const registry = new PodRegistry({ dataDir, nodeName: 'bench@local', log: quiet, reports }, launcher ? { launcher } : {});
  // Warm up (the launcher process starts with the first pod).
  await registry.start(pod(['true'])).outcome;
  let failed = 0;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const ms = await pool(PODS, concurrency, async () => {
    const outcome = await registry.start(pod(['true'])).outcome;
    if (outcome.kind !== 'result' || outcome.result.phase !== 'Succeeded') failed++;
  });
  delay.disable();
  await registry.shutdown();
  const toMs = (ns: number) => Math.round(ns / 1e5) / 10;
  return { ms: Math.round(ms), podsPerSecond: Math.round((PODS / ms) * 1000), failed, p99: toMs(delay.percentile(99)), max: toMs(delay.max) };
}

async function throughput(round: number): Promise<void> {
  for (const concurrency of CONCURRENCIES) {
    const raw = await rawFromSmallProcess(PODS, concurrency);
    const rawRate = Math.round((PODS / raw) * 1000);
    keep(`raw/${concurrency}`, { podsPerSecond: rawRate, p99: NaN, max: NaN });
    report('raw spawn from a small process', { round, pods: PODS, concurrency, ms: Math.round(raw), podsPerSecond: rawRate });

    const inProcess = new InProcessLauncher();
    const old = await registryRun(inProcess, concurrency);
    await inProcess.close();
    keep(`in-process/${concurrency}`, old);
    report('PodRegistry, processes forked in this process', { round, pods: PODS, concurrency, ...old, mainThreadDelayMs: { p99: old.p99, max: old.max } });

    const viaLauncher = await registryRun(undefined, concurrency);
    keep(`launcher/${concurrency}`, viaLauncher);
    report('PodRegistry, pod launcher process', { round, pods: PODS, concurrency, ...viaLauncher, mainThreadDelayMs: { p99: viaLauncher.p99, max: viaLauncher.max } });
  }
}

/** Polls until `pid` is gone (or a zombie); resolves with the time it noticed. */
function gone(pid: number): Promise<number> {
  return new Promise((resolve) => {
    const check = () => {
      let dead = false;
      try {
        process.kill(pid, 0);
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        dead = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
      } catch {
        dead = true;
      }
      if (dead) resolve(performance.now());
      else setImmediate(check);
    };
    check();
  });
}

async function terminationLatency(): Promise<void> {
  const registry = new PodRegistry({ dataDir, nodeName: 'bench@local', log: quiet, reports });
  const cases = [
    { name: 'dies on SIGTERM, grace 30 s', script: 'echo $$$$ > pid; exec sleep 300', grace: 30 },
    { name: 'ignores SIGTERM, grace 0', script: `trap '' TERM; echo $$$$ > pid; while :; do sleep 1; done`, grace: 0 },
  ];
  for (const c of cases) {
    const toGone: number[] = [];
    const toOutcome: number[] = [];
    for (let i = 0; i < TERMINATIONS; i++) {
      const input = pod(['sh', '-c', c.script], 30);
      const attachment = registry.start(input);
      const pidFile = path.join(podWorkDir({ dataDir, namespace: input.namespace, jobUid, podName: input.podName }), 'pid');
      let pid = 0;
      while (!pid) {
        try {
          pid = Number(readFileSync(pidFile, 'utf8').trim());
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      const t0 = performance.now();
      registry.terminate(input, c.grace);
      const [goneAt, outcomeAt] = await Promise.all([gone(pid), attachment.outcome.then(() => performance.now())]);
      toGone.push(goneAt - t0);
      toOutcome.push(outcomeAt - t0);
    }
    const ms = (xs: number[]) => ({ p50: +quantile(xs, 0.5).toFixed(1), p99: +quantile(xs, 0.99).toFixed(1), max: +Math.max(...xs).toFixed(1) });
    report(`terminate → process gone (${c.name})`, { n: TERMINATIONS, ms: ms(toGone) });
    report(`terminate → outcome recorded (${c.name})`, { n: TERMINATIONS, ms: ms(toOutcome) });
  }
  await registry.shutdown();
}

try {
  report('setup', { pods: PODS, concurrencies: CONCURRENCIES, rounds: ROUNDS, ballastMb: Math.round(ballast.length / 2 ** 20), rssMb: Math.round(process.memoryUsage.rss() / 1e6) });
  for (let round = 1; round <= ROUNDS; round++) await throughput(round);
  const median = (xs: number[]) => +quantile(xs, 0.5).toFixed(1);
  for (const concurrency of CONCURRENCIES) {
    const of = (variant: string) => results.get(`${variant}/${concurrency}`) ?? [];
    report('medians', {
      concurrency,
      rounds: ROUNDS,
      podsPerSecond: { raw: median(of('raw').map((s) => s.podsPerSecond)), inProcess: median(of('in-process').map((s) => s.podsPerSecond)), launcher: median(of('launcher').map((s) => s.podsPerSecond)) },
      mainThreadDelayP99Ms: { inProcess: median(of('in-process').map((s) => s.p99)), launcher: median(of('launcher').map((s) => s.p99)) },
      mainThreadDelayMaxMs: { inProcess: median(of('in-process').map((s) => s.max)), launcher: median(of('launcher').map((s) => s.max)) },
    });
  }
  if (TERMINATIONS > 0) await terminationLatency();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
