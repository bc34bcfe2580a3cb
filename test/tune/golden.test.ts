// tune end to end: golden rules files for typical noise and refusals, each checked against Falco's schema.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PRIORITIES } from '../../src/alert/priority.js';
import { enrich, type EnrichedAlert } from '../../src/enrich/enrich.js';
import { cachedMatcher } from '../../src/kb/match-entry.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../../src/kb/knowledge-base.js';
import { falcoUnquote } from '../../src/tune/falco-syntax.js';
import { fieldExists } from '../../src/tune/known-fields.js';
import { checkExceptions, formatCheck } from '../../src/tune/check.js';
import { enrichedAlerts, runTune, type TuneRun, type TuneRunOptions } from '../../src/tune/index.js';
import { alertFrom } from '../helpers.js';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const RULE_SCHEMA = JSON.parse(readFileSync(new URL('../../../shared/falco-rules/rule-schema.json', import.meta.url), 'utf8')) as Schema;
const RULES_DIR = new URL('../../../shared/falco-rules/', import.meta.url).pathname;

// ---- A validator for the part of JSON Schema (draft 06) that Falco's rule-schema.json uses. ----

/** The keywords rule-schema.json uses: type, items, $ref, properties, additionalProperties, required, anyOf, enum, minProperties. */
interface Schema {
  readonly type?: 'array' | 'object' | 'string' | 'boolean' | 'integer';
  readonly items?: Schema;
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean;
  readonly required?: readonly string[];
  readonly anyOf?: readonly Schema[];
  readonly enum?: readonly unknown[];
  readonly minProperties?: number;
  readonly definitions?: Readonly<Record<string, Schema>>;
}

const KNOWN_KEYWORDS = new Set(['$schema', 'type', 'items', '$ref', 'properties', 'additionalProperties', 'required', 'anyOf', 'enum', 'minProperties', 'definitions', 'title']);

/** Every keyword of the schema is one the validator implements, so that nothing is silently skipped. */
function keywordsOf(s: unknown, out = new Set<string>()): Set<string> {
  if (s && typeof s === 'object' && !Array.isArray(s)) {
    for (const [k, v] of Object.entries(s)) {
      out.add(k);
      if (k === 'properties' || k === 'definitions') for (const sub of Object.values(v as object)) keywordsOf(sub, out);
      else if (k === 'items') keywordsOf(v, out);
      else if (k === 'anyOf') for (const sub of v as unknown[]) keywordsOf(sub, out);
    }
  }
  return out;
}

function validate(schema: Schema, value: unknown, root: Schema, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = /^#\/definitions\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name === undefined ? undefined : root.definitions?.[name];
    if (!target) return [`${path}: unresolved $ref ${schema.$ref}`];
    return validate(target, value, root, path);
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const ok =
      schema.type === 'array' ? Array.isArray(value)
      : schema.type === 'object' ? value !== null && typeof value === 'object' && !Array.isArray(value)
      : schema.type === 'integer' ? Number.isInteger(value)
      : typeof value === schema.type;
    if (!ok) return [`${path}: expected ${schema.type}`];
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not one of ${schema.enum.join(', ')}`);
  if (schema.anyOf && !schema.anyOf.some((s) => validate(s, value, root, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, root, `${path}[${i}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in obj)) errors.push(`${path}: missing ${k}`);
    if (schema.minProperties !== undefined && Object.keys(obj).length < schema.minProperties) errors.push(`${path}: fewer than ${schema.minProperties} properties`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) errors.push(...validate(sub, v, root, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown key ${k}`);
    }
  }
  return errors;
}

/** Parses a generated file and returns every schema error (none for a valid file). */
function schemaErrors(yamlText: string): string[] {
  return validate(RULE_SCHEMA, parse(yamlText) as unknown, RULE_SCHEMA);
}

describe('the rule-schema validator', () => {
  it('implements every keyword the schema uses', () => {
    expect([...keywordsOf(RULE_SCHEMA)].filter((k) => !KNOWN_KEYWORDS.has(k))).toEqual([]);
  });

  it.each(['falco_rules.yaml', 'falco-sandbox_rules.yaml', 'k8s_audit_rules_gke.yaml'])('accepts the upstream %s', (file) => {
    expect(schemaErrors(readFileSync(`${RULES_DIR}${file}`, 'utf8'))).toEqual([]);
  });

  it('rejects what Falco would reject', () => {
    expect(schemaErrors('- rule: x\n  exceptions: [{fields: [proc.name]}]\n')).toEqual(['$[0].exceptions[0]: missing name']);
    expect(schemaErrors('- rule: x\n  override: {}\n')).toEqual(['$[0].override: fewer than 1 properties']);
    expect(schemaErrors('- rule: x\n  override: {exceptions: add}\n')).toEqual(['$[0].override.exceptions: not one of append, replace']);
    expect(schemaErrors('- rule: x\n  apend: true\n')).toEqual(['$[0]: unknown key apend']);
    expect(schemaErrors('rule: x\n')).toEqual(['$: expected array']);
  });
});

// ---- Golden files: typical noise, the safety refusals, hostile values. ----

let kb: KnowledgeBase;
beforeAll(async () => {
  kb = await loadKnowledgeBase();
});

/** Opens an input file as enriched alerts; a function, so that --check can read it twice. */
function source(input: string): () => AsyncIterable<EnrichedAlert> {
  return () => enrichedAlerts([`${GOLDEN}${input}.ndjson`], kb, Readable.from([]), { maxRecordBytes: 1 << 20 });
}

const risky = (e: EnrichedAlert): boolean => e.alert.fields['container.id'] === 'bad000000001';

/** Each case: the input, the options, and what --check must count (silenced, remaining). */
const CASES: Record<string, { input: string; opts: TuneRunOptions; silenced: number; remaining: number }> = {
  'ci-shells': { input: 'ci-shells', opts: {}, silenced: 33, remaining: 2 },
  'ci-shells.falco-0.36': { input: 'ci-shells', opts: { falcoVersion: '0.36.2' }, silenced: 33, remaining: 2 },
  'init-pkg': { input: 'init-pkg', opts: {}, silenced: 0, remaining: 25 },
  'init-pkg.reviewed': { input: 'init-pkg', opts: { maxPriority: 'Error', allowTactics: ['command-and-control'] }, silenced: 24, remaining: 1 },
  healthcheck: { input: 'healthcheck', opts: {}, silenced: 0, remaining: 31 },
  'healthcheck.reviewed': { input: 'healthcheck', opts: { allowTactics: ['credential-access'] }, silenced: 30, remaining: 1 },
  refusals: { input: 'refusals', opts: { isRisky: risky }, silenced: 0, remaining: 40 },
  hostile: { input: 'hostile', opts: {}, silenced: 80, remaining: 0 },
};

describe('golden rules files', () => {
  const runs = new Map<string, TuneRun>();
  const run = async (name: string): Promise<TuneRun> => {
    const c = CASES[name];
    if (!c) throw new Error(name);
    let r = runs.get(name);
    if (!r) {
      r = await runTune(source(c.input), { ...c.opts, check: true, generator: 'falco-report VERSION' });
      runs.set(name, r);
    }
    return r;
  };

  for (const name of Object.keys(CASES)) {
    describe(name, () => {
      it('matches its golden file', async () => {
        const r = await run(name);
        await expect(r.yaml).toMatchFileSnapshot(`golden/${name}.yaml`);
        await expect(formatCheck(r.check!)).toMatchFileSnapshot(`golden/${name}.check.txt`);
      });

      it("validates against Falco's rules schema and names only fields that exist", async () => {
        const { yaml } = await run(name);
        expect(schemaErrors(yaml)).toEqual([]);
        const doc = parse(yaml) as { exceptions?: { fields: string[] }[] }[];
        for (const item of doc) for (const ex of item.exceptions ?? []) for (const f of ex.fields) expect(fieldExists(f), f).toBe(true);
      });

      it('--check counts what the file silences on its own input', async () => {
        const { check, result } = await run(name);
        const c = CASES[name]!;
        expect(check?.problems).toEqual([]);
        expect([check?.silenced, check!.alerts - check!.silenced]).toEqual([c.silenced, c.remaining]);
        // The model and the written file agree: what the rows cover is what the file silences.
        expect(check?.silenced).toBe(result.totals.covered);
      });
    });
  }

  it('writes append: true for Falco before 0.37 and override from 0.37 on', async () => {
    const old = (await run('ci-shells.falco-0.36')).yaml;
    const cur = (await run('ci-shells')).yaml;
    expect(old).toMatch(/^ {2}append: true$/m);
    expect(old).not.toMatch(/override:/);
    expect(cur).toMatch(/^ {2}override:\n {4}exceptions: append$/m);
    expect(cur).not.toMatch(/append: true/);
  });

  it('refuses each unsafe tuple for its reason', async () => {
    const { result } = await run('refusals');
    const codes = result.rules.flatMap((r) => r.refusals.map((f) => `${r.rule}: ${f.codes.join('+')}`));
    expect(codes.sort()).toEqual([
      'Container Run as Root User: min-count',
      'Container Run as Root User: too-wide',
      'Falco internal: syscall event drop: internal',
      'Terminal shell in container: priority',
      'Terminal shell in container: risky',
      'Terminal shell in container: unkeyed',
      'Terminal shell in container: unrepresentable',
    ]);
    expect(result.totals.rows).toBe(0);
  });

  it('keeps hostile values exact through YAML and Falco quoting', async () => {
    const { yaml, result } = await run('hostile');
    const doc = parse(yaml) as { rule: string; exceptions: { values: string[][] }[] }[];
    expect(doc).toHaveLength(1);
    const written = doc[0]!.exceptions[0]!.values.map((row) => row.map((v) => {
      const r = falcoUnquote(v);
      if (!r.ok) throw new Error(r.reason);
      return r.value;
    }));
    expect(written).toEqual(result.rules[0]!.rows.map((r) => r.values));
    const lines = readFileSync(`${GOLDEN}hostile.ndjson`, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { output_fields: Record<string, string> }).output_fields['proc.name']);
    expect(new Set(written.map((row) => row[1]))).toEqual(new Set(lines));
    // Evidence (hosts, namespaces, command lines with newlines and "- rule:") stays inside comments.
    expect(yaml.split('\n').filter((l) => /^\s*- rule:/.test(l))).toEqual(["- rule: 'Terminal shell in container'"]);
  });
});

describe('every input format the analyzer accepts gives the same file', () => {
  const ndjson = readFileSync(`${GOLDEN}ci-shells.ndjson`, 'utf8');
  const objects = ndjson.trim().split('\n').map((l) => JSON.parse(l) as unknown);
  const variants: Record<string, string | Buffer> = {
    'a JSON array': JSON.stringify(objects),
    'pretty-printed objects': objects.map((o) => JSON.stringify(o, null, 2)).join('\n'),
    'gzip': gzipSync(ndjson),
    'log-prefixed lines': ndjson.trim().split('\n').map((l) => `Nov 27 09:00:00 node falco[1]: ${l}`).join('\n'),
  };
  it.each(Object.keys(variants))('%s', async (name) => {
    const fromStdin = (): AsyncIterable<EnrichedAlert> => enrichedAlerts(['-'], kb, Readable.from([variants[name] as string | Buffer]), { maxRecordBytes: 1 << 20 });
    const expected = await runTune(source('ci-shells'), { generator: 'g' });
    expect((await runTune(fromStdin(), { generator: 'g' })).yaml).toBe(expected.yaml);
  });

  it("Falco's text alerts are keyed on the fields their line carries", async () => {
    const shell = 'Nov 27 09:00:00 node falco[1]: 09:00:00.000000000: Notice A shell was spawned in a container with an attached terminal (user=root process=bash parent=runc command=bash terminal=34816 container_id=a1b2c3d4e5f6 image=nginx)\n';
    const bare = 'Nov 27 09:00:01 node falco[1]: 09:00:01.000000000: Notice A shell was spawned in a container with an attached terminal\n';
    const r = await runTune(enrichedAlerts(['-'], kb, Readable.from([shell.repeat(6) + bare.repeat(2)]), { maxRecordBytes: 1 << 20 }));
    const rule = r.result.rules[0]!;
    expect(rule.keys?.fields).toEqual(['container.image.repository', 'proc.name']);
    expect(rule.rows.map((row) => row.values)).toEqual([['nginx', 'bash']]);
    expect(rule.refusals.map((f) => [f.codes, f.count])).toEqual([[['unkeyed'], 2]]);
    expect(schemaErrors(r.yaml)).toEqual([]);
  });
});

describe('every generated file', () => {
  /** Rules with different key shapes: =, startswith, in on a list field, a single field, defaults. */
  const RULES = [
    { rule: 'Terminal shell in container', source: 'syscall', fields: ['container.image.repository', 'proc.name', 'proc.cmdline'] },
    { rule: 'Launch Package Management Process in Container', source: 'syscall', fields: ['container.image.repository', 'proc.cmdline', 'proc.name'] },
    { rule: 'Container Run as Root User', source: 'syscall', fields: ['container.image.repository'] },
    { rule: 'Create Disallowed Pod', source: 'k8s_audit', fields: ['ka.target.namespace', 'ka.req.pod.containers.image'] },
    { rule: 'A custom rule', source: 'syscall', fields: ['proc.name', 'proc.pname'] },
  ] as const;
  const value = fc.oneof(fc.constantFrom('a', 'b', 'apt-get', 'apt-get install', '<NA>'), fc.string({ maxLength: 6 }), fc.constantFrom("it's", 'x: y', '# z', 'l1\nl2', 'ends\\', '&a *b'));
  const alertSpec = fc.record({
    r: fc.nat({ max: RULES.length - 1 }),
    values: fc.array(value, { minLength: 3, maxLength: 3 }),
    list: fc.array(fc.constantFrom('img:1', 'img:2', 'img:3'), { minLength: 1, maxLength: 2 }),
    priority: fc.constantFrom(...PRIORITIES),
    repeat: fc.integer({ min: 1, max: 8 }),
  });

  it('parses, validates against the schema, names real fields, and --check silences what it claims', async () => {
    const match = cachedMatcher(kb);
    await fc.assert(
      fc.asyncProperty(fc.array(alertSpec, { minLength: 1, maxLength: 12 }), fc.constantFrom('0.36.0', '0.41.1'), async (specs, falcoVersion) => {
        const alerts: EnrichedAlert[] = [];
        for (const s of specs) {
          const def = RULES[s.r]!;
          const fields: Record<string, unknown> = {};
          def.fields.forEach((f, i) => {
            fields[f] = f === 'ka.req.pod.containers.image' ? s.list : s.values[i];
          });
          for (let k = 0; k < s.repeat; k++) {
            const a = alertFrom({ rule: def.rule, priority: s.priority, source: def.source, output_fields: fields });
            alerts.push(enrich(a, match(a)));
          }
        }
        const { yaml, result } = await runTune((async function* () { yield* alerts; })(), { minCount: 2, falcoVersion });
        expect(schemaErrors(yaml)).toEqual([]);
        const doc = parse(yaml) as { exceptions?: { fields: string[] }[] }[];
        for (const item of doc) for (const ex of item.exceptions ?? []) for (const f of ex.fields) expect(fieldExists(f)).toBe(true);
        const check = await checkExceptions(yaml, alerts.map((e) => e.alert));
        expect(check.problems).toEqual([]);
        expect(check.silenced).toBe(result.totals.covered);
        // Nothing above --max-priority (Warning) is ever silenced.
        const silencedSevere = alerts.filter((e) => PRIORITIES.indexOf(e.alert.priority) < PRIORITIES.indexOf('Warning'));
        const severeCheck = await checkExceptions(yaml, silencedSevere.map((e) => e.alert));
        expect(severeCheck.silenced).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
