/**
 * Time zones for CronJobs: which names Go's `time.LoadLocation` knows (checked through the IANA
 * database the JavaScript runtime carries, `Intl`), and times written as Go writes them
 * (`Format(time.RFC3339)` in a zone, `time.RFC1123Z`).
 *
 * Pure: no imports (Intl is part of the language; the workflow sandbox has it).
 */

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      f = null;
    }
    formatters.set(zone, f);
  }
  return f;
}

/**
 * True when `time.LoadLocation(zone)` would succeed: an IANA name (or alias) of the tz database,
 * `UTC`, spelled with the database's case (Go reads zone files by name; Intl forgives case, so a
 * name that differs from its canonical form only by case is refused). `Local` and `""` are not
 * names here (CronJob validation handles them).
 */
export function isKnownTimeZone(zone: string): boolean {
  if (zone === '' || zone.toLowerCase() === 'local') return false;
  const f = formatter(zone);
  if (f === null) return false;
  const resolved = f.resolvedOptions().timeZone;
  return resolved === zone || resolved.toLowerCase() !== zone.toLowerCase();
}

/** The zone's offset from UTC at `ms`, in minutes (east positive). */
export function zoneOffsetMinutes(ms: number, zone: string): number {
  const f = formatter(zone);
  if (f === null) return 0;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Go's `t.In(zone).Format(time.RFC3339)`: seconds precision, `Z` for a zero offset, else `±hh:mm`.
 * No zone is UTC (`time.LoadLocation("")`).
 */
export function formatRFC3339InZone(ms: number, zone?: string): string {
  const offset = zone ? zoneOffsetMinutes(ms, zone) : 0;
  const d = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (offset === 0) return `${date}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${date}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's `t.UTC().Format(time.RFC1123Z)`: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function formatRFC1123ZUTC(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
