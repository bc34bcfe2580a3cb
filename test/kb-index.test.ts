// The built-in catalogue is read through dist/kb-index.json: only the entries a report uses are parsed whole.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileKb, indexedRefs, indexKbRefs, loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import { cachedMatcher, matchEntry } from '../src/kb/match-entry.js';
import { termsOf } from '../src/kb/terms.js';
import { CORPUS, ROOT, alertFrom } from './helpers.js';

describe('compiled knowledge base', () => {
  it('writes kb.json exactly as JSON.stringify does, and its index gives back every entry', async () => {
    const builtin = (await loadKnowledgeBase()).entries;
    // Text beyond ASCII early on: the ranges are bytes, not UTF-16 units, or every later entry is off.
    const entries = [{ ...builtin[0]!, summary: 'Ünïcode — ✓ 🚀' }, ...builtin.slice(1)];
    const { json, index } = compileKb(entries);
    expect(json).toBe(JSON.stringify(entries));
    expect(Buffer.byteLength(json)).toBeGreaterThan(json.length);
    expect(index.bytes).toBe(Buffer.byteLength(json));
    let reads = 0;
    const bytes = Buffer.from(json);
    const refs = indexedRefs(index, (start, end) => {
      reads++;
      return bytes.subarray(start, end);
    });
    expect(refs.map((r) => r.head.rule)).toEqual(entries.map((e) => e.rule));
    expect(refs.map((r) => r.head)).toEqual(entries.map((e) => ({ rule: e.rule, aliases: e.aliases, kind: e.kind, ...(e.applies ? { applies: e.applies } : {}), source: e.source })));
    expect(refs.map((r) => r.terms)).toEqual(entries.map(termsOf));
    expect(reads).toBe(0);
    expect(refs.map((r) => r.entry)).toEqual(entries);
    // One read per entry, of its own bytes only.
    expect(reads).toBe(entries.length);
    expect(refs[0]?.entry).toBe(refs[0]?.entry);
  });

  it('matches through heads as through whole entries, and parses only the entries chosen', async () => {
    const whole = await loadKnowledgeBase();
    const { json, index } = compileKb(whole.entries);
    const parsed = new Set<string>();
    const bytes = Buffer.from(json);
    const refs = indexedRefs(index, (start, end) => bytes.subarray(start, end)).map((r) => ({
      head: r.head,
      // The terms the build worked out; whole entries work theirs out when matching first asks.
      terms: r.terms,
      get entry() {
        parsed.add(r.head.rule);
        return r.entry;
      },
    }));
    const lazy = indexKbRefs(refs, ['built-in']);
    expect(parsed.size).toBe(0);
    const lines = readFileSync(`${CORPUS}public-alerts.jsonl`, 'utf8').split('\n').filter(Boolean);
    // Each alert also under a custom name, so that similarity matching is compared too.
    const alerts = lines.flatMap((l, i) => {
      const custom = JSON.stringify({ ...JSON.parse(l), rule: `Custom ${i}: ${JSON.parse(l).rule ?? ''} (site copy)` });
      return [alertFrom(l, 'public-alerts.jsonl', i + 1), alertFrom(custom, 'custom.jsonl', i + 1)];
    });
    const match = cachedMatcher(lazy);
    const chosen = new Set<string>();
    let similar = 0;
    for (const a of alerts) {
      const m = match(a);
      expect(m).toEqual(matchEntry(a, whole));
      if (m.entry) chosen.add(m.entry.rule);
      if (m.how === 'similar') similar++;
    }
    expect(similar).toBeGreaterThan(5);
    expect(chosen.size).toBeGreaterThan(5);
    expect([...parsed].sort()).toEqual([...chosen].sort());
  });

  it('says so when kb.json and its index are out of step', () => {
    const a = { rule: 'A', aliases: [], kind: 'rule', source: 'syscall', tags: [], fields: [] };
    const { index } = compileKb([a, { ...a, rule: 'B' }] as never);
    const stale = Buffer.from(JSON.stringify([{ ...a, rule: 'X' }, { ...a, rule: 'B' }]));
    const refs = indexedRefs(index, (start, end) => stale.subarray(start, end));
    expect(refs[1]?.entry.rule).toBe('B');
    expect(() => refs[0]?.entry).toThrow(/dist\/kb.json and dist\/kb-index.json disagree at "A" \(run npm run build\)/);
  });

  it('the built tool loads dist/kb.json through its index, whole entries equal to the file', async () => {
    const dist = join(ROOT, 'dist/kb/knowledge-base.js');
    expect(existsSync(dist), 'run npm run build first').toBe(true);
    const mod = (await import(dist)) as typeof import('../src/kb/knowledge-base.js');
    const kb = await mod.loadKnowledgeBase();
    // An indexed ref reads its entry through a getter; a whole one holds it.
    expect(kb.refs.every((r) => !Object.hasOwn(r, 'entry'))).toBe(true);
    expect(kb.entries).toEqual(JSON.parse(readFileSync(join(ROOT, 'dist/kb.json'), 'utf8')));
  });
});
