// --check: Falco's operators and exception shapes, evaluated over alerts, with known counts.
import { describe, expect, it } from 'vitest';
import { checkExceptions, createExceptionChecker, formatCheck, parseExceptions } from '../../src/tune/check.js';
import { compare, globRegex, pathPrefix, type EvaluatedComp } from '../../src/tune/compare.js';
import { falcoQuote, falcoUnquote } from '../../src/tune/falco-syntax.js';
import { alertFrom } from '../helpers.js';

describe('comparison operators', () => {
  const cases: [EvaluatedComp, string[], string | string[], boolean][] = [
    ['=', ['bash'], 'bash', true],
    ['=', ['bash'], 'Bash', false],
    ['==', ['bash'], 'bash', true],
    ['!=', ['bash'], 'sh', true],
    ['!=', ['bash'], 'bash', false],
    ['startswith', ['/etc/shadow'], '/etc/', true],
    ['startswith', ['/etc/shadow'], 'etc', false],
    ['endswith', ['svc@example.iam.gserviceaccount.com'], '.iam.gserviceaccount.com', true],
    ['contains', ['git clone https://github.com/x'], 'github.com', true],
    ['contains', ['git clone'], 'github.com', false],
    // in: every value of the field is listed (one value, or all of a list field's values).
    ['in', ['bash'], ['sh', 'bash'], true],
    ['in', ['zsh'], ['sh', 'bash'], false],
    ['in', ['a:1', 'b:2'], ['a:1', 'b:2', 'c:3'], true],
    ['in', ['a:1', 'd:4'], ['a:1', 'b:2'], false],
    ['intersects', ['a:1', 'd:4'], ['a:1', 'b:2'], true],
    ['intersects', ['d:4'], ['a:1'], false],
    // pmatch: whole path components.
    ['pmatch', ['/tmp/hello'], ['/tmp/hello'], true],
    ['pmatch', ['/tmp/hello/world'], ['/tmp/hello'], true],
    ['pmatch', ['/tmp/hello_world'], ['/tmp/hello'], false],
    ['pmatch', ['/var/spool/maillog'], ['/var/run', '/var/spool', '/etc'], true],
    ['pmatch', ['/opt/data/file.txt'], ['/var/run', '/etc'], false],
    ['pmatch', ['/var/spool/log.txt'], ['/var/*/*.txt'], true],
    ['pmatch', ['/var/a/b/log.txt'], ['/var/*.txt'], false],
    ['pmatch', ['/etc/x'], ['/etc/'], true],
    ['pmatch', ['/anything'], ['/'], true],
    // glob: the whole value.
    ['glob', ['/home/alice/.ssh/id_rsa'], '/home/*/.ssh/*', true],
    ['glob', ['/home/alice/.ssh'], '/home/*/.ssh/*', false],
    ['glob', ['file1.txt'], 'file?.txt', true],
    ['glob', ['fileA.txt'], 'file[0-9].txt', false],
    ['glob', ['fileA.txt'], 'file[!0-9].txt', true],
    ['glob', ['a*b'], 'a\\*b', true],
    ['glob', ['axb'], 'a\\*b', false],
    ['glob', ['a.b'], 'a.b', true],
    ['glob', ['axb'], 'a.b', false],
  ];
  it.each(cases)('%s: %j against %j is %s', (op, field, value, expected) => {
    expect(compare(op, field, value)).toBe(expected);
  });

  it('an unknown field matches nothing, whatever the operator', () => {
    for (const op of ['=', '!=', 'in', 'startswith', 'pmatch', 'glob'] as const) expect(compare(op, [], op === 'in' || op === 'pmatch' ? ['x'] : 'x')).toBe(false);
  });

  it('path prefixes are absolute or relative on both sides', () => {
    expect(pathPrefix('tmp', '/tmp/x')).toBe(false);
    expect(pathPrefix('/tmp//x/', '/tmp/x/y')).toBe(true);
    expect(globRegex('[]]', false).test(']')).toBe(true);
  });
});

describe("Falco's reading of a value", () => {
  it.each([
    ['bash', 'bash'],
    ['/usr/bin/apt-get', '/usr/bin/apt-get'],
    ['has space', 'has space'],
    ['"quoted \\"x\\" \\\\ \\n"', 'quoted "x" \\ \n'],
    ["'single \\' x'", "single ' x"],
    ['"\\x41\\t"', 'A\t'],
    ['"a\\/b"', 'a/b'],
  ])('%j reads as %j', (raw, value) => {
    expect(falcoUnquote(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['"unterminated', 'has no closing quote'],
    ['"a" or proc.name=x', 'continues after its closing quote'],
    ['a)or(b', 'is not one bare word'],
    ['"bad \\q"', 'unsupported escape'],
    ['"\\\'"', 'is not allowed inside'],
    ['"ends\\\\"', 'has no closing quote'],
  ])('%j is refused: %s', (raw, why) => {
    const r = falcoUnquote(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(why);
  });

  it('reads back everything falcoQuote writes', () => {
    for (const v of ['plain', "it's", 'a"b', 'back\\slash', 'new\nline', 'tab\t', ' lead', 'x) or (y', 'shell_binaries', 'é🚀']) {
      expect(falcoUnquote(falcoQuote(v))).toEqual({ ok: true, value: v });
    }
  });
});

describe('exception shapes', () => {
  it('reads fields/comps/values, with the shortcuts Falco allows', () => {
    const text = `
- list: ignored
  items: [a]
- rule: R
  exceptions:
    - name: pairs
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values:
        - [nginx, /var/log/nginx]
        - ['"my app"', '"/srv/a b"']
    - name: default_comps
      fields: [proc.name, proc.pname]
      values: [[a, b]]
    - name: single
      fields: fd.filename
      values: [passwd, shadow]
    - name: list_value
      fields: [proc.name, fd.name]
      comps: [=, in]
      values: [[cat, [/etc/a, /etc/b]], [tac, /etc/c]]
    - name: numbers
      fields: [fd.lport]
      values: [[8080]]
  override:
    exceptions: append
`;
    const p = parseExceptions(text);
    expect(p.problems).toEqual([]);
    expect(p.exceptions.map((e) => [e.name, e.fields, e.comps, e.rows])).toEqual([
      ['pairs', ['proc.name', 'fd.name'], ['=', 'startswith'], [['nginx', '/var/log/nginx'], ['my app', '/srv/a b']]],
      ['default_comps', ['proc.name', 'proc.pname'], ['=', '='], [['a', 'b']]],
      ['single', ['fd.filename'], ['in'], [[['passwd', 'shadow']]]],
      ['list_value', ['proc.name', 'fd.name'], ['=', 'in'], [['cat', ['/etc/a', '/etc/b']], ['tac', ['/etc/c']]]],
      ['numbers', ['fd.lport'], ['='], [['8080']]],
    ]);
  });

  it('appends values to an exception of the same name, as Falco does', () => {
    const text = `
- rule: R
  exceptions: [{name: e, fields: [proc.name], values: [[a]]}]
- rule: R
  exceptions: [{name: e, values: [[b]]}]
  override: {exceptions: append}
- rule: R
  exceptions: [{name: e, fields: [proc.pname], values: [[c]]}]
  override: {exceptions: append}
`;
    const p = parseExceptions(text);
    expect(p.exceptions.map((e) => e.rows)).toEqual([[['a'], ['b']]]);
    expect(p.problems).toEqual(['R: e: defined twice; Falco only appends values to an existing exception']);
  });

  it('reports what it cannot evaluate, and evaluates the rest', () => {
    const text = `
- rule: R
  exceptions:
    - {name: a, fields: [proc.name, fd.name], comps: [=], values: [[x, y]]}
    - {name: b, fields: [proc.name], comps: [regex], values: [[x]]}
    - {name: c, fields: proc.name, comps: '=', values: [x]}
    - {name: d, fields: [proc.name, fd.name], values: [[x]]}
    - {name: e, fields: [proc.name], values: [['"x" or evt.type=open']]}
    - {fields: [proc.name]}
    - {name: ok, fields: [proc.name], values: [[fine]]}
`;
    const p = parseExceptions(text);
    expect(p.exceptions.map((e) => [e.name, e.rows.length])).toEqual([['d', 0], ['e', 0], ['ok', 1]]);
    expect(p.problems).toEqual([
      'R: a: fields and comps must have the same length',
      'R: b: operator "regex" is not evaluated by --check',
      'R: c: with a single field, comps must be in, pmatch or intersects',
      'R: d: row 1: expected 2 values, one per field',
      'R: e: row 1: "\\"x\\" or evt.type=open" continues after its closing quote',
      'R: exception 6: expected a name',
    ]);
    expect(parseExceptions('rule: [').problems[0]).toMatch(/^rules file: /);
    expect(parseExceptions('a: 1').problems).toEqual(['rules file: expected a list of rules, lists and macros']);
    expect(parseExceptions('').problems).toEqual([]);
  });
});

describe('counts on known inputs', () => {
  const rules = `
- rule: Terminal shell in container
  exceptions:
    - name: ci_shells
      fields: [container.image.repository, proc.name]
      comps: [=, in]
      values:
        - ['"ci/runner"', ['"bash"', '"sh"']]
    - name: by_path
      fields: [proc.exepath]
      comps: [pmatch]
      values: [[[/opt/tools]]]
  override: {exceptions: append}
- rule: Read sensitive file untrusted
  append: true
  exceptions:
    - name: probe
      fields: [proc.name, fd.name]
      comps: [=, glob]
      values: [[health-probe, /etc/pam.d/*]]
`;
  const a = (rule: string, f: Record<string, unknown>) => alertFrom({ rule, priority: 'Notice', output_fields: f });
  const alerts = [
    a('Terminal shell in container', { 'container.image.repository': 'ci/runner', 'proc.name': 'bash', 'proc.exepath': '/bin/bash' }),
    a('Terminal shell in container', { 'container.image.repository': 'ci/runner', 'proc.name': 'sh', 'proc.exepath': '/opt/tools/sh' }),
    a('Terminal shell in container', { 'container.image.repository': 'ci/runner', 'proc.name': 'zsh', 'proc.exepath': '/opt/tools/bin/zsh' }),
    a('Terminal shell in container', { 'container.image.repository': 'shop', 'proc.name': 'bash', 'proc.exepath': '/opt/toolsx/bash' }),
    a('Terminal shell in container', { 'container.image.repository': null, 'proc.name': 'bash', 'proc.exepath': '<NA>' }),
    a('Read sensitive file untrusted', { 'proc.name': 'health-probe', 'fd.name': '/etc/pam.d/common-auth' }),
    a('Read sensitive file untrusted', { 'proc.name': 'health-probe', 'fd.name': '/etc/shadow' }),
    a('Write below etc', { 'proc.name': 'bash' }),
  ];

  it('counts per exception (an alert once per exception it matches) and per rule (once)', async () => {
    const r = await checkExceptions(rules, alerts);
    expect(r.problems).toEqual([]);
    expect(r.exceptions).toEqual([
      { rule: 'Terminal shell in container', name: 'ci_shells', rows: 1, silenced: 2 },
      { rule: 'Terminal shell in container', name: 'by_path', rows: 1, silenced: 2 },
      { rule: 'Read sensitive file untrusted', name: 'probe', rows: 1, silenced: 1 },
    ]);
    expect(r.rules).toEqual([
      { rule: 'Terminal shell in container', alerts: 5, silenced: 3, remaining: 2 },
      { rule: 'Read sensitive file untrusted', alerts: 2, silenced: 1, remaining: 1 },
      { rule: 'Write below etc', alerts: 1, silenced: 0, remaining: 1 },
    ]);
    expect([r.alerts, r.silenced]).toEqual([8, 4]);
  });

  it('streams: the checker gives the same counts one alert at a time', () => {
    const c = createExceptionChecker(rules);
    for (const x of alerts) c.add(x);
    expect(c.finish().silenced).toBe(4);
  });

  it('prints counts with names made safe for a terminal', async () => {
    const r = await checkExceptions(rules, [...alerts, a('Evil\u001b]0;title\u0007 rule', {})]);
    const text = formatCheck(r);
    expect(text).toContain('"Terminal shell in container" ci_shells: silences 2 alerts (1 row)');
    expect(text).toContain('"Terminal shell in container": 5 alerts, 3 silenced, 2 remaining');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});
