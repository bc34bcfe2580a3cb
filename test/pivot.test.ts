import { describe, expect, it } from 'vitest';
import { createPivot } from '../src/aggregate/pivot.js';
import { alertFrom } from './helpers.js';

const a = (rule: string, priority: string, time: string, host: string, ns?: string) =>
  alertFrom({ rule, priority, time, hostname: host, source: 'syscall', output_fields: ns ? { 'k8s.ns.name': ns } : {} });

describe('--group-by pivots', () => {
  it('counts per value with priorities, first/last seen and top rules, sorted by highest priority then count', () => {
    const p = createPivot(['host']);
    p.add(a('Shell', 'Notice', '2026-01-01T00:00:02Z', 'n1'));
    p.add(a('Shell', 'Notice', '2026-01-01T00:00:01Z', 'n1'));
    p.add(a('Read', 'Warning', '2026-01-01T00:00:03Z', 'n1'));
    p.add(a('Shell', 'Notice', '2026-01-01T00:00:04Z', 'n2'));
    p.add(a('Drop', 'Critical', '2026-01-01T00:00:05Z', 'n3'));
    const r = p.finish();
    expect(r.rows.map((x) => `${x.value}:${x.count}:${x.highest}`)).toEqual(['n3:1:Critical', 'n1:3:Warning', 'n2:1:Notice']);
    const n1 = r.rows[1]!;
    expect(n1.byPriority).toEqual({ Warning: 1, Notice: 2 });
    expect(n1.firstSeen).toBe('2026-01-01T00:00:01.000000000Z');
    expect(n1.lastSeen).toBe('2026-01-01T00:00:03.000000000Z');
    expect(n1.topRules).toEqual([
      { value: 'Shell', count: 2 },
      { value: 'Read', count: 1 },
    ]);
    expect(n1.rows).toBeUndefined();
  });
  it('two keys give a nested breakdown; a missing value is "(unknown)"', () => {
    const p = createPivot(['namespace', 'host']);
    p.add(a('Shell', 'Notice', '2026-01-01T00:00:01Z', 'n1', 'prod'));
    p.add(a('Shell', 'Notice', '2026-01-01T00:00:02Z', 'n2', 'prod'));
    p.add(a('Shell', 'Notice', '2026-01-01T00:00:03Z', 'n2', 'prod'));
    p.add(a('Shell', 'Notice', '2026-01-01T00:00:04Z', 'n1'));
    const r = p.finish();
    expect(r.by).toEqual(['namespace', 'host']);
    expect(r.rows.map((x) => [x.value, x.count, (x.rows ?? []).map((y) => `${y.value}:${y.count}`)])).toEqual([
      ['prod', 3, ['n2:2', 'n1:1']],
      ['(unknown)', 1, ['n1:1']],
    ]);
  });
});
