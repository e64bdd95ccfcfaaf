/**
 * Peak memory of kjob's processes, sampled from /proc every 200 ms. kjob's processes are the node
 * processes in the process tree of the command the benchmark started (today one; after the
 * rewrite perhaps an API and a worker); the embedded `temporal` dev server is counted apart, and
 * everything else in the tree (supervisor and watchdog shells, pod processes) is left out.
 * A pod whose command is itself `node` would be counted as kjob; the benchmark's pods never are.
 *
 * Between fork and exec a child of node is still called `node` and shows its parent's whole RSS
 * (shared copy-on-write pages), so a pod caught at that moment would double kjob's memory: a
 * child whose command line is still its parent's, or empty (mid-exec, or exited), is not counted.
 */
import { childrenOf, cmdlineOf, commOf, rssKbOf } from './proc.js';

export interface RssPeak {
  /** Peak of the sum over kjob's node processes, MB. */
  kjobMb: number;
  /** Most kjob node processes seen at once. */
  kjobProcesses: number;
  /** Peak of the temporal dev server, MB (0 when it is not in the tree, e.g. an external server). */
  devServerMb: number;
  samples: number;
}

export interface RssSampler {
  /** Peaks since the previous mark (or the start); resets them. */
  mark(): RssPeak;
  stop(): void;
}

const SAMPLE_MS = 200;
/** The tree is walked again every this many samples; in between only known pids are read. */
const REDISCOVER_EVERY = 5;

interface Tree {
  kjob: number[];
  devServer: number[];
}

/** Classifies the tree under root by process name; pods and shells are skipped. */
function discover(root: number): Tree {
  const tree: Tree = { kjob: [], devServer: [] };
  const stack: Array<{ pid: number; parent: number | null }> = [{ pid: root, parent: null }];
  while (stack.length > 0) {
    const { pid, parent } = stack.pop()!;
    const comm = commOf(pid);
    if (comm === null) continue;
    if (comm === 'node' && !isUnexecedFork(pid, parent)) tree.kjob.push(pid);
    else if (comm.startsWith('temporal')) tree.devServer.push(pid);
    stack.push(...childrenOf(pid).map((c) => ({ pid: c, parent: pid })));
  }
  return tree;
}

function isUnexecedFork(pid: number, parent: number | null): boolean {
  if (parent === null) return false;
  const cmdline = cmdlineOf(pid);
  return !cmdline || cmdline === cmdlineOf(parent);
}

function sumMb(pids: number[]): number {
  return pids.reduce((kb, pid) => kb + (rssKbOf(pid) ?? 0), 0) / 1024;
}

export function startRssSampler(root: number): RssSampler {
  const empty = (): RssPeak => ({ kjobMb: 0, kjobProcesses: 0, devServerMb: 0, samples: 0 });
  let peak = empty();
  let tree: Tree = { kjob: [], devServer: [] };
  let n = 0;
  const sample = () => {
    if (n++ % REDISCOVER_EVERY === 0) tree = discover(root);
    const kjobMb = sumMb(tree.kjob);
    peak = {
      kjobMb: Math.max(peak.kjobMb, kjobMb),
      kjobProcesses: Math.max(peak.kjobProcesses, tree.kjob.length),
      devServerMb: Math.max(peak.devServerMb, sumMb(tree.devServer)),
      samples: peak.samples + 1,
    };
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  return {
    mark: () => {
      sample();
      const p = peak;
      peak = empty();
      return { ...p, kjobMb: Math.round(p.kjobMb), devServerMb: Math.round(p.devServerMb) };
    },
    stop: () => clearInterval(timer),
  };
}
