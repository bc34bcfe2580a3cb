// The terminal report: the Markdown report drawn by marked-terminal with chalk, at the terminal's width.
import { createRequire, Module } from 'node:module';
import { Chalk, type ChalkInstance } from 'chalk';
import { Marked, type Tokens } from 'marked';
import type { Report } from '../aggregate/aggregate.js';
import { markdownSections, type RenderOptions } from './markdown.js';
import { drawTable } from './draw-table.js';
import { KEEP_WHOLE, wrapLines } from './fit-width.js';

/**
 * Puts a stand-in for a CommonJS module into the require cache before anything loads it; imports of it,
 * CommonJS or ESM, then get `exports` and the real module is never read. `from` is a module that
 * depends on it, naming where its resolution starts.
 */
function standIn(from: string[], name: string, exports: unknown): void {
  let require = createRequire(import.meta.url);
  for (const dep of from) require = createRequire(require.resolve(dep));
  const path = require.resolve(name);
  if (require.cache[path]) return;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = exports;
  require.cache[path] = stub;
}

/*
 * marked-terminal loads three things at import time that reports never use:
 * - cli-highlight, and with it all of highlight.js (a quarter of a second): reports never highlight code
 *   (their code blocks hold commands with alert values), so it gets a no-op highlighter;
 * - node-emoji, which builds its tables from emojilib's 1,570 emoji (about 10 ms): markedTerminal gets
 *   `emoji: false` below, so node-emoji is never asked, and its tables are built from an empty list;
 *   the CommonJS modules its functions use (@sindresorhus/is, char-regex, skin-tone) are stand-ins
 *   too, since those functions are never called (7-14 ms less start-up, interleaved runs);
 * - cli-table3 (and string-width and the rest of its dependencies): tables are drawn by drawTable, which
 *   replaces marked-terminal's table renderer below, so its stand-in is never called.
 */
standIn(['marked-terminal'], 'cli-table3', function unused(): never {
  throw new Error('cli-table3 stand-in called: tables are drawn by drawTable');
});
standIn(['marked-terminal'], 'cli-highlight', { highlight: (code: string) => code, supportsLanguage: () => false });
standIn(['marked-terminal', 'node-emoji'], 'emojilib', { lib: {}, ordered: [], fitzpatrick_scale_modifiers: [] });
standIn(['marked-terminal', 'node-emoji'], '@sindresorhus/is', { default: {}, assert: {} });
// node-emoji makes its matcher at import time: one that takes a character at a time will do.
standIn(['marked-terminal', 'node-emoji'], 'char-regex', () => /[^]/gu);
standIn(['marked-terminal', 'node-emoji'], 'skin-tone', (emoji: string) => emoji);
const { markedTerminal } = await import('marked-terminal');

/** `this` in a marked renderer function: the parser renders a token's inline children. */
type RendererThis = { parser: { parseInline(tokens: Tokens.Generic[]): string } };

/** What marked-terminal leaves in rendered inline text for its table renderer to undo: colons and entities. */
function undoInline(text: string): string {
  return text
    .replaceAll('*#COLON|*', ':')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

/**
 * A table renderer that keeps tables within `width`: marked-terminal draws every table at its natural
 * width, so a report's incident table ran past a 100-column terminal. Cells are rendered by
 * marked-terminal as before; the table is drawn by drawTable.
 */
function fittedTable(width: number, chalk: ChalkInstance) {
  const style = { border: (s: string) => chalk.gray(s), head: (s: string) => chalk.cyan(s) };
  return function table(this: RendererThis, token: Tokens.Table): string {
    const cell = (c: Tokens.TableCell): string => undoInline(this.parser.parseInline(c.tokens));
    return `${drawTable(token.header.map(cell), token.rows.map((r) => r.map(cell)), width, style)}\n\n`;
  };
}

/**
 * The text of a tight list item is a block token holding inline ones; marked-terminal prints its raw
 * Markdown (`**` and backticks showed in triage hints). Rendering its inline tokens, as marked itself
 * does, draws them; other text falls back to marked-terminal.
 */
function inlineText(this: RendererThis, token: Tokens.Text | Tokens.Escape): string | false {
  return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : false;
}

/** What a list adds before its items' text: the indentation (tab 2) and a number such as `10. `. */
const LIST_INDENT = 6;

/**
 * A renderer of Markdown text for a terminal, made once and used for each piece of a report; values in
 * the text were made terminal-safe by the Markdown sink.
 */
function terminalRenderer(opts: RenderOptions): (md: string) => string {
  const chalk = new Chalk({ level: opts.color ? 2 : 0 });
  const marked = new Marked();
  const terminal = markedTerminal({
    // Paragraphs in list items are reflowed before the list indents them: leave room for a bullet.
    width: Math.max(20, opts.width - LIST_INDENT),
    reflowText: true,
    tab: 2,
    showSectionPrefix: false,
    // Never true: emojilib is a stand-in (see above).
    emoji: false,
    heading: chalk.bold.cyan,
    firstHeading: chalk.bold.magenta,
    strong: chalk.bold,
    em: chalk.italic,
    codespan: chalk.yellow,
    code: chalk.yellow,
    blockquote: chalk.gray.italic,
    link: chalk.blue,
    href: chalk.blue.underline,
    paragraph: chalk.reset,
    listitem: chalk.reset,
    text: chalk.reset,
    del: chalk.dim,
  });
  // Code blocks hold commands to copy: their lines are marked so that the last pass leaves them whole.
  const code = terminal.renderer?.code as (...args: unknown[]) => string;
  const keepWhole = function (this: unknown, ...args: unknown[]): string {
    return code.apply(this, args).replace(/^(?=.)/gm, KEEP_WHOLE);
  };
  marked.use(
    { ...terminal, renderer: { ...terminal.renderer, code: keepWhole } },
    // The report writes `#` headings only. A setext heading (text over a line of = or -) is never
    // meant, and looking for one before each paragraph was a quarter of marked's first lexing.
    { tokenizer: { lheading: () => undefined } },
    // A rule across the whole width (marked-terminal's is as wide as its narrower reflow width).
    { renderer: { table: fittedTable(opts.width, chalk), text: inlineText, hr: () => `${chalk.gray('-'.repeat(opts.width - 1))}\n\n` } },
  );
  return (md) => wrapLines(marked.parse(md, { async: false }) as string, opts.width);
}

/** Renders Markdown text for a terminal; values in it were made terminal-safe by the Markdown sink. */
export function markdownToTerminal(md: string, opts: RenderOptions): string {
  return terminalRenderer(opts)(md);
}

/** Markdown drawn at once: a whole report of a few dozen rules; a larger one in several parts. */
const DRAW_CHARS = 1 << 16;

/**
 * The whole report for a terminal, from its Markdown with the tables made compact, drawn some 64 kB of
 * sections at a time: a report of thousands of rules never exists as one Markdown text, one token tree
 * or one string. Joined, the pieces are renderTerminal's text.
 */
export function* renderTerminalChunks(r: Report, opts: RenderOptions): Generator<string> {
  const draw = terminalRenderer(opts);
  let md = '';
  for (const section of markdownSections(r, { ...opts, compact: true })) {
    md = md === '' ? section : `${md}\n\n${section}`;
    if (md.length >= DRAW_CHARS) {
      yield draw(`${md}\n`);
      md = '';
    }
  }
  if (md !== '') yield draw(`${md}\n`);
}

/** Renders the whole report for a terminal. */
export function renderTerminal(r: Report, opts: RenderOptions): string {
  return [...renderTerminalChunks(r, opts)].join('');
}
