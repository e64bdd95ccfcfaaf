/**
 * Cron schedules as Kubernetes reads them: `cron.ParseStandard` of github.com/robfig/cron/v3 (what
 * CronJob validation and the CronJob controller call), with its exact error messages — five fields
 * (minute, hour, day of month, month, day of week; names `jan`…`dec`, `sun`…`sat`; `*`, `?`, ranges,
 * lists, steps), the descriptors `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@midnight`/
 * `@hourly` and `@every <Go duration>`. Also Go's `time.ParseDuration`, which `@every` uses.
 *
 * `toTemporalScheduleSpec` turns a parsed schedule into a Temporal ScheduleSpec (plain JSON) that
 * fires at exactly the same times:
 * - cron's day rule: when both day of month and day of week are restricted (neither starts with
 *   `*`/`?`), a day matches if *either* matches (robfig `dayMatches`, as Vixie cron); Temporal's
 *   calendar specs AND all fields, so such a schedule becomes two cron expressions (one per day
 *   field), whose union is the same set of times;
 * - fields are written out from the parsed value sets (numbers, `a-b` runs, `*`), so names, steps
 *   and `?` mean what robfig says they mean whatever Temporal's own parser would make of them;
 * - `@every d` fires at creation + k·d (robfig's `ConstantDelaySchedule` counts from the CronJob's
 *   creation); a Temporal interval with `offset = creation mod d` gives the same grid.
 *
 * Pure: no imports outside k8s/, safe for the workflow bundle.
 */
import { goQuote } from './field-errors.js';

export interface CronFields {
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  dayOfWeek: number[];
  /** The day-of-month field starts with `*` or `?` (robfig's star bit): days are ANDed, not ORed. */
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
  /** Which fields were `*` (all values, star bit): written back as `*`. */
  star: { minute: boolean; hour: boolean; month: boolean };
}

export type CronSchedule = { type: 'cron'; fields: CronFields } | { type: 'every'; everyMs: number };

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const SECONDS: Bounds = { min: 0, max: 59 };
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) };
const DOW: Bounds = { min: 0, max: 6, names: Object.fromEntries(DOW_NAMES.map((n, i) => [n, i])) };

class CronError extends Error {}

/** A parsed field: its values and robfig's star bit. */
interface FieldBits {
  values: Set<number>;
  star: boolean;
}

/** `strings.Fields`: split on runs of Unicode white space. */
function goFields(s: string): string[] {
  return s.split(/[\s\u0085\u00a0]+/u).filter((f) => f !== '');
}

/** `strconv.Atoi`, with its error text. */
function atoi(s: string): number {
  const syntax = () => new CronError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  if (!/^[+-]?\d+$/.test(s)) throw syntax();
  const n = Number(s);
  if (!Number.isSafeInteger(n) && Math.abs(n) >= 2 ** 63) throw new CronError(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  return n;
}

/** robfig `mustParseInt`. */
function mustParseInt(expr: string): number {
  let n: number;
  try {
    n = atoi(expr);
  } catch (err) {
    throw new CronError(`failed to parse int from ${expr}: ${(err as Error).message}`);
  }
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

/** robfig `parseIntOrName`: names are case-insensitive. */
function parseIntOrName(expr: string, names: Record<string, number> | undefined): number {
  const named = names?.[expr.toLowerCase()];
  if (named !== undefined && Object.hasOwn(names ?? {}, expr.toLowerCase())) return named;
  return mustParseInt(expr);
}

/** robfig `getRange`: `number | number "-" number [ "/" number ]`, `*`, `?`. */
function getRange(expr: string, r: Bounds): FieldBits {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let step: number;
  let star = false;
  const low = lowAndHigh[0] ?? '';
  if (low === '*' || low === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(low, r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  if (rangeAndStep.length === 1) {
    step = 1;
  } else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    // "N/step" means "N-max/step".
    if (singleDigit) end = r.max;
    if (step > 1) star = false;
  } else {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  const values = new Set<number>();
  for (let i = start; i <= end; i += step) values.add(i);
  return { values, star };
}

/** robfig `getField`: a comma-separated list of ranges (empty items are skipped, as FieldsFunc does). */
function getField(field: string, r: Bounds): FieldBits {
  const out: FieldBits = { values: new Set(), star: false };
  for (const expr of field.split(',').filter((e) => e !== '')) {
    const bits = getRange(expr, r);
    for (const v of bits.values) out.values.add(v);
    out.star ||= bits.star;
  }
  return out;
}

const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);

function fieldsFrom(minute: FieldBits, hour: FieldBits, dom: FieldBits, month: FieldBits, dow: FieldBits): CronFields {
  return {
    minute: sorted(minute.values),
    hour: sorted(hour.values),
    dayOfMonth: sorted(dom.values),
    month: sorted(month.values),
    dayOfWeek: sorted(dow.values),
    dayOfMonthStar: dom.star,
    dayOfWeekStar: dow.star,
    star: { minute: minute.star, hour: hour.star, month: month.star },
  };
}

const all = (r: Bounds): FieldBits => getRange('*', r);
const one = (r: Bounds): FieldBits => ({ values: new Set([r.min]), star: false });

// ---- Go durations -------------------------------------------------------------------------------

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const MAX_DURATION_NS = 2 ** 63 - 1;

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/**
 * Go's `time.ParseDuration` (`[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units ns us µs ms s m h) with its
 * error messages; the result in milliseconds (sub-millisecond parts are kept as fractions).
 */
export function parseGoDuration(text: string): DurationResult {
  const invalid = (): DurationResult => ({ ok: false, error: `time: invalid duration ${goQuote(text)}` });
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ms: 0 };
  if (s === '') return invalid();
  let totalNs = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const intPart = m?.[1] ?? '';
    const fracPart = m?.[2];
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) return invalid();
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return invalid();
    s = s.slice(m?.[0].length ?? 0);
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s[i]! >= '0' && s[i]! <= '9')) i++;
    if (i === 0) return { ok: false, error: `time: missing unit in duration ${goQuote(text)}` };
    const unit = s.slice(0, i);
    s = s.slice(i);
    const ns = Object.hasOwn(UNIT_NS, unit) ? UNIT_NS[unit] : undefined;
    if (ns === undefined) return { ok: false, error: `time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}` };
    const value = Number(intPart === '' ? '0' : intPart) * ns + (fracPart ? Number(`0.${fracPart}`) * ns : 0);
    totalNs += value;
    if (totalNs > MAX_DURATION_NS + (neg ? 1 : 0)) return invalid();
  }
  const ms = totalNs / 1e6;
  return { ok: true, ms: neg ? -ms : ms };
}

/** robfig `Every`: at least one second, whole seconds only. */
function everyMs(durationMs: number): number {
  if (durationMs < 1000) return 1000;
  return Math.floor(durationMs / 1000) * 1000;
}

// ---- parsing ------------------------------------------------------------------------------------

/** robfig `parseDescriptor`. */
function parseDescriptor(descriptor: string): CronSchedule {
  const cron = (minute: FieldBits, hour: FieldBits, dom: FieldBits, month: FieldBits, dow: FieldBits): CronSchedule => ({
    type: 'cron',
    fields: fieldsFrom(minute, hour, dom, month, dow),
  });
  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return cron(one(MINUTES), one(HOURS), one(DOM), one(MONTHS), all(DOW));
    case '@monthly':
      return cron(one(MINUTES), one(HOURS), one(DOM), all(MONTHS), all(DOW));
    case '@weekly':
      return cron(one(MINUTES), one(HOURS), all(DOM), all(MONTHS), one(DOW));
    case '@daily':
    case '@midnight':
      return cron(one(MINUTES), one(HOURS), all(DOM), all(MONTHS), all(DOW));
    case '@hourly':
      return cron(one(MINUTES), all(HOURS), all(DOM), all(MONTHS), all(DOW));
  }
  const every = '@every ';
  if (descriptor.startsWith(every)) {
    const d = parseGoDuration(descriptor.slice(every.length));
    if (!d.ok) throw new CronError(`failed to parse duration ${descriptor}: ${d.error}`);
    return { type: 'every', everyMs: everyMs(d.ms) };
  }
  throw new CronError(`unrecognized descriptor: ${descriptor}`);
}

/**
 * `cron.ParseStandard(spec)`: the schedule, or the error text Kubernetes puts after
 * `spec.schedule: Invalid value: "<spec>": `. A `TZ=`/`CRON_TZ=` prefix is parsed as robfig does
 * (`isKnownZone` checks its location), although CronJob validation rejects it separately.
 */
export function parseStandardCron(spec: string, isKnownZone: (zone: string) => boolean = () => true): CronParseResult {
  try {
    if (spec.length === 0) throw new CronError('empty spec string');
    let rest = spec;
    if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
      const i = rest.indexOf(' ');
      const eq = rest.indexOf('=');
      // robfig slices up to the first space; without one the whole rest is the location.
      const zone = i === -1 ? rest.slice(eq + 1) : rest.slice(eq + 1, i);
      if (!isKnownZone(zone)) throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
      rest = i === -1 ? '' : rest.slice(i).trim();
    }
    if (rest.startsWith('@')) return { ok: true, schedule: parseDescriptor(rest) };
    const fields = goFields(rest);
    if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    // The standard parser has no seconds field: it is "0" (and is parsed, as robfig does).
    getField('0', SECONDS);
    const [minute, hour, dom, month, dow] = [
      getField(fields[0]!, MINUTES),
      getField(fields[1]!, HOURS),
      getField(fields[2]!, DOM),
      getField(fields[3]!, MONTHS),
      getField(fields[4]!, DOW),
    ];
    return { ok: true, schedule: { type: 'cron', fields: fieldsFrom(minute, hour, dom, month, dow) } };
  } catch (err) {
    if (err instanceof CronError) return { ok: false, error: err.message };
    throw err;
  }
}

// ---- Temporal -----------------------------------------------------------------------------------

/** A Temporal ScheduleSpec as plain JSON (`@temporalio/client` ScheduleSpec, durations in ms). */
export interface TemporalScheduleSpec {
  cronExpressions?: string[];
  intervals?: Array<{ every: number; offset: number }>;
  timezone?: string;
}

/** Sorted values as `a-b` runs and single values: `0-5,10,20-22`. */
export function compressValues(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : String(values[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The Temporal ScheduleSpec that fires when `schedule` does. `createdAtMs` anchors `@every`
 * (robfig counts from the CronJob's creation); `timeZone` applies to cron fields (Temporal ignores
 * it for intervals, as robfig ignores it for `@every`).
 */
export function toTemporalScheduleSpec(schedule: CronSchedule, createdAtMs: number, timeZone?: string): TemporalScheduleSpec {
  if (schedule.type === 'every') {
    return { intervals: [{ every: schedule.everyMs, offset: ((createdAtMs % schedule.everyMs) + schedule.everyMs) % schedule.everyMs }] };
  }
  const f = schedule.fields;
  const field = (values: number[], star: boolean) => (star ? '*' : compressValues(values));
  const minute = field(f.minute, f.star.minute);
  const hour = field(f.hour, f.star.hour);
  const month = field(f.month, f.star.month);
  const dom = field(f.dayOfMonth, f.dayOfMonthStar);
  const dow = field(f.dayOfWeek, f.dayOfWeekStar);
  const cron = (d: string, w: string) => `${minute} ${hour} ${d} ${month} ${w}`;
  // Both day fields restricted: a day matches either (dayMatches); Temporal ANDs, so take the union.
  const cronExpressions = !f.dayOfMonthStar && !f.dayOfWeekStar ? [cron(dom, '*'), cron('*', dow)] : [cron(dom, dow)];
  return { cronExpressions, ...(timeZone ? { timezone: timeZone } : {}) };
}
