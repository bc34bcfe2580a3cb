// JSON text → value without silent changes: integers beyond 2^53 and overflowing numbers keep their digits.
import { detach } from '../detach.js';

/** A JSON number kept as written because a JavaScript number would change it (2^53+, 1e400, -0). */
export class ExactNumber {
  constructor(readonly raw: string) {}
  toString(): string {
    return this.raw;
  }
  toJSON(): string {
    return EXACT_MARK + this.raw;
  }
}

/**
 * A per-process marker the writer of an alert cannot know in advance, so an alert's own strings cannot
 * pose as numbers. Math.random is seeded from the operating system in every process; node:crypto
 * would cost a few milliseconds of start-up to load. Guessing it would at most let a string made of
 * number characters be written as that number: the marker is only ever replaced by such characters.
 */
const EXACT_MARK = `\u0000exact${Math.random().toString(36).slice(2, 10)}${Math.random().toString(36).slice(2, 10)}:`;

/** Limits that keep one hostile record from costing unbounded memory or stack. */
export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxMembers: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxMembers: 10_000 };

const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** True when `Number(raw)` would not print back as written (2^53+, overflow, -0, long fractions). */
function changesWhenParsed(raw: string): boolean {
  return String(Number(raw)) !== raw;
}

/**
 * A parsed number that may not be what was written: an integer beyond 2^53, an overflow, -0, or a
 * fraction (which may have had more digits than a double keeps). Falco writes fractions rarely, so
 * a record with one takes the careful parse, which keeps only the numbers that did change.
 */
function suspicious(v: unknown): v is number {
  return typeof v === 'number' && (Object.is(v, -0) || !Number.isSafeInteger(v));
}

/** Tracks whether an offset of a JSON text is inside a string, jumping from quote to quote. */
function stringTracker(text: string): (offset: number) => boolean {
  let inString = false;
  let q = text.indexOf('"');
  return (offset) => {
    while (q !== -1 && q < offset) {
      let bs = 0;
      for (let k = q - 1; k >= 0 && text.charCodeAt(k) === 92; k--) bs++;
      if (bs % 2 === 0) inString = !inString;
      q = text.indexOf('"', q + 1);
    }
    return inString;
  };
}

function isTokenChar(c: number): boolean {
  // digits, '.', '-', '+', 'e', 'E'
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

/** Rewrites the number tokens that JSON.parse would change into marked strings; strings are left alone. */
function protectNumbers(text: string): { text: string; marked: number } {
  const inString = stringTracker(text);
  const re = NUMBER_TOKEN;
  let marked = 0;
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Widen a digit run to the whole number token around it (sign, fraction, exponent).
    let start = m.index;
    let end = m.index + m[0].length;
    while (start > last && isTokenChar(text.charCodeAt(start - 1))) start--;
    while (end < text.length && isTokenChar(text.charCodeAt(end))) end++;
    re.lastIndex = end;
    if (inString(start)) continue;
    const raw = text.slice(start, end);
    if (!changesWhenParsed(raw)) continue;
    out += text.slice(last, start) + JSON.stringify(EXACT_MARK + raw);
    last = end;
    marked++;
  }
  return { text: last === 0 ? text : out + text.slice(last), marked };
}

/**
 * Turns marked strings back into ExactNumber, in place; stops once `budget.left` markers were found,
 * so a record with one big evt.time costs a walk up to that field, not of the whole record.
 */
function restore(value: unknown, budget: { left: number }): unknown {
  if (budget.left <= 0) return value;
  if (typeof value === 'string') {
    if (value.charCodeAt(0) === 0 && value.startsWith(EXACT_MARK)) {
      budget.left--;
      return new ExactNumber(value.slice(EXACT_MARK.length));
    }
    return value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && budget.left > 0; i++) value[i] = restore(value[i], budget);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      if (budget.left <= 0) break;
      if (Object.prototype.hasOwnProperty.call(obj, k)) obj[k] = restore(obj[k], budget);
    }
  }
  return value;
}

/**
 * What parsing learned about `output_fields` on its way, so that validation need not walk it again:
 * how many fields it has and whether any value is an object or array (whose shape must be checked).
 */
export interface FieldsSeen {
  readonly count: number;
  readonly nested: boolean;
}

/** The outcome of parsing one record's text. */
export type JsonResult = { readonly ok: true; readonly value: unknown; readonly fields?: FieldsSeen } | { readonly ok: false; readonly reason: string };

/** Describes where JSON.parse stopped, as "expected JSON, found ..." with a short excerpt. */
function describeSyntaxError(text: string, err: Error): string {
  const pos = /position (\d+)/.exec(err.message);
  const at = pos ? Number(pos[1]) : -1;
  if (at >= 0 && at >= text.trimEnd().length) return `invalid JSON: input ends inside a value (truncated record, ${text.length} bytes)`;
  const near = at >= 0 ? text.slice(Math.max(0, at - 10), at + 10) : text.slice(0, 20);
  const msg = err.message.replace(/ in JSON at position \d+.*$/, '').replace(/^.*?: /, '');
  return `invalid JSON${at >= 0 ? ` at column ${at + 1}` : ''}: ${msg}, found ${JSON.stringify(near)}`;
}

/** Checks depth and member counts of a parsed value, returning the first limit it breaks. */
export function checkShape(value: unknown, limits: JsonLimits, depth = 1): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > limits.maxDepth) return `nesting deeper than ${limits.maxDepth} levels`;
  const members = Array.isArray(value) ? value : Object.values(value);
  if (members.length > limits.maxMembers) {
    return `${Array.isArray(value) ? 'an array' : 'an object'} with ${members.length} members (limit ${limits.maxMembers})`;
  }
  for (const m of members) {
    const p = checkShape(m, limits, depth + 1);
    if (p) return p;
  }
  return undefined;
}

const RAW_NUMBER = /\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;

/** JSON's whitespace: space, tab, line feed, carriage return. */
function isJsonSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * True when the quote at `at` opens a key. In valid JSON a quote that has `{` or `,` before it (and
 * whitespace between) opens a string, and one followed by `name":` is a key; a look-alike inside a
 * key such as `"\"evt.time"` has a backslash before it.
 */
function opensKey(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */ || c === 44 /* , */) return true;
    if (!isJsonSpace(c)) return false;
  }
  return false;
}

/** The needle of the key repaired last: nearly always `"evt.time":`. */
let lastKey = '';
let lastNeedle = '';

/**
 * Replaces the suspicious numbers at `keys` by the digits written after the key. The key's last
 * occurrence in the text is the one JSON.parse kept (a repeated key keeps its last value); when some
 * other object may hold the same key (`unique` false), it must be the only one. Returns false when
 * that cannot be made sure: the caller then parses the careful way.
 */
function repairKeys(obj: Record<string, unknown>, keys: readonly string[], text: string, unique: boolean): boolean {
  for (const k of keys) {
    const v = obj[k] as number;
    if (k !== lastKey) {
      lastNeedle = PLAIN_KEY.test(k) ? `"${k}":` : `${JSON.stringify(k)}:`;
      lastKey = k;
    }
    const needle = lastNeedle;
    const at = text.lastIndexOf(needle);
    if (at < 0 || !opensKey(text, at) || (!unique && text.indexOf(needle) !== at)) return false;
    let end = at + needle.length;
    while (isJsonSpace(text.charCodeAt(end))) end++;
    const start = end;
    if (text.charCodeAt(end) === 45 /* - */) end++;
    while (isDigit(text.charCodeAt(end))) end++;
    const next = text.charCodeAt(end);
    if (next === 46 /* . */ || next === 101 /* e */ || next === 69 /* E */) {
      // A fraction or an exponent (rare in Falco's output): it changed only if it prints back otherwise.
      RAW_NUMBER.lastIndex = start;
      const m = RAW_NUMBER.exec(text);
      if (!m) return false;
      const raw = m[1] as string;
      // A number-to-text round trip costs about 1 µs, too much for every evt.time: only fractions pay it.
      if (Number.isInteger(v) || !Number.isFinite(v) || changesWhenParsed(raw)) obj[k] = new ExactNumber(detach(raw));
    } else {
      // An integer that was suspicious: beyond 2^53, an overflow or -0. Its digits are the exact value.
      if (end === start || text.charCodeAt(end - 1) === 45) return false;
      obj[k] = new ExactNumber(detach(text.slice(start, end)));
    }
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Keys JSON writes as they are (no escapes), so the needle can be built without JSON.stringify. */
const PLAIN_KEY = /^[\w.\[\]\/:-]*$/;

/** True when a value may contain objects with keys of their own (so a key may occur twice). */
function holdsObjects(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (!Array.isArray(v)) return true;
  for (const x of v) if (x !== null && typeof x === 'object') return true;
  return false;
}

function hasSuspicious(v: unknown): boolean {
  if (suspicious(v)) return true;
  if (v === null || typeof v !== 'object') return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (hasSuspicious(x)) return true;
  return false;
}

/**
 * Parses one JSON record. Numbers that a JavaScript number would change become ExactNumber: the
 * common case (a nanosecond evt.time among output_fields) is repaired from the text after one
 * JSON.parse; anything else suspicious is parsed again with every such number protected.
 */
export function parseJsonText(text: string): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, reason: 'nesting too deep to parse' };
    return { ok: false, reason: describeSyntaxError(text, err as Error) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: true, value };
  const rec = value as Record<string, unknown>;
  let fine = true;
  let fields: Record<string, unknown> | undefined;
  // A key of output_fields can only occur twice in the text if some other part of the record holds
  // objects (or output_fields itself does, or the key is also a top-level key).
  let unique = true;
  for (const k in rec) {
    const v = rec[k];
    if (k === 'output_fields' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      fields = v as Record<string, unknown>;
    } else if (typeof v === 'number') {
      if (suspicious(v)) fine = false;
    } else if (v !== null && typeof v === 'object') {
      if (hasSuspicious(v)) fine = false;
      if (holdsObjects(v)) unique = false;
    }
  }
  let seen: FieldsSeen | undefined;
  if (fine && fields) {
    // One pass over the fields: the common record has no suspicious number and stops here.
    let found: string[] | undefined;
    let count = 0;
    let nested = false;
    for (const k in fields) {
      count++;
      const v = fields[k];
      if (typeof v === 'number') {
        if (suspicious(v)) (found ??= []).push(k);
      } else if (v !== null && typeof v === 'object') {
        nested = true;
        if (hasSuspicious(v)) fine = false;
        if (holdsObjects(v)) unique = false;
      }
    }
    if (fine && found) {
      for (const k of found) if (Object.prototype.hasOwnProperty.call(rec, k)) unique = false;
      fine = repairKeys(fields, found, text, unique);
    }
    // Repaired numbers are ExactNumber objects, which need no shape check: `nested` stays as read.
    seen = { count, nested };
  }
  if (fine) return seen === undefined ? { ok: true, value } : { ok: true, value, fields: seen };
  const careful = protectNumbers(text);
  return { ok: true, value: restore(JSON.parse(careful.text), { left: careful.marked }) };
}

/** True for what JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * The text of stringifyJson(value, 2), in pieces: the members of the top `levels` levels of objects
 * and arrays are written one at a time, so that a large document never exists as one string (the
 * JSON report of a million alerts held three copies of itself). Joined, the pieces equal
 * stringifyJson(value, 2).
 */
export function* stringifyJsonChunks(value: unknown, levels = 2, pad = ''): Generator<string> {
  const v = value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
  if (levels <= 0 || v === null || typeof v !== 'object') {
    const text = stringifyJson(v, 2);
    yield pad === '' ? text : text.replaceAll('\n', `\n${pad}`);
    return;
  }
  const inner = `${pad}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      yield '[]';
      return;
    }
    for (let i = 0; i < v.length; i++) {
      yield `${i === 0 ? '[' : ','}\n${inner}`;
      if (omitted(v[i])) yield 'null';
      else yield* stringifyJsonChunks(v[i], levels - 1, inner);
    }
    yield `\n${pad}]`;
    return;
  }
  const obj = v as Record<string, unknown>;
  let first = true;
  for (const k of Object.keys(obj)) {
    if (omitted(obj[k])) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* stringifyJsonChunks(obj[k], levels - 1, inner);
  }
  yield first ? '{}' : `\n${pad}}`;
}

/** JSON.stringify that writes ExactNumber values back as the digits they were read as. */
export function stringifyJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  if (!text.includes('\\u0000exact')) return text;
  const mark = JSON.stringify(EXACT_MARK).slice(1, -1);
  return text.replace(new RegExp(`"${mark.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}(-?[0-9.eE+-]+)"`, 'g'), '$1');
}
