// Shell sink: quotes alert values for bash so that no value can end the quoting or add a command.

/** Characters that never need quoting in a shell word (no glob, no expansion, no separator). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Control, format and bidi characters: a paste must not carry them raw, so they go in $'...' escapes. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** $'...' with invisible characters as \xHH of their UTF-8 bytes, which bash decodes in any locale. */
function ansiC(value: string): string {
  let out = "$'";
  for (const ch of value) {
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (NAMED[ch]) out += NAMED[ch];
    else if (INVISIBLE.test(ch)) for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/**
 * Quotes a value as one bash word. Safe words stay bare for readability; others are single-quoted
 * (each `'` written as `'\''`), and values with invisible characters use $'...' so the paste stays exact.
 */
export function shellQuote(value: string): string {
  if (value !== '' && SAFE_WORD.test(value) && !value.startsWith('-')) return value;
  if (INVISIBLE.test(value)) return ansiC(value);
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
