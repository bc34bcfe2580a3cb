// --max-bytes and --github-summary: the capped Markdown stays under the limit, parses, and says what it cut.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/aggregate/aggregate.js';
import { createAggregator } from '../src/aggregate/aggregate.js';
import { createIncidentTracker } from '../src/aggregate/incidents.js';
import { createQualityTracker } from '../src/aggregate/quality.js';
import { enrich } from '../src/enrich/enrich.js';
import { loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import { cachedMatcher } from '../src/kb/match-entry.js';
import { renderMarkdown, renderMarkdownChunks, renderMarkdownWithin } from '../src/render/markdown.js';
import { markdownToTerminal, renderTerminalChunks } from '../src/render/terminal.js';
import { annotations, escapeData, escapeProperty } from '../src/render/github.js';
import { alertFrom, ROOT } from './helpers.js';

const opts = { version: 'test', width: 100, color: false };

/** A report of a million alerts over 600 rules, folded in-process (alert objects are reused). */
async function bigReport(): Promise<Report> {
  const kb = await loadKnowledgeBase();
  const match = cachedMatcher(kb);
  const agg = createAggregator();
  const base = ['Terminal shell in container', 'Read sensitive file untrusted', 'Write below etc'];
  const alerts = Array.from({ length: 600 }, (_, i) =>
    alertFrom({
      rule: i < 3 ? base[i] : `Custom rule ${i} | with <html> and [links](https://x.example)`,
      priority: ['Critical', 'Warning', 'Notice'][i % 3],
      time: `2026-11-27T09:${String(i % 60).padStart(2, '0')}:00Z`,
      hostname: `node-${i % 40}`,
      source: 'syscall',
      tags: ['container', 'shell'],
      output_fields: { 'proc.name': 'bash', 'proc.cmdline': `bash -c "curl x | sh" #${i}`, 'container.id': `c${i % 500}`, 'k8s.ns.name': 'prod' },
    }),
  );
  const enriched = alerts.map((a) => enrich(a, match(a)));
  for (let i = 0; i < 1_000_000; i++) agg.addAlert(enriched[i % 600]!);
  // Incidents and data quality are built from the 600 distinct alerts: the size cap is about the rule groups.
  const incidents = createIncidentTracker({ windowMs: 600_000 });
  const quality = createQualityTracker();
  for (const e of enriched) {
    incidents.add(e);
    quality.add(e);
  }
  return { ...agg.finish(), incidents: incidents.finish(), quality: quality.finish(), signatures: [] };
}

let report: Report;
beforeAll(async () => {
  report = await bigReport();
}, 120_000);

describe('a large report, written in pieces', () => {
  it('Markdown: the pieces are the report, a section each', () => {
    const whole = renderMarkdown(report, opts);
    const pieces = [...renderMarkdownChunks(report, opts)];
    expect(pieces.join('')).toBe(whole);
    expect(pieces.length).toBeGreaterThan(600);
    // The largest section (the rules table) is a small part of the whole.
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(whole.length / 10);
  });
  it('terminal: drawn part by part, it is the report drawn whole, never more than one part at a time', () => {
    const whole = markdownToTerminal(renderMarkdown(report, { ...opts, compact: true }), opts);
    const pieces = [...renderTerminalChunks(report, opts)];
    expect(pieces.join('')).toBe(whole);
    expect(pieces.length).toBeGreaterThan(10);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(whole.length / 10);
  }, 120_000);
});

describe('--max-bytes', () => {
  it('keeps a 1,000,000-alert report under the limit, parseable, and says what it cut', () => {
    expect(report.totals.alerts).toBe(1_000_000);
    for (const limit of [1024 * 1024, 64 * 1024, 8 * 1024]) {
      const md = renderMarkdownWithin(report, opts, limit);
      expect(Buffer.byteLength(md), `limit ${limit}`).toBeLessThanOrEqual(limit);
      expect(md).toMatch(/Shortened to fit the size limit|Cut here to fit/);
      const tokens = marked.lexer(md);
      expect(tokens[0]).toMatchObject({ type: 'heading', depth: 1, text: 'Falco report: 1000000 alerts, 600 rules' });
      // Every <details> that is opened is closed.
      expect((md.match(/<details>/g) ?? []).length).toBe((md.match(/<\/details>/g) ?? []).length);
    }
  });
  it('changes nothing when the report already fits', async () => {
    const kb = await loadKnowledgeBase();
    const agg = createAggregator();
    const a = alertFrom({ rule: 'Terminal shell in container', priority: 'Notice', output_fields: {} });
    const e = enrich(a, cachedMatcher(kb)(a));
    agg.addAlert(e);
    const r = { ...agg.finish(), incidents: createIncidentTracker({ windowMs: 1 }).finish(), quality: createQualityTracker().finish(), signatures: [] };
    const md = renderMarkdownWithin(r, opts, 1024 * 1024);
    expect(md).not.toContain('Shortened');
    expect(md).toContain('#### Harden');
  });
});

describe('GitHub Actions', () => {
  it('escapes workflow-command data and properties', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done\\r\\nnext');
    expect(escapeProperty('a: b, c')).toBe('a%3A b%2C c');
    expect(escapeData('x\n::error::forged')).toBe('x\\n::error::forged');
  });
  it('--github-summary appends the report to the summary file and prints one annotation per rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-gh-'));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/falco-report.js'), 'examples/mixed.ndjson', '--github-summary', '--fail-on', 'critical'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: summary },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n');
    // The risky incident of the checkout container first, then one line per rule.
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^::error title=Falco incident inc-1::risk \d+, 5 alerts in container a1b2c3d4e5f6, tactics execution → /);
    expect(lines[1]).toMatch(/^::error title=Falco%3A Drop and execute new binary in container::1 Critical alert of /);
    expect(lines.filter((l) => l.startsWith('::notice '))).toHaveLength(2);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n# Falco report: 7 alerts, 5 rules')).toBe(true);
    // -o still writes the chosen format, whole, beside the summary and the annotations.
    const json = join(dir, 'report.json');
    const withFile = spawnSync(process.execPath, [join(ROOT, 'bin/falco-report.js'), 'examples/mixed.ndjson', '--github-summary', '-o', json], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: summary },
      encoding: 'utf8',
    });
    expect(withFile.status).toBe(0);
    expect(withFile.stdout.startsWith('::')).toBe(true);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ totals: { alerts: 7 }, input: { records: 10 } });
    const none = spawnSync(process.execPath, [join(ROOT, 'bin/falco-report.js'), 'examples/mixed.ndjson', '--github-summary'], { cwd: ROOT, env: { ...process.env, GITHUB_STEP_SUMMARY: '' }, encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--github-summary needs GITHUB_STEP_SUMMARY');
  });
  it('annotations rank by priority then count, one per rule, with escaped titles', () => {
    const a = annotations(report, 250);
    expect(a).toHaveLength(250);
    // 600 rules share 1,000,000 alerts: 1,667 for the first 400 rules, 1,666 for the rest; every third is Critical.
    expect(a.slice(0, 134).every((l) => l.startsWith('::error title=Falco%3A '))).toBe(true);
    expect(a[0]).toMatch(/::1667 Critical alerts of /);
    expect(a[134]).toMatch(/^::error .*::1666 Critical alerts of /);
    expect(a[200]).toMatch(/^::warning /);
    expect(a.every((l) => !l.includes('\n'))).toBe(true);
  });
});
