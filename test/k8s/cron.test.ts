/**
 * The cron parser against robfig/cron v3's ParseStandard (what Kubernetes validates CronJob
 * schedules with): accepted syntax, its error texts word for word, Go's time.ParseDuration for
 * `@every`, and the Temporal ScheduleSpec each schedule becomes.
 */
import { describe, expect, it } from 'vitest';
import { compressValues, parseGoDuration, parseStandardCron, toTemporalScheduleSpec, type CronSchedule } from '../../src/k8s/cron.js';
import { isKnownTimeZone } from '../../src/k8s/timezone.js';

const parse = (spec: string) => parseStandardCron(spec, isKnownTimeZone);

function temporal(spec: string, createdAt = 0, tz?: string) {
  const r = parse(spec);
  if (!r.ok) throw new Error(r.error);
  return toTemporalScheduleSpec(r.schedule, createdAt, tz);
}

describe('parseStandardCron', () => {
  const accepted: Array<{ name: string; spec: string; cron: string[] }> = [
    { name: 'every minute', spec: '* * * * *', cron: ['* * * * *'] },
    { name: 'a fixed time', spec: '30 2 * * *', cron: ['30 2 * * *'] },
    { name: 'steps become their values', spec: '*/15 * * * *', cron: ['0,15,30,45 * * * *'] },
    { name: 'a step of 1 keeps the star', spec: '*/1 * * * *', cron: ['* * * * *'] },
    { name: 'N/step means N-max/step', spec: '50/5 * * * *', cron: ['50,55 * * * *'] },
    { name: 'ranges with steps', spec: '0 9-17/2 * * *', cron: ['0 9,11,13,15,17 * * *'] },
    { name: 'lists and runs', spec: '0,1,2,3,10 * * * *', cron: ['0-3,10 * * * *'] },
    { name: 'month and day names, any case', spec: '0 0 * JAN-mar Mon-fri', cron: ['0 0 * 1-3 1-5'] },
    { name: '? is a star', spec: '0 0 ? * *', cron: ['0 0 * * *'] },
    { name: 'both day fields restricted: either matches (two expressions)', spec: '0 12 1 * 1', cron: ['0 12 1 * *', '0 12 * * 1'] },
    { name: 'day of week restricted, day of month star: both must match', spec: '0 12 * * 1', cron: ['0 12 * * 1'] },
    { name: 'a stepped day of month is restricted', spec: '0 0 */2 * sun', cron: ['0 0 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * *', '0 0 * * 0'] },
    { name: 'leading and trailing white space', spec: '  5 4 * * *\t', cron: ['5 4 * * *'] },
    { name: '@yearly', spec: '@yearly', cron: ['0 0 1 1 *'] },
    { name: '@annually', spec: '@annually', cron: ['0 0 1 1 *'] },
    { name: '@monthly', spec: '@monthly', cron: ['0 0 1 * *'] },
    { name: '@weekly', spec: '@weekly', cron: ['0 0 * * 0'] },
    { name: '@daily', spec: '@daily', cron: ['0 0 * * *'] },
    { name: '@midnight', spec: '@midnight', cron: ['0 0 * * *'] },
    { name: '@hourly', spec: '@hourly', cron: ['0 * * * *'] },
  ];
  it.each(accepted)('accepts $name ($spec)', ({ spec, cron }) => {
    expect(temporal(spec).cronExpressions).toEqual(cron);
  });

  const rejected: Array<{ name: string; spec: string; error: string }> = [
    { name: 'an empty spec', spec: '', error: 'empty spec string' },
    { name: 'four fields', spec: '* * * *', error: 'expected exactly 5 fields, found 4: [* * * *]' },
    { name: 'six fields (no seconds in standard cron)', spec: '0 * * * * *', error: 'expected exactly 5 fields, found 6: [0 * * * * *]' },
    { name: 'a minute above 59', spec: '60 * * * *', error: 'end of range (60) above maximum (59): 60' },
    { name: 'an hour above 23', spec: '0 24 * * *', error: 'end of range (24) above maximum (23): 24' },
    { name: 'day of month 0', spec: '0 0 0 * *', error: 'beginning of range (0) below minimum (1): 0' },
    { name: 'month 13', spec: '0 0 1 13 *', error: 'end of range (13) above maximum (12): 13' },
    { name: 'day of week 7', spec: '0 0 * * 7', error: 'end of range (7) above maximum (6): 7' },
    { name: 'a reversed range', spec: '5-1 * * * *', error: 'beginning of range (5) beyond end of range (1): 5-1' },
    { name: 'a word', spec: 'x * * * *', error: 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax' },
    { name: 'a negative step', spec: '*/-5 * * * *', error: 'negative number (-5) not allowed: -5' },
    { name: 'a zero step', spec: '*/0 * * * *', error: 'step of range should be a positive number: */0' },
    { name: 'two hyphens', spec: '1-2-3 * * * *', error: 'too many hyphens: 1-2-3' },
    { name: 'two slashes', spec: '*/2/3 * * * *', error: 'too many slashes: */2/3' },
    { name: 'an unknown descriptor', spec: '@fortnightly', error: 'unrecognized descriptor: @fortnightly' },
    { name: 'a descriptor with a trailing space', spec: '@hourly ', error: 'unrecognized descriptor: @hourly ' },
    { name: '@every without a unit', spec: '@every 5', error: 'failed to parse duration @every 5: time: missing unit in duration "5"' },
    { name: '@every with an unknown unit', spec: '@every 1d', error: 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"' },
    { name: 'a bad TZ= location', spec: 'TZ=Mars/Olympus * * * * *', error: 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus' },
  ];
  it.each(rejected)('rejects $name ($spec)', ({ spec, error }) => {
    expect(parse(spec)).toEqual({ ok: false, error });
  });

  it('parses @every as robfig Every: whole seconds, at least one', () => {
    const every = (spec: string) => (parse(spec) as { schedule: CronSchedule }).schedule;
    expect(every('@every 1h30m')).toEqual({ type: 'every', everyMs: 5_400_000 });
    expect(every('@every 1.5s')).toEqual({ type: 'every', everyMs: 1000 });
    expect(every('@every 100ms')).toEqual({ type: 'every', everyMs: 1000 });
  });

  it('anchors @every at the creation time (robfig counts from the CronJob creationTimestamp)', () => {
    const created = Date.UTC(2025, 0, 1, 0, 0, 7);
    expect(temporal('@every 1m', created)).toEqual({ intervals: [{ every: 60_000, offset: 7_000 }] });
  });

  it('carries the time zone for cron fields', () => {
    expect(temporal('0 9 * * 1-5', 0, 'Europe/Berlin')).toEqual({ cronExpressions: ['0 9 * * 1-5'], timezone: 'Europe/Berlin' });
  });

  it('accepts a TZ= prefix as robfig does (validation rejects it separately)', () => {
    expect(temporal('TZ=UTC 0 0 * * *').cronExpressions).toEqual(['0 0 * * *']);
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['2s', 2000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['-1m', -60_000],
    ['0', 0],
    ['.5s', 500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toEqual({ ok: true, ms });
  });
  it.each([
    ['', 'time: invalid duration ""'],
    ['s', 'time: invalid duration "s"'],
    ['1', 'time: missing unit in duration "1"'],
    ['1x', 'time: unknown unit "x" in duration "1x"'],
    ['.s', 'time: invalid duration ".s"'],
  ])('%j is refused: %s', (text, error) => {
    expect(parseGoDuration(text)).toEqual({ ok: false, error });
  });
});

describe('compressValues', () => {
  it('writes runs as ranges', () => {
    expect(compressValues([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(compressValues([3])).toBe('3');
  });
});
