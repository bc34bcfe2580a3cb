// Properties over generated inputs: chunk boundaries never change the records, and valid JSON round-trips.

import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { split } from './helpers.js';

/** Pieces of real and broken input; many are longer than the 64-byte limit used below. */
const FRAGMENTS: readonly (string | Buffer)[] = [
  '{"a":1}\n',
  '{"b":"x}{y"}\n',
  '{\n  "c": [1, {"d": "]"}]\n}\n',
  '[\n {"e":1},\n {"f":2}\n]\n',
  '[{"g":1},{"h":"\\""}]\n',
  `[${'{"z":1},'.repeat(12)}{"z":2}]\n`,
  'plain text line\n',
  '\n',
  '   \n',
  '\r\n',
  ',\n',
  ' [\n',
  '}\n',
  ']\n',
  '[INFO] not an array\n',
  '{"trunc":"abc\n',
  '{\n"open": {\n',
  '{"x":"\\\n',
  '<5>2024-08-07T13:49:16Z h Falco[1]: {"p":1}\n',
  '2024-01-01T00:00:00Z {"k":1}\n',
  '{"a":1} junk\n',
  '{"a":1}{"b":2}\n',
  '{"a":1},{"b":2}, \n',
  '\t{"lead":1}\n',
  '"str"\n',
  '\uFEFF{"bom":1}\n',
  `${'x'.repeat(100)}\n`,
  `{"long":"${'y'.repeat(100)}"}\n`,
  `{\n"long": "${'w'.repeat(80)}"\n}\n`,
  '{"s":"é €"}\n',
  Buffer.from([0xff, 0x0a]),
  Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xc3]),
  Buffer.from([0xef, 0xbb]),
];

const input = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 25 })
  .map((parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));

/** `data` cut at the given offsets (taken modulo its length). */
function cutAt(data: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % data.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(data.subarray(from, p));
    from = p;
  }
  out.push(data.subarray(from));
  return out;
}

describe('chunk boundaries', () => {
  test('records do not depend on where the input is cut, plain or gzip', async () => {
    await fc.assert(
      fc.asyncProperty(input, fc.array(fc.nat(), { maxLength: 12 }), async (data, cuts) => {
        const whole = await split(data, { maxRecordBytes: 64 });
        expect(await split(cutAt(data, cuts), { maxRecordBytes: 64 })).toEqual(whole);
        expect(await split(cutAt(gzipSync(data), cuts), { maxRecordBytes: 64 })).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  test('every byte as its own chunk gives the same records', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (data) => {
        const bytes = Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
        expect(await split(bytes, { maxRecordBytes: 64 })).toEqual(await split(data, { maxRecordBytes: 64 }));
      }),
      { numRuns: 100 },
    );
  });
});

describe('round trip of valid JSON', () => {
  const alert = fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
  const layouts = ['ndjson', 'pretty', 'pretty-commas', 'array', 'array-pretty'] as const;

  function layout(values: readonly unknown[], how: (typeof layouts)[number]): string {
    switch (how) {
      case 'ndjson':
        return values.map((v) => `${JSON.stringify(v)}\n`).join('');
      case 'pretty':
        return values.map((v) => `${JSON.stringify(v, null, 2)}\n`).join('\n');
      case 'pretty-commas':
        return values.map((v) => JSON.stringify(v, null, 4)).join(',\n');
      case 'array':
        return JSON.stringify(values);
      case 'array-pretty':
        return JSON.stringify(values, null, 2);
    }
  }

  test('each object comes out once, as a json record that parses to it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(alert, { maxLength: 8 }), fc.constantFrom(...layouts), fc.array(fc.nat(), { maxLength: 5 }), async (values, how, cuts) => {
        const records = await split(cutAt(Buffer.from(layout(values, how)), cuts));
        // Compared after a JSON round trip of their own, which turns -0 into 0.
        expect(records.map((r) => (r.kind === 'json' ? JSON.parse(r.text) : r))).toEqual(JSON.parse(JSON.stringify(values)));
      }),
      { numRuns: 300 },
    );
  });
});
