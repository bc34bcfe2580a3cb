import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../src/aggregate/aggregate.js';
import { createSignatureTracker } from '../../src/aggregate/baseline.js';
import { createIncidentTracker } from '../../src/aggregate/incidents.js';
import { ACTORS_KEPT, actorOf, cachedCounts, comboKey, PLACE_FIELDS, PLACES_KEPT, placeOf, splitCombo } from '../../src/alert/place.js';
import { detach } from '../../src/detach.js';
import { enrich } from '../../src/enrich/enrich.js';
import type { Match } from '../../src/kb/match-entry.js';
import { alertFrom } from '../helpers.js';

const NONE: Match = { how: 'none', signals: [] };
const CID = 'feed00000001';

function shell(fields: Record<string, unknown>, time = '2026-03-01T10:00:00Z') {
  return alertFrom({ rule: 'Terminal shell in container', priority: 'Notice', time, source: 'syscall', hostname: 'node-1', output_fields: { 'container.id': CID, 'proc.name': 'bash', 'user.name': 'root', ...fields } });
}

// Falco fills in container and Kubernetes metadata asynchronously: the first alerts of a new container
// may say <NA> where later ones name the pod. Alerts of one container share a cached Place only while
// every field it was built from is unchanged.
describe('the shared place of a container', () => {
  const early = shell({ 'container.name': '<NA>', 'k8s.ns.name': '<NA>', 'k8s.pod.name': '<NA>', 'container.image.repository': '' });
  const late = shell({ 'container.name': 'web', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-7d9f', 'container.image.repository': 'nginx', 'container.image.tag': '1.27' });

  it('is rebuilt when the same container id arrives with its metadata filled in', () => {
    const p1 = placeOf(early);
    const p2 = placeOf(late);
    expect(p1).toMatchObject({ namespace: undefined, pod: undefined, container: CID, image: undefined });
    expect(p2).toMatchObject({ host: 'node-1', namespace: 'shop', pod: 'web-7d9f', container: `web (${CID})`, image: 'nginx:1.27', imageRepository: 'nginx' });
    expect(p2.workload).toEqual({ kind: 'container', value: CID });
    // And it is shared (the same object) by a later alert with the same values.
    expect(placeOf(shell({ 'container.name': 'web', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-7d9f', 'container.image.repository': 'nginx', 'container.image.tag': '1.27' }))).toBe(p2);
  });

  it('gives the rule fold, the incident and the signatures the values of each alert, not of the first', () => {
    const agg = createAggregator();
    const incidents = createIncidentTracker({ windowMs: 600_000 });
    const sigs = createSignatureTracker();
    for (const a of [early, late, late]) {
      const e = enrich(a, NONE);
      agg.addAlert(e);
      incidents.add(e);
      sigs.add(e);
    }
    const g = agg.finish().groups[0];
    expect(g?.top.pod).toEqual([{ value: 'web-7d9f', count: 2 }]);
    expect(g?.top.namespace).toEqual([{ value: 'shop', count: 2 }]);
    expect(g?.top.container).toEqual([
      { value: `web (${CID})`, count: 2 },
      { value: CID, count: 1 },
    ]);
    // One incident (one container), which learned its pod from the later alerts.
    const inc = incidents.finish().incidents;
    expect(inc).toHaveLength(1);
    expect(inc[0]).toMatchObject({ alerts: 3, namespace: 'shop', pod: 'web-7d9f', image: 'nginx:1.27' });
    expect(sigs.finish().map((s) => [s.namespace, s.image, s.count])).toEqual([
      [null, null, 1],
      ['shop', 'nginx', 2],
    ]);
  });

  it('is rebuilt when any one field it is built from changes, and only then', () => {
    const base = { 'container.name': 'web', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-7d9f', 'container.image.repository': 'nginx' };
    for (const name of PLACE_FIELDS) {
      if (name === 'container.id') continue;
      const first = placeOf(shell(base));
      expect(placeOf(shell(base)), name).toBe(first);
      const changed = placeOf(shell({ ...base, [name]: 'true' }));
      expect(changed, name).not.toBe(first);
      // And back: the cache holds the last values of the container, so the first values build anew.
      expect(placeOf(shell(base)), name).not.toBe(changed);
    }
  });

  it('is rebuilt when the host differs for the same container id', () => {
    const other = alertFrom({ rule: 'R', priority: 'Notice', hostname: 'node-2', output_fields: { 'container.id': CID } });
    expect(placeOf(other).host).toBe('node-2');
    expect(placeOf(shell({})).host).toBe('node-1');
  });
});

describe('actors', () => {
  it('are shared by equal process and user, and a value that looks like the unknown marker is not unknown', () => {
    const a = actorOf(shell({}));
    expect(actorOf(shell({}))).toBe(a);
    expect(a).toMatchObject({ process: 'bash', user: 'root' });
    const odd = actorOf(shell({ 'proc.name': '\u0001' }));
    const none = actorOf(shell({ 'proc.name': null }));
    expect(odd.process).toBe('\u0001');
    expect(none.process).toBeUndefined();
    expect(splitCombo(odd.combo)).toEqual(['\u0001', 'root']);
    expect(splitCombo(none.combo)).toEqual([undefined, 'root']);
  });

  it('combination keys read back exactly, whatever the values hold', () => {
    const values = ['a\u0000b', '"quoted"', '\u0001x', undefined, '', 'plain'];
    expect(splitCombo(comboKey(values))).toEqual(values);
  });
});

describe('the caches of places and actors', () => {
  it('stay bounded however many containers and actors a stream has, and still answer right', () => {
    const n = Math.max(PLACES_KEPT, ACTORS_KEPT) * 2 + 10;
    for (let i = 0; i < n; i++) {
      const a = shell({ 'container.id': `c${i.toString(16).padStart(11, '0')}`, 'k8s.pod.name': `pod-${i}`, 'proc.name': `p${i}` });
      const { places, actors } = cachedCounts();
      expect(places).toBeLessThanOrEqual(PLACES_KEPT);
      expect(actors).toBeLessThanOrEqual(ACTORS_KEPT);
      if (i % 997 === 0) {
        expect(placeOf(a).pod).toBe(`pod-${i}`);
        expect(actorOf(a).process).toBe(`p${i}`);
      } else {
        placeOf(a);
        actorOf(a);
      }
    }
    expect(cachedCounts().places).toBeGreaterThan(0);
  });
});

describe('detach', () => {
  it('returns an equal string', () => {
    const big = 'x'.repeat(1 << 16) + '1795770000123456789' + 'y'.repeat(1 << 16);
    const slice = big.slice(1 << 16, (1 << 16) + 19);
    expect(detach(slice)).toBe('1795770000123456789');
    expect(detach('short')).toBe('short');
  });
});
