// Markdown sink: alert values stay text: no links, images, HTML, headings, lists, fences or table breaks.
import { terminalSafe } from './terminal.js';

/** Characters that open or close inline markup anywhere in a line (GitHub math `$` included). */
const MD_SPECIAL = /[\\`*_\[\]<>|~&$@]/g;
/**
 * What GFM would turn into a link by itself: `scheme://` and `www.`. The colon before `//` is enough to
 * find: matching the scheme too (`[A-Za-z][A-Za-z0-9+.-]*:`) searched from every letter of the value,
 * 47 s for a value of 160,000 letters.
 */
const AUTOLINK = /:(?=\/\/)|\b(www)\./gi;

/**
 * Escapes a value for inline Markdown (also inside table cells); renderers never start a line with a
 * value, so block markup (`#`, `-`, `1.`) cannot begin. Control and bidi characters are made visible
 * first, so a value is always one line; inline markup characters are backslash-escaped, and GFM
 * autolinks are broken (`https\://`, `www\.`, `a\@b`).
 */
export function mdText(value: string): string {
  return terminalSafe(value)
    .replace(MD_SPECIAL, '\\$&')
    .replace(AUTOLINK, (_m, www: string | undefined) => (www ? `${www}\\.` : '\\:'));
}

/**
 * Wraps a value in an inline code span that no backtick run inside it can close. In a table cell
 * (`inTable`), `|` is written `\|`: GFM splits cells before it reads code spans.
 */
export function mdCode(value: string, inTable = false): string {
  const safe = inTable ? terminalSafe(value).replace(/\|/g, '\\|') : terminalSafe(value);
  const longest = Math.max(0, ...(safe.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') || safe.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/** A fenced code block whose fence is longer than any backtick run in the body. */
export function mdFence(body: string, lang = ''): string {
  const safe = body
    .split('\n')
    .map((l) => terminalSafe(l))
    .join('\n');
  const longest = Math.max(2, ...(safe.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${safe}\n${fence}`;
}

/**
 * Escapes a value for HTML text, as inside `<summary>`: Markdown escapes do not apply in an HTML block,
 * so `<`, `>`, `&` and quotes become entities (and controls are made visible first).
 */
export function htmlText(value: string): string {
  return terminalSafe(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
