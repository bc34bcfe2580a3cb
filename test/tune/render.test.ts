// Writing the rules file: values that read back exactly, comments nothing can escape, the append forms.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UsageError } from '../../src/errors.js';
import { appendSyntaxFor, falcoQuote, falcoUnquote, unrepresentable } from '../../src/tune/falco-syntax.js';
import { renderRuleExceptions, renderRulesFile } from '../../src/tune/render-exceptions.js';
import { exceptionName, TUNE_DEFAULTS, type RuleTuning, type SuggestedRow, type TuneResult } from '../../src/tune/suggest.js';
import { commentText, commentValue, yamlQuoted } from '../../src/tune/yaml-text.js';

/** Strings rich in what breaks YAML and Falco conditions: quotes, #, ': ', breaks, anchors, controls, bidi. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...'\'"#: \n\r\t\\&*!|>%@`,[]{}()=-?\u0000\u0007\u001b\u0085\u00a0\u2028\u2029\u202e\ufeff'.split(''), 'a', 'é', '🚀'), maxLength: 30 }),
  fc.constantFrom('- rule: x', 'key: value', '&a', '*a', '!!binary', '? x', '---', '...', 'null', 'true', '0x10', '1e3', 'tolower(x)', 'a) or (b', 'shell_binaries'),
);

/** Reads one written value back: YAML first, then Falco's own quoting. */
function readBack(written: string): string {
  const y = parse(written) as unknown;
  if (typeof y !== 'string') throw new Error(`YAML read ${JSON.stringify(y)}`);
  const f = falcoUnquote(y);
  if (!f.ok) throw new Error(f.reason);
  return f.value;
}

describe('values', () => {
  it('every representable value reads back exactly through YAML and Falco', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        fc.pre(unrepresentable(v) === undefined);
        expect(readBack(yamlQuoted(falcoQuote(v)))).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('a written value is one YAML scalar on one line, inside a flow sequence too', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 4 }), (vs) => {
        const ok = vs.filter((v) => unrepresentable(v) === undefined);
        fc.pre(ok.length > 0);
        const line = `- [${ok.map((v) => yamlQuoted(falcoQuote(v))).join(', ')}]`;
        expect(line).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
        expect(parse(line)).toEqual([ok.map(falcoQuote)]);
      }),
      { numRuns: 1000 },
    );
  });

  it('YAML quoting alone keeps any string exact, and shows bidi and invisible characters as escapes', () => {
    fc.assert(fc.property(hostile, (v) => {
      fc.pre(unrepresentable(v) === undefined);
      expect(parse(yamlQuoted(v))).toBe(v);
    }), { numRuns: 1000 });
    expect(yamlQuoted('a\u202eb')).toBe('"a\\u202Eb"');
    expect(yamlQuoted("it's")).toBe("'it''s'");
  });

  it('values Falco cannot quote are named, not written', () => {
    expect(unrepresentable('x\\')).toMatch(/backslash/);
    expect(unrepresentable('a\u0000')).toMatch(/NUL/);
    expect(unrepresentable('\ud800')).toMatch(/surrogate/);
    expect(unrepresentable('x'.repeat(4097))).toMatch(/4096/);
    expect(unrepresentable('🚀 fine')).toBeUndefined();
  });
});

describe('comments', () => {
  it('no text, however hostile, ends a comment line', () => {
    fc.assert(fc.property(hostile, (v) => {
      for (const c of [commentText(v), commentValue(v)]) {
        expect(c).not.toMatch(/[\n\r\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069\u0000-\u001f]/);
        expect(parse(`# ${c}\n- a`)).toEqual(['a']);
      }
    }), { numRuns: 1000 });
  });
});

const evidence = (count: number, host: string, example: string): SuggestedRow['evidence'] => ({
  count,
  firstSeen: '2026-11-27T09:00:00.123456789Z',
  lastSeen: '2026-11-27T10:00:00.000000000Z',
  hosts: [{ value: host, count }],
  hostsDistinct: 2,
  namespaces: [],
  namespacesDistinct: 0,
  example: { field: 'proc.cmdline', value: example },
});

function resultWith(rules: RuleTuning[]): TuneResult {
  const tuned = rules.filter((r) => r.rows.length > 0);
  return {
    rules,
    totals: { alerts: rules.reduce((n, r) => n + r.total, 0), rules: rules.length, tunedRules: tuned.length, rows: tuned.reduce((n, r) => n + r.rows.length, 0), covered: tuned.reduce((n, r) => n + r.covered, 0) },
    untrackedAlerts: 0,
    settings: { ...TUNE_DEFAULTS, allowTactics: [] },
  };
}

function ruleWith(rule: string, rows: { values: string[]; host: string; example: string }[]): RuleTuning {
  const keys = { fields: ['container.image.repository', 'proc.name'], comps: ['=', '='] as const, from: 'kb' as const };
  const written = rows.map((r) => ({ values: r.values, evidence: evidence(5, r.host, r.example) }));
  return {
    rule,
    source: 'syscall',
    priority: 'Notice',
    total: rows.length * 5,
    keys: { ...keys, comps: [...keys.comps] },
    exceptionName: exceptionName(rule, { ...keys, comps: [...keys.comps] }, written),
    rows: written,
    covered: rows.length * 5,
    refusals: [{ values: ['img', 'x'], count: 1, codes: ['min-count'], reasons: ['seen 1 time'] }],
    refusalsOmitted: { tuples: 0, alerts: 0 },
    approximate: false,
  };
}

describe('the rules file', () => {
  it('has exactly the rules, exceptions and values of the result, whatever the alerts held', () => {
    const row = fc.record({ values: fc.tuple(hostile, hostile).map(([a, b]) => [a, b]), host: hostile, example: hostile });
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ rule: hostile, rows: fc.array(row, { minLength: 1, maxLength: 3 }) }), { selector: (r) => r.rule, minLength: 1, maxLength: 3 }), fc.boolean(), (spec, old) => {
        const rules = spec.map((s) => ruleWith(s.rule, s.rows.filter((r) => r.values.every((v) => unrepresentable(v) === undefined)))).filter((r) => r.rows.length > 0);
        const text = renderRulesFile(resultWith(rules), { falcoVersion: old ? '0.36.0' : '0.42.0' });
        const doc = parse(text) as unknown;
        const tail = old ? { append: true } : { override: { exceptions: 'append' } };
        expect(doc).toEqual(rules.length === 0 ? [] : rules.map((r) => ({
          rule: r.rule,
          exceptions: [{ name: r.exceptionName, fields: r.keys?.fields, comps: r.keys?.comps, values: r.rows.map((x) => (x.values as string[]).map(falcoQuote)) }],
          ...tail,
        })));
      }),
      { numRuns: 300 },
    );
  });

  it('shows evidence in comments, redacted when asked, never the values', () => {
    const r = ruleWith('R', [{ values: ['img', 'mysql'], host: 'db-1', example: 'mysql -pHunter2secret' }]);
    const text = renderRuleExceptions(r, { redact: (s) => s.replace(/-p\S+/, '-p[redacted]') });
    expect(text).toContain('# 5 alerts, 2026-11-27T09:00:00Z to 2026-11-27T10:00:00Z');
    expect(text).toContain('# hosts: "db-1" (5), and 1 more');
    expect(text).toContain('# e.g. proc.cmdline="mysql -p[redacted]"');
    expect(text).toContain(`- ['"img"', '"mysql"']`);
    expect(renderRuleExceptions({ ...r, rows: [] })).toBe('');
  });

  it('is an empty list, still a valid rules file, when nothing is suggested', () => {
    const text = renderRulesFile(resultWith([]));
    expect(parse(text)).toEqual([]);
    expect(text).toMatch(/^\[\]$/m);
  });
});

describe('--falco-version', () => {
  it.each([
    ['0.36.2', 'append'],
    ['0.28.0', 'append'],
    ['0.9', 'append'],
    ['0.37.0', 'override'],
    ['v0.38.1', 'override'],
    ['0.40.0-rc1', 'override'],
    ['1.0.0', 'override'],
  ])('%s writes the %s form', (v, form) => {
    expect(appendSyntaxFor(v)).toBe(form);
  });

  it('refuses what is not a version, before anything is written', () => {
    expect(appendSyntaxFor('latest')).toBeUndefined();
    expect(() => renderRulesFile(resultWith([]), { falcoVersion: 'latest' })).toThrow(UsageError);
    expect(() => renderRulesFile(resultWith([]), { falcoVersion: 'latest' })).toThrow('--falco-version: expected a Falco version such as 0.36.2 or 0.38.0, got "latest"');
  });
});
