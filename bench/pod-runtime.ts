/**
 * The pod runtime's own cost, without Temporal: pods through the PodRegistry directly.
 *   1. throughput: `true` pods at a given concurrency — raw `spawn`, the runtime's process start
 *      alone (the `sh` watchdog, process group), and the whole registry (work dir, CRI log,
 *      outcome.json, reports);
 *   2. termination latency: registry.terminate → the pod's process is gone, for a pod that dies on
 *      SIGTERM (grace 30 s) and for one that ignores it (grace 0).
 *
 *   npx tsx bench/pod-runtime.ts [pods=1000] [concurrency=50] [terminations=30] [rounds=3]
 * Prints one JSON line per result. The three throughput variants run interleaved, `rounds` times,
 * so that a busy machine (shared cores) slows them alike; the last line gives the medians.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PodRegistry } from '../src/activities/pod-registry.js';
import { startContainerProcess } from '../src/activities/process-group.js';
import type { RunPodInput } from '../src/k8s/pod-run.js';
import { podWorkDir } from '../src/storage/pod-files.js';

const [PODS = 1000, CONCURRENCY = 50, TERMINATIONS = 30, ROUNDS = 3] = process.argv.slice(2).map(Number);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const dataDir = mkdtempSync(path.join(tmpdir(), 'kjob-bench-runtime-'));
const jobUid = randomUUID();

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

const rates: Record<string, number[]> = { raw: [], watchdog: [], registry: [] };

async function throughput(round: number): Promise<void> {
  const raw = await pool(PODS, CONCURRENCY, () => new Promise<void>((resolve) => spawn('true', { stdio: 'ignore' }).once('exit', () => resolve())));
  rates.raw!.push((PODS / raw) * 1000);
  report('raw spawn', { round, pods: PODS, concurrency: CONCURRENCY, ms: Math.round(raw), podsPerSecond: Math.round((PODS / raw) * 1000) });

  const watchdog = await pool(PODS, CONCURRENCY, async () => {
    const started = await startContainerProcess({ argv: ['/bin/true'], env: { PATH: '/usr/bin:/bin' }, cwd: dataDir, onOutput: () => undefined });
    if (started.started) await started.process.finished;
  });
  rates.watchdog!.push((PODS / watchdog) * 1000);
  report('process start (sh watchdog, process group)', { round, pods: PODS, concurrency: CONCURRENCY, ms: Math.round(watchdog), podsPerSecond: Math.round((PODS / watchdog) * 1000) });

  let reports = 0;
  const registry = new PodRegistry({
    dataDir,
    nodeName: 'bench@local',
    log: quiet,
    reports: {
      podStatus: async () => 'delivered',
      podReports: async (_id, rs) => {
        reports += rs.length;
        return 'delivered';
      },
    },
  });
  let failed = 0;
  const full = await pool(PODS, CONCURRENCY, async () => {
    const outcome = await registry.start(pod(['true'])).outcome;
    if (outcome.kind !== 'result' || outcome.result.phase !== 'Succeeded') failed++;
  });
  rates.registry!.push((PODS / full) * 1000);
  report('PodRegistry (work dir, CRI log, outcome.json, reports)', {
    round,
    pods: PODS,
    concurrency: CONCURRENCY,
    ms: Math.round(full),
    podsPerSecond: Math.round((PODS / full) * 1000),
    failed,
    reportsSent: reports,
  });
  await registry.shutdown();
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
  const registry = new PodRegistry({ dataDir, nodeName: 'bench@local', log: quiet, reports: { podStatus: async () => 'delivered', podReports: async () => 'delivered' } });
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
  for (let round = 1; round <= ROUNDS; round++) await throughput(round);
  const median = (xs: number[]) => Math.round(quantile(xs, 0.5));
  report('median pods/s', {
    rounds: ROUNDS,
    raw: median(rates.raw!),
    watchdog: median(rates.watchdog!),
    registry: median(rates.registry!),
    registryVsRaw: +(quantile(rates.registry!, 0.5) / quantile(rates.raw!, 0.5)).toFixed(2),
  });
  await terminationLatency();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
