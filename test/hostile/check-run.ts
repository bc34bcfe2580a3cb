// Checks one run of hostile input against every property, format by format; used by the corpus and fuzz tests.
import type { KnowledgeBase } from '../../src/kb/knowledge-base.js';
import { fullText, type Run } from './harness.js';
import { accountingViolations, allowedHrefs, forgedLineViolations, kbTags, markdownViolations, roundTripViolations, terminalViolations } from './properties.js';

/** Violations by property; a property that holds is absent. */
export type Violations = Record<string, string[]>;

/** The input split into lines as the tool numbers them (1-based), as text. */
export function inputLines(input: string | Buffer): string[] {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  return text.split('\n');
}

/** The record on one input line, when that line alone is a JSON object (else undefined: no round trip). */
function recordAt(lines: readonly string[], line: number): { text: string; value: Record<string, unknown> } | undefined {
  const text = lines[line - 1];
  if (text === undefined || text.includes('\ufffd')) return undefined;
  try {
    const value = JSON.parse(text.replace(/^\ufeff/, '')) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? { text, value: value as Record<string, unknown> } : undefined;
  } catch {
    return undefined;
  }
}

interface OutAlert {
  readonly location: { file: string; line: number };
  readonly fromText?: boolean;
  readonly output?: string;
  readonly [k: string]: unknown;
}

function roundTrip(lines: readonly string[], a: OutAlert, text: string, indent: string): string[] {
  if (a.fromText) {
    const want = lines[a.location.line - 1]?.trim();
    return want === undefined || want.includes('\ufffd') || a.output === want ? [] : [`text alert line ${a.location.line}: output ${JSON.stringify(a.output).slice(0, 60)} is not the line as read`];
  }
  const rec = recordAt(lines, a.location.line);
  return rec ? roundTripViolations(rec.text, rec.value, a, text, indent).map((v) => `line ${a.location.line}: ${v}`) : [];
}

/** Every property of every variant of a run. */
export function checkRun(input: string | Buffer, run: Run, kb: KnowledgeBase): Violations {
  const v: Violations = {};
  const add = (name: string, list: string[]): void => {
    if (list.length > 0) (v[name] ??= []).push(...list);
  };
  const lines = inputLines(input);
  const allowHref = allowedHrefs(kb);
  const tags = kbTags(kb);

  for (const [name, r] of Object.entries(run.out)) if (r.error) add(name, [`threw: ${r.error}`]);

  const term = run.out.terminal;
  if (term) {
    add('terminal', terminalViolations(fullText(term), false));
    add('terminal', forgedLineViolations(fullText(term)));
  }
  const color = run.out['terminal+color'];
  if (color) add('terminal+color', terminalViolations(fullText(color), true));

  for (const [name, md] of Object.entries(run.out).filter(([n]) => n.startsWith('markdown'))) {
    // Full detail has a heading per rule group; the collapsed levels put them in <summary> instead.
    add(name, markdownViolations(md.report, { allowHref, kbTags: tags, ...(name === 'markdown' ? { groups: run.report.groups.length } : {}), title: true }));
    if (name === 'markdown') add('markdown cards', markdownViolations(md.cards.join(''), { allowHref, kbTags: tags, groups: 0, title: false }));
  }

  const json = run.out.json;
  if (json) {
    let doc: { input: { records: number; accepted: number; rejected: number; skipped: number }; groups: { sample: OutAlert }[] } | undefined;
    try {
      doc = JSON.parse(json.report) as typeof doc;
    } catch (err) {
      add('json', [`not JSON: ${(err as Error).message}`]);
    }
    if (doc) {
      add('accounting', accountingViolations(doc));
      const r = run.report.input;
      if (doc.input.records !== r.records) add('accounting', [`JSON says ${doc.input.records} records, the report ${r.records}`]);
      // Each group's sample sits in the document at its own place: check it against the text of the document.
      for (const g of doc.groups) add('json', roundTrip(lines, g.sample, json.report, ' '));
    }
  }

  const nd = run.out.ndjson;
  if (nd) {
    const ndLines = nd.cards.join('').split('\n').filter(Boolean);
    if (ndLines.length !== run.report.totals.alerts) add('ndjson', [`${ndLines.length} lines for ${run.report.totals.alerts} alerts`]);
    for (const l of ndLines) {
      try {
        const rec = JSON.parse(l) as { alert: OutAlert };
        add('ndjson', roundTrip(lines, rec.alert, l, ''));
      } catch (err) {
        add('ndjson', [`not JSON: ${(err as Error).message}`]);
      }
    }
  }
  return v;
}
