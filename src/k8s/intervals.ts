/**
 * Index sets as Kubernetes writes them (`completedIndexes`, `failedIndexes`, `succeededIndexes`):
 * ascending decimal indexes, comma-separated, a run of three or more written `first-last`, a run of
 * two written `a,b` (controller `orderedIntervals.String`, job-semantics §7).
 *
 * The controller keeps index sets as these strings in its state so a 100,000-index Job stays
 * small; the helpers below work on the intervals without materializing the indexes.
 *
 * Pure: no imports, safe for the workflow bundle.
 */

/** Inclusive `[first, last]` pairs, ascending, non-overlapping, non-adjacent once normalized. */
export type Interval = [number, number];

export type ParseIntervalsResult = { ok: true; intervals: Interval[] } | { ok: false; error: string };

/** Go's `%q` for the ASCII strings that reach these messages. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** `strconv.Atoi`: an optional sign and decimal digits. */
function atoi(s: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function parseIndexInterval(intervalStr: string, completions: number): { ok: true; x: number; y: number } | { ok: false; error: string } {
  const limits = intervalStr.split('-');
  if (limits.length > 2) {
    return {
      ok: false,
      error: `the fragment ${quote(intervalStr)} violates the requirement that an index interval can have at most two parts separated by '-'`,
    };
  }
  const first = limits[0] ?? '';
  const x = atoi(first);
  if (x === null) return { ok: false, error: `cannot convert string to integer for index: ${quote(first)}` };
  if (x >= completions) return { ok: false, error: `too large index: ${quote(first)}` };
  if (limits.length > 1) {
    const second = limits[1] ?? '';
    const y = atoi(second);
    if (y === null) return { ok: false, error: `cannot convert string to integer for index: ${quote(second)}` };
    if (y >= completions) return { ok: false, error: `too large index: ${quote(second)}` };
    if (x >= y) return { ok: false, error: `non-increasing order, previous: ${x}, current: ${y}` };
    return { ok: true, x, y };
  }
  return { ok: true, x, y: x };
}

/**
 * Parses and validates an index string the way Kubernetes validates `succeededIndexes`
 * (validation.go `validateIndexesFormat` / `parseIndexInterval`), with the same error texts.
 * The intervals are returned as written (adjacent ones are not merged).
 */
export function parseIndexIntervals(text: string, completions: number): ParseIntervalsResult {
  if (text.length === 0) return { ok: true, intervals: [] };
  const intervals: Interval[] = [];
  let lastIndex: number | null = null;
  for (const intervalStr of text.split(',')) {
    const parsed = parseIndexInterval(intervalStr, completions);
    if (!parsed.ok) return parsed;
    if (lastIndex !== null && lastIndex >= parsed.x) {
      return { ok: false, error: `non-increasing order, previous: ${lastIndex}, current: ${parsed.x}` };
    }
    intervals.push([parsed.x, parsed.y]);
    lastIndex = parsed.y;
  }
  return { ok: true, intervals };
}

/** Merges sorted intervals that overlap or touch, so `[[0,1],[2,2]]` becomes `[[0,2]]`. */
export function normalizeIntervals(intervals: ReadonlyArray<readonly [number, number]>): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) {
      last[1] = Math.max(last[1], b);
    } else {
      out.push([a, b]);
    }
  }
  return out;
}

/** `orderedIntervals.String()`: runs of ≥3 as `a-b`, a run of two as `a,b`. */
export function formatIntervals(intervals: ReadonlyArray<readonly [number, number]>): string {
  const parts: string[] = [];
  for (const [a, b] of normalizeIntervals(intervals)) {
    if (a === b) parts.push(String(a));
    else if (b === a + 1) parts.push(String(a), String(b));
    else parts.push(`${a}-${b}`);
  }
  return parts.join(',');
}

/** The last index strings read, with their intervals: a pass reads the same few strings many times. */
const recent = new Map<string, readonly Interval[]>();
const RECENT_MAX = 8;

/**
 * Reads an index string the controller itself wrote (no completions bound, no errors: a malformed
 * fragment is skipped). Adjacent intervals are merged. The result is shared: do not change it.
 */
export function intervalsOf(text: string | null): readonly Interval[] {
  if (!text) return [];
  const cached = recent.get(text);
  if (cached) return cached;
  const out: Interval[] = [];
  for (const part of text.split(',')) {
    const [first, second] = part.split('-');
    const x = atoi(first ?? '');
    if (x === null) continue;
    const y = second === undefined ? x : atoi(second);
    if (y === null || y < x) continue;
    out.push([x, y]);
  }
  const intervals = normalizeIntervals(out);
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string);
  recent.set(text, intervals);
  return intervals;
}

/** Whether sorted, disjoint `intervals` hold `index` (binary search). */
export function intervalsHave(intervals: readonly Interval[], index: number): boolean {
  let lo = 0;
  let hi = intervals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = intervals[mid]!;
    if (index < a) hi = mid - 1;
    else if (index > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The index string with `index` added. */
export function addIndex(text: string | null, index: number): string {
  return formatIntervals([...intervalsOf(text), [index, index]]);
}

/** The index string with every index of `more` added. */
export function unionIndexes(text: string | null, more: string | null): string {
  return formatIntervals([...intervalsOf(text), ...intervalsOf(more)]);
}

export function hasIndex(text: string | null, index: number): boolean {
  return intervalsHave(intervalsOf(text), index);
}

/** How many indexes the string holds (below `limit` when given). */
export function countIndexes(text: string | null, limit = Number.POSITIVE_INFINITY): number {
  let n = 0;
  for (const [a, b] of intervalsOf(text)) {
    if (a >= limit) break;
    n += Math.min(b, limit - 1) - a + 1;
  }
  return n;
}

/** The index string without the indexes ≥ `limit` (Elastic Indexed Jobs scaled down). */
export function truncateIndexes(text: string | null, limit: number): string {
  const out: Interval[] = [];
  for (const [a, b] of intervalsOf(text)) {
    if (a >= limit) break;
    out.push([a, Math.min(b, limit - 1)]);
  }
  return formatIntervals(out);
}

/** How many indexes of `text` are also in `other`. */
export function countIntersection(text: string | null, other: readonly Interval[]): number {
  const mine = intervalsOf(text);
  let n = 0;
  let j = 0;
  for (const [a, b] of mine) {
    while (j < other.length && (other[j]?.[1] ?? 0) < a) j++;
    for (let k = j; k < other.length; k++) {
      const o = other[k];
      if (!o || o[0] > b) break;
      const lo = Math.max(a, o[0]);
      const hi = Math.min(b, o[1]);
      if (hi >= lo) n += hi - lo + 1;
    }
  }
  return n;
}

/**
 * The first `count` indexes below `completions` that are in none of `exclude` — like
 * `firstPendingIndexes` in indexed_job_utils.go — walking the gaps between intervals, so a huge
 * set is never materialized.
 */
export function firstMissingIndexes(exclude: ReadonlyArray<readonly Interval[]>, completions: number, count: number): number[] {
  const merged = normalizeIntervals(exclude.flat());
  const out: number[] = [];
  let next = 0;
  for (const [a, b] of merged) {
    if (out.length >= count || next >= completions) break;
    for (let i = next; i < Math.min(a, completions) && out.length < count; i++) out.push(i);
    next = Math.max(next, b + 1);
  }
  for (let i = next; i < completions && out.length < count; i++) out.push(i);
  return out;
}
