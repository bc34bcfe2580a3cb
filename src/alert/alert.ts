// The alert model and its validation: a fast check for good records, zod's messages for bad ones.
import { createRequire } from 'node:module';
import { buildAlertSchema, type AlertSchema } from './alert-schema.js';
import { ExactNumber, checkShape, DEFAULT_JSON_LIMITS, type FieldsSeen, type JsonLimits } from './json-text.js';
import { parsePriority, type Priority } from './priority.js';
import { detach } from '../detach.js';

/** A value of an output field: Falco writes strings, numbers, booleans, null and arrays. */
export type FieldValue = string | number | boolean | null | ExactNumber | readonly FieldValue[] | { readonly [k: string]: FieldValue };

/** One validated Falco alert, whatever form it was read from. */
export interface Alert {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly priority: Priority;
  /** RFC 3339 in UTC with nine fraction digits, when the alert carries a full date. */
  readonly time?: string;
  /** Milliseconds since the epoch, for windows and ranges. */
  readonly timeMs?: number;
  /** The time as written when only the time of day is known (text alerts). */
  readonly timeOfDay?: string;
  readonly output?: string;
  /**
   * output_fields as parsed: keys like `__proto__` or `constructor` are the alert's own keys. A name
   * that does not come from the tool's own field lists is read with ownField() (own keys only), so
   * no lookup reaches Object.prototype.
   */
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly source?: string;
  readonly tags: readonly string[];
  readonly hostname?: string;
  readonly uuid?: string;
  /** Keys Falco or a forwarder added that this tool does not know: kept, not rejected. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** True when the alert was rebuilt from a plain-text output line. */
  readonly fromText: boolean;
}

/** A record that is not a valid alert, with what was expected and what was found. */
export interface Reject {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

const KNOWN_KEYS = new Set(['rule', 'priority', 'time', 'output', 'output_fields', 'source', 'tags', 'hostname', 'uuid']);
const RFC3339 = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?\d*(Z|z|[+-]\d\d:?\d\d)$/;

/** The UTC form Falco writes (`...T13:40:44.385152581Z`): no Date work needed to normalise it. */
const UTC_NANOS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{9})Z$/;
let lastSecond = '';
let lastSecondMs = 0;

/**
 * The milliseconds of a time already in the form Falco writes (`...T13:40:44.385152581Z`), else
 * undefined. Alerts arrive in time order, so the seconds part repeats: it is parsed once per second.
 */
function utcNanosMs(text: string): number | undefined {
  if (text.length !== 30 || text.charCodeAt(29) !== 90 /* Z */ || text.charCodeAt(19) !== 46 /* . */) return undefined;
  const known = lastSecond !== '' && text.startsWith(lastSecond);
  if (known) {
    NANOS_TAIL.lastIndex = 19;
    if (!NANOS_TAIL.test(text)) return undefined;
  } else {
    if (!UTC_NANOS.test(text)) return undefined;
    const second = text.slice(0, 19);
    const ms = utcSecondMs(second);
    if (Number.isNaN(ms)) return undefined;
    lastSecond = second;
    lastSecondMs = ms;
  }
  return lastSecondMs + (text.charCodeAt(20) - 48) * 100 + (text.charCodeAt(21) - 48) * 10 + (text.charCodeAt(22) - 48);
}

/**
 * The milliseconds of a date and time of day (`2026-11-27T13:40:44`) read as UTC, or NaN when there is
 * no such moment: Date.parse takes February 30 for March 2 and 24:00:00 for the next midnight, so what
 * it gives must be written back the same.
 */
function utcSecondMs(second: string): number {
  const ms = Date.parse(`${second}Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== second ? Number.NaN : ms;
}

/** The fraction and zone of the UTC form, checked from offset 19 when the seconds before it are known good. */
const NANOS_TAIL = /\.\d{9}Z$/y;

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** Milliseconds after midnight of a time of day (`10:00:01.123456789`), or undefined when it is not one. */
export function timeOfDayMs(text: string): number | undefined {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  const [h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || min > 59 || sec > 59) return undefined;
  return ((h * 60 + min) * 60 + sec) * 1000 + Number((m[4] ?? '').padEnd(3, '0').slice(0, 3));
}

/** Normalises an RFC 3339 time to UTC with nanoseconds; undefined when it is not one. */
export function normaliseTime(text: string): { time: string; timeMs: number } | undefined {
  const ms = utcNanosMs(text);
  if (ms !== undefined) return { time: text, timeMs: ms };
  const m = RFC3339.exec(text);
  if (!m || Number.isNaN(utcSecondMs(`${m[1]}T${m[2]}`))) return undefined;
  const zone = m[4] === 'z' ? 'Z' : (m[4] as string).replace(/^([+-]\d\d)(\d\d)$/, '$1:$2');
  const secondsMs = Date.parse(`${m[1]}T${m[2]}${zone}`);
  if (Number.isNaN(secondsMs)) return undefined;
  const frac = (m[3] ?? '').padEnd(9, '0');
  return fromEpoch(secondsMs / 1000, frac);
}

function fromEpoch(seconds: number, frac9: string): { time: string; timeMs: number } | undefined {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return undefined;
  return { time: `${d.toISOString().slice(0, 19)}.${frac9}Z`, timeMs: seconds * 1000 + Number(frac9.slice(0, 3)) };
}

function timeFromObject(v: { seconds: number; nanos?: number }): { time: string; timeMs: number } | undefined {
  const nanos = v.nanos ?? 0;
  return fromEpoch(v.seconds, String(nanos).padStart(9, '0'));
}


/**
 * The zod schema, built on first use: good records never need it, and loading zod costs more than
 * the rest of start-up. It is required synchronously (zod's CommonJS build) so validation stays sync.
 */
let schema: AlertSchema | undefined;
export function alertSchema(): AlertSchema {
  schema ??= buildAlertSchema(createRequire(import.meta.url)('zod') as typeof import('zod'));
  return schema;
}

/** A JSON value in a few words, for "found ..." in messages: `nothing`, `an array`, or a short quote. */
export function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof ExactNumber) return `the number ${v.raw}`;
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}..."` : s;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((t) => typeof t === 'string');
}

const EMPTY_FIELDS: Readonly<Record<string, FieldValue>> = Object.freeze(Object.create(null) as Record<string, FieldValue>);

/** Builds the Alert from a record zod found valid (a Reject when it breaks a size limit). */
function build(rec: Record<string, unknown>, file: string, line: number, limits: JsonLimits, seen: FieldsSeen | undefined): Alert | Reject {
  const t = rec.time;
  const when = typeof t === 'string' ? normaliseTime(t) : t && typeof t === 'object' ? timeFromObject(t as { seconds: number; nanos?: number }) : undefined;
  return assemble(rec, parsePriority(rec.priority) as Priority, when, isStringArray(rec.tags) ? rec.tags : NO_TAGS, file, line, limits, seen);
}

/** The Alert from a record whose keys have the right types; checks the size limits on the way. */
function assemble(
  rec: Record<string, unknown>,
  priority: Priority,
  when: { time: string; timeMs: number } | undefined,
  tags: readonly string[],
  file: string,
  line: number,
  limits: JsonLimits,
  seen: FieldsSeen | undefined,
): Alert | Reject {
  let fields = EMPTY_FIELDS as Record<string, FieldValue>;
  const of = rec.output_fields;
  if (of && typeof of === 'object') {
    // Parsing already counted the fields and saw whether any is an object; otherwise walk them here.
    if (seen === undefined || seen.nested || seen.count > limits.maxMembers) {
      let n = 0;
      for (const k in of) {
        n++;
        const v = (of as Record<string, unknown>)[k];
        if (v !== null && typeof v === 'object' && !(v instanceof ExactNumber)) {
          const p = checkShape(v, limits, 3);
          if (p) return { file, line, reason: `output_fields.${k}: ${p}` };
        }
      }
      if (n > limits.maxMembers) return { file, line, reason: `output_fields: ${n} fields (limit ${limits.maxMembers})` };
    }
    // The parsed object is used as it is. JSON.parse makes `__proto__` an own key like any other.
    // Taking the prototype away instead (as this did) cost about 1 µs per alert: V8 turns the
    // object into a hash table.
    fields = of as Record<string, FieldValue>;
  }
  let extra = EMPTY_EXTRA;
  for (const k in rec) {
    if (KNOWN_KEYS.has(k)) continue;
    const p = checkShape(rec[k], limits, 2);
    if (p) return { file, line, reason: `${k}: ${p}` };
    if (extra === EMPTY_EXTRA) extra = Object.create(null) as Record<string, unknown>;
    extra[k] = rec[k];
  }
  const alert: Alert = {
    file,
    line,
    rule: internRule(rec.rule as string),
    priority,
    time: when?.time,
    timeMs: when?.timeMs,
    output: typeof rec.output === 'string' ? rec.output : undefined,
    fields,
    source: typeof rec.source === 'string' ? rec.source : undefined,
    tags,
    hostname: typeof rec.hostname === 'string' ? rec.hostname : undefined,
    uuid: typeof rec.uuid === 'string' ? rec.uuid : undefined,
    extra,
    fromText: false,
  };
  return alert;
}

/**
 * One string per rule name: a stream repeats a few rules, and every tracker keys maps on the rule and
 * keeps it in what it holds. The shared string is hashed once and stored once, instead of once per alert.
 */
const RULES_KEPT = 4096;
const rules = new Map<string, string>();
function internRule(rule: string): string {
  const known = rules.get(rule);
  if (known !== undefined) return known;
  if (rules.size >= RULES_KEPT) rules.clear();
  const own = detach(rule);
  rules.set(own, own);
  return own;
}

const EMPTY_EXTRA: Record<string, unknown> = Object.freeze(Object.create(null) as Record<string, unknown>);
const NO_TAGS: readonly string[] = Object.freeze([]);

function optionalString(v: unknown): boolean {
  return v === undefined || typeof v === 'string';
}

/**
 * The checks zod makes, written out for the common case, building the alert as it goes; undefined
 * means "ask zod" (which then says what is wrong, or accepts what this check is too strict for).
 */
function fastAlert(rec: Record<string, unknown>, file: string, line: number, limits: JsonLimits, seen: FieldsSeen | undefined): Alert | Reject | undefined {
  const rule = rec.rule;
  if (typeof rule !== 'string' || rule.length === 0) return undefined;
  const priority = parsePriority(rec.priority);
  if (priority === undefined) return undefined;
  const t = rec.time;
  let when: { time: string; timeMs: number } | undefined;
  if (t !== undefined) {
    if (typeof t !== 'string') return undefined;
    when = normaliseTime(t);
    if (when === undefined) return undefined;
  }
  if (!optionalString(rec.output) || !optionalString(rec.source) || !optionalString(rec.hostname) || !optionalString(rec.uuid)) return undefined;
  const of = rec.output_fields;
  if (of !== undefined && of !== null && (typeof of !== 'object' || Array.isArray(of))) return undefined;
  const tags = rec.tags;
  let known: readonly string[] = NO_TAGS;
  if (tags !== undefined && tags !== null) {
    if (!isStringArray(tags)) return undefined;
    known = tags;
  }
  return assemble(rec, priority, when, known, file, line, limits, seen);
}

/**
 * Validates one parsed JSON record. Good records take the hand-written path; a record that fails it is
 * run through zod, whose issues become the reason (`field: expected ..., found ...`). `seen` is what
 * parseJsonText learned about output_fields, when the value came from it.
 */
export function validateAlert(value: unknown, file: string, line: number, limits: JsonLimits = DEFAULT_JSON_LIMITS, seen?: FieldsSeen): Alert | Reject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { file, line, reason: `expected a JSON object (one alert), found ${describeFound(value)}` };
  }
  const rec = value as Record<string, unknown>;
  const fast = fastAlert(rec, file, line, limits, seen);
  if (fast !== undefined) return fast;
  const parsed = alertSchema().safeParse(rec);
  if (parsed.success) return build(rec, file, line, limits, seen);
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const found = issue && issue.path.length > 0 && issue.code !== 'custom' && !/, got /.test(issue.message) ? `, found ${describeFound(issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k], rec))}` : '';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
  return { file, line, reason: `${path || 'alert'}: ${issue?.message ?? 'invalid'}${found}${more}` };
}

/** Narrows the result of validation. */
export function isReject(x: Alert | Reject): x is Reject {
  return !('rule' in x);
}
