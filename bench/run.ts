/**
 * `npm run bench`: what kjob's users get, measured through kjob's public surfaces only (the HTTP
 * API and its processes), side by side with baselines in the same run. See bench/README.md.
 *
 *   npm run bench -- --quick
 *   npm run bench -- --phases throughput,get,list,rss,latency --sizes 1000x50,10000x500 --list 1000
 *   npm run bench -- --api http://kjob:8080 --temporal temporal:7233     # an existing deployment
 *
 * Progress goes to stderr; the table to stdout; everything to bench/results/<timestamp>.json.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { parseBenchArgs, type BenchArgs } from './lib/args.js';
import { runBareFanOut, startBareWorker, type BareWorker } from './lib/bare-fanout.js';
import { attempt, failed, type BenchContext, type Failure } from './lib/context.js';
import { kjobClient } from './lib/kjob-client.js';
import { startKjob, type KjobProcess } from './lib/kjob-process.js';
import { machineInfo } from './lib/machine.js';
import { formatReport, writeResults, type BenchResults, type PhaseCost } from './lib/report.js';
import { startRssSampler } from './lib/rss.js';
import { standaloneGetPhase } from './phases/get.js';
import { runKjobJob } from './phases/kjob-run.js';
import { latencyPhase } from './phases/latency.js';
import { listPhase } from './phases/list.js';
import { readHistories, throughputForSize } from './phases/throughput.js';

/** A remote Temporal server's clock may differ from ours; phases look back this far for their runs. */
const REMOTE_CLOCK_SLACK_MS = 2_000;

const started = performance.now();
function progress(message: string): void {
  console.error(`[bench +${Math.round((performance.now() - started) / 1000)}s] ${message}`);
}

/** Runs `fn` as a kjob phase: peak RSS and history lengths are taken around it. */
async function withCost<T>(ctx: BenchContext, fn: () => Promise<T>): Promise<{ value: T; cost: PhaseCost }> {
  const since = new Date(Date.now() - ctx.clockSlackMs);
  ctx.rss?.mark();
  const value = await fn();
  const rss = ctx.rss?.mark() ?? null;
  const loadAverage1m = Math.round(os.loadavg()[0]! * 100) / 100;
  return { value, cost: { rss, loadAverage1m, histories: await readHistories(ctx, since) } };
}

/** One small Job first, so no measurement pays for kjob's first workflow task or pod. */
async function warmUp(ctx: BenchContext, results: BenchResults): Promise<void> {
  progress('warm-up: one small kjob Job');
  const run = await attempt(ctx, 'warm-up', () => runKjobJob(ctx, { completions: 2, parallelism: 2, label: '2x2' }, 'warm'));
  if (failed(run)) results.errors.push(`warm-up: ${run.error}`);
  else if (run.outcome !== 'Complete') results.errors.push(`warm-up Job ended ${run.outcome} (${run.reason ?? ''})`);
}

async function throughputPhase(ctx: BenchContext, results: BenchResults): Promise<void> {
  const { args } = ctx;
  if (args.baselines) progress('starting the bare fan-out worker');
  const maxActivities = Math.max(...args.sizes.map((s) => s.parallelism));
  const worker: BareWorker | Failure = !args.baselines ? { error: 'not started (--no-baselines)' } : await attempt(ctx, 'bare worker', async () => {
    const w = await startBareWorker({ address: ctx.temporalAddress, namespace: args.temporalNamespace, maxActivities, logFile: `${ctx.logPrefix}.bare-worker.log` });
    await runBareFanOut(ctx.temporal, w, 20, 5); // warm-up: bundle loaded, first tasks dispatched
    return w;
  });
  if (failed(worker) && args.baselines) results.errors.push(`bare worker: ${worker.error}`);
  try {
    for (const size of args.sizes) {
      const withGet = args.phases.includes('get') && size.label === args.getSize.label;
      results.throughput.push(await throughputForSize(ctx, size, worker, withGet));
    }
  } finally {
    if (!failed(worker)) await worker.process.stop(10_000);
  }
}

async function runPhases(ctx: BenchContext, results: BenchResults): Promise<void> {
  const { args } = ctx;
  await warmUp(ctx, results);
  if (args.phases.includes('throughput')) await throughputPhase(ctx, results);
  const getDone = results.throughput.some((r) => r.get);
  if (args.phases.includes('get') && !getDone) {
    progress(`get: a ${args.getSize.label} Job read under load`);
    results.get = await attempt(ctx, 'get phase', async () => {
      const { value, cost } = await withCost(ctx, () => standaloneGetPhase(ctx, args.getSize));
      return { ...value, cost };
    });
  }
  if (args.phases.includes('list')) {
    const { value, cost } = await withCost(ctx, () => attempt(ctx, 'list phase', () => listPhase(ctx)));
    results.list = { result: value, cost };
  }
  if (args.phases.includes('latency')) {
    const { value, cost } = await withCost(ctx, () => attempt(ctx, 'latency phase', () => latencyPhase(ctx)));
    results.latency = { result: value, cost };
  }
}

async function startTarget(args: BenchArgs, logPrefix: string): Promise<{ api: string; temporal: string; kjob: KjobProcess | null }> {
  if (args.api && args.temporal) return { api: args.api, temporal: args.temporal, kjob: null };
  progress(`starting kjob: ${args.startCommand.join(' ')} (in ${args.kjobDir})`);
  const kjob = await startKjob({ kjobDir: args.kjobDir, command: args.startCommand, logFile: `${logPrefix}.kjob.log`, logLevel: args.logLevel });
  progress(`kjob API ${kjob.apiUrl}, Temporal ${kjob.temporalAddress}`);
  return { api: kjob.apiUrl, temporal: kjob.temporalAddress, kjob };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  mkdirSync(args.outDir, { recursive: true });
  const logPrefix = path.join(args.outDir, startedAt.replace(/[:.]/g, '-'));
  const target = await startTarget(args, logPrefix);
  const rootPid = target.kjob?.process.pid ?? args.kjobPid;
  const rss = args.phases.includes('rss') && rootPid !== null ? startRssSampler(rootPid) : null;
  const connection = await Connection.connect({ address: target.temporal });
  const results: BenchResults = {
    startedAt,
    finishedAt: '',
    argv: process.argv.slice(2),
    settings: args,
    machine: machineInfo(args.kjobDir),
    target: { mode: target.kjob ? 'started' : 'existing', api: target.api, temporal: target.temporal, kjobLog: target.kjob ? `${logPrefix}.kjob.log` : null },
    throughput: [],
    get: null,
    list: null,
    latency: null,
    kjobExit: null,
    errors: [],
  };
  const ctx: BenchContext = {
    args,
    kjob: kjobClient(target.api, args.namespace),
    temporal: new Client({ connection, namespace: args.temporalNamespace }),
    temporalAddress: target.temporal,
    clockSlackMs: target.kjob ? 0 : REMOTE_CLOCK_SLACK_MS,
    rss,
    runId: randomUUID().slice(0, 6),
    logPrefix,
    kjobGone: () => (target.kjob?.process.exit ? `kjob's process exited: ${JSON.stringify(target.kjob.process.exit)}` : null),
    progress,
  };
  try {
    await runPhases(ctx, results);
  } finally {
    results.kjobExit = target.kjob?.process.exit ?? null;
    results.finishedAt = new Date().toISOString();
    rss?.stop();
    const file = writeResults(args.outDir, results);
    console.log(formatReport(results, file));
    progress('stopping');
    await connection.close();
    await target.kjob?.stop(args.keepData);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
