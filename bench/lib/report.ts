/**
 * The results of one run: a JSON file under bench/results/ (everything, for comparisons later)
 * and a table on stdout (what a person reads).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GetUnderLoad } from '../phases/get.js';
import type { KjobRun } from '../phases/kjob-run.js';
import type { KillLatency, LatencyResult } from '../phases/latency.js';
import type { ListResult } from '../phases/list.js';
import type { ThroughputRow } from '../phases/throughput.js';
import type { BenchArgs } from './args.js';
import { failed, type Failure } from './context.js';
import type { HistoryStats } from './histories.js';
import type { LoadResult } from './load.js';
import type { MachineInfo } from './machine.js';
import type { RssPeak } from './rss.js';
import { median, round } from './stats.js';

export interface PhaseCost {
  rss: RssPeak | null;
  histories: HistoryStats | Failure | null;
  /** 1-minute load average at the phase's end: the machine is shared, so read the numbers with it. */
  loadAverage1m?: number;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  argv: string[];
  /** The flags as resolved (defaults and --quick applied). */
  settings: BenchArgs;
  machine: MachineInfo;
  target: { mode: 'started' | 'existing'; api: string; temporal: string; kjobLog: string | null };
  throughput: ThroughputRow[];
  /** The get phase when it ran on its own Job (not during a throughput Job). */
  get: { load: GetUnderLoad | Failure | null; kjob: KjobRun | Failure; cost: PhaseCost } | Failure | null;
  list: { result: ListResult | Failure; cost: PhaseCost } | null;
  latency: { result: LatencyResult | Failure; cost: PhaseCost } | null;
  /** Set when kjob's process exited during the run. */
  kjobExit: { code: number | null; signal: string | null; at: string } | null;
  errors: string[];
}

export function writeResults(outDir: string, results: BenchResults): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return file;
}

function table(headers: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '–' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells.map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const num = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? null : round(x, digits));

function rateCell(r: { podsPerSecond: number } | Failure): string | number | null {
  return failed(r) ? 'error' : num(r.podsPerSecond);
}

function kjobCell(k: KjobRun | Failure): string {
  if (failed(k)) return `error: ${k.error.slice(0, 60)}`;
  const reason = k.reason ? ` (${k.reason})` : '';
  const status = k.statusSeconds === null ? '' : ` (status: ${k.statusSeconds} s)`;
  return `${k.outcome}${reason} ${k.succeeded} ok / ${k.failed} failed in ${num(k.seconds)} s${status}`;
}

function throughputSection(rows: ThroughputRow[]): string {
  return [
    'Throughput (pods/s, pods run `true`; kjob = succeeded / seconds from POST to Complete seen)',
    table(
      ['size', 'spawn', 'bare', 'kjob', 'kjob/bare', 'kjob result'],
      rows.map((r) => [r.size, rateCell(r.spawn), rateCell(r.bare), rateCell(r.kjob), r.kjobPercentOfBare === null ? null : `${r.kjobPercentOfBare}%`, kjobCell(r.kjob)]),
    ),
  ].join('\n');
}

function loadRow(what: string, l: LoadResult): Array<string | number | null> {
  const errors = Object.entries(l.errorsBy).map(([k, v]) => `${v}×${k}`).join(' ');
  return [what, `${l.ratePerSecond}/s`, l.sent, l.errors, l.p50Ms, l.p99Ms, l.maxMs, errors || null];
}

function getSection(label: string, g: GetUnderLoad | Failure): string {
  if (failed(g)) return `GET under load (${label}): error: ${g.error}`;
  const note = g.jobFinishedBeforeLoadEnded ? ' — the Job finished before the load ended' : '';
  return [
    `GET under load (during ${g.job}, from ${num(g.startedAfterSeconds)} s after create, open loop)${note}`,
    table(['target', 'rate', 'sent', 'errors', 'p50 ms', 'p99 ms', 'max ms', 'errors by kind'], [loadRow('GET Job', g.getJob), loadRow('/healthz', g.healthz)]),
  ].join('\n');
}

function listSection(l: ListResult | Failure): string {
  if (failed(l)) return `List: error: ${l.error}`;
  const errs = Object.keys(l.createErrors).length > 0 ? ` create errors ${JSON.stringify(l.createErrors)}` : '';
  return [
    `List (${l.created}/${l.jobs} Jobs created in ${l.createSeconds} s, POST p50 ${l.createP50Ms} ms p99 ${l.createP99Ms} ms; ${l.complete} Complete / ${l.failed} Failed, all finished after ${l.untilAllFinishedSeconds ?? '– (timed out)'} s${errs})`,
    table(
      ['query', 'median ms', 'times ms', 'items'],
      [l.full, l.byLabel].map((t) => [t.query || '(all Jobs in the namespace)', t.medianMs, t.timesMs.join(' '), median(t.items)]),
    ),
  ].join('\n');
}

function killCell(ks: Array<KillLatency | Failure>): Array<string | number | null> {
  const ok = ks.filter((k): k is KillLatency => !failed(k));
  const errs = ks.length - ok.length;
  const gone = ok.map((k) => k.processGoneMs).filter((x): x is number => x !== null);
  const tree = ok.map((k) => k.treeGoneMs).filter((x): x is number => x !== null);
  return [median(gone), median(tree), gone.join(' ') || null, `${ok.map((k) => k.requestStatus).join(' ')}${errs ? ` (${errs} errors)` : ''}`];
}

function latencySection(l: LatencyResult | Failure): string {
  if (failed(l)) return `Latency: error: ${l.error}`;
  return [
    `Latency at default settings (one-pod create→Complete: ${l.onePod.runs} runs, outcomes ${JSON.stringify(l.onePod.outcomes)})`,
    table(
      ['measure', 'median ms', 'p90 / tree ms', 'each ms', 'HTTP'],
      [
        ['one-pod Job create → Complete', l.onePod.medianMs, l.onePod.p90Ms, l.onePod.timesMs.join(' '), null],
        ['PATCH suspend → pod process gone', ...killCell(l.suspend)],
        ['DELETE Job → pod process gone', ...killCell(l.delete)],
      ],
    ),
  ].join('\n');
}

function costRows(results: BenchResults): Array<[string, PhaseCost]> {
  const rows: Array<[string, PhaseCost]> = results.throughput.map((r) => [`throughput ${r.size}`, { rss: r.rss, histories: r.histories, loadAverage1m: r.loadAverage1m }]);
  if (results.get && !failed(results.get)) rows.push(['get', results.get.cost]);
  if (results.list) rows.push(['list', results.list.cost]);
  if (results.latency) rows.push(['latency', results.latency.cost]);
  return rows;
}

function costSection(results: BenchResults): string {
  return [
    'Cost per kjob phase (peak RSS sampled every 200 ms; history length of every kjob workflow run started in the phase; 1-min load average at its end)',
    table(
      ['phase', 'kjob MB', 'kjob procs', 'dev server MB', 'load avg', 'runs', 'max history', 'longest run'],
      costRows(results).map(([phase, c]) => {
        const h = c.histories;
        const hist = h === null ? [null, null, null] : failed(h) ? ['error', null, h.error.slice(0, 50)] : [h.runs, h.maxHistoryLength, h.longest ? `${h.longest.workflowId} (${h.longest.type})` : null];
        return [phase, c.rss?.kjobMb ?? null, c.rss?.kjobProcesses ?? null, c.rss?.devServerMb ?? null, c.loadAverage1m ?? null, ...hist];
      }),
    ),
  ].join('\n');
}

export function formatReport(results: BenchResults, file: string): string {
  const m = results.machine;
  const parts = [
    `kjob bench ${results.startedAt}  commit ${m.gitCommit?.slice(0, 10) ?? '?'}${m.gitDirty ? ' (dirty)' : ''}  ${m.nproc} cores  node ${m.node}  ${results.target.mode === 'started' ? 'kjob started by the bench' : `existing deployment ${results.target.api}`}`,
  ];
  if (results.throughput.length > 0) parts.push(throughputSection(results.throughput));
  for (const r of results.throughput) if (r.get) parts.push(getSection(r.size, r.get));
  if (results.get) parts.push(failed(results.get) ? `GET under load: error: ${results.get.error}` : getSection('own Job', results.get.load ?? { error: 'did not run' }));
  if (results.list) parts.push(listSection(results.list.result));
  if (results.latency) parts.push(latencySection(results.latency.result));
  parts.push(costSection(results));
  if (results.kjobExit) parts.push(`kjob's process EXITED during the run: ${JSON.stringify(results.kjobExit)} (log: ${results.target.kjobLog})`);
  if (results.errors.length > 0) parts.push(`Errors:\n${results.errors.map((e) => `  ${e}`).join('\n')}`);
  parts.push(`Results: ${file}`);
  return parts.join('\n\n');
}
