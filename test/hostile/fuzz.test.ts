// Property-based fuzzing: random and mutated alerts through analyze and every renderer, seeded and bounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRun } from './check-run.js';
import { FAST_VARIANTS, kb, runAll, VARIANTS } from './harness.js';

/** Fixed seed: a failure is reproduced by the same run; fast-check prints the counterexample and its path. */
const SEED = 20_240_501;

/** Pieces of attacks, mixed with random text: escapes, line breaks before markers, markup, shell. */
const FRAGMENTS = [
  '\x1b]0;title\x07',
  '\x1b]8;;https://evil.example\x1b\\',
  '\x1b]52;c;eA==\x07',
  '\x1b[31m',
  '\x1b[2J',
  '\u009b31m',
  '\u009d0;t\u009c',
  '\u202e',
  '\u2066',
  '\u200b',
  '\ufeff',
  '\u0000',
  '\x7f',
  '\ud800',
  '\udfff',
  '\nFORGED',
  '\r\nFORGED',
  '\rFORGED',
  '\u2028FORGED',
  '\u0085FORGED',
  '\n# FORGED',
  '\n- FORGED',
  '\n| FORGED |',
  '[x](https://evil.example)',
  '![i](https://evil.example/i.png)',
  '<img src=x onerror=alert(1)>',
  '<https://evil.example>',
  'https://evil.example',
  'www.evil.example',
  '`',
  '```',
  '|',
  '$MATH$',
  '**EMPH_b**',
  '_EMPH_e_',
  '~~del~~',
  '&#27;',
  '\\',
  '$(pwnmark)',
  '`pwnmark`',
  "'",
  '"',
  '; pwnmark',
  '{{proc.name}}',
  '{{k8s.ns.name}}',
  '<NA>',
  '-rf',
  'A'.repeat(300),
] as const;

const text = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'grapheme-ascii', maxLength: 10 })), { maxLength: 6 })
  .map((parts) => parts.join(''));

/** Field names the KB commands substitute, keys special to JavaScript, and random ones. */
const FIELD_NAMES = ['k8s.ns.name', 'k8s.pod.name', 'container.id', 'proc.cmdline', 'proc.name', 'proc.pname', 'fd.name', 'user.name', 'container.image.repository', 'evt.time', 'evt.hostname', 'ka.target.namespace', 'ka.resp.name', 'proc.aname[2]', '__proto__', 'constructor', 'toString'];
const fieldName = fc.oneof(fc.constantFrom(...FIELD_NAMES), text);

/** A number as written in JSON: exact ones and those a JavaScript number would change. */
const RAW = '\u0000RAW';
const rawNumber = fc.oneof(
  fc.constantFrom('1795786844385152581', '-1795786844385152581', '-0', '1e400', '-1e-400', '123456789012345678901234567890', '0.1000000000000000055511151231257827', '1E5'),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
).map((raw) => `${RAW}${raw}`);

const { value: fieldValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    rawNumber,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(text, tie('value'), { maxKeys: 3 }),
  ),
}));

const PRIORITY_NAMES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'info', 'debug'];
const priority = fc.oneof(fc.mixedCase(fc.constantFrom(...PRIORITY_NAMES)), text, fc.integer({ min: -2, max: 10 }), fc.constant(null));
const RULES = ['Terminal shell in container', 'Write below binary dir', 'Read sensitive file untrusted', 'Create HostIPC Pod', 'Falco internal: syscall event drop'];
const rule = fc.oneof(fc.constantFrom(...RULES), text);
const time = fc.oneof(
  fc.constant('2024-05-01T12:00:00.123456789Z'),
  fc.date({ min: new Date(0), max: new Date(4_102_444_800_000), noInvalidDate: true }).map((d) => d.toISOString()),
  text,
  fc.record({ seconds: fc.integer({ min: -5, max: 4_102_444_800 }), nanos: fc.integer({ min: -1, max: 1_000_000_000 }) }),
);

/** One alert record, most keys optional, unknown keys added. */
const alert = fc.record(
  {
    time,
    rule,
    priority,
    output: text,
    source: fc.oneof(fc.constantFrom('syscall', 'k8s_audit', 'internal'), text),
    hostname: text,
    tags: fc.array(fc.oneof(text, fc.integer()), { maxLength: 3 }),
    output_fields: fc.dictionary(fieldName, fieldValue, { maxKeys: 8 }),
    uuid: text,
  },
  { requiredKeys: ['rule', 'priority'] },
);
const record = fc.tuple(alert, fc.dictionary(text, fieldValue, { maxKeys: 2 })).map(([a, extra]) => ({ ...extra, ...a }));

/** JSON text in which `RAW…` strings are written as the raw numbers they stand for. */
function toJson(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000RAW([^"]*)"/g, '$1');
}

/** What may happen to a line on its way: nothing, cut short, a byte changed, a line break inserted. */
const mutation = fc.oneof(
  { weight: 3, arbitrary: fc.constant((b: Buffer): Buffer => b) },
  fc.nat().map((n) => (b: Buffer): Buffer => b.subarray(0, n % (b.length + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([n, byte]) => (b: Buffer): Buffer => {
    const c = Buffer.from(b);
    if (c.length > 0) c[n % c.length] = byte;
    return c;
  }),
  fc.nat().map((n) => (b: Buffer): Buffer => Buffer.concat([b.subarray(0, n % (b.length + 1)), Buffer.from('\n'), b.subarray(n % (b.length + 1))])),
);
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(record, mutation).map(([r, m]) => m(Buffer.from(toJson(r)))) },
  fc.tuple(text, mutation).map(([t, m]) => m(Buffer.from(t))),
  fc.tuple(fc.constantFrom('Notice', 'Critical', 'info'), text).map(([p, t]) => Buffer.from(`12:00:00.000000000: ${p} A shell was spawned in a container with an attached terminal (user=${t} k8s.ns=${t} container_id=${t})`.replace(/[\n\r]/g, ' '))),
);
const input = fc.array(line, { minLength: 1, maxLength: 5 }).map((lines) => Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));

/** Violations as one readable list, for fast-check's failure report. */
function flat(v: Record<string, string[]>): string[] {
  return Object.entries(v).flatMap(([k, list]) => list.map((x) => `${k}: ${x}`));
}

describe('fuzz (fast-check, seeded)', () => {
  it('random and mutated NDJSON: nothing throws, every record is counted, every sink stays safe', async () => {
    const catalogue = await kb();
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const run = await runAll(bytes, FAST_VARIANTS);
        const v = flat(checkRun(bytes, run, catalogue));
        const r = run.report.input;
        if (r.accepted + r.rejected + r.skipped !== r.records) v.push('accounting');
        const nonBlank = bytes.toString('latin1').split('\n').filter((l) => l.trim() !== '').length;
        if (r.records > nonBlank + 10 || (nonBlank > 0 && r.records === 0)) v.push(`${r.records} records from ${nonBlank} non-blank lines`);
        expect(v).toEqual([]);
      }),
      { seed: SEED, numRuns: 150 },
    );
  }, 60_000);

  it('one random alert: the full terminal report, with colour and without, stays safe', async () => {
    const catalogue = await kb();
    await fc.assert(
      fc.asyncProperty(record, async (r) => {
        const bytes = Buffer.from(toJson(r));
        const run = await runAll(bytes, VARIANTS.filter((x) => x.format === 'terminal' || x.name === 'markdown'));
        expect(flat(checkRun(bytes, run, catalogue))).toEqual([]);
      }),
      { seed: SEED + 1, numRuns: 50 },
    );
  }, 60_000);

  it('the same alert repeated: counted values and folded groups stay safe', async () => {
    const catalogue = await kb();
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 2, maxLength: 4 }), fc.integer({ min: 2, max: 4 }), async (recs, times) => {
        const bytes = Buffer.from(`${Array.from({ length: times }, () => recs.map(toJson)).flat().join('\n')}\n`);
        const run = await runAll(bytes, FAST_VARIANTS);
        expect(flat(checkRun(bytes, run, catalogue))).toEqual([]);
      }),
      { seed: SEED + 2, numRuns: 30 },
    );
  }, 60_000);
});
