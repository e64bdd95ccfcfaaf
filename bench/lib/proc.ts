/**
 * Reading Linux /proc: the process tree under a pid, a process's name, RSS and state, and
 * processes found by a marker in their command line. The benchmark observes kjob's processes and
 * its pods from outside, the way an operator would with `ps`, so nothing here depends on kjob's code.
 */
import { readdirSync, readFileSync } from 'node:fs';

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    // The process exited between listing and reading: normal while pods come and go.
    return null;
  }
}

/** Direct children of a process (every thread may have forked some, so all tasks are read). */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tasks) {
    const text = readProc(pid, `task/${tid}/children`);
    if (text) for (const c of text.trim().split(/\s+/)) if (c) children.push(Number(c));
  }
  return children;
}

/** The kernel's short name of the process (`node`, `temporal`, `sh`, `true`), or null once gone. */
export function commOf(pid: number): string | null {
  return readProc(pid, 'comm')?.trim() ?? null;
}

/** The NUL-separated argv of the process, or null once gone. */
export function cmdlineOf(pid: number): string | null {
  return readProc(pid, 'cmdline');
}

/** Resident set size in kB (VmRSS), 0 for a zombie, null once gone. */
export function rssKbOf(pid: number): number | null {
  const status = readProc(pid, 'status');
  if (status === null) return null;
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

/** True while the process exists and is not a zombie (a zombie has exited; only its parent's reaping is left). */
export function isRunning(pid: number): boolean {
  const stat = readProc(pid, 'stat');
  if (stat === null) return false;
  // The state follows the parenthesised comm, which may itself contain spaces or parentheses.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

function ppidOf(pid: number): number | null {
  const stat = readProc(pid, 'stat');
  if (stat === null) return null;
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

export interface MarkedTree {
  /** The topmost process whose command line contains the marker. */
  root: number;
  /** The root and all of its descendants. */
  all: number[];
}

/**
 * The topmost process whose command line contains `marker`, with its descendants, or null.
 * Children forked before an exec carry the marker too; the topmost one is the process itself.
 */
export function findByMarker(marker: string): MarkedTree | null {
  const marked = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (readProc(Number(entry), 'cmdline')?.includes(marker)) marked.add(Number(entry));
  }
  const root = [...marked].find((pid) => !marked.has(ppidOf(pid) ?? -1));
  return root === undefined ? null : { root, all: [root, ...descendantsOf(root)] };
}

/** All descendants of a process, depth first. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const stack = childrenOf(pid);
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...childrenOf(p));
  }
  return out;
}
