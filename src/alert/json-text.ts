// JSON text → value without silent changes: integers beyond 2^53 and overflowing numbers keep their digits.
import { randomBytes } from 'node:crypto';

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

/** A per-process marker nobody can guess, so an alert's own strings can never pose as numbers. */
const EXACT_MARK = `\u0000exact${randomBytes(6).toString('hex')}:`;

/** Limits that keep one hostile record from costing unbounded memory or stack. */
export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxMembers: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxMembers: 10_000 };

const NEEDS_CARE = /\d{16}|\d[eE][+-]?\d{3}|-0(?![.\deE])/;
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** True when `Number(raw)` would not print back as written (2^53+, overflow, -0, 1.5e+308). */
function changesWhenParsed(raw: string): boolean {
  // Only reached on lines that look risky; there, any token that would print differently is kept.
  return String(Number(raw)) !== raw;
}

/** Rewrites the number tokens that JSON.parse would change into marked strings; strings are left alone. */
function protectNumbers(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  let scanned = 0;
  NUMBER_TOKEN.lastIndex = 0;
  for (let m = NUMBER_TOKEN.exec(text); m; m = NUMBER_TOKEN.exec(text)) {
    // Advance the string state from `scanned` to the match, jumping from quote to quote.
    let q = text.indexOf('"', scanned);
    while (q !== -1 && q < m.index) {
      let bs = 0;
      for (let k = q - 1; k >= 0 && text.charCodeAt(k) === 92; k--) bs++;
      if (bs % 2 === 0) inString = !inString;
      q = text.indexOf('"', q + 1);
    }
    scanned = m.index;
    if (inString) continue;
    const prev = text.charCodeAt(m.index - 1);
    // A token glued to a letter or digit is part of something else (e.g. true1 is invalid anyway).
    if ((prev >= 48 && prev <= 57) || prev === 46) continue;
    const raw = m[0];
    if (!changesWhenParsed(raw)) continue;
    out += text.slice(last, m.index) + JSON.stringify(EXACT_MARK + raw);
    last = m.index + raw.length;
  }
  return last === 0 ? text : out + text.slice(last);
}

function restore(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith(EXACT_MARK) ? new ExactNumber(value.slice(EXACT_MARK.length)) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = restore(obj[k]);
  }
  return value;
}

/** The outcome of parsing one record's text. */
export type JsonResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

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

/**
 * Parses one JSON record. Numbers that a JavaScript number would change become ExactNumber.
 * Shape limits are checked by the validator, which walks the values anyway.
 */
export function parseJsonText(text: string): JsonResult {
  const careful = NEEDS_CARE.test(text);
  const source = careful ? protectNumbers(text) : text;
  try {
    const value: unknown = JSON.parse(source);
    return { ok: true, value: careful ? restore(value) : value };
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, reason: 'nesting too deep to parse' };
    return { ok: false, reason: describeSyntaxError(text, err as Error) };
  }
}

/** JSON.stringify that writes ExactNumber values back as the digits they were read as. */
export function stringifyJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  if (!text.includes('\\u0000exact')) return text;
  const mark = JSON.stringify(EXACT_MARK).slice(1, -1);
  return text.replace(new RegExp(`"${mark.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}(-?[0-9.eE+-]+)"`, 'g'), '$1');
}
