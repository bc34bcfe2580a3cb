import { describe, expect, it } from 'vitest';
import { createQualityTracker, isDropAlert, lowConfidenceReasons, QUALITY_LIMITS } from '../../src/aggregate/quality.js';
import { enrich, type EnrichedAlert } from '../../src/enrich/enrich.js';
import type { Match } from '../../src/kb/match-entry.js';
import { alertFrom } from '../helpers.js';

const NONE: Match = { how: 'none', signals: [] };
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

const GOOD = { 'container.id': 'c0ffee000001', 'container.name': 'web', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-1', 'proc.name': 'bash', 'user.name': 'root' };

function drop(ms: number | undefined, host = 'node-1', nDrops: unknown = 100, extra: Record<string, unknown> = {}): EnrichedAlert {
  // As Falco writes it: no source key, Debug priority, counters as strings or numbers.
  const a = alertFrom({ rule: 'Falco internal: syscall event drop', priority: 'Debug', hostname: host, output_fields: { n_drops: nDrops, n_evts: '2270350' }, ...(ms === undefined ? {} : { time: at(ms) }), ...extra });
  return enrich(a, NONE);
}

function alert(ms: number, container: string, host = 'node-1', extra: Record<string, unknown> = {}): EnrichedAlert {
  return enrich(alertFrom({ rule: 'Terminal shell in container', priority: 'Notice', time: at(ms), source: 'syscall', hostname: host, output_fields: { ...GOOD, 'container.id': container }, ...extra }), NONE);
}

describe('drop windows', () => {
  it('recognises drop alerts by rule name or internal source', () => {
    expect(isDropAlert(drop(0).alert)).toBe(true);
    expect(isDropAlert(alertFrom({ rule: 'falco internal:  SYSCALL event drop', priority: 'Critical' }))).toBe(true);
    expect(isDropAlert(alertFrom({ rule: 'Falco internal: metrics snapshot', priority: 'Informational', source: 'internal' }))).toBe(false);
    expect(isDropAlert(alertFrom({ rule: 'Drop and execute new binary in container', priority: 'Critical', source: 'syscall' }))).toBe(false);
  });

  it('merges overlapping windows per host and names the workloads that alerted in them, before or after the drop alert', () => {
    const q = createQualityTracker();
    q.add(alert(-500, 'aaaaaaaaaaaa')); // before the drop alert arrives, inside its window
    q.add(alert(-1500, 'ffffffffffff')); // just outside the first window
    q.add(drop(0, 'node-1', '815508'));
    q.add(alert(500, 'aaaaaaaaaaaa'));
    q.add(drop(1500, 'node-1', 7)); // overlaps [−1 s, +1 s]: merged into [−1 s, +2.5 s]
    q.add(alert(2200, 'bbbbbbbbbbbb')); // only in the merged part
    q.add(alert(2600, 'cccccccccccc')); // past it
    q.add(drop(30_000, 'node-1', 3)); // rate-limited next notice: a window of its own
    q.add(drop(0, 'node-2', null));
    q.add(alert(900, 'dddddddddddd', 'node-2'));
    q.add(alert(200, 'eeeeeeeeeeee', 'node-3')); // another host's alert is not in node-1's window
    // An audit event in the window: not affected by the kernel driver's drops.
    q.add(enrich(alertFrom({ rule: 'Attach/Exec Pod', priority: 'Notice', time: at(100), source: 'k8s_audit', hostname: 'node-1', output_fields: { 'ka.user.name': 'alice' } }), NONE));
    const r = q.finish();
    expect(r.dropWindows.map((w) => [w.host, w.start, w.end, w.drops, w.droppedEvents, w.alerts])).toEqual([
      ['node-1', '2026-03-01T09:59:59.000Z', '2026-03-01T10:00:02.500Z', 2, 815515, 3],
      ['node-2', '2026-03-01T09:59:59.000Z', '2026-03-01T10:00:01.000Z', 1, undefined, 1],
      ['node-1', '2026-03-01T10:00:29.000Z', '2026-03-01T10:00:31.000Z', 1, 3, 0],
    ]);
    const first = r.dropWindows[0]!;
    expect(first.workloads).toEqual([
      { workload: { kind: 'container', value: 'aaaaaaaaaaaa' }, alerts: 2 },
      { workload: { kind: 'container', value: 'bbbbbbbbbbbb' }, alerts: 1 },
    ]);
    expect(first.workloadCount).toBe(2);
    expect(first.workloadsApproximate).toBe(false);
    expect(first.endMs - first.startMs).toBe(3500);
    expect(r.dropWindows[1]!.workloads).toEqual([{ workload: { kind: 'container', value: 'dddddddddddd' }, alerts: 1 }]);
    expect(r.dropWindowsOmitted).toBe(0);
  });

  it('bridges two windows with a drop between them without counting an alert twice', () => {
    const q = createQualityTracker();
    q.add(drop(0));
    q.add(drop(3000));
    q.add(alert(500, 'aaaaaaaaaaaa'));
    q.add(alert(3500, 'bbbbbbbbbbbb'));
    q.add(alert(1500, 'cccccccccccc')); // in the gap, until the next drop closes it
    expect(q.finish().dropWindows).toHaveLength(2);
    const q2 = createQualityTracker();
    for (const e of [drop(0), drop(3000), alert(500, 'aaaaaaaaaaaa'), alert(3500, 'bbbbbbbbbbbb'), alert(1500, 'cccccccccccc'), drop(1500)]) q2.add(e);
    const r = q2.finish();
    expect(r.dropWindows).toHaveLength(1);
    expect(r.dropWindows[0]).toMatchObject({ start: '2026-03-01T09:59:59.000Z', end: '2026-03-01T10:00:04.000Z', drops: 3, droppedEvents: 300, alerts: 3, workloadCount: 3 });
  });

  it('counts drop alerts without a date, and bounds the windows and workloads it keeps', () => {
    const q = createQualityTracker();
    q.add(drop(undefined));
    for (let i = 0; i < QUALITY_LIMITS.windows + 5; i++) q.add(drop(i * 10_000));
    for (let i = 0; i < QUALITY_LIMITS.workloadsTracked + 10; i++) q.add(alert(0, `c${String(i).padStart(11, '0')}`));
    const r = q.finish();
    expect(r.dropsWithoutTime).toBe(1);
    expect(r.dropWindows).toHaveLength(QUALITY_LIMITS.windows);
    expect(r.dropWindowsOmitted).toBe(5);
    const first = r.dropWindows[0]!;
    expect(first.alerts).toBe(QUALITY_LIMITS.workloadsTracked + 10);
    expect(first.workloads).toHaveLength(QUALITY_LIMITS.workloadsShown);
    expect(first.workloadCount).toBe(QUALITY_LIMITS.workloadsTracked);
    expect(first.workloadsApproximate).toBe(true);
  });
});

describe('low-confidence alerts', () => {
  const reasons = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    lowConfidenceReasons(alertFrom({ rule: 'R', priority: 'Notice', source: 'syscall', output_fields: fields, ...extra }));

  it('says which key context is missing', () => {
    expect(reasons(GOOD)).toEqual([]);
    expect(reasons({ 'proc.name': 'bash', 'user.name': 'root' })).toEqual(['container.id absent']);
    expect(reasons({ ...GOOD, 'container.id': '<NA>' })).toEqual(['container.id unknown']);
    // Without a known container, unknown pod fields may just mean "not in Kubernetes": only the id is flagged.
    expect(reasons({ ...GOOD, 'container.id': null, 'k8s.ns.name': null, 'k8s.pod.name': '<NA>' })).toEqual(['container.id unknown']);
    expect(reasons({ ...GOOD, 'container.name': null, 'container.image.repository': '<NA>' })).toEqual(['container.name unknown', 'container.image.repository unknown']);
    expect(reasons({ ...GOOD, 'k8s.ns.name': '<NA>', 'k8s.pod.name': null })).toEqual(['k8s.ns.name unknown', 'k8s.pod.name unknown']);
    expect(reasons({ ...GOOD, 'proc.name': '<NA>', 'user.name': null })).toEqual(['proc.name unknown', 'user.name unknown']);
    // On the host, no container and no pod is the truth, not missing context.
    expect(reasons({ 'container.id': 'host', 'container.name': 'host', 'container.image.repository': null, 'k8s.ns.name': null, 'k8s.pod.name': null, 'proc.name': 'sshd', 'user.name': 'root' })).toEqual([]);
    // A field the rule does not print is not held against the alert.
    expect(reasons({ 'container.id': 'c0ffee000001' })).toEqual([]);
  });

  it('checks the principal of audit and cloud sources', () => {
    expect(reasons({ 'ka.verb': 'create' }, { source: 'k8s_audit' })).toEqual(['ka.user.name absent']);
    expect(reasons({ 'ka.user.name': '<NA>' }, { source: 'k8s_audit' })).toEqual(['ka.user.name unknown']);
    expect(reasons({ 'ka.user.name': 'alice' }, { source: 'k8s_audit' })).toEqual([]);
    expect(reasons({ 'ct.user': null, 'ct.name': 'DeleteTrail' }, { source: 'aws_cloudtrail' })).toEqual(['ct.user unknown']);
    expect(reasons({ 'okta.evt.type': 'user.session.start' }, { source: 'okta' })).toEqual(['okta.actor.name absent']);
    expect(reasons({ 'gcp.user': 'bob@example.com' }, { source: 'gcp_auditlog' })).toEqual([]);
    expect(reasons({ anything: null }, { source: 'my_plugin' })).toEqual([]);
  });

  it('counts low-confidence alerts per rule and reason, most first', () => {
    const q = createQualityTracker();
    const add = (rule: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      q.add(enrich(alertFrom({ rule, priority: 'Notice', source: 'syscall', output_fields: fields, ...extra }), NONE));
    add('Shell', { ...GOOD, 'proc.name': '<NA>' });
    add('Shell', { ...GOOD, 'proc.name': '<NA>', 'user.name': null });
    add('Shell', GOOD);
    add('Audit', { 'ka.verb': 'get' }, { source: 'k8s_audit' });
    add('Drops', {}, { rule: 'Falco internal: syscall event drop', source: undefined });
    const r = q.finish();
    expect(r.lowConfidenceAlerts).toBe(3);
    expect(r.lowConfidence).toEqual([
      { rule: 'Shell', count: 2, reasons: [{ reason: 'proc.name unknown', count: 2 }, { reason: 'user.name unknown', count: 1 }] },
      { rule: 'Audit', count: 1, reasons: [{ reason: 'ka.user.name absent', count: 1 }] },
    ]);
  });
});
