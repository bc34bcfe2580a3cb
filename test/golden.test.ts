// Golden files per case × format: reviewed diffs, updated with `npx vitest run -u`.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import { analyze } from '../src/run.js';
import { formats, FORMATS } from '../src/render/index.js';
import { CORPUS, ROOT } from './helpers.js';
import { toolVersion } from '../src/io.js';

const corpusLines = (n: number[]): string =>
  readFileSync(`${CORPUS}public-alerts.jsonl`, 'utf8')
    .split('\n')
    .filter((_, i) => n.includes(i + 1))
    .join('\n');
const malformed = (): string =>
  readFileSync(`${CORPUS}public-alerts-malformed.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string)
    .join('\n');

/** Each case: a name and the text fed on stdin. */
const CASES: Record<string, () => string> = {
  'one-alert': () => readFileSync(`${ROOT}examples/seed-alert.json`, 'utf8'),
  'many-alerts': () => readFileSync(`${ROOT}examples/mixed.ndjson`, 'utf8'),
  'k8s-audit': () => readFileSync(`${ROOT}examples/k8s-audit.json`, 'utf8'),
  'unknown-rule': () => corpusLines([12, 33]),
  rejected: () => `${malformed()}\n${corpusLines([2])}\n`,
  text: () => readFileSync(`${CORPUS}public-text-alerts.log`, 'utf8'),
};
const EXT: Record<string, string> = { terminal: 'txt', markdown: 'md', json: 'json', ndjson: 'ndjson' };

async function render(input: string, format: (typeof FORMATS)[number], version: string): Promise<string> {
  const kb = await loadKnowledgeBase();
  const r = await formats[format]();
  const opts = { version, width: 100, color: false };
  const cards: string[] = [];
  const report = await analyze({ sources: ['-'], maxRecordBytes: 1 << 20 }, kb, Readable.from([input]), { onAlert: (e) => r.streams && r.card && cards.push(r.card(e, opts)) });
  return cards.join('') + r.report(report, opts);
}

describe('golden reports', () => {
  for (const [name, input] of Object.entries(CASES)) {
    for (const format of FORMATS) {
      it(`${name} as ${format}`, async () => {
        await expect(await render(input(), format, 'VERSION')).toMatchFileSnapshot(`golden/${name}.${EXT[format]}`);
      });
    }
  }
});

describe('examples/ stay in sync with what they produce', () => {
  for (const [example, input] of [
    ['seed-alert', 'seed-alert.json'],
    ['mixed', 'mixed.ndjson'],
    ['k8s-audit', 'k8s-audit.json'],
  ] as const) {
    it(`examples/${example}.md`, async () => {
      const text = readFileSync(`${ROOT}examples/${input}`, 'utf8');
      await expect(await render(text, 'markdown', toolVersion())).toMatchFileSnapshot(`../examples/${example}.md`);
    });
  }
});
