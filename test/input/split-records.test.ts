// Splitting of each accepted input format into records, with the line each record starts on.

import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { MiB, chunked, json, reject, split, text } from './helpers.js';

describe('NDJSON', () => {
  test('one record per line, numbered from 1, blank lines skipped but counted', async () => {
    const input = '{"rule":"a"}\n{"rule":"b"}\n\n   \n{"rule":"c"}\n';
    expect(await split(input)).toEqual([json(1, '{"rule":"a"}'), json(2, '{"rule":"b"}'), json(5, '{"rule":"c"}')]);
  });

  test('a last line without a line break is read', async () => {
    expect(await split('{"a":1}\n{"b":2}')).toEqual([json(1, '{"a":1}'), json(2, '{"b":2}')]);
  });

  test('leading and trailing blanks around a one-line object are dropped from the text', async () => {
    expect(await split('  {"a":1}\t\n')).toEqual([json(1, '{"a":1}')]);
  });

  test('a line that starts with { and ends with } is passed whole, for the JSON parser to judge', async () => {
    expect(await split('{"a":1}{"b":2}\n{not json}\n')).toEqual([json(1, '{"a":1}{"b":2}'), json(2, '{not json}')]);
  });

  test('objects side by side on a line that does not end in } are split', async () => {
    expect(await split('{"a":1}, {"b":"}{"},\n{"c":3}\n')).toEqual([
      json(1, '{"a":1}'),
      json(1, '{"b":"}{"}'),
      json(2, '{"c":3}'),
    ]);
  });

  test('text after an object on its line is one reject that quotes it', async () => {
    expect(await split('{"a":1} trailing words\n{"b":2}\n')).toEqual([
      json(1, '{"a":1}'),
      reject(1, 'unexpected text after a JSON value: expected a line break, "," or another value, found "trailing words"'),
      json(2, '{"b":2}'),
    ]);
  });
});

describe('multi-line JSON', () => {
  const pretty = '{\n  "rule": "Terminal shell in container",\n  "output_fields": {\n    "proc.name": "bash",\n    "x": [1, {"y": "}"}]\n  }\n}';

  test('one pretty-printed object is one record starting at its first line', async () => {
    expect(await split(`${pretty}\n`)).toEqual([json(1, pretty)]);
  });

  test('pretty-printed objects one after another: by blank lines, commas, or nothing', async () => {
    const input = `${pretty}\n\n${pretty},\n${pretty}\n,\n${pretty}${pretty}\n`;
    expect(await split(input)).toEqual([json(1, pretty), json(9, pretty), json(16, pretty), json(24, pretty), json(30, pretty)]);
  });

  test('braces and brackets inside strings, and escaped quotes, do not count', async () => {
    const value = '{\n"a": "}}]] \\" {{",\n"b": "\\\\"\n}';
    expect(await split(`${value}\n{"next":1}\n`)).toEqual([json(1, value), json(5, '{"next":1}')]);
  });

  test('CRLF inside a multi-line value becomes LF', async () => {
    expect(await split('{\r\n  "a": 1\r\n}\r\n')).toEqual([json(1, '{\n  "a": 1\n}')]);
  });
});

describe('JSON array (falcosidekick-ui export)', () => {
  test('pretty-printed: each element is a record at the line where it starts', async () => {
    const input = '[\n  {\n    "rule": "a"\n  },\n  {\n    "rule": "b"\n  }\n]\n{"after":1}\n';
    expect(await split(input)).toEqual([
      json(2, '{\n    "rule": "a"\n  }'),
      json(5, '{\n    "rule": "b"\n  }'),
      json(9, '{"after":1}'),
    ]);
  });

  test('all on one line, with brackets, commas and quotes inside strings', async () => {
    const input = '[{"a":"],["},{"b":"\\"]"}, {"c":[1,{"d":2}]}]';
    expect(await split(input)).toEqual([json(1, '{"a":"],["}'), json(1, '{"b":"\\"]"}'), json(1, '{"c":[1,{"d":2}]}')]);
  });

  test('an empty array gives nothing; elements that are not objects are still records', async () => {
    expect(await split('[]\n[\n]\n[{"a":1}, 2, "s", [3], null]\n')).toEqual([
      json(4, '{"a":1}'),
      json(4, '2'),
      json(4, '"s"'),
      json(4, '[3]'),
      json(4, 'null'),
    ]);
  });

  test('a one-line array far larger than maxRecordBytes is streamed element by element', async () => {
    const element = JSON.stringify({ rule: 'r', output: 'x'.repeat(50) });
    const line = `[${Array.from({ length: 2000 }, () => element).join(',')}]`;
    const records = await split(chunked(line, 4096), { maxRecordBytes: 200 });
    expect(line.length).toBeGreaterThan(100 * 200);
    expect(records).toHaveLength(2000);
    expect(records.every((r) => r.kind === 'json' && r.text === element && r.line === 1)).toBe(true);
  });

  test('an oversized element is rejected alone', async () => {
    const input = `[{"a":1},{"big":"${'x'.repeat(300)}"},{"c":3}]`;
    expect(await split(input, { maxRecordBytes: 100 })).toEqual([
      json(1, '{"a":1}'),
      reject(1, 'record larger than 100 bytes (found at least 310 bytes)'),
      json(1, '{"c":3}'),
    ]);
  });

  test('an array left open at the end of input is one reject after its elements', async () => {
    expect(await split('[\n{"a":1},\n{"b":2},\n')).toEqual([
      json(2, '{"a":1}'),
      json(3, '{"b":2}'),
      reject(1, 'truncated JSON: input ended inside an array that starts here (after 2 elements)'),
    ]);
  });

  test('an element cut short inside the array: the next element in column 0 starts over', async () => {
    expect(await split('[\n{"a":"x",\n{"b":2}\n]\n')).toEqual([
      reject(2, 'truncated JSON: the object that starts here is not closed before line 3 starts a new one'),
      json(3, '{"b":2}'),
    ]);
  });

  test('[ followed by text is a text line, not an array', async () => {
    expect(await split('[INFO] falco started\n[ 2024-01-01 ] x\n')).toEqual([
      text(1, '[INFO] falco started'),
      text(2, '[ 2024-01-01 ] x'),
    ]);
  });
});

describe('text lines', () => {
  test('each non-blank line is one text record, kept as written without CR/LF', async () => {
    const input = 'Tue May 21 12:55:58 2019: Falco initialized\r\n\r\n  indented line\n13:40:44.385152581: Warning Shell spawned (user=root)';
    expect(await split(input)).toEqual([
      text(1, 'Tue May 21 12:55:58 2019: Falco initialized'),
      text(3, '  indented line'),
      text(4, '13:40:44.385152581: Warning Shell spawned (user=root)'),
    ]);
  });

  test('text and JSON lines mixed on one stream', async () => {
    expect(await split('Falco version 0.38\n{"a":1}\nSyscall event drop\n')).toEqual([
      text(1, 'Falco version 0.38'),
      json(2, '{"a":1}'),
      text(3, 'Syscall event drop'),
    ]);
  });
});

describe('log prefixes before a JSON object', () => {
  test.each([
    ['<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: {"rule":"x"}', '{"rule":"x"}'],
    ['Feb 13 20:33:20 node-1 falco[19460]: {"rule":"x"}', '{"rule":"x"}'],
    ['Jan  3 19:48:00 falco falco: {"rule":"x"} ', '{"rule":"x"}'],
    ['2024-01-01T00:00:00.123456789Z {"rule":"x"}', '{"rule":"x"}'],
    ['2024-01-01T00:00:00.123456789Z stdout F {"rule":"x"}', '{"rule":"x"}'],
    ['[pod/falco-abcde/falco] 2024-01-01T00:00:00Z {"rule":"x"}', '{"rule":"x"}'],
    ['<14>1 2024-08-07T13:49:16.003Z host falco 1 - - {"rule":"x"}', '{"rule":"x"}'],
  ])('%s', async (line, expected) => {
    expect(await split(`${line}\n`)).toEqual([json(1, expected)]);
  });

  test('CRI lines split by the runtime (P, then F) are joined into one record at the first line', async () => {
    const alert = JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', output_fields: { 'proc.cmdline': `bash -c ${'x'.repeat(40)}` } });
    const pieces = [alert.slice(0, 30), alert.slice(30, 60), alert.slice(60)];
    const t = '2024-01-01T00:00:00.123456789Z';
    const lines = [`${t} stdout P ${pieces[0]}`, `${t} stderr F Falco started`, `${t} stdout P ${pieces[1]}`, `${t} stdout F ${pieces[2]}`, `${t} stdout F {"rule":"next"}`];
    const expected = [text(2, `${t} stderr F Falco started`), json(1, alert), json(5, '{"rule":"next"}')];
    expect(await split(`${lines.join('\n')}\n`)).toEqual(expected);
    // However the bytes arrive.
    expect(await split(chunked(`${lines.join('\n')}\n`, 7))).toEqual(expected);
  });

  test('a split CRI line whose end never comes is read as it stands; one over the record limit is rejected', async () => {
    const t = '2024-01-01T00:00:00Z';
    expect(await split(`${t} stdout P {"rule":"cut\n{"rule":"plain"}\n`)).toEqual([json(1, '{"rule":"cut'), json(2, '{"rule":"plain"}')]);
    expect(await split(`${t} stdout P {"rule":"cut`)).toEqual([json(1, '{"rule":"cut')]);
    const big = `${t} stdout P {"a":"${'y'.repeat(600)}\n${t} stdout P ${'y'.repeat(600)}\n${t} stdout F "}\n${t} stdout F {"b":1}\n`;
    expect(await split(big, { maxRecordBytes: 1000 })).toEqual([reject(1, 'record larger than 1000 bytes (found at least 1208 bytes)'), json(4, '{"b":1}')]);
  });

  test('Docker json-file records: the line each holds, and a line Docker split over several records joined', async () => {
    const alert = JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', output: 'x'.repeat(50) });
    const rec = (log: string, stream = 'stdout'): string => JSON.stringify({ log, stream, time: '2024-01-01T00:00:00.123456789Z' });
    const lines = [
      rec(`${alert}\n`),
      rec('13:40:44.385152581: Warning Shell spawned (user=root)\n', 'stderr'),
      rec(alert.slice(0, 40)),
      rec('Falco started\n', 'stderr'),
      rec(alert.slice(40, 70)),
      rec(`${alert.slice(70)}\n`),
      rec('\n'),
    ];
    const expected = [json(1, alert), text(2, '13:40:44.385152581: Warning Shell spawned (user=root)'), text(4, 'Falco started'), json(3, alert)];
    expect(await split(`${lines.join('\n')}\n`)).toEqual(expected);
    expect(await split(chunked(`${lines.join('\n')}\n`, 9))).toEqual(expected);
    // A record that merely has a `log` key, or is not JSON after all, is a record like any other.
    const own = JSON.stringify({ log: 'x', stream: 'stdout', rule: 'R', priority: 'Notice' });
    expect(await split(`${own}\n{"log":"x", oops}\n`)).toEqual([json(1, own), json(2, '{"log":"x", oops}')]);
    // Pieces that never end, or end past the record limit.
    expect(await split(`${rec('{"rule":"cut')}\n`)).toEqual([json(1, '{"rule":"cut')]);
    const big = [rec(`{"a":"${'y'.repeat(600)}`), rec('y'.repeat(600)), rec('"}\n')].join('\n');
    expect(await split(`${big}\n`, { maxRecordBytes: 1000 })).toEqual([reject(1, 'record larger than 1000 bytes (found at least 1208 bytes)')]);
  });

  test('a prefixed line without JSON stays text, whole', async () => {
    const lines = [
      'Feb 13 23:08:49 node-1 falco[539986]: 23:08:49.288822016: Warning K8s configmap (config={\\"k\\":\\"v\\"})',
      '2024-01-01T00:00:00.123456789Z 13:40:44.385152581: Warning Shell spawned {x}',
    ];
    expect(await split(lines.join('\n'))).toEqual([text(1, lines[0]!), text(2, lines[1]!)]);
  });
});

describe('BOM and line endings', () => {
  test('a UTF-8 BOM at the start is dropped, also when split across chunks', async () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\nhello\n')]);
    const expected = [json(1, '{"a":1}'), text(2, 'hello')];
    expect(await split(input)).toEqual(expected);
    expect(await split(chunked(input, 1))).toEqual(expected);
  });

  test('a BOM at the start of a later line (concatenated files) does not hide its JSON', async () => {
    expect(await split('{"a":1}\n\uFEFF{"b":2}\n')).toEqual([json(1, '{"a":1}'), json(2, '{"b":2}')]);
  });

  test('CRLF: the CR is dropped from JSON and text records', async () => {
    expect(await split('{"a":1}\r\nline two\r\n{"b":2}\r\n')).toEqual([json(1, '{"a":1}'), text(2, 'line two'), json(3, '{"b":2}')]);
  });

  test('an input of only a BOM, blanks and line breaks has no records', async () => {
    expect(await split('\uFEFF\n \r\n\t\n')).toEqual([]);
  });
});

describe('size limit', () => {
  const big = `{"output":"${'x'.repeat(3 * MiB - 13)}"}`;

  test('a 3 MiB line with a 1 MiB limit is one reject, and the next line comes through', async () => {
    expect(big.length).toBe(3 * MiB);
    const input = `{"a":1}\n${big}\n{"b":2}\n`;
    const expected = [json(1, '{"a":1}'), reject(2, `record larger than ${MiB} bytes (found at least ${3 * MiB} bytes)`), json(3, '{"b":2}')];
    expect(await split(input)).toEqual(expected);
    expect(await split(chunked(input, 64 * 1024))).toEqual(expected);
  });

  test('a long text line is rejected the same way', async () => {
    const input = `${'word '.repeat(300)}\nnext\n`;
    expect(await split(chunked(input, 100), { maxRecordBytes: 1000 })).toEqual([
      reject(1, 'record larger than 1000 bytes (found at least 1500 bytes)'),
      text(2, 'next'),
    ]);
  });

  test('a multi-line value over the limit is skipped to its end, then reading goes on', async () => {
    const value = `{\n  "a": "${'y'.repeat(500)}",\n  "b": 2\n}`;
    expect(await split(chunked(`${value}\n{"c":3}\n`, 64), { maxRecordBytes: 200 })).toEqual([
      reject(1, `record larger than 200 bytes (found at least ${Buffer.byteLength(value)} bytes)`),
      json(5, '{"c":3}'),
    ]);
  });

  test('a record of exactly the limit is kept', async () => {
    const exact = `{"a":"${'z'.repeat(92)}"}`;
    expect(exact.length).toBe(100);
    expect(await split(`${exact}\n`, { maxRecordBytes: 100 })).toEqual([json(1, exact)]);
  });
});

describe('truncated records', () => {
  test('a multi-line object still open at the end of input', async () => {
    expect(await split('{"a":1}\n{\n  "b": {\n    "c": 1\n')).toEqual([
      json(1, '{"a":1}'),
      reject(2, 'truncated JSON: input ended inside an object that starts here'),
    ]);
  });

  test('a cut NDJSON line followed by good lines: the cut one is rejected at its line, the others pass', async () => {
    const input = '{"a":1}\n{"output":"half a li\n{"b":2}\n{"c":3}\n';
    expect(await split(input)).toEqual([
      json(1, '{"a":1}'),
      reject(2, 'truncated JSON: the object that starts here is not closed before line 3 starts a new one'),
      json(3, '{"b":2}'),
      json(4, '{"c":3}'),
    ]);
  });

  test('a cut pretty-printed object followed by another one in column 0', async () => {
    const input = '{\n  "a": {\n    "b": 1,\n{\n  "c": 2\n}\n';
    expect(await split(input)).toEqual([
      reject(1, 'truncated JSON: the object that starts here is not closed before line 4 starts a new one'),
      json(4, '{\n  "c": 2\n}'),
    ]);
  });

  test('a raw line break inside a string is rejected with the line it happened on', async () => {
    const input = '{"output":"wrapped\n text","rule":"r"}\n{"ok":1}\n';
    expect(await split(input)).toEqual([
      reject(1, 'line break inside a JSON string on line 1: expected a closing quote before the end of the line'),
      json(3, '{"ok":1}'),
    ]);
  });
});

describe('invalid UTF-8', () => {
  const bytes = (...parts: (string | number[])[]): Buffer =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

  test('a JSON line with a bad byte is rejected with its offset; the next line still passes', async () => {
    const input = bytes('{"a":"', [0xff], '"}\n{"b":2}\n');
    expect(await split(input)).toEqual([reject(1, 'invalid UTF-8 at byte offset 6 of the line'), json(2, '{"b":2}')]);
  });

  test('a text line with a cut multi-byte sequence', async () => {
    expect(await split(bytes('héllo ', [0xe2, 0x82], ' x\n'))).toEqual([reject(1, 'invalid UTF-8 at byte offset 7 of the line')]);
  });

  test('a bad byte inside a multi-line value names its own line', async () => {
    const input = bytes('{\n  "a": 1,\n  "b": "', [0xc0, 0xaf], '"\n}\n');
    expect(await split(input)).toEqual([reject(1, 'invalid UTF-8 at byte offset 8 of line 3')]);
  });

  test('a U+FFFD written in the source is valid text', async () => {
    expect(await split('{"a":"\uFFFD"}\nreplacement \uFFFD char\n')).toEqual([json(1, '{"a":"\uFFFD"}'), text(2, 'replacement \uFFFD char')]);
  });
});

describe('compressed and UTF-16 input', () => {
  const plain = '{"a":1}\ntext line\n[\n {"b":2}\n]\n';
  const expected = [json(1, '{"a":1}'), text(2, 'text line'), json(4, '{"b":2}')];

  test('gzip is detected by its magic bytes and unpacked, in any chunking', async () => {
    const gz = gzipSync(Buffer.from(plain));
    expect(await split(gz)).toEqual(expected);
    expect(await split(chunked(gz, 1))).toEqual(expected);
  });

  test('concatenated gzip members are read one after another', async () => {
    const gz = Buffer.concat([gzipSync(Buffer.from('{"a":1}\n')), gzipSync(Buffer.from('{"b":2}\n'))]);
    expect(await split(gz)).toEqual([json(1, '{"a":1}'), json(2, '{"b":2}')]);
  });

  test('truncated gzip: what was unpacked comes out, the cut line is rejected, then the damage', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `{"n":${i}}`).join('\n');
    const gz = gzipSync(Buffer.from(`${lines}\n`));
    const records = await split(gz.subarray(0, gz.length - 20));
    const good = records.filter((r) => r.kind === 'json');
    expect(good.length).toBeGreaterThan(1000);
    expect(good.every((r, i) => r.kind === 'json' && r.text === `{"n":${i}}` && r.line === i + 1)).toBe(true);
    // The unpacked data ends inside line n+1 (n = good lines): that line, then the gzip error, both at n+1.
    const n = good.length;
    expect(records.slice(n)).toEqual([
      reject(n + 1, 'truncated JSON: input ended inside an object that starts here'),
      reject(n + 1, 'corrupt gzip data: unexpected end of file'),
    ]);
  });

  test('UTF-16LE with a BOM (a PowerShell redirect) is read as text', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":"é"}\r\nFalco started\r\n', 'utf16le')]);
    expect(await split(chunked(utf16, 3))).toEqual([json(1, '{"a":"é"}'), text(2, 'Falco started')]);
  });
});

describe('progress', () => {
  test('onBytes adds up to the raw (compressed) size', async () => {
    const gz = gzipSync(Buffer.from('{"a":1}\n'.repeat(1000)));
    let total = 0;
    const records = await split(chunked(gz, 100), { onBytes: (n) => (total += n) });
    expect(records).toHaveLength(1000);
    expect(total).toBe(gz.length);
  });
});
