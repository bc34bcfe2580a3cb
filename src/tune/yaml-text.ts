// YAML sink for the rules file: scalars that read back exactly, comments that no value can end.
import { terminalSafe } from '../escape/terminal.js';

/**
 * Characters written as escapes, in double quotes: those a single-quoted YAML scalar cannot carry
 * (controls, line breaks and tabs among them, DEL, C1 with NEL, a line break in YAML 1.1, the line and
 * paragraph separators, BOM, U+FFFE/U+FFFF, lone surrogates), and the invisible and bidi format
 * characters, which YAML allows but which would make a reviewer read a different value than Falco does.
 */
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A plain scalar that every YAML parser reads as this same string (not a number, bool, null or tag). */
const PLAIN_SAFE = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const PLAIN_RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;

/**
 * Quotes a string for YAML: single quotes when every character may appear in them (so `#`, `: `, `&`,
 * `!`, `*`, `[` and quotes stay text), double quotes with escapes otherwise. Both forms read back as
 * exactly the input.
 */
export function yamlQuoted(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `'${value.replace(/'/g, "''")}'`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ch = value[i] as string;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && /[\udc00-\udfff]/.test(value[i + 1] as string)) {
      out += ch + (value[i + 1] as string);
      i++;
    } else if (NEEDS_ESCAPE.test(ch)) out += c <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`;
    else out += ch;
  }
  return `${out}"`;
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/** A key-like word written plain when that is safe (field names, operators), quoted otherwise. */
export function yamlWord(value: string): string {
  return PLAIN_SAFE.test(value) && !PLAIN_RESERVED.test(value) ? value : yamlQuoted(value);
}

/**
 * Text for a `#` comment: every control, line or paragraph separator and bidi character is shown as an
 * escape, so nothing an alert holds can end the comment line and start YAML of its own.
 */
export function commentText(text: string): string {
  return terminalSafe(text);
}

/** A value shown inside a comment: in double quotes, with `\` and `"` escaped before controls are. */
export function commentValue(value: string): string {
  return commentText(`"${value.replace(/[\\"]/g, '\\$&')}"`);
}
