// Runs hostile input through the whole pipeline in-process and renders it in every format and variant.
import { Readable } from 'node:stream';
import type { Report } from '../../src/aggregate/aggregate.js';
import { foldWhere } from '../../src/aggregate/fold.js';
import type { EnrichedAlert } from '../../src/enrich/enrich.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../../src/kb/knowledge-base.js';
import { formats, type Format, type FormatRenderers } from '../../src/render/index.js';
import { analyze, type AnalyzeOptions } from '../../src/run.js';

/** One way of rendering: a format, with colour on or off, at a width. */
export interface Variant {
  readonly name: string;
  readonly format: Format;
  readonly color: boolean;
  readonly width: number;
  /** Markdown only: a --max-bytes detail level (collapsed rule details use <details> HTML). */
  readonly detail?: number;
  /** Live cards and fold lines only: the report is not drawn (the terminal report is the slow part). */
  readonly cardsOnly?: boolean;
}

/**
 * The terminal is drawn twice: without colour at a width nothing wraps at (so a line start is only
 * ever a real line start, never a soft wrap), and with colour at 80 columns (wrapping and SGR codes).
 */
export const VARIANTS: readonly Variant[] = [
  { name: 'terminal', format: 'terminal', color: false, width: 10_000 },
  { name: 'terminal+color', format: 'terminal', color: true, width: 80 },
  { name: 'markdown', format: 'markdown', color: false, width: 100 },
  { name: 'markdown collapsed', format: 'markdown', color: false, width: 100, detail: 1 },
  { name: 'markdown shortest', format: 'markdown', color: false, width: 100, detail: 4 },
  { name: 'json', format: 'json', color: false, width: 100 },
  { name: 'ndjson', format: 'ndjson', color: false, width: 100 },
];

/** Every variant but the shortest Markdown level (the collapsed level's code, minus detail). */
export const MAIN_VARIANTS: readonly Variant[] = VARIANTS.filter((v) => v.name !== 'markdown shortest');

/** The main variants, but the terminal writes its cards only: for inputs with many rule groups. */
export const FAST_VARIANTS: readonly Variant[] = MAIN_VARIANTS.map((v) => (v.format === 'terminal' ? { ...v, cardsOnly: true } : v));

/** What one variant wrote: the live cards and fold lines (one string each), and the final report. */
export interface Rendered {
  readonly cards: readonly string[];
  readonly report: string;
  /** What a renderer threw, if one did (the rest of the variant is then empty). */
  readonly error?: string;
}

/** Everything a run produced. */
export interface Run {
  readonly report: Report;
  readonly alerts: readonly EnrichedAlert[];
  readonly out: Readonly<Record<string, Rendered>>;
}

let kbPromise: Promise<KnowledgeBase> | undefined;
const renderers = new Map<Format, Promise<FormatRenderers>>();

/** The built-in knowledge base, loaded once per test file. */
export function kb(): Promise<KnowledgeBase> {
  kbPromise ??= loadKnowledgeBase();
  return kbPromise;
}

function renderer(f: Format): Promise<FormatRenderers> {
  let r = renderers.get(f);
  if (!r) {
    r = formats[f]();
    renderers.set(f, r);
  }
  return r;
}

/** Options of the analysis beyond the input (--redact, filters), as cli.ts would pass them. */
export type ExtraOptions = Partial<Omit<AnalyzeOptions, 'sources'>>;

/** The analysis only: parse, validate, enrich, aggregate (records up to 1 MiB, as the CLI's default). */
export async function analyzeInput(input: string | Buffer, extra: ExtraOptions = {}): Promise<{ report: Report; alerts: EnrichedAlert[] }> {
  const alerts: EnrichedAlert[] = [];
  const report = await analyze({ maxRecordBytes: 1 << 20, ...extra, sources: ['-'] }, await kb(), Readable.from([input]), { onAlert: (e) => alerts.push(e) });
  return { report, alerts };
}

/** Analyses the input once and renders it in every variant: cards, a fold line per alert, the report. */
export async function runAll(input: string | Buffer, variants: readonly Variant[] = VARIANTS, extra: ExtraOptions = {}): Promise<Run> {
  const { report, alerts } = await analyzeInput(input, extra);
  const out: Record<string, Rendered> = {};
  for (const v of variants) {
    const r = await renderer(v.format);
    const opts = { version: 'TEST', width: v.width, color: v.color, ...(v.detail !== undefined ? { detail: v.detail } : {}) };
    const cards: string[] = [];
    // A renderer that throws is a finding for that variant; the other variants are still checked.
    try {
      for (const e of alerts) {
        if (r.card) cards.push(r.card(e, opts));
        if (r.fold) cards.push(r.fold({ rule: e.alert.rule, where: foldWhere(e), count: 2, firstMs: 0, lastMs: 1000 }, opts));
      }
      out[v.name] = { cards, report: v.cardsOnly ? '' : r.report(report, opts) };
    } catch (err) {
      out[v.name] = { cards: [], report: '', error: (err as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(err) };
    }
  }
  return { report, alerts, out };
}

/** The whole text a variant wrote, as a user would see it. */
export function fullText(r: Rendered): string {
  return r.cards.join('') + r.report;
}
