// The hostile corpus through parse → enrich → every renderer: properties of the output, not snapshots.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkRun, type Violations } from './check-run.js';
import { FAST_VARIANTS, kb, MAIN_VARIANTS, runAll, VARIANTS, type Run, type Variant } from './harness.js';

const corpus = (name: string): Buffer => readFileSync(new URL(`./corpus/${name}`, import.meta.url));
const ALERT_LINES = corpus('hostile-alerts.jsonl').toString('utf8').split('\n').filter(Boolean);
const caseOf = (line: string): string => /"case":"([^"]+)"/.exec(line)?.[1] ?? 'not-an-object';

/** Lines by attack name, in corpus order. */
const BY_CASE = new Map<string, string[]>();
for (const l of ALERT_LINES) BY_CASE.set(caseOf(l), [...(BY_CASE.get(caseOf(l)) ?? []), l]);

const HUGE = 'A'.repeat(200_000) + '\x1b]0;title\x07\u202e$(pwnmark_huge)\n# FORGED_HUGE';
const DEEP = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** Records each input holds: one per non-blank line, and one per element of a top-level array of alerts. */
function recordsIn(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '').reduce((n, l) => {
    try {
      const v = JSON.parse(l) as unknown;
      // An array of strings is not an export of alerts: it is one line of something else.
      return n + (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object') ? v.length : 1);
    } catch {
      return n + 1;
    }
  }, 0);
}

/** An input: its name, its text, how many records it holds, and the variants it is drawn in. */
type Input = [name: string, input: () => string | Buffer, records: number, variants: readonly Variant[]];

/**
 * Each attack alone, once as one alert (single-alert report) and once in each of the rules it is
 * placed in (one rule group each; the terminal draws cards only, its report being slow); then all of
 * them together, where repeats of a rule fold into groups with counted values, in every variant.
 */
const INPUTS: Input[] = [
  ...[...BY_CASE].flatMap(([name, lines]): Input[] => [
    // The last record of an attack puts it in the rule name too, so the report's title carries it.
    [`${name}: one alert`, () => lines.at(-1) as string, recordsIn(lines.at(-1) as string), MAIN_VARIANTS],
    ...(lines.length > 1 ? [[`${name}: one alert per rule`, () => lines.join('\n'), recordsIn(lines.join('\n')), FAST_VARIANTS] as Input] : []),
  ]),
  ['whole corpus', () => `${ALERT_LINES.join('\n')}\n`, recordsIn(ALERT_LINES.join('\n')), VARIANTS],
  ['plain-text alert lines', () => corpus('hostile-lines.log'), corpus('hostile-lines.log').toString('utf8').split('\n').filter(Boolean).length, VARIANTS],
  ['raw bytes: invalid UTF-8, raw NUL, CR, BOM', () => corpus('hostile-bytes.jsonl'), 7, VARIANTS],
  [
    'huge values',
    () => JSON.stringify({ time: '2024-05-01T12:00:00.000000000Z', rule: 'Terminal shell in container', priority: 'Critical', output: HUGE, output_fields: { 'k8s.ns.name': HUGE, 'k8s.pod.name': HUGE, 'container.id': HUGE, 'proc.cmdline': HUGE }, tags: [HUGE] }),
    1,
    VARIANTS,
  ],
  ['record over the size limit', () => JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', output: HUGE.repeat(6) }), 1, VARIANTS],
  ['nesting too deep', () => `{"rule":"Terminal shell in container","priority":"Notice","output_fields":{"x":${DEEP(200)}}}\n{"rule":"x","priority":"Notice","extra":${DEEP(5000)}}`, 2, VARIANTS],
];

const runs = new Map<string, Promise<Run>>();
function run(name: string, input: () => string | Buffer, variants: readonly Variant[]): Promise<Run> {
  let r = runs.get(name);
  if (!r) {
    r = runAll(input(), variants);
    runs.set(name, r);
  }
  return r;
}

const PROPERTIES = ['terminal', 'terminal+color', 'markdown', 'markdown cards', 'markdown collapsed', 'markdown shortest', 'json', 'ndjson', 'accounting'] as const;

describe.each(INPUTS)('hostile input: %s', (name, input, records, variants) => {
  let violations: Promise<Violations> | undefined;
  const checked = (): Promise<Violations> => (violations ??= run(name, input, variants).then(async (r) => checkRun(input(), r, await kb())));
  it.each(PROPERTIES.filter((p) => !p.startsWith('markdown ') || p === 'markdown cards' || variants.some((v) => v.name === p)))('%s', async (property) => {
    const v = await checked();
    expect(v[property] ?? [], `${property} of "${name}"`).toEqual([]);
  });
  it('counts every record it read', async () => {
    const r = (await run(name, input, variants)).report.input;
    expect(r.accepted + r.rejected + r.skipped).toBe(r.records);
    if (records !== undefined) expect(r.records).toBe(records);
  });
});
