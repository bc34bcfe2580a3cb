// Terminal sink: alert text cannot move the cursor, set titles, add hyperlinks or reorder text.

/** C0/C1 controls, DEL, and Unicode format characters that reorder or hide text. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Shows a character as an escape a person can read: `\x1b`, `\u202e`, `\n`. */
function visible(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const cp = ch.codePointAt(0) as number;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** Makes every control, escape and bidi character of an alert value visible; newlines included. */
export function terminalSafe(value: string): string {
  return value.replace(UNSAFE, visible);
}
