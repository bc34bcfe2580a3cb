import { describe, expect, it } from 'vitest';
import {
  compareWithBaseline,
  createSignatureTracker,
  imageRepository,
  newAtOrAbove,
  signatureKey,
  signatureOf,
  type SignatureCount,
} from '../../src/aggregate/baseline.js';
import { readBaseline } from '../../src/aggregate/baseline-file.js';
import { enrich, type EnrichedAlert } from '../../src/enrich/enrich.js';
import { InputError } from '../../src/errors.js';
import type { Match } from '../../src/kb/match-entry.js';
import { alertFrom } from '../helpers.js';

const NONE: Match = { how: 'none', signals: [] };

function ev(rule: string, priority: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}): EnrichedAlert {
  return enrich(alertFrom({ rule, priority, time: '2026-03-01T10:00:00Z', source: 'syscall', output_fields: fields, ...extra }), NONE);
}

const WEB = { 'container.id': 'c0ffee000001', 'container.image.repository': 'registry.local:5000/shop/web', 'container.image.tag': '1.4.2', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-7d9f-abcde', 'proc.name': 'bash', 'user.name': 'root' };

/** Writes what the lead's JSON report will carry, and reads it back as a baseline. */
function report(signatures: readonly SignatureCount[]): string {
  return JSON.stringify({ schemaVersion: 1, input: { records: 3 }, groups: [], signatures }, null, 2);
}

function track(alerts: readonly EnrichedAlert[], max?: number) {
  const t = createSignatureTracker(max);
  for (const e of alerts) t.add(e);
  return t;
}

describe('signatures', () => {
  it('keep the stable context of an alert and drop what changes across restarts', () => {
    const a = ev('Terminal shell in container', 'Notice', WEB);
    const b = ev('Terminal shell in container', 'Notice', { ...WEB, 'container.id': 'ddd000000002', 'k8s.pod.name': 'web-7d9f-zzzzz', 'container.image.tag': '1.5.0' });
    expect(signatureOf(a.alert)).toEqual({ rule: 'Terminal shell in container', image: 'registry.local:5000/shop/web', namespace: 'shop', process: 'bash', user: 'root' });
    expect(signatureKey(signatureOf(b.alert))).toBe(signatureKey(signatureOf(a.alert)));
    expect(signatureKey(signatureOf(ev('Terminal shell in container', 'Notice', { ...WEB, 'user.name': 'www' }).alert))).not.toBe(signatureKey(signatureOf(a.alert)));
    const audit = alertFrom({ rule: 'Create Privileged Pod', priority: 'Warning', source: 'k8s_audit', output_fields: { 'ka.user.name': 'alice', 'ka.target.namespace': 'shop', 'ka.req.pod.containers.image': 'nginx:1.25' } });
    expect(signatureOf(audit)).toEqual({ rule: 'Create Privileged Pod', image: 'nginx', namespace: 'shop', process: null, user: 'alice' });
  });

  it('strip tags and digests from images, keeping a registry port', () => {
    expect(imageRepository('nginx:1.25')).toBe('nginx');
    expect(imageRepository('registry.local:5000/shop/web:1.4')).toBe('registry.local:5000/shop/web');
    expect(imageRepository('registry.local:5000/shop/web')).toBe('registry.local:5000/shop/web');
    expect(imageRepository('ghcr.io/a/b@sha256:0123abcd')).toBe('ghcr.io/a/b');
    expect(imageRepository('ghcr.io/a/b:v1@sha256:0123abcd')).toBe('ghcr.io/a/b');
  });

  it('cannot collide through a separator in a value', () => {
    const x = { rule: 'a', image: 'b\u0000c', namespace: null, process: null, user: null };
    const y = { rule: 'a', image: 'b', namespace: 'c', process: null, user: null };
    expect(signatureKey(x)).not.toBe(signatureKey(y));
    expect(signatureKey({ ...y, namespace: 'null' })).not.toBe(signatureKey(y));
  });

  it('are counted with the highest priority, internal events skipped, within a bound', () => {
    const t = track([
      ev('Shell', 'Notice', WEB),
      ev('Shell', 'Critical', { ...WEB, 'container.id': 'other' }),
      ev('Read', 'Warning', WEB),
      enrich(alertFrom({ rule: 'Falco internal: syscall event drop', priority: 'Critical', output_fields: { n_drops: 1 } }), NONE),
      ev('Exfil', 'Critical', WEB),
      ev('Exfil', 'Emergency', WEB),
      ev('Shell', 'Notice', { ...WEB, 'user.name': 'nobody' }),
    ], 2);
    expect(t.finish().map((s) => [s.rule, s.priority, s.count])).toEqual([
      ['Read', 'Warning', 1],
      ['Shell', 'Critical', 2],
    ]);
    expect(t.overflow).toBe(3);
    expect(t.overflowPriority).toBe('Emergency');
  });
});

describe('comparison with a baseline', () => {
  const yesterday = track([
    ev('Terminal shell in container', 'Notice', WEB),
    ev('Terminal shell in container', 'Notice', WEB),
    ev('Read sensitive file untrusted', 'Warning', { ...WEB, 'proc.name': 'cat' }),
    ev('Clear Log Activities', 'Warning', { ...WEB, 'proc.name': 'shred' }),
  ]).finish();

  it('marks signatures and rules new, known or gone, and gates on new ones only', () => {
    const baseline = readBaseline(report(yesterday), 'yesterday.json');
    expect(baseline.signatures).toHaveLength(3);
    const today = track([
      ev('Terminal shell in container', 'Notice', { ...WEB, 'k8s.pod.name': 'web-new-pod', 'container.image.tag': '2.0' }),
      ev('Read sensitive file untrusted', 'Warning', { ...WEB, 'proc.name': 'cat', 'user.name': 'www' }),
      ev('Drop and execute new binary in container', 'Critical', WEB),
    ]).finish();
    const c = compareWithBaseline(today, baseline);
    expect(c.signatures.map((s) => [s.state, s.sig.rule, s.sig.user, s.priority, s.count, s.baselineCount])).toEqual([
      ['new', 'Drop and execute new binary in container', 'root', 'Critical', 1, 0],
      ['new', 'Read sensitive file untrusted', 'www', 'Warning', 1, 0],
      ['known', 'Terminal shell in container', 'root', 'Notice', 1, 2],
      ['gone', 'Clear Log Activities', 'root', 'Warning', 0, 1],
      ['gone', 'Read sensitive file untrusted', 'root', 'Warning', 0, 1],
    ]);
    expect(c.signatures[0]!.sig).toEqual({ rule: 'Drop and execute new binary in container', image: 'registry.local:5000/shop/web', namespace: 'shop', process: 'bash', user: 'root' });
    expect(c.rules).toEqual([
      { rule: 'Drop and execute new binary in container', state: 'new' },
      { rule: 'Read sensitive file untrusted', state: 'known' },
      { rule: 'Terminal shell in container', state: 'known' },
      { rule: 'Clear Log Activities', state: 'gone' },
    ]);
    expect(newAtOrAbove(c, 'Emergency')).toBe(0);
    expect(newAtOrAbove(c, 'Critical')).toBe(1);
    expect(newAtOrAbove(c, 'Warning')).toBe(2);
    // The known Notice signature never fails the gate, however low the threshold.
    expect(newAtOrAbove(c, 'Debug')).toBe(2);
  });

  it('finds nothing new when the run repeats the baseline', () => {
    const c = compareWithBaseline(yesterday, readBaseline(report(yesterday), 'b.json'));
    expect(c.signatures.every((s) => s.state === 'known')).toBe(true);
    expect(newAtOrAbove(c, 'Debug')).toBe(0);
  });

  it('fails closed on signatures the tracker had no room for', () => {
    const t = track([ev('A', 'Notice', WEB), ev('B', 'Critical', WEB)], 1);
    const base = readBaseline(report(t.finish()), 'b.json');
    const c = compareWithBaseline(t.finish(), base, { count: t.overflow, priority: t.overflowPriority });
    expect(c).toMatchObject({ untracked: 1, untrackedPriority: 'Critical' });
    expect(newAtOrAbove(c, 'Critical')).toBe(1);
    expect(newAtOrAbove(c, 'Emergency')).toBe(0);
  });

  it('reads any priority spelling, missing context as null, and merges duplicates', () => {
    const b = readBaseline(
      JSON.stringify({
        schemaVersion: 1,
        signatures: [
          { rule: 'X', priority: 'crit', count: 2 },
          { rule: 'X', image: null, namespace: null, process: null, user: null, priority: 'Warning', count: 3 },
        ],
      }),
      'b.json',
    );
    expect(b).toEqual({ file: 'b.json', signatures: [{ rule: 'X', image: null, namespace: null, process: null, user: null, priority: 'Critical', count: 5 }] });
  });
});

describe('bad baseline files', () => {
  const bad = (text: string): string => {
    try {
      readBaseline(text, 'old.json');
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return (err as Error).message;
    }
    throw new Error('expected readBaseline to throw');
  };

  it('say where, what was expected and what was found', () => {
    expect(bad('{"schemaVersion": 1, "signatures": [')).toMatch(/^old\.json: expected a JSON report written by falco-report --format json, found text that is not JSON \(/);
    expect(bad('[]')).toBe('old.json: expected a JSON report object written by falco-report --format json, found an array');
    expect(bad('{"schemaVersion": 2, "signatures": []}')).toBe('old.json: schemaVersion: expected schemaVersion 1 (a report from falco-report --format json), found 2');
    expect(bad('{"schemaVersion": 1, "groups": []}')).toBe('old.json: signatures: expected an array of alert signatures (written by falco-report --format json), found nothing');
    expect(bad('{"schemaVersion": 1, "signatures": [{"rule": "X", "priority": "Urgent", "count": 1}]}')).toBe('old.json: signatures.0.priority: expected one of Emergency…Debug, found "Urgent"');
    expect(bad('{"schemaVersion": 1, "signatures": [{"rule": "X", "priority": "Notice", "count": -1}, {"priority": "Notice", "count": 1}]}')).toBe(
      'old.json: signatures.0.count: expected a count of 0 or more, found -1 (and 1 more problem)',
    );
    expect(bad('{"schemaVersion": 1, "signatures": [{"rule": "X", "priority": "Notice", "count": 1, "image": 5}]}')).toBe('old.json: signatures.0.image: expected a string or null, found 5');
  });
});
