import { describe, expect, it } from 'vitest';
import { createAggregator, LIMITS } from '../src/aggregate/aggregate.js';
import { createTopK } from '../src/aggregate/top-k.js';
import { enrich } from '../src/enrich/enrich.js';
import type { Match } from '../src/kb/match-entry.js';
import { alertFrom } from './helpers.js';

const NONE: Match = { how: 'none', signals: [] };

function alert(rule: string, priority: string, time: string, fields: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return enrich(alertFrom({ rule, priority, time, output_fields: fields, source: 'syscall', hostname: 'node-1', ...extra }), NONE);
}

describe('top-k', () => {
  it('is exact while values fit and bounded (to twice its capacity) after', () => {
    const t = createTopK(3);
    for (const v of ['a', 'b', 'a', 'c', 'a', 'b']) t.add(v);
    expect(t.top(2)).toEqual([
      { value: 'a', count: 3 },
      { value: 'b', count: 2 },
    ]);
    expect(t.approximate).toBe(false);
    for (let i = 0; i < 1000; i++) t.add(`x${i}`);
    expect(t.size).toBeLessThanOrEqual(6);
    expect(t.approximate).toBe(true);
    expect(t.distinct).toBe(1003);
    // The frequent values survive the pruning of the one-off ones.
    expect(t.top(1)).toEqual([{ value: 'a', count: 3 }]);
  });
});

describe('aggregate', () => {
  it('counts, ranges and sorts groups by priority then count', () => {
    const agg = createAggregator();
    agg.addAlert(alert('B', 'Notice', '2026-01-01T00:00:02Z', { 'proc.name': 'sh' }));
    agg.addAlert(alert('B', 'Notice', '2026-01-01T00:00:01Z', { 'proc.name': 'bash' }));
    agg.addAlert(alert('B', 'Notice', '2026-01-01T00:00:05Z', { 'proc.name': 'bash', 'k8s.ns.name': null }));
    agg.addAlert(alert('A', 'Critical', '2026-01-01T00:00:03Z'));
    agg.addAlert(alert('C', 'Notice', '2026-01-01T00:00:04Z'));
    agg.addReject({ file: 'f', line: 9, reason: 'bad' });
    agg.addSkipped({ file: 'f', line: 10, text: 'banner' });
    agg.addFiltered();
    const r = agg.finish();
    expect(r.input).toEqual({ records: 8, accepted: 6, rejected: 1, skipped: 1, filtered: 1 });
    expect(r.input.accepted + r.input.rejected + r.input.skipped).toBe(r.input.records);
    expect(r.totals.alerts).toBe(5);
    expect(r.totals.byPriority.Notice).toBe(4);
    expect(r.groups.map((g) => `${g.rule}:${g.count}`)).toEqual(['A:1', 'B:3', 'C:1']);
    const b = r.groups[1]!;
    expect(b.firstSeen).toBe('2026-01-01T00:00:01.000000000Z');
    expect(b.lastSeen).toBe('2026-01-01T00:00:05.000000000Z');
    expect(b.top.process).toEqual([
      { value: 'bash', count: 2 },
      { value: 'sh', count: 1 },
    ]);
    expect(b.fields.find((f) => f.name === 'k8s.ns.name')).toMatchObject({ unknown: 1, distinct: 0 });
    expect(b.sample.fields['proc.name']).toBe('sh');
    expect(r.timeRange).toEqual({ first: '2026-01-01T00:00:01.000000000Z', last: '2026-01-01T00:00:05.000000000Z' });
  });
  it('keeps its size bounded however many distinct values arrive', () => {
    const agg = createAggregator();
    for (let i = 0; i < 20_000; i++) {
      agg.addAlert(alert('R', 'Notice', '2026-01-01T00:00:00Z', { 'proc.name': `p${i}`, [`f${i % 500}`]: i }));
    }
    agg.addReject({ file: 'f', line: 1, reason: 'x' });
    const r = agg.finish();
    const g = r.groups[0]!;
    expect(g.count).toBe(20_000);
    expect(g.fields.length).toBeLessThanOrEqual(LIMITS.fieldsPerGroup);
    expect(g.top.process.length).toBeLessThanOrEqual(LIMITS.topValues);
    // Every alert counted up to LIMITS.fieldsExactUpTo, then every LIMITS.fieldSampleEvery-th one.
    const sampled = LIMITS.fieldsExactUpTo + Array.from({ length: 20_000 - LIMITS.fieldsExactUpTo }, (_, i) => LIMITS.fieldsExactUpTo + 1 + i).filter((n) => n % LIMITS.fieldSampleEvery === 0).length;
    // Multiples of 64 in 1,001..20,000: 312 - 15 = 297.
    expect(sampled).toBe(1_000 + 297);
    expect(g.fieldsCounted).toBe(sampled);
    expect(g.fields.find((f) => f.name === 'proc.name')?.distinct).toBe(sampled);
  });
});
