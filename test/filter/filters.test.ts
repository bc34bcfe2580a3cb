import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { parseTextAlert } from '../../src/alert/parse-text.js';
import { UsageError } from '../../src/errors.js';
import { compileFilter, type AlertFilter, type FilterSpec } from '../../src/filter/filters.js';
import { anyOfMatcher, anyOfPattern } from '../../src/filter/glob.js';
import { alertFrom } from '../helpers.js';

const NOW = Date.parse('2026-11-27T09:00:00Z');
const NONE: FilterSpec = { rules: [], sources: [], hosts: [], namespaces: [], tags: [], where: [] };

function filter(parts: Partial<FilterSpec>, nowMs = NOW): AlertFilter {
  return compileFilter({ ...NONE, ...parts }, nowMs);
}

/** A syscall alert with the usual fields; `over` replaces top-level keys, `fields` adds output fields. */
function alert(over: Record<string, unknown> = {}, fields: Record<string, unknown> = {}): Alert {
  return alertFrom({
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2026-11-27T08:30:00.123456789Z',
    source: 'syscall',
    hostname: 'web-01',
    tags: ['container', 'shell', 'mitre_execution'],
    output_fields: { 'proc.name': 'bash', 'proc.cmdline': 'bash -i', 'k8s.ns.name': 'prod', 'container.id': 'abc123', ...fields },
    ...over,
  });
}

/** A k8s_audit alert without a source key: the source is inferred from the ka.* fields. */
function auditAlert(fields: Record<string, unknown> = {}): Alert {
  return alertFrom({
    rule: 'Attach/Exec Pod',
    priority: 'Notice',
    time: '2026-11-27T08:00:00Z',
    tags: ['k8s'],
    output_fields: { 'ka.user.name': 'alice', 'ka.target.namespace': 'payments', 'ka.uri.param[command]': 'sh', ...fields },
  });
}

function timed(time: unknown): Alert {
  return alert({ time });
}

function usageMessage(parts: Partial<FilterSpec>): string {
  try {
    filter(parts);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no UsageError for ${JSON.stringify(parts)}`);
}

describe('no filter', () => {
  it('is inactive, describes nothing and passes every alert, even one without a time', () => {
    const f = filter({});
    expect(f.active).toBe(false);
    expect(f.describe).toEqual([]);
    expect(f.test(alert())).toBe(true);
    expect(f.test(alertFrom({ rule: 'x', priority: 'Debug' }))).toBe(true);
  });
  it('test works detached from its object, as Array.prototype.filter calls it', () => {
    const alerts = [alert(), alert({ rule: 'Other' })];
    expect(alerts.filter(filter({ rules: ['Terminal*'] }).test).map((a) => a.rule)).toEqual(['Terminal shell in container']);
    expect(alerts.filter(filter({ rules: ['Terminal*'], hosts: ['web-01'] }).test)).toHaveLength(1);
  });
});

describe('--rule', () => {
  it('matches the whole name, case-insensitively', () => {
    expect(filter({ rules: ['terminal SHELL in container'] }).test(alert())).toBe(true);
    expect(filter({ rules: ['Terminal shell'] }).test(alert())).toBe(false);
    expect(filter({ rules: ['shell in container'] }).test(alert())).toBe(false);
  });
  it('globs: * is any run (also none), ? exactly one character', () => {
    expect(filter({ rules: ['Terminal*'] }).test(alert())).toBe(true);
    expect(filter({ rules: ['*shell*'] }).test(alert())).toBe(true);
    expect(filter({ rules: ['*'] }).test(alert())).toBe(true);
    expect(filter({ rules: ['Terminal shell in container*'] }).test(alert())).toBe(true);
    expect(filter({ rules: ['Terminal?shell in container'] }).test(alert())).toBe(true);
    expect(filter({ rules: ['Terminal??shell in container'] }).test(alert())).toBe(false);
    expect(filter({ rules: ['Terminal shell in container?'] }).test(alert())).toBe(false);
  });
  it('treats regex characters as literal', () => {
    const a = alert({ rule: 'Launch Privileged Container (v2) [x]' });
    expect(filter({ rules: ['Launch Privileged Container (v2) [x]'] }).test(a)).toBe(true);
    expect(filter({ rules: ['*(v2)*'] }).test(a)).toBe(true);
    expect(filter({ rules: ['Launch.*'] }).test(a)).toBe(false);
    expect(filter({ rules: ['Launch Privileged Container .v2. [x]'] }).test(a)).toBe(false);
    expect(filter({ rules: ['Launch Privileged Container (v2) x'] }).test(a)).toBe(false);
  });
  it('repeated, any of them may match', () => {
    const f = filter({ rules: ['Write below etc', 'Terminal*'] });
    expect(f.test(alert())).toBe(true);
    expect(f.test(alert({ rule: 'Write below etc' }))).toBe(true);
    expect(f.test(alert({ rule: 'Read sensitive file untrusted' }))).toBe(false);
    expect(f.describe).toEqual(['rule matches "Write below etc" or "Terminal*"']);
    expect(f.active).toBe(true);
  });
});

describe('--source', () => {
  it('compares with the alert source, case-insensitively, and reads syscalls as syscall', () => {
    expect(filter({ sources: ['syscall'] }).test(alert())).toBe(true);
    expect(filter({ sources: ['SYSCALL'] }).test(alert())).toBe(true);
    expect(filter({ sources: ['syscalls'] }).test(alert())).toBe(true);
    expect(filter({ sources: ['syscall'] }).test(alert({ source: 'syscalls' }))).toBe(true);
    expect(filter({ sources: ['k8s_audit'] }).test(alert())).toBe(false);
    expect(filter({ sources: ['syscalls'] }).describe).toEqual(['source is syscall']);
  });
  it('infers the source when the alert does not say', () => {
    expect(filter({ sources: ['k8s_audit'] }).test(auditAlert())).toBe(true);
    expect(filter({ sources: ['syscall'] }).test(auditAlert())).toBe(false);
    expect(filter({ sources: ['syscall'] }).test(alert({ source: undefined }))).toBe(true);
    expect(filter({ sources: ['internal'] }).test(alertFrom({ rule: 'Falco internal: syscall event drop', priority: 'Debug' }))).toBe(true);
  });
  it('is an exact name, not a glob or a prefix; repeated, any may match', () => {
    expect(filter({ sources: ['sys'] }).test(alert())).toBe(false);
    const f = filter({ sources: ['aws_cloudtrail', 'k8s_audit'] });
    expect(f.test(auditAlert())).toBe(true);
    expect(f.test(alert())).toBe(false);
    expect(f.test(alert({ source: 'aws_cloudtrail' }))).toBe(true);
  });
});

describe('--host', () => {
  it('reads the hostname key, else the evt.hostname field', () => {
    expect(filter({ hosts: ['web-01'] }).test(alert())).toBe(true);
    expect(filter({ hosts: ['node-7'] }).test(alert({ hostname: undefined }, { 'evt.hostname': 'node-7' }))).toBe(true);
    expect(filter({ hosts: ['node-7'] }).test(alert({}, { 'evt.hostname': 'node-7' }))).toBe(false);
  });
  it('globs case-insensitively', () => {
    expect(filter({ hosts: ['WEB-*'] }).test(alert())).toBe(true);
    expect(filter({ hosts: ['web-0?'] }).test(alert())).toBe(true);
    expect(filter({ hosts: ['web'] }).test(alert())).toBe(false);
    expect(filter({ hosts: ['db-*', 'web-*'] }).test(alert())).toBe(true);
  });
  it('an alert without a known host does not pass, even --host "*"', () => {
    expect(filter({ hosts: ['*'] }).test(alert({ hostname: undefined }))).toBe(false);
    expect(filter({ hosts: ['*'] }).test(alert({ hostname: undefined }, { 'evt.hostname': '<NA>' }))).toBe(false);
  });
});

describe('--namespace', () => {
  it('reads k8s.ns.name, else ka.target.namespace', () => {
    expect(filter({ namespaces: ['prod'] }).test(alert())).toBe(true);
    expect(filter({ namespaces: ['payments'] }).test(auditAlert())).toBe(true);
    expect(filter({ namespaces: ['prod'] }).test(auditAlert({ 'k8s.ns.name': 'prod' }))).toBe(true);
    expect(filter({ namespaces: ['payments'] }).test(auditAlert({ 'k8s.ns.name': 'prod' }))).toBe(false);
    expect(filter({ namespaces: ['payments'] }).test(auditAlert({ 'k8s.ns.name': null }))).toBe(true);
  });
  it('globs case-insensitively; no namespace never passes', () => {
    expect(filter({ namespaces: ['pr*'] }).test(alert())).toBe(true);
    expect(filter({ namespaces: ['PROD'] }).test(alert())).toBe(true);
    expect(filter({ namespaces: ['pro'] }).test(alert())).toBe(false);
    expect(filter({ namespaces: ['*'] }).test(alert({}, { 'k8s.ns.name': '<NA>' }))).toBe(false);
    expect(filter({ namespaces: ['staging', 'pay*'] }).test(auditAlert())).toBe(true);
  });
});

describe('--tag', () => {
  it('the alert has the tag: whole tag, case-insensitively', () => {
    expect(filter({ tags: ['shell'] }).test(alert())).toBe(true);
    expect(filter({ tags: ['MITRE_Execution'] }).test(alert())).toBe(true);
    expect(filter({ tags: ['mitre'] }).test(alert())).toBe(false);
    expect(filter({ tags: ['mitre*'] }).test(alert())).toBe(false);
    expect(filter({ tags: ['shell'] }).test(alert({ tags: [] }))).toBe(false);
    expect(filter({ tags: ['shell'] }).test(alert({ tags: null }))).toBe(false);
  });
  it('repeated, any of them may match', () => {
    const f = filter({ tags: ['k8s', 'network'] });
    expect(f.test(auditAlert())).toBe(true);
    expect(f.test(alert())).toBe(false);
    expect(f.describe).toEqual(['tagged "k8s" or "network"']);
  });
});

describe('--since and --until', () => {
  it('absolute: since is inclusive, until exclusive, to the nanosecond', () => {
    const since = filter({ since: '2026-11-27T08:30:00.123456789Z' });
    expect(since.test(timed('2026-11-27T08:30:00.123456789Z'))).toBe(true);
    expect(since.test(timed('2026-11-27T08:30:00.123456788Z'))).toBe(false);
    expect(since.test(timed('2026-11-27T08:30:00.12345679Z'))).toBe(true);
    expect(since.test(timed('2026-11-27T08:29:59Z'))).toBe(false);
    const until = filter({ until: '2026-11-27T08:30:00.123456789Z' });
    expect(until.test(timed('2026-11-27T08:30:00.123456789Z'))).toBe(false);
    expect(until.test(timed('2026-11-27T08:30:00.123456788Z'))).toBe(true);
    expect(until.test(timed('2026-11-27T08:30:00.1234568Z'))).toBe(false);
    expect(until.test(timed('2026-11-27T08:30:01Z'))).toBe(false);
  });
  it('reads offsets, on the bound and on the alert', () => {
    const f = filter({ since: '2026-11-27T10:00:00+02:00', until: '2026-11-27T10:00:00+01:00' });
    expect(f.describe).toEqual(['since 2026-11-27T08:00:00Z (2026-11-27T10:00:00+02:00)', 'until 2026-11-27T09:00:00Z (2026-11-27T10:00:00+01:00)']);
    expect(f.test(timed('2026-11-27T08:30:00Z'))).toBe(true);
    expect(f.test(timed('2026-11-27T09:30:00+01:00'))).toBe(true);
    expect(f.test(timed('2026-11-27T07:59:59.999Z'))).toBe(false);
    expect(f.test(timed('2026-11-27T08:00:00-00:00'))).toBe(true);
    expect(f.test(timed('2026-11-27T03:00:00-05:00'))).toBe(true);
    expect(f.test(timed('2026-11-27T02:59:59-05:00'))).toBe(false);
    expect(f.test(timed('2026-11-27T09:00:00+00:00'))).toBe(false);
  });
  it('relative: s, m, h, d and w before the given now', () => {
    const cases: Array<[string, string, string]> = [
      ['30s', '2026-11-27T08:59:30Z', '2026-11-27T08:59:29.999999999Z'],
      ['15m', '2026-11-27T08:45:00Z', '2026-11-27T08:44:59.999Z'],
      ['2h', '2026-11-27T07:00:00Z', '2026-11-27T06:59:59.9999Z'],
      ['7d', '2026-11-20T09:00:00Z', '2026-11-20T08:59:59Z'],
      ['1w', '2026-11-20T09:00:00.000000001Z', '2026-11-20T08:59:59.999999999Z'],
    ];
    for (const [d, inside, outside] of cases) {
      expect(filter({ since: d }).test(timed(inside)), `${d} ${inside}`).toBe(true);
      expect(filter({ since: d }).test(timed(outside)), `${d} ${outside}`).toBe(false);
      expect(filter({ until: d }).test(timed(inside)), `until ${d} ${inside}`).toBe(false);
      expect(filter({ until: d }).test(timed(outside)), `until ${d} ${outside}`).toBe(true);
    }
    expect(filter({ since: '0s' }).test(timed('2026-11-27T09:00:00Z'))).toBe(true);
    expect(filter({ since: '2h' }, NOW + 3_600_000).test(timed('2026-11-27T07:30:00Z'))).toBe(false);
  });
  it('a window of both', () => {
    const f = filter({ since: '2h', until: '30m' });
    expect(f.test(timed('2026-11-27T07:00:00Z'))).toBe(true);
    expect(f.test(timed('2026-11-27T08:29:59.999999999Z'))).toBe(true);
    expect(f.test(timed('2026-11-27T08:30:00Z'))).toBe(false);
    expect(f.test(timed('2026-11-27T06:59:59Z'))).toBe(false);
    expect(f.describe).toEqual(['since 2026-11-27T07:00:00Z (2h ago)', 'until 2026-11-27T08:30:00Z (30m ago)']);
  });
  it('reads {seconds, nanos} times like the strings they stand for', () => {
    const f = filter({ since: '2026-11-27T08:00:00.5Z' });
    const s = Date.parse('2026-11-27T08:00:00Z') / 1000;
    expect(f.test(timed({ seconds: s, nanos: 500_000_000 }))).toBe(true);
    expect(f.test(timed({ seconds: s, nanos: 499_999_999 }))).toBe(false);
    expect(f.describe).toEqual(['since 2026-11-27T08:00:00.5Z']);
  });
  it('an alert with no full time does not pass (no time, or a time of day only)', () => {
    const noTime = alert({ time: undefined });
    const timeOfDay = parseTextAlert('08:30:00.000000000: Notice A shell was spawned in a container (user=root process=bash)', 'x.log', 1) as Alert;
    expect(timeOfDay.timeOfDay).toBe('08:30:00.000000000');
    expect(timeOfDay.timeMs).toBeUndefined();
    for (const part of [{ since: '1w' }, { until: '1s' }, { since: '2000-01-01T00:00:00Z' }, { until: '2100-01-01T00:00:00Z' }]) {
      expect(filter(part).test(noTime)).toBe(false);
      expect(filter(part).test(timeOfDay)).toBe(false);
      expect(filter(part).test(timed('2026-11-27T08:30:00Z'))).toBe(true);
    }
    expect(filter({ rules: ['*'] }).test(timeOfDay)).toBe(true);
  });
  it('accepts a lower-case t, and an offset without a colon', () => {
    expect(filter({ since: '2026-11-27t08:00:00z' }).describe).toEqual(['since 2026-11-27T08:00:00Z (2026-11-27t08:00:00z)']);
    expect(filter({ since: '2026-11-27T09:00:00+0100' }).describe).toEqual(['since 2026-11-27T08:00:00Z (2026-11-27T09:00:00+0100)']);
  });
});

describe('--where', () => {
  const a = alert({}, { 'proc.aname[2]': 'containerd-shim', 'fd.sport': 443, 'proc.pname': null, 'user.name': '<NA>', 'evt.arg.flags': 'O_RDWR|O_CREAT' });
  const holds = (cond: string, x: Alert = a): boolean => filter({ where: [cond] }).test(x);

  it('= and != compare the whole text, case-sensitively', () => {
    expect(holds('proc.name=bash')).toBe(true);
    expect(holds('proc.name=Bash')).toBe(false);
    expect(holds('proc.name=bas')).toBe(false);
    expect(holds('proc.name!=bash')).toBe(false);
    expect(holds('proc.name!=sh')).toBe(true);
    expect(holds('proc.name!=Bash')).toBe(true);
  });
  it('~= is a JavaScript regex that may match anywhere', () => {
    expect(holds('proc.cmdline~=-i')).toBe(true);
    expect(holds('proc.cmdline~=^bash( |$)')).toBe(true);
    expect(holds('proc.cmdline~=^-i')).toBe(false);
    expect(holds('proc.cmdline~=\\s-[a-z]$')).toBe(true);
    expect(holds('proc.cmdline~=BASH')).toBe(false);
    expect(holds('evt.arg.flags~=O_CREAT|O_TRUNC')).toBe(true);
  });
  it('~= warns of a pattern that runs on the backtracking engine, and of no other, and still applies it', () => {
    expect(filter({ where: ['proc.cmdline~=^bash( |$)', 'proc.cmdline~=^([a-z]+)+ -i$', 'proc.name=bash'] }).warnings).toEqual([]);
    const f = filter({ where: ['proc.cmdline~=^(?!sh )bash', 'proc.name~=^(b)a\\1', 'container.id~=^[0-9a-f]{64}$'] });
    expect(f.warnings).toHaveLength(3);
    expect(f.warnings[0]).toBe(
      `--where "proc.cmdline~=^(?!sh )bash": the pattern runs on V8's backtracking engine (lookaround, a backreference or a large count such as {64}; the linear-time engine runs none of them): make sure no part of it can match the same text in two ways, or a long alert value can stall the report`,
    );
    expect(f.warnings[1]).toMatch(/^--where "proc\.name~=\^\(b\)a\\\\1": the pattern runs on V8's backtracking engine/);
    expect(holds('proc.cmdline~=^(?!sh )bash')).toBe(true);
    expect(holds('proc.cmdline~=^(?!bash)')).toBe(false);
  });
  it('^=, $= and *= are prefix, suffix and substring', () => {
    expect(holds('proc.cmdline^=bash')).toBe(true);
    expect(holds('proc.cmdline^=-i')).toBe(false);
    expect(holds('proc.cmdline$=-i')).toBe(true);
    expect(holds('proc.cmdline$=bash')).toBe(false);
    expect(holds('proc.cmdline*=sh -')).toBe(true);
    expect(holds('proc.cmdline*=zsh')).toBe(false);
    expect(holds('evt.arg.flags*=|')).toBe(true);
  });
  it('the value is everything after the operator, = and spaces included', () => {
    const b = alert({}, { 'proc.cmdline': 'env A=1 B==2 sh' });
    expect(holds('proc.cmdline=env A=1 B==2 sh', b)).toBe(true);
    expect(holds('proc.cmdline*=A=1 B==2', b)).toBe(true);
    expect(holds('proc.cmdline$= sh', b)).toBe(true);
  });
  it('reads bracketed fields, numbers as text, and the alert.* keys', () => {
    expect(holds('proc.aname[2]=containerd-shim')).toBe(true);
    expect(holds('ka.uri.param[command]=sh', auditAlert())).toBe(true);
    expect(holds('ka.uri.param[command]!=sh', auditAlert())).toBe(false);
    expect(holds('fd.sport=443')).toBe(true);
    expect(holds('fd.sport^=44')).toBe(true);
    expect(holds('alert.hostname=web-01')).toBe(true);
    expect(holds('alert.hostname=node-7', alert({ hostname: undefined }, { 'evt.hostname': 'node-7' }))).toBe(true);
    expect(holds('alert.rule^=Terminal')).toBe(true);
    expect(holds('alert.priority=Notice')).toBe(true);
    expect(holds('alert.priority!=Notice')).toBe(false);
    expect(holds('alert.source=syscall')).toBe(true);
    expect(holds('alert.time^=2026-11-27T08:30')).toBe(true);
  });
  it('a field the alert lacks (absent, null or <NA>) is false for every operator, != included', () => {
    for (const field of ['proc.nosuch', 'proc.pname', 'user.name']) {
      for (const op of ['=', '!=', '~=', '^=', '$=', '*=']) {
        expect(holds(`${field}${op}x`), `${field}${op}x`).toBe(false);
      }
      expect(holds(`${field}~=.*`), `${field}~=.*`).toBe(false);
    }
    expect(holds('proc.name!=bash', auditAlert())).toBe(false);
    expect(holds('alert.source!=k8s_audit', auditAlert())).toBe(false);
    expect(holds('alert.hostname!=x', alert({ hostname: undefined }))).toBe(false);
    expect(holds('alert.time~=.', alert({ time: undefined }))).toBe(false);
  });
  it('does not reach Object.prototype through a field name', () => {
    expect(holds('constructor~=.')).toBe(false);
    expect(holds('__proto__!=x')).toBe(false);
  });
  it('repeated, all must hold', () => {
    const f = filter({ where: ['proc.name=bash', 'k8s.ns.name^=pro'] });
    expect(f.test(a)).toBe(true);
    expect(f.test(alert({}, { 'k8s.ns.name': 'dev' }))).toBe(false);
    expect(f.test(alert({}, { 'proc.name': 'sh' }))).toBe(false);
  });
  it('describes each condition in words', () => {
    expect(filter({ where: ['proc.name=bash', 'proc.name!=sh', 'proc.cmdline~=^curl', 'fd.name^=/etc/', 'fd.name$=.conf', 'proc.cmdline*=base64 -d'] }).describe).toEqual([
      'proc.name is "bash"',
      'proc.name is not "sh"',
      'proc.cmdline matches /^curl/',
      'fd.name starts with "/etc/"',
      'fd.name ends with ".conf"',
      'proc.cmdline contains "base64 -d"',
    ]);
  });
});

describe('combinations', () => {
  const spec: Partial<FilterSpec> = {
    rules: ['Terminal*', 'Write below etc'],
    sources: ['syscall'],
    hosts: ['web-*'],
    namespaces: ['prod'],
    tags: ['shell'],
    since: '1h',
    until: '2026-11-27T09:00:00Z',
    where: ['proc.name=bash', 'container.id!=host'],
  };
  it('every flag must hold', () => {
    const f = filter(spec);
    expect(f.test(alert())).toBe(true);
    expect(f.describe).toEqual([
      'rule matches "Terminal*" or "Write below etc"',
      'source is syscall',
      'tagged "shell"',
      'host matches "web-*"',
      'namespace matches "prod"',
      'since 2026-11-27T08:00:00Z (1h ago)',
      'until 2026-11-27T09:00:00Z',
      'proc.name is "bash"',
      'container.id is not "host"',
    ]);
  });
  it('each flag alone can reject the alert', () => {
    const f = filter(spec);
    const spoilers: Alert[] = [
      alert({ rule: 'Read sensitive file untrusted' }),
      alert({ source: 'k8s_audit' }),
      alert({ hostname: 'db-01' }),
      alert({}, { 'k8s.ns.name': 'dev' }),
      alert({ tags: ['container'] }),
      alert({ time: '2026-11-27T07:59:59Z' }),
      alert({ time: '2026-11-27T09:00:00Z' }),
      alert({}, { 'proc.name': 'sh' }),
      alert({}, { 'container.id': 'host' }),
      alert({}, { 'container.id': null }),
    ];
    for (const s of spoilers) expect(f.test(s), JSON.stringify({ ...s, extra: undefined })).toBe(false);
  });
});

describe('usage errors', () => {
  it('blank names and tags', () => {
    expect(usageMessage({ rules: ['Terminal*', ''] })).toBe('--rule "": expected a rule name or a glob such as "Terminal shell*", found an empty value');
    expect(usageMessage({ hosts: [' '] })).toBe('--host " ": expected a host name or a glob such as "web-*", found an empty value');
    expect(usageMessage({ namespaces: [''] })).toBe('--namespace "": expected a namespace or a glob such as "prod-*", found an empty value');
    expect(usageMessage({ tags: [''] })).toBe('--tag "": expected a tag such as container or mitre_execution, found an empty value');
  });
  it('a source that is not a name', () => {
    for (const s of ['', 'k8s*', 'sys call']) {
      expect(usageMessage({ sources: [s] })).toBe(`--source ${JSON.stringify(s)}: expected an event source name such as syscall, k8s_audit or aws_cloudtrail`);
    }
  });
  it('times', () => {
    const expected = 'expected an RFC 3339 time or a duration such as 30m, 2h, 7d';
    expect(usageMessage({ since: 'yesterday' })).toBe(`--since "yesterday": ${expected}`);
    expect(usageMessage({ until: '2h30m' })).toBe(`--until "2h30m": ${expected}`);
    expect(usageMessage({ since: '-2h' })).toBe(`--since "-2h": ${expected}`);
    expect(usageMessage({ since: '2H' })).toBe(`--since "2H": ${expected}`);
    expect(usageMessage({ since: '' })).toBe(`--since "": ${expected}`);
    expect(usageMessage({ since: '2026-11-27' })).toBe(`--since "2026-11-27": ${expected}`);
    expect(usageMessage({ since: '2026-11-27 09:00:00Z' })).toBe(`--since "2026-11-27 09:00:00Z": ${expected}`);
    expect(usageMessage({ since: '2026-11-27T09:00:00' })).toBe(`--since "2026-11-27T09:00:00": ${expected} (the time needs a zone: Z or an offset such as +01:00)`);
    expect(usageMessage({ until: '2026-11-27T09:00:00 UTC' })).toBe(`--until "2026-11-27T09:00:00 UTC": ${expected} (the zone " UTC" is not Z or an offset such as +01:00)`);
    expect(usageMessage({ since: '2026-02-30T09:00:00Z' })).toBe(`--since "2026-02-30T09:00:00Z": ${expected} (there is no such day)`);
    expect(usageMessage({ since: '2026-13-01T09:00:00Z' })).toBe(`--since "2026-13-01T09:00:00Z": ${expected} (there is no such day)`);
    expect(usageMessage({ since: '2026-11-27T24:00:00Z' })).toBe(`--since "2026-11-27T24:00:00Z": ${expected} (there is no such time of day)`);
    expect(usageMessage({ since: '99999999999w' })).toBe(`--since "99999999999w": ${expected} (the duration reaches past the dates JavaScript can represent)`);
  });
  it('an --until that is not after --since', () => {
    expect(usageMessage({ since: '1h', until: '2h' })).toBe('--until "2h": expected a time after --since (2026-11-27T08:00:00Z), found 2026-11-27T07:00:00Z');
    // Equal bounds leave an empty window: refused too, also when one is a duration and one a time.
    expect(usageMessage({ since: '2026-11-27T08:00:00Z', until: '1h' })).toBe('--until "1h": expected a time after --since (2026-11-27T08:00:00Z), found 2026-11-27T08:00:00Z');
    expect(usageMessage({ since: '2026-11-27T08:00:00.000000001Z', until: '1h' })).toBe(
      '--until "1h": expected a time after --since (2026-11-27T08:00:00.000000001Z), found 2026-11-27T08:00:00Z',
    );
    expect(filter({ since: '2026-11-27T08:00:00Z', until: '2026-11-27T08:00:00.000000001Z' }).active).toBe(true);
  });
  it('--where forms', () => {
    const forms = 'expected FIELD=VALUE, FIELD!=VALUE, FIELD~=REGEX, FIELD^=PREFIX, FIELD$=SUFFIX or FIELD*=SUBSTRING';
    expect(usageMessage({ where: ['proc.name'] })).toBe(`--where "proc.name": ${forms}`);
    expect(usageMessage({ where: ['proc.name>5'] })).toBe(`--where "proc.name>5": ${forms}`);
    expect(usageMessage({ where: ['proc name=bash'] })).toBe('--where "proc name=bash": expected a field name such as proc.name, proc.aname[2] or alert.hostname before "=", found "proc name"');
    expect(usageMessage({ where: ['=bash'] })).toBe('--where "=bash": expected a field name such as proc.name, proc.aname[2] or alert.hostname before "=", found ""');
    expect(usageMessage({ where: ['proc.name=bash', 'alert.uuid!=x'] })).toBe(
      '--where "alert.uuid!=x": expected alert.hostname, alert.rule, alert.priority, alert.source or alert.time, found "alert.uuid"',
    );
    expect(usageMessage({ where: ['proc.name==bash'] })).toBe('--where "proc.name==bash": expected one "=" (FIELD=VALUE), found "=="');
    expect(usageMessage({ where: ['proc.name=~ba'] })).toBe('--where "proc.name=~ba": expected "~=" for a regular expression (FIELD~=REGEX), found "=~"');
    for (const op of ['=', '!=', '~=', '^=', '$=', '*=']) {
      expect(usageMessage({ where: [`proc.name${op}`] })).toBe(`--where "proc.name${op}": expected a value after "${op}", found nothing`);
    }
    expect(usageMessage({ where: ['proc.cmdline~=(curl'] })).toBe('--where "proc.cmdline~=(curl": expected a JavaScript regular expression after "~=", found "(curl" (Unterminated group)');
    expect(usageMessage({ where: ['proc.cmdline~=a: [b'] })).toBe('--where "proc.cmdline~=a: [b": expected a JavaScript regular expression after "~=", found "a: [b" (Unterminated character class)');
  });
});

describe('glob patterns', () => {
  it('compile to one anchored, case-insensitive alternation', () => {
    const re = anyOfPattern(['a*c', 'x?z'], true);
    expect(['ac', 'ABC', 'a\nc', 'xyz', 'x😀z'].map((s) => re.test(s))).toEqual([true, true, true, true, true]);
    expect(['abcd', 'xz', 'xyyz', 'zac'].map((s) => re.test(s))).toEqual([false, false, false, false]);
    const pipe = anyOfPattern(['a|b'], true);
    expect([pipe.test('a|b'), pipe.test('a'), pipe.test('b')]).toEqual([true, false, false]);
    const literal = anyOfPattern(['a*c'], false);
    expect([literal.test('a*c'), literal.test('abc')]).toEqual([true, false]);
  });
  it('a remembering matcher keeps its answers right past its capacity', () => {
    const matches = anyOfMatcher(['web-*'], true);
    for (let round = 0; round < 2; round++) {
      const answers = Array.from({ length: 5000 }, (_, i) => [matches(`web-${i}`), matches(`db-${i}`)]);
      expect(answers.every(([web, db]) => web === true && db === false)).toBe(true);
    }
    expect([matches('WEB-1'), matches('web-'), matches('xweb-1')]).toEqual([true, true, false]);
  });
});
