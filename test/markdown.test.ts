import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../src/aggregate/aggregate.js';
import { indexKnowledgeBase } from '../src/kb/knowledge-base.js';
import { renderMarkdown } from '../src/render/markdown.js';
import { analyze } from '../src/run.js';

describe('markdown report', () => {
  it('writes the sampled-fields limit with thousands grouped, as en-US does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-md-'));
    const file = join(dir, 'alerts.ndjson');
    const count = LIMITS.fieldsExactUpTo + 100;
    const line = JSON.stringify({ rule: 'R', priority: 'Notice', time: '2026-01-01T00:00:00Z', output_fields: { 'proc.name': 'sh' }, source: 'syscall' });
    writeFileSync(file, `${line}\n`.repeat(count));
    const report = await analyze({ sources: [file], maxRecordBytes: 1 << 20 }, indexKnowledgeBase([], ['built-in']), process.stdin);
    const md = renderMarkdown(report, { version: 'test', width: 100, color: false });
    const limit = LIMITS.fieldsExactUpTo.toLocaleString('en-US');
    expect(limit).toMatch(/,/);
    expect(md).toContain(`Values counted for the first ${limit} alerts and 1 in ${LIMITS.fieldSampleEvery} after`);
  });
});
