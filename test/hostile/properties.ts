// The properties every rendering of hostile input must have; each check returns its violations (empty: holds).
import { marked, type Token, type Tokens } from 'marked';
import type { KnowledgeBase } from '../../src/kb/knowledge-base.js';

/** At most this many violations of one kind are listed, so a failure message stays readable. */
const CAP = 5;

function capped(list: string[]): string[] {
  return list.length > CAP ? [...list.slice(0, CAP), `... and ${list.length - CAP} more`] : list;
}

function around(text: string, i: number): string {
  return JSON.stringify(text.slice(Math.max(0, i - 30), i + 30));
}

const SGR_AT = /\x1b\[[0-9;]*m/y;
const SGR_ALL = /\x1b\[[0-9;]*m/g;

/**
 * C0 controls but tab and line feed, DEL, C1 controls, bidi embeddings/overrides/isolates, zero-width
 * and other invisible format characters, and Unicode line/paragraph separators.
 */
const UNSAFE_IN_TERMINAL = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Removes chalk's SGR colour codes. */
export function stripSgr(text: string): string {
  return text.replace(SGR_ALL, '');
}

/**
 * Terminal output: no control byte but \t and \n, no C1, bidi or zero-width character; with colour the
 * only escape sequences are SGR colour codes (`ESC [ ... m`) and there is no OSC (`ESC ]`) at all.
 */
export function terminalViolations(text: string, color: boolean): string[] {
  const out: string[] = [];
  if (text.includes('\x1b]')) out.push(`OSC sequence (ESC ]) at ${around(text, text.indexOf('\x1b]'))}`);
  for (let i = text.indexOf('\x1b'); i !== -1; i = text.indexOf('\x1b', i + 1)) {
    SGR_AT.lastIndex = i;
    if (!color) out.push(`ESC with colour off at ${around(text, i)}`);
    else if (!SGR_AT.test(text)) out.push(`ESC that does not start an SGR colour code at ${around(text, i)}`);
  }
  const plain = stripSgr(text);
  for (const m of plain.matchAll(UNSAFE_IN_TERMINAL)) {
    if (m[0] === '\x1b') continue; // reported above
    out.push(`U+${(m[0].codePointAt(0) as number).toString(16).padStart(4, '0')} at ${around(plain, m.index ?? 0)}`);
  }
  return capped(out);
}

/** Everything a terminal or a Markdown renderer may take as the start of a line. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;
/** Indentation, table borders (ASCII and box drawing) and quote markers before the text of a line. */
const LINE_LEAD = /^[\s|│┃║\u2500-\u257f]*/;
/**
 * Text a hostile value placed after one of its own line breaks: FORGED... or pwnmark..., possibly
 * behind block markup (`# `, `- `, `1. `, `> `) or a fake report heading.
 */
const FORGED_START = /^(?:[#>*+=-][ \t]*|\d+[.)][ \t]*|Falco report:[ \t]*)*(?:FORGED|pwnmark)/;

/** Lines of a report (terminal, colour stripped, or raw Markdown) that a value's line break started. */
export function forgedLineViolations(text: string): string[] {
  const out: string[] = [];
  for (const line of stripSgr(text).split(LINE_BREAK)) {
    const body = line.replace(LINE_LEAD, '');
    if (FORGED_START.test(body)) out.push(`a value started a line: ${JSON.stringify(line.slice(0, 80))}`);
  }
  return capped(out);
}

/** The links a report may carry: ATT&CK technique pages, falco.org, and the KB's own references. */
export function allowedHrefs(kb: KnowledgeBase): (href: string) => boolean {
  let refs = REFS.get(kb);
  if (!refs) {
    refs = new Set(kb.entries.flatMap((e) => e.references.map((r) => r.url)));
    REFS.set(kb, refs);
  }
  const known = refs;
  return (href) => known.has(href) || href.startsWith('https://attack.mitre.org/') || href.startsWith('https://falco.org/');
}
const REFS = new WeakMap<KnowledgeBase, Set<string>>();

/**
 * The shapes of the report's own headings, by depth (a title; section names; rule groups and
 * incidents; KB sections). A value can only add a heading by starting a line, which the forged-line
 * check catches, or by turning a report line into a setext heading, which these shapes catch.
 */
const OWN_HEADINGS: Readonly<Record<number, RegExp>> = {
  1: /^Falco (?:alert: |report: \d+ alerts?, \d+ rules?$)/,
  2: /^(?:[A-Z][a-z]+(?: [a-z]+)*(?: \(\d+, riskiest first\))?|Compared with .*)$/,
  3: /^(?:\d+\. (?:Emergency|Alert|Critical|Error|Warning|Notice|Informational|Debug): .* \(\d+ alerts?\)|inc-\d+: risk -?\d+, [a-z]+(?: .*)?)$/,
  4: /^[A-Z][a-z]+(?: [a-z]+)*$/,
};

/** HTML the report writes itself: rule details collapsed in <details><summary>. */
const OWN_TAGS = new Set(['details', 'summary']);

/** Tags written as `<name>` in KB prose (placeholders such as `<node>`): KB text, not alert text. */
export function kbTags(kb: KnowledgeBase): ReadonlySet<string> {
  let tags = TAGS.get(kb);
  if (!tags) {
    tags = new Set([...JSON.stringify(kb.entries).matchAll(/<([A-Za-z][\w-]*)>/g)].map((m) => (m[1] as string).toLowerCase()));
    TAGS.set(kb, tags);
  }
  return tags;
}
const TAGS = new WeakMap<KnowledgeBase, ReadonlySet<string>>();

/** The number of cells GFM sees in a table row: split on pipes not escaped by an odd run of backslashes. */
export function gfmCellCount(row: string): number {
  let s = row.trim();
  let cells = 1;
  let lastPipe = -1;
  let firstPipe = -1;
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '|') continue;
    let bs = 0;
    for (let k = i - 1; k >= 0 && s[k] === '\\'; k--) bs++;
    if (bs % 2 === 1) continue;
    if (firstPipe < 0) firstPipe = i;
    lastPipe = i;
    cells++;
  }
  if (firstPipe === 0) cells--;
  if (lastPipe === s.length - 1 && lastPipe > 0) cells--;
  s = '';
  return cells;
}

/** Code block languages the report writes: commands, and the KB's hardening snippets. */
const FENCE_LANGS = new Set(['', 'sh', 'shell', 'yaml', 'json', 'ini', 'text']);

/** Math a value might smuggle in (GitHub renders `$...$`): escaped, it never shows up in a text token. */
const MATH_PAYLOAD = /\$(?:x\^2|\\alpha|\\unicode|MATH)/;

/**
 * Markdown output, read back with marked's lexer: links only to allowed pages, no image, no HTML, no
 * heading but the report's own (one title, one per rule group), every table row with as many cells as
 * its header, no code block or emphasis opened by a value, no math, and no line a value started.
 */
export function markdownViolations(
  md: string,
  opts: { readonly allowHref: (href: string) => boolean; readonly kbTags: ReadonlySet<string>; readonly groups?: number; readonly title: boolean },
): string[] {
  const out: string[] = [];
  const tokens = marked.lexer(md);
  const depth: Record<number, number> = {};
  marked.walkTokens(tokens, (t: Token) => {
    switch (t.type) {
      case 'link':
        if (!opts.allowHref((t as Tokens.Link).href)) out.push(`link to ${JSON.stringify((t as Tokens.Link).href)} from ${JSON.stringify(t.raw.slice(0, 60))}`);
        break;
      case 'image':
        out.push(`image ${JSON.stringify(t.raw.slice(0, 60))}`);
        break;
      case 'html':
      case 'tag': {
        // Only the report's own <details>/<summary> (whose text is raw HTML: backslash escapes do not
        // apply there), and KB placeholders like <node> standing alone.
        const raw = t.raw.trim();
        const tags = [...raw.matchAll(/<\/?([A-Za-z][\w-]*)/g)].map((m) => (m[1] as string).toLowerCase());
        const kbOnly = tags.length === 1 && opts.kbTags.has(tags[0] as string) && /^<[A-Za-z][\w-]*>$/.test(raw);
        const foreign = tags.filter((x) => !OWN_TAGS.has(x));
        if (!kbOnly && (tags.length === 0 || foreign.length > 0)) out.push(`HTML ${foreign.map((x) => `<${x}>`).join(' ')} in ${JSON.stringify(raw.slice(0, 100))}`);
        break;
      }
      case 'heading': {
        const h = t as Tokens.Heading;
        depth[h.depth] = (depth[h.depth] ?? 0) + 1;
        const own = OWN_HEADINGS[h.depth];
        if (!own || !own.test(h.text)) out.push(`heading not the report's own: ${JSON.stringify(h.raw.slice(0, 60))}`);
        break;
      }
      case 'table': {
        const rows = t.raw.replace(/\n+$/, '').split('\n');
        const head = gfmCellCount(rows[0] ?? '');
        rows.forEach((r, i) => {
          if (gfmCellCount(r) !== head) out.push(`table row ${i} has ${gfmCellCount(r)} cells, header ${head}: ${JSON.stringify(r.slice(0, 100))}`);
        });
        break;
      }
      case 'code': {
        const c = t as Tokens.Code;
        if (!FENCE_LANGS.has(c.lang ?? '') || /^\s*FORGED/.test(c.text)) out.push(`code block opened by a value: ${JSON.stringify(c.raw.slice(0, 60))}`);
        break;
      }
      case 'strong':
      case 'em':
      case 'del':
        if (/^EMPH_/.test((t as Tokens.Strong).text) || t.type === 'del') out.push(`${t.type} made by a value: ${JSON.stringify(t.raw.slice(0, 60))}`);
        break;
      case 'text':
        if (!('tokens' in t && t.tokens) && MATH_PAYLOAD.test((t as Tokens.Text).text)) out.push(`unescaped math: ${JSON.stringify(t.raw.slice(0, 60))}`);
        break;
      default:
        break;
    }
  });
  if ((depth[1] ?? 0) !== (opts.title ? 1 : 0)) out.push(`${depth[1] ?? 0} level-1 headings, expected ${opts.title ? 1 : 0}`);
  const ruleHeadings = (md.match(/^### \d+\. /gm) ?? []).length;
  if (opts.groups !== undefined && ruleHeadings !== opts.groups) out.push(`${ruleHeadings} rule headings, expected ${opts.groups}`);
  out.push(...forgedLineViolations(md));
  return capped(out);
}

/** The text of the JSON object that follows `"output_fields":` (strings skipped over), or ''. */
function outputFieldsText(text: string): string {
  const at = text.indexOf('"output_fields"');
  if (at < 0) return '';
  const start = text.indexOf('{', at);
  if (start < 0) return '';
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return '';
}

/** Each number among the values of output_fields (nested ones included), by key, as written. */
export function rawFieldNumbers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const obj = outputFieldsText(text);
  const re = /[{,]\s*"((?:[^"\\]|\\.)*)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}])/g;
  for (let m = re.exec(obj); m; m = re.exec(obj)) out.set(JSON.parse(`"${m[1] as string}"`) as string, m[2] as string);
  return out;
}

/** Every string inside a value, with its path, for exact comparison. */
export function stringsOf(v: unknown, path = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (typeof v === 'string') out.set(path, v);
  else if (Array.isArray(v)) v.forEach((x, i) => stringsOf(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) stringsOf((v as Record<string, unknown>)[k], `${path}.${JSON.stringify(k)}`, out);
  return out;
}

/** The keys of an alert that the tool reads; any other top-level key is kept in `extra`. */
const KNOWN_KEYS = new Set(['time', 'rule', 'priority', 'output', 'output_fields', 'source', 'tags', 'hostname', 'uuid']);

/**
 * An alert as written (the parsed input record and its text) against the alert in the output (an
 * NDJSON `alert` or a JSON `sample`): every string value round-trips exactly; every number of
 * output_fields is written back with the digits it was read with.
 */
export function roundTripViolations(inputText: string, input: Record<string, unknown>, output: Record<string, unknown>, outputText: string, indent = ''): string[] {
  const out: string[] = [];
  const same = (what: string, a: unknown, b: unknown): void => {
    const want = stringsOf(a);
    const got = stringsOf(b);
    for (const [p, s] of want) if (got.get(p) !== s) out.push(`${what}${p}: wrote ${JSON.stringify(got.get(p))?.slice(0, 80)}, read ${JSON.stringify(s).slice(0, 80)}`);
  };
  for (const k of ['rule', 'output', 'hostname', 'source', 'uuid'] as const) if (typeof input[k] === 'string') same(k, input[k], output[k]);
  if (Array.isArray(input.tags)) same('tags', input.tags, output.tags);
  if (input.output_fields && typeof input.output_fields === 'object') same('output_fields', input.output_fields, output.output_fields);
  const extra = Object.fromEntries(Object.keys(input).filter((k) => !KNOWN_KEYS.has(k)).map((k) => [k, input[k]]));
  same('extra', extra, output.extra ?? {});
  // Integers (beyond 2^53 too), -0 and numbers too large for a double must be written with the digits
  // they were read with; other numbers (1.50, 1E5) with the same value. JSON output indents with ': '.
  for (const [k, raw] of rawFieldNumbers(inputText)) {
    const n = Number(raw);
    const exact = /^-?\d+$/.test(raw) || !Number.isFinite(n) || Object.is(n, -0);
    const key = `${JSON.stringify(k)}:${indent}`.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    const written = [...outputText.matchAll(new RegExp(`${key}(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)(?=[,}\\s])`, 'g'))].map((m) => m[1] as string);
    if (!written.some((w) => (exact ? w === raw : Number(w) === n))) out.push(`output_fields.${k}: ${raw} written as ${JSON.stringify(written)}`);
  }
  return capped(out);
}

/** Accepted + rejected + skipped = records, as the JSON document states it. */
export function accountingViolations(doc: { input: { records: number; accepted: number; rejected: number; skipped: number } }): string[] {
  const i = doc.input;
  return i.accepted + i.rejected + i.skipped === i.records ? [] : [`accepted ${i.accepted} + rejected ${i.rejected} + skipped ${i.skipped} != records ${i.records}`];
}
