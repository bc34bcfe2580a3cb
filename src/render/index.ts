// The one registry of output formats: --format choices, -o extensions, live cards and golden tests derive from it.
import type { Folded } from '../aggregate/fold.js';
import type { Report } from '../aggregate/aggregate.js';
import type { EnrichedAlert } from '../enrich/enrich.js';
import type { RenderOptions } from './markdown.js';

/** What one format can write, once loaded. */
export interface FormatRenderers {
  /** The report written when the input ends (or on Ctrl-C); '' when there is nothing more to say. */
  readonly report: (report: Report, opts: RenderOptions) => string;
  /** The same report in pieces (joined, `report`'s text): written as they come, so a large one is never one string. */
  readonly reportChunks?: (report: Report, opts: RenderOptions) => Iterable<string>;
  /** Live mode: what is written as each alert arrives; absent means nothing until the end. */
  readonly card?: (e: EnrichedAlert, opts: RenderOptions) => string;
  /** Live mode: the line that stands for folded repeats; absent means this format never folds. */
  readonly fold?: (f: Folded, opts: RenderOptions) => string;
  /** True when every alert is written as it arrives, live or not (a pipeline format). */
  readonly streams?: boolean;
}

/**
 * Each format loads only the modules it needs, so --format json never pays for marked-terminal, and
 * the live cards (chalk) are loaded only in live mode (`live`).
 */
export const formats = {
  terminal: async (live = true): Promise<FormatRenderers> => {
    const t = await import('./terminal.js');
    const report = { report: t.renderTerminal, reportChunks: t.renderTerminalChunks };
    if (!live) return report;
    const c = await import('./card.js');
    return { ...report, card: c.terminalCard, fold: c.terminalFoldLine };
  },
  markdown: async (live = true): Promise<FormatRenderers> => {
    const m = await import('./markdown.js');
    const report = { report: m.renderMarkdown, reportChunks: m.renderMarkdownChunks };
    if (!live) return report;
    const c = await import('./card.js');
    return { ...report, card: c.markdownCard, fold: c.markdownFoldLine };
  },
  json: async (_live = true): Promise<FormatRenderers> => {
    const j = await import('./json.js');
    return { report: j.renderJson, reportChunks: j.renderJsonChunks };
  },
  ndjson: async (_live = true): Promise<FormatRenderers> => {
    const j = await import('./json.js');
    return { report: () => '', card: j.renderNdjsonLine, streams: true };
  },
} satisfies Record<string, (live?: boolean) => Promise<FormatRenderers>>;

/** A format name. */
export type Format = keyof typeof formats;
export const FORMATS = Object.keys(formats) as Format[];

/** -o FILE extensions and the format each one picks. */
export const EXTENSIONS: Readonly<Record<string, Format>> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.txt': 'terminal',
};

export type { RenderOptions };
