// The terminal report: the Markdown report drawn by marked-terminal with chalk, at the terminal's width.
import { createRequire, Module } from 'node:module';
import { Chalk } from 'chalk';
import { Marked } from 'marked';
import type { Report } from '../aggregate/aggregate.js';
import { renderMarkdown, type RenderOptions } from './markdown.js';

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
 * marked-terminal loads two things at import time that reports never use:
 * - cli-highlight, and with it all of highlight.js (a quarter of a second): reports never highlight code
 *   (their code blocks hold commands with alert values), so it gets a no-op highlighter;
 * - node-emoji, which builds its tables from emojilib's 1,570 emoji (about 10 ms): markedTerminal gets
 *   `emoji: false` below, so node-emoji is never asked, and its tables are built from an empty list.
 */
standIn(['marked-terminal'], 'cli-highlight', { highlight: (code: string) => code, supportsLanguage: () => false });
standIn(['marked-terminal', 'node-emoji'], 'emojilib', { lib: {}, ordered: [], fitzpatrick_scale_modifiers: [] });
const { markedTerminal } = await import('marked-terminal');

/** Renders Markdown text for a terminal; values in it were made terminal-safe by the Markdown sink. */
export function markdownToTerminal(md: string, opts: RenderOptions): string {
  const chalk = new Chalk({ level: opts.color ? 2 : 0 });
  const marked = new Marked();
  marked.use(
    markedTerminal({
      width: opts.width,
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
      hr: chalk.gray,
      table: chalk.reset,
      paragraph: chalk.reset,
      listitem: chalk.reset,
      text: chalk.reset,
      del: chalk.dim,
      // cli-table3 colours borders and headers itself: keep it in step with --color/NO_COLOR.
      tableOptions: { style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['gray'] : [] } },
    }),
  );
  return marked.parse(md, { async: false }) as string;
}

/** Renders the whole report for a terminal. */
export function renderTerminal(r: Report, opts: RenderOptions): string {
  return markdownToTerminal(renderMarkdown(r, opts), opts);
}
