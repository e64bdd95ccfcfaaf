/**
 * Command-line flags of `npm run bench` (see bench/README.md). `--quick` only changes defaults;
 * a flag given explicitly always wins.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

export const ALL_PHASES = ['throughput', 'get', 'list', 'rss', 'latency'] as const;
export type Phase = (typeof ALL_PHASES)[number];

export interface Size {
  completions: number;
  parallelism: number;
  label: string;
}

export interface BenchArgs {
  phases: Phase[];
  sizes: Size[];
  /** The size whose kjob Job is read under load (the `get` phase). */
  getSize: Size;
  getRate: number;
  healthRate: number;
  getSeconds: number;
  list: number;
  latencyRuns: number;
  killRepeats: number;
  jobTimeoutSeconds: number;
  /** An existing deployment (both or neither). */
  api: string | null;
  temporal: string | null;
  temporalNamespace: string;
  namespace: string;
  /** With --api: a pid whose process tree is kjob, for RSS. */
  kjobPid: number | null;
  kjobDir: string;
  startCommand: string[];
  logLevel: string;
  outDir: string;
  keepData: boolean;
  quick: boolean;
  /** Run the raw spawn and bare Temporal baselines beside kjob (off with `--no-baselines`, for sizes only kjob is asked about). */
  baselines: boolean;
}

export function parseSize(text: string): Size {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`bad size ${JSON.stringify(text)}: want COMPLETIONSxPARALLELISM, e.g. 1000x50`);
  return { completions: Number(m[1]), parallelism: Number(m[2]), label: text.trim() };
}

function parsePhases(text: string): Phase[] {
  const phases = text.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of phases) if (!(ALL_PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase ${p}; phases: ${ALL_PHASES.join(',')}`);
  return phases as Phase[];
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${text}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      phases: { type: 'string' },
      sizes: { type: 'string' },
      'get-size': { type: 'string' },
      'get-rate': { type: 'string' },
      'health-rate': { type: 'string' },
      'get-seconds': { type: 'string' },
      list: { type: 'string' },
      'latency-runs': { type: 'string' },
      'kill-repeats': { type: 'string' },
      'job-timeout': { type: 'string' },
      api: { type: 'string' },
      temporal: { type: 'string' },
      'temporal-namespace': { type: 'string' },
      namespace: { type: 'string' },
      'kjob-pid': { type: 'string' },
      'kjob-dir': { type: 'string' },
      start: { type: 'string' },
      'log-level': { type: 'string' },
      out: { type: 'string' },
      'keep-data': { type: 'boolean' },
      quick: { type: 'boolean' },
      'no-baselines': { type: 'boolean' },
    },
    strict: true,
  });
  const quick = v.quick ?? false;
  const sizes = (v.sizes ?? (quick ? '200x20' : '1000x50,10000x500')).split(',').map(parseSize);
  if ((v.api === undefined) !== (v.temporal === undefined)) throw new Error('--api and --temporal go together (an existing deployment)');
  const root = path.resolve(import.meta.dirname, '../..');
  return {
    phases: parsePhases(v.phases ?? ALL_PHASES.join(',')),
    sizes,
    getSize: v['get-size'] ? parseSize(v['get-size']) : sizes[sizes.length - 1]!,
    getRate: positive('get-rate', v['get-rate'], 200),
    healthRate: positive('health-rate', v['health-rate'], 50),
    getSeconds: positive('get-seconds', v['get-seconds'], quick ? 3 : 10),
    list: positive('list', v.list, quick ? 50 : 1000),
    latencyRuns: positive('latency-runs', v['latency-runs'], quick ? 5 : 10),
    killRepeats: positive('kill-repeats', v['kill-repeats'], quick ? 1 : 3),
    jobTimeoutSeconds: positive('job-timeout', v['job-timeout'], 1800),
    api: v.api?.replace(/\/+$/, '') ?? null,
    temporal: v.temporal ?? null,
    temporalNamespace: v['temporal-namespace'] ?? 'default',
    namespace: v.namespace ?? 'default',
    kjobPid: v['kjob-pid'] ? Number(v['kjob-pid']) : null,
    kjobDir: path.resolve(v['kjob-dir'] ?? root),
    startCommand: (v.start ?? `${process.execPath} --import tsx src/main.ts`).split(/\s+/).filter(Boolean),
    logLevel: v['log-level'] ?? 'warn',
    outDir: path.resolve(v.out ?? path.join(root, 'bench/results')),
    keepData: v['keep-data'] ?? false,
    quick,
    baselines: !(v['no-baselines'] ?? false),
  };
}
