// --since and --until: an RFC 3339 time or a duration before `now`, read into a bound alerts are compared to.
import { normaliseTime, type Alert } from '../alert/alert.js';
import { UsageError } from '../errors.js';

/** A point in time as the alert model writes it, so alerts compare to it without parsing anything. */
export interface TimeBound {
  /** Milliseconds since the epoch, truncated like Alert.timeMs. */
  readonly ms: number;
  /** The same time as UTC text with nine fraction digits, as Alert.time: it breaks ties within a millisecond. */
  readonly text: string;
  /** The bound in UTC, short: `2026-11-27T07:00:00Z`. */
  readonly utc: string;
  /** For the report header: the bound in UTC, then what the user wrote when that differs. */
  readonly label: string;
}

const EXPECTED = 'expected an RFC 3339 time or a duration such as 30m, 2h, 7d';
const DURATION = /^(\d+)([smhdw])$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?(.*)$/;
/** The range of a JavaScript Date, beyond which no time can be written. */
const MAX_DATE_MS = 8.64e15;

/** Drops an all-zero fraction and trailing zeros: `09:00:00.500000000Z` reads `09:00:00.5Z`. */
function shortUtc(text: string): string {
  return text.replace(/\.?0+Z$/, 'Z');
}

/** Why a text shaped like a date-time is still not one, or undefined when the shape is not even that. */
function dateTimeProblem(text: string): string | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const zone = m[8] ?? '';
  if (zone === '') return 'the time needs a zone: Z or an offset such as +01:00';
  if (!/^(?:[Zz]|[+-]\d\d:?\d\d)$/.test(zone)) return `the zone ${JSON.stringify(zone)} is not Z or an offset such as +01:00`;
  // Date.parse rolls 2026-02-30 over into March; a flag that names no real day is a typo.
  if (mo < 1 || mo > 12 || d < 1 || new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return 'there is no such day';
  if (h > 23 || mi > 59 || s > 59) return 'there is no such time of day';
  return undefined;
}

/** Reads one --since or --until value; `now` resolves durations. Throws UsageError naming the flag. */
export function parseTimeBound(flag: string, value: string, nowMs: number): TimeBound {
  const fail = (why?: string): never => {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: ${EXPECTED}${why ? ` (${why})` : ''}`);
  };
  const duration = DURATION.exec(value);
  if (duration) {
    const ms = nowMs - Number(duration[1]) * (UNIT_MS[duration[2] as string] as number);
    if (!(Math.abs(ms) <= MAX_DATE_MS)) fail('the duration reaches past the dates JavaScript can represent');
    const iso = new Date(ms).toISOString();
    const utc = shortUtc(iso);
    return { ms, text: `${iso.slice(0, -1)}000000Z`, utc, label: `${utc} (${value} ago)` };
  }
  const problem = dateTimeProblem(value);
  if (problem) fail(problem);
  const when = normaliseTime(value.replace(/^(.{10})t/, '$1T'));
  if (!when) return fail();
  const utc = shortUtc(when.time);
  return { ms: when.timeMs, text: when.time, utc, label: utc === value ? utc : `${utc} (${value})` };
}

/** Orders two bounds: negative when `a` is earlier. */
export function compareBounds(a: TimeBound, b: TimeBound): number {
  if (a.ms !== b.ms) return a.ms - b.ms;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/** True when the alert is strictly before the bound. Call only for alerts that have a full time. */
export function isBefore(alert: Alert, timeMs: number, bound: TimeBound): boolean {
  if (timeMs !== bound.ms) return timeMs < bound.ms;
  // Same millisecond: the nanosecond texts decide (both are UTC with nine fraction digits).
  return alert.time !== undefined && alert.time < bound.text;
}
