// Every regex condition of the built-in catalogue runs in linear time on any value: alert values are
// chosen by attackers, and a benign pattern with polynomial backtracking stalls the report on a long
// command line (`/var/lib/dpkg/info/\S+\.postinst` took 10.6 s on 320,000 characters). recheck proves it
// from the pattern's automaton, or fuzzes patterns it cannot build a small one for (lookaround, counted
// repeats) with a fixed seed and no time limits, so the verdict does not depend on the machine's speed.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import type { KbCondition } from '../src/kb/schema.js';
import { regexVerdict as verdict } from './regex-verdict.js';

let patterns: { source: string; where: string }[] = [];
beforeAll(async () => {
  const kb = await loadKnowledgeBase();
  const seen = new Map<string, string>();
  for (const e of kb.entries) {
    e.benign.forEach((b, i) => {
      for (const c of b.when as readonly KbCondition[]) if (c.op === 'regex' && !seen.has(String(c.value))) seen.set(String(c.value), `${e.file} benign[${i}] ${c.field}`);
    });
  }
  patterns = [...seen].map(([source, where]) => ({ source, where }));
});

describe('regex conditions of the built-in KB', () => {
  it('are there to check (the catalogue has dozens)', () => {
    expect(patterns.length).toBeGreaterThan(30);
  });
  it('backtrack in linear time at worst, on any value', () => {
    const bad = patterns.map((p) => ({ ...p, verdict: verdict(p.source) })).filter((p) => p.verdict !== 'safe');
    expect(bad.map((p) => `${p.where}: ${p.source}: ${p.verdict}`)).toEqual([]);
  }, 300_000);
  it('catch the shapes that backtrack (controls)', () => {
    expect(verdict('/var/lib/dpkg/info/\\S+\\.(preinst|postinst|prerm|postrm)')).toMatch(/^2nd degree polynomial/);
    expect(verdict('^(nc|ncat|netcat)( -[a-zA-Z]+\\d*( \\d+)?)* -[a-zA-Z]*z[a-zA-Z]*( -[a-zA-Z]+\\d*( \\d+)?)* [\\w.-]+ \\d+$')).toMatch(/polynomial/);
    expect(verdict('^(?=a)(a+)+$')).toMatch(/exponential/);
  }, 120_000);
});
