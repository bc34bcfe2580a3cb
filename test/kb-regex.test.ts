// Every regex condition of the built-in catalogue runs in linear time on any value: alert values are
// chosen by attackers, and a benign pattern with polynomial backtracking stalls the report on a long
// command line (`/var/lib/dpkg/info/\S+\.postinst` took 10.6 s on 320,000 characters). recheck proves it
// from the pattern's automaton, or fuzzes patterns it cannot build a small one for (lookaround, counted
// repeats) with a fixed seed and no time limits, so the verdict does not depend on the machine's speed.
import { checkSync } from 'recheck';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/knowledge-base.js';
import type { KbCondition } from '../src/kb/schema.js';

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

/** Time limits off and a fixed seed, so the verdict depends on the pattern only (recall validation, which times real runs, stays off as by default). */
const DETERMINISTIC = { randomSeed: 1, timeout: null, seedingTimeout: null, incubationTimeout: null, attackTimeout: null } as const;

/** `safe`, or what recheck found: the complexity and the start of an attack string. */
function verdict(source: string): string {
  const r = checkSync(source, '', { checker: 'auto', ...DETERMINISTIC });
  if (r.status === 'safe') return 'safe';
  if (r.status === 'vulnerable') return `${r.complexity.summary} (${r.checker}; attack ${JSON.stringify(r.attack.string.slice(0, 40))}...)`;
  return `unknown: ${r.error.kind}`;
}

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
