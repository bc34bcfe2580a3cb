// The terminal report: the Markdown report drawn by marked-terminal with chalk, at the terminal's width.
import { createRequire, Module } from 'node:module';
import { Chalk } from 'chalk';
import { Marked } from 'marked';
import type { Report } from '../aggregate/aggregate.js';
import { renderMarkdown, type RenderOptions } from './markdown.js';

/**
 * marked-terminal imports cli-highlight, and with it all of highlight.js (a quarter of a second), at
 * load time. Reports never highlight code (their code blocks hold commands with alert values), so the
 * CommonJS cache gets a no-op highlighter first and highlight.js is never loaded.
 */
function skipHighlighter(): void {
  const require = createRequire(createRequire(import.meta.url).resolve('marked-terminal'));
  const path = require.resolve('cli-highlight');
  if (require.cache[path]) return;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = { highlight: (code: string) => code, supportsLanguage: () => false };
  require.cache[path] = stub;
}

skipHighlighter();
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
