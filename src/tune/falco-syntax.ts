// Falco's rules-file syntax for exceptions: comparison operators, value quoting, versions (known fields:
// known-fields.ts, so that writing exceptions, as every Markdown report may, does not load Falco's field list).

/** The comparison operators a KB entry may name for an exception (the KB schema's list). */
export const EXCEPTION_COMPS = ['=', '!=', 'in', 'startswith', 'endswith', 'contains', 'pmatch', 'glob'] as const;
export type ExceptionComp = (typeof EXCEPTION_COMPS)[number];

/** Operators whose right-hand side is a list of values: `in (a, b)`, `pmatch (/a, /b)`. */
export const LIST_COMPS: ReadonlySet<string> = new Set(['in', 'pmatch', 'intersects']);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Longest value an exception row may hold; longer values are refused rather than cut. */
export const MAX_VALUE_CHARS = 4096;

/**
 * Why a value cannot be written so that Falco reads back exactly the same string, or undefined when it
 * can. Falco's condition lexer ends a quoted string at the first quote not preceded by a backslash, so a
 * value ending in a backslash would swallow its closing quote; NUL ends a C string; a lone surrogate has
 * no UTF-8 form.
 */
export function unrepresentable(value: string): string | undefined {
  if (value.length > MAX_VALUE_CHARS) return `longer than ${MAX_VALUE_CHARS} characters`;
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (value.endsWith('\\')) return "ends with a backslash, which Falco's condition lexer cannot quote";
  if (LONE_SURROGATE.test(value)) return 'is not valid Unicode (a lone surrogate)';
  return undefined;
}

/**
 * Writes a value as a Falco double-quoted string, escaped the way libsinsp's `escape_str` does.
 * Always quoting means no value can be read as a list name (Falco substitutes list names anywhere in a
 * condition), a transformer such as `tolower(...)`, or the end of the comparison.
 */
export function falcoQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      default:
        out += ch;
    }
  }
  return `${out}"`;
}

/** A value as Falco reads it from an exception, or why it would not read as one value. */
export type FalcoValue = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

/** Falco's bare-string token: anything but parentheses, quotes, blanks, `=` and `,`. */
const BARE = /^[^()"'\s=,]+$/;

/**
 * Reads an exception value the way Falco does: the engine quotes a value that holds a space and does not
 * already start with a quote (without escaping it), then the condition lexer reads a quoted string up to
 * the first unescaped matching quote, or a bare word. A value that would not read as exactly one token
 * (so that the rest would become more condition) is reported, not guessed at.
 */
export function falcoUnquote(raw: string): FalcoValue {
  let text = raw;
  if (text.includes(' ') && text[0] !== '"' && text[0] !== "'") text = `"${text}"`;
  const q = text[0];
  if (q !== '"' && q !== "'") {
    if (text === '') return { ok: false, reason: 'empty value' };
    return BARE.test(text) ? { ok: true, value: text } : { ok: false, reason: `${JSON.stringify(raw)} is not one bare word; quote it` };
  }
  // libsinsp's lex_quoted_str: the closing quote is the first one whose previous character is not `\`.
  let end = -1;
  for (let i = 1; i < text.length; i++) {
    if (text[i] === q && text[i - 1] !== '\\') {
      end = i;
      break;
    }
  }
  if (end < 0) return { ok: false, reason: `${JSON.stringify(raw)} has no closing quote` };
  if (end !== text.length - 1) return { ok: false, reason: `${JSON.stringify(raw)} continues after its closing quote` };
  return unescape(text.slice(1, -1), q, raw);
}

/** libsinsp's `unescape_str`, with the `\xHH` escape of Falco 0.45. */
function unescape(body: string, q: string, raw: string): FalcoValue {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    switch (next) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case ' ':
      case '\\':
        // libsinsp maps `\ ` to a backslash too (kept for old rules written that way).
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case '"':
      case "'":
        if (next !== q) return { ok: false, reason: `${JSON.stringify(raw)}: \\${next} is not allowed inside ${q}-quotes` };
        out += next;
        break;
      case 'x': {
        const hex = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { ok: false, reason: `${JSON.stringify(raw)}: \\x needs two hex digits` };
        out += String.fromCharCode(parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        return { ok: false, reason: `${JSON.stringify(raw)}: unsupported escape \\${next ?? ''}` };
    }
  }
  return { ok: true, value: out };
}

/** Which form appends exceptions to a rule defined in another file. */
export type AppendSyntax = 'override' | 'append';

/** The first Falco release with `override: {exceptions: append}`. */
export const OVERRIDE_SINCE = [0, 37] as const;

/**
 * The append form for a Falco version (`0.36.2`, `v0.37.0`, `0.38`); undefined when the text is not a
 * version. `append: true` still loads on newer Falco but is deprecated there.
 */
export function appendSyntaxFor(version: string): AppendSyntax | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(version.trim());
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const newer = major > OVERRIDE_SINCE[0] || (major === OVERRIDE_SINCE[0] && minor >= OVERRIDE_SINCE[1]);
  return newer ? 'override' : 'append';
}
