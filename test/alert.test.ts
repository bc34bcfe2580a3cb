import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateAlert, isReject, normaliseTime, alertSchema } from '../src/alert/alert.js';
import fc from 'fast-check';
import { parseJsonText, stringifyJson, stringifyJsonChunks, ExactNumber } from '../src/alert/json-text.js';
import { parsePriority, atOrAbove } from '../src/alert/priority.js';
import { fieldText, lookupValue, ownField } from '../src/alert/field-values.js';
import { CORPUS, alertFrom } from './helpers.js';

describe('priorities', () => {
  it('reads any case, info, and the gRPC enum number', () => {
    expect(parsePriority('WARNING')).toBe('Warning');
    expect(parsePriority('warning')).toBe('Warning');
    expect(parsePriority('info')).toBe('Informational');
    expect(parsePriority('INFO')).toBe('Informational');
    expect(parsePriority(4)).toBe('Warning');
    expect(parsePriority(0)).toBe('Emergency');
    expect(parsePriority(8)).toBeUndefined();
    expect(parsePriority('Urgent')).toBeUndefined();
  });
  it('ranks Emergency above Debug', () => {
    expect(atOrAbove('Critical', 'Error')).toBe(true);
    expect(atOrAbove('Error', 'Error')).toBe(true);
    expect(atOrAbove('Warning', 'Error')).toBe(false);
  });
});

describe('exact numbers', () => {
  /** The digits of output_fields' evt.time as parsed from `text`, which must parse. */
  const evtTimeOf = (text: string): string => {
    const r = parseJsonText(text);
    expect(r.ok, text).toBe(true);
    return String((r as { value: { output_fields: Record<string, unknown> } }).value.output_fields['evt.time']);
  };
  it('keeps integers beyond 2^53 as written, and writes them back unquoted', () => {
    const r = parseJsonText('{"a":1795786844385152581,"b":"1795786844385152581","c":12}');
    expect(r.ok).toBe(true);
    const v = (r as { value: Record<string, unknown> }).value;
    expect(v.a).toBeInstanceOf(ExactNumber);
    expect((v.a as ExactNumber).raw).toBe('1795786844385152581');
    expect(v.b).toBe('1795786844385152581');
    expect(v.c).toBe(12);
    expect(stringifyJson(v)).toBe('{"a":1795786844385152581,"b":"1795786844385152581","c":12}');
  });
  it('keeps 1e400 and -0 as written, and leaves digits inside strings alone', () => {
    const text = '{"x":1e400,"y":-0,"s":"1e400 -0 99999999999999999999","z":[9007199254740993]}';
    const r = parseJsonText(text);
    expect(r.ok && stringifyJson(r.value)).toBe(text);
  });
  it('written in pieces, a document is the same text as written whole, exact numbers included', () => {
    // Values JSON.stringify skips or turns to null, and exact numbers at every depth.
    const odd = fc.constantFrom(undefined, () => 1, new ExactNumber('1795786844385152581'), new ExactNumber('-0'));
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), odd, tie('arr'), tie('obj')),
      arr: fc.array(tie('any'), { maxLength: 4 }),
      obj: fc.dictionary(fc.string({ maxLength: 4 }), tie('any'), { maxKeys: 4 }),
    })).any;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 4 }), (v, levels) => {
        if (v === undefined || typeof v === 'function') return true;
        return [...stringifyJsonChunks(v, levels)].join('') === stringifyJson(v, 2);
      }),
      { numRuns: 500 },
    );
    const doc = { groups: [{ a: new ExactNumber('12345678901234567890'), b: undefined }, undefined], n: new ExactNumber('7'), empty: {}, none: [] };
    const pieces = [...stringifyJsonChunks(doc)];
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join('')).toBe(JSON.stringify({ groups: [{ a: 1 }, null], n: 7, empty: {}, none: [] }, null, 2).replace('"a": 1', '"a": 12345678901234567890'));
  });
  it('keeps a fraction with more digits than a double holds as written, wherever it stands, and leaves plain fractions numbers', () => {
    const long = '0.12345678901234567891';
    for (const text of [
      `{"rule":"r","priority":"Notice","output_fields":{"x":${long},"y":0.5,"z":12}}`,
      `{"rule":"r","priority":"Notice","score":${long},"output_fields":{"y":0.5}}`,
      `{"rule":"r","priority":"Notice","output_fields":{"o":{"x":${long}},"y":0.5}}`,
      `{"rule":"r","priority":"Notice","output_fields":{"x":-${long},"y":0.5}}`,
    ]) {
      const r = parseJsonText(text);
      expect(r.ok, text).toBe(true);
      expect(r.ok && stringifyJson(r.value), text).toBe(text);
      expect((r as { value: { output_fields: Record<string, unknown> } }).value.output_fields.y, text).toBe(0.5);
    }
    const r = parseJsonText(`{"output_fields":{"x":${long},"y":0.25}}`);
    const of = (r as { value: { output_fields: Record<string, unknown> } }).value.output_fields;
    expect(of.x).toBeInstanceOf(ExactNumber);
    expect(String(of.x)).toBe(long);
    expect(of.y).toBe(0.25);
  });
  it('an alert string that imitates the internal marker stays a string', () => {
    const text = '{"s":"\\u0000exact000000000000:123","n":12345678901234567890}';
    const r = parseJsonText(text);
    expect(r.ok && typeof (r.value as Record<string, unknown>).s).toBe('string');
    expect(r.ok && stringifyJson(r.value)).toBe(text);
  });
  it('finds the right digits when the same key also stands elsewhere in the record', () => {
    const cases = [
      '{"rule":"r","priority":"Notice","output_fields":{"o":{"evt.time":12345678901234567891},"evt.time":1795786844385152581}}',
      '{"evt.time":12345678901234567891,"rule":"r","priority":"Notice","output_fields":{"evt.time":1795786844385152581}}',
      '{"rule":"r","priority":"Notice","x":[{"evt.time":12345678901234567891}],"output_fields":{"evt.time":1795786844385152581}}',
      '{"rule":"r","priority":"Notice","output_fields":{"evt.time" : 1795786844385152581,"s":"\\"evt.time\\":1"}}',
    ];
    for (const text of cases) {
      expect(evtTimeOf(text), text).toBe('1795786844385152581');
      expect(stringifyJson((parseJsonText(text) as { value: unknown }).value)).toBe(text.replace('"evt.time" : ', '"evt.time":'));
    }
  });
  it('keeps the digits JSON.parse kept when a look-alike key or a repeated key holds a number equal as a double', () => {
    // 1795786844385152582 and ...581 are the same double: only the digits tell them apart.
    const cases = [
      // A key whose name starts with an escaped quote: its text ends in `"evt.time":` too.
      '{"rule":"r","priority":"Notice","output_fields":{"\\"evt.time":1795786844385152582,"evt.time":1795786844385152581}}',
      // The same key twice in one object: JSON.parse keeps the last.
      '{"rule":"r","priority":"Notice","output_fields":{"evt.time":1795786844385152582,"evt.time":1795786844385152581}}',
      // Both, and the real key in the middle.
      '{"rule":"r","priority":"Notice","output_fields":{"evt.time":1795786844385152582,"evt.time":1795786844385152581,"\\"evt.time":1795786844385152583}}',
    ];
    for (const text of cases) expect(evtTimeOf(text), text).toBe('1795786844385152581');
    // Any mix of repeated and look-alike keys, with big integers that differ only past a double's
    // precision: every key ends up with the digits written last for it, as JSON.parse keeps the last
    // (as an ExactNumber, or as a number where that prints back the same digits).
    const key = fc.constantFrom('evt.time', '"evt.time', 'evt.time"', 'x');
    const digits = fc.bigInt({ min: 1795786844385152000n, max: 1795786844385153000n }).map(String);
    fc.assert(
      fc.property(fc.array(fc.tuple(key, digits, fc.constantFrom('', ' ')), { minLength: 1, maxLength: 5 }), (members) => {
        const text = `{"rule":"r","priority":"Notice","output_fields":{${members.map(([k, d, sp]) => `${JSON.stringify(k)}:${sp}${d}`).join(',')}}}`;
        const r = parseJsonText(text);
        if (!r.ok) return false;
        const of = (r.value as { output_fields: Record<string, unknown> }).output_fields;
        const want = new Map(members.map(([k, d]) => [k, d]));
        return [...want].every(([k, d]) => String(of[k]) === d);
      }),
      { numRuns: 300 },
    );
  });
  it('shows exact numbers, null and <NA> the right way', () => {
    expect(fieldText(new ExactNumber('1795786844385152581'))).toBe('1795786844385152581');
    expect(fieldText(null)).toBeUndefined();
    expect(fieldText('<NA>')).toBeUndefined();
    expect(fieldText(['a', null, 'b'])).toBe('a,b');
    expect(fieldText(-0)).toBe('-0');
  });
});

describe('times', () => {
  it('normalises RFC 3339 with offsets to UTC with nine fraction digits', () => {
    expect(normaliseTime('2026-11-27T13:40:44.385152581Z')?.time).toBe('2026-11-27T13:40:44.385152581Z');
    expect(normaliseTime('2020-03-03T17:50:03.391768+00:00')?.time).toBe('2020-03-03T17:50:03.391768000Z');
    expect(normaliseTime('2020-03-03T18:50:03+01:00')?.time).toBe('2020-03-03T17:50:03.000000000Z');
    expect(normaliseTime('yesterday')).toBeUndefined();
  });
  it("reads Falco's own form from the second it shares with the time before, and still checks the rest", () => {
    const base = Date.parse('2026-11-27T13:40:44Z');
    expect(normaliseTime('2026-11-27T13:40:44.000000001Z')).toEqual({ time: '2026-11-27T13:40:44.000000001Z', timeMs: base });
    // Same second as the time before: the fraction and the zone are still checked.
    expect(normaliseTime('2026-11-27T13:40:44.999999999Z')).toEqual({ time: '2026-11-27T13:40:44.999999999Z', timeMs: base + 999 });
    expect(normaliseTime('2026-11-27T13:40:44.12345678xZ')).toBeUndefined();
    expect(normaliseTime('2026-11-27T13:40:44.123456789Y')).toBeUndefined();
    // A new second is parsed, and an impossible one is refused.
    expect(normaliseTime('2026-11-27T13:40:45.250000000Z')?.timeMs).toBe(base + 1250);
    expect(normaliseTime('2026-11-27T25:40:45.250000000Z')).toBeUndefined();
    expect(normaliseTime('2026-11-27T13:40:45.250000000Z')?.timeMs).toBe(base + 1250);
  });
  it('refuses a day or time of day that does not exist, which Date.parse would roll over', () => {
    // Date.parse takes 2026-02-30 for March 2, 2026-04-31 for May 1 and 24:00:00 for the next midnight.
    for (const t of ['2026-02-30T10:00:00.000000000Z', '2026-02-29T10:00:00.000000000Z', '2026-04-31T10:00:00.5Z', '2026-02-28T24:00:00.000000000Z', '2026-04-31T10:00:00+02:00', '2026-03-31T24:00:00-05:00']) {
      expect(normaliseTime(t), t).toBeUndefined();
    }
    expect(normaliseTime('2028-02-29T10:00:00.000000000Z')?.timeMs).toBe(Date.UTC(2028, 1, 29, 10));
    expect(normaliseTime('2026-04-30T23:59:59.999999999Z')?.timeMs).toBe(Date.UTC(2026, 3, 30, 23, 59, 59, 999));
    // With an offset, the day is the one written: 23:30 on April 30 at -01:00 is May 1 in UTC.
    expect(normaliseTime('2026-04-30T23:30:00-01:00')?.time).toBe('2026-05-01T00:30:00.000000000Z');
    const r = parseJsonText('{"rule":"x","priority":"info","time":"2026-02-30T10:00:00.000000000Z"}');
    expect(validateAlert((r as { value: unknown }).value, 'f.json', 3)).toMatchObject({ file: 'f.json', line: 3, reason: 'time: expected an RFC 3339 time, got "2026-02-30T10:00:00.000000000Z"' });
  });
  it('reads the gRPC {seconds, nanos} form', () => {
    const a = alertFrom({ rule: 'r', priority: 4, time: { seconds: 1570094449, nanos: 620298462 } });
    expect(a.time).toBe('2019-10-03T09:20:49.620298462Z');
    expect(a.priority).toBe('Warning');
  });
});

describe('validation', () => {
  it("keeps unknown keys, and field names such as __proto__ as the alert's own keys", () => {
    const a = alertFrom('{"rule":"r","priority":"Notice","output_fields":{"__proto__":"x","constructor":1},"custom":{"k":1}}');
    expect(Object.keys(a.fields)).toEqual(['__proto__', 'constructor']);
    expect(a.fields['__proto__']).toBe('x');
    expect(lookupValue(a, '__proto__')).toBe('x');
    expect(lookupValue(a, 'constructor')).toBe('1');
    expect(a.extra.custom).toEqual({ k: 1 });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
  it('never reads a field name from Object.prototype', () => {
    const a = alertFrom('{"rule":"r","priority":"Notice","output_fields":{"proc.name":"sh"}}');
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(lookupValue(a, name), name).toBeUndefined();
      expect(ownField(a.fields, name), name).toBeUndefined();
    }
    expect(ownField(a.fields, 'proc.name')).toBe('sh');
  });
  it('says what was expected and what was found', () => {
    const cases: [string, string][] = [
      ['{"rule":"x","priority":"Urgent"}', 'priority: expected one of Emergency…Debug, got "Urgent"'],
      ['{"rule":"x"}', 'priority: expected one of Emergency…Debug, found nothing'],
      ['[1,2]', 'expected a JSON object (one alert), found an array'],
      ['{"rule":"x","priority":"info","time":"yesterday"}', 'time: expected an RFC 3339 time, got "yesterday"'],
      ['{"rule":"x","priority":"info","tags":"a"}', 'tags: expected a list of strings, found "a"'],
      ['{"priority":"info"}', 'rule: expected the rule name as a string, found nothing'],
    ];
    for (const [text, reason] of cases) {
      const r = parseJsonText(text);
      expect(r.ok).toBe(true);
      const v = validateAlert((r as { value: unknown }).value, 'f.json', 7);
      expect(isReject(v) && v.reason).toBe(reason);
    }
  });
  it('the fast path accepts exactly what the zod schema accepts', () => {
    const samples: unknown[] = [
      { rule: 'r', priority: 'Notice' },
      { rule: '', priority: 'Notice' },
      { rule: 'r', priority: 'Notice', output_fields: null, tags: null },
      { rule: 'r', priority: 'Notice', output_fields: [] },
      { rule: 'r', priority: 'notice', hostname: 5 },
      { rule: 'r', priority: 9 },
      { rule: 'r', priority: 'debug', time: '2020-01-01T00:00:00Z', uuid: 'u' },
      { rule: 'r', priority: 'debug', time: 5 },
    ];
    for (const s of samples) {
      expect(isReject(validateAlert(s, 'f', 1)), JSON.stringify(s)).toBe(!alertSchema().safeParse(s).success);
    }
  });
  it('rejects too-deep nesting and too many members in a value, naming the field', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 80; i++) deep = [deep];
    const r = validateAlert({ rule: 'r', priority: 'Notice', output_fields: { f: deep } }, 'f', 3);
    expect(isReject(r) && r.reason).toMatch(/^output_fields\.f: nesting deeper than 64 levels/);
    const wide = validateAlert({ rule: 'r', priority: 'Notice', output_fields: { f: Array.from({ length: 10_001 }, () => 1) } }, 'f', 3);
    expect(isReject(wide) && wide.reason).toMatch(/an array with 10001 members/);
  });
});

describe('the shared corpus', () => {
  it('accepts every line of public-alerts.jsonl', () => {
    const lines = readFileSync(`${CORPUS}public-alerts.jsonl`, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBe(39);
    lines.forEach((l, i) => {
      const r = parseJsonText(l);
      expect(r.ok, `line ${i + 1}`).toBe(true);
      const v = validateAlert((r as { value: unknown }).value, 'public-alerts.jsonl', i + 1);
      expect(isReject(v) ? v.reason : 'ok', `line ${i + 1}`).toBe('ok');
    });
  });
  it('keeps the seed alert evt.time exactly', () => {
    const a = alertFrom(readFileSync(`${CORPUS}seed-alert.json`, 'utf8'));
    expect(fieldText(a.fields['evt.time'])).toBe('1795786844385152581');
    expect(a.uuid).toBe('e4b22942-4b74-4635-b273-edd070706dbd');
  });
});
