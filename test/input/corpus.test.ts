// The shared corpus of real Falco output: valid alerts, text alerts and malformed samples.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { chunked, json, split, text } from './helpers.js';

const CORPUS = '/work/shared/corpus';
const read = (name: string): string => readFileSync(join(CORPUS, name), 'utf8');
const lines = (name: string): string[] => read(name).split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');

describe('public-alerts.jsonl', () => {
  const alerts = lines('public-alerts.jsonl');

  test('every one of the 39 objects is one json record, byte for byte, at its line', async () => {
    expect(alerts).toHaveLength(39);
    const expected = alerts.map((l, i) => json(i + 1, l));
    expect(await split(read('public-alerts.jsonl'))).toEqual(expected);
    expect(await split(chunked(read('public-alerts.jsonl'), 1000))).toEqual(expected);
  });

  test('gzipped, the same records', async () => {
    const expected = alerts.map((l, i) => json(i + 1, l));
    expect(await split(gzipSync(read('public-alerts.jsonl')))).toEqual(expected);
  });

  test('as a falcosidekick-ui style array and as pretty-printed objects, each alert once', async () => {
    const asArray = `[\n${alerts.join(',\n')}\n]\n`;
    expect(await split(asArray)).toEqual(alerts.map((l, i) => json(i + 2, l)));
    const pretty = alerts.map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n');
    const records = await split(chunked(pretty, 777));
    expect(records.map((r) => (r.kind === 'json' ? JSON.parse(r.text) : r))).toEqual(alerts.map((l) => JSON.parse(l)));
  });

  test('behind syslog and kubectl prefixes, the same JSON', async () => {
    const prefixed = alerts.map((l, i) => (i % 2 === 0 ? `<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: ${l}` : `2024-01-01T00:00:00.123456789Z ${l}`));
    expect(await split(prefixed.join('\n'))).toEqual(alerts.map((l, i) => json(i + 1, l)));
  });
});

test('public-text-alerts.log: every non-blank line is exactly one text record, as written', async () => {
  const all = lines('public-text-alerts.log');
  const expected = all.map((l, i) => text(i + 1, l)).filter((r) => r.kind === 'text' && r.text.trim() !== '');
  expect(expected).toHaveLength(38);
  expect(await split(read('public-text-alerts.log'))).toEqual(expected);
});

describe('public-alerts-malformed.jsonl', () => {
  const samples = lines('public-alerts-malformed.jsonl').map((l) => JSON.parse(l) as string);

  test.each(samples.map((s, i) => [i + 1, s] as const))('sample %i gives only rejects or unparseable json', async (_n, sample) => {
    const records = await split(sample);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      if (r.kind === 'text') throw new Error(`a malformed alert became a text record: ${r.text}`);
      if (r.kind === 'json') expect(() => JSON.parse(r.text)).toThrow();
    }
  });

  test('the exact outcome of each sample', async () => {
    const outcomes = await Promise.all(samples.map(async (s) => (await split(s)).map((r) => (r.kind === 'reject' ? `${r.line}: ${r.reason}` : r.kind))));
    const brokenLine = '1: line break inside a JSON string on line 1: expected a closing quote before the end of the line';
    const truncated = '1: truncated JSON: input ended inside an object that starts here';
    expect(outcomes).toEqual([[brokenLine], [truncated], [truncated], [truncated], [brokenLine], [truncated]]);
  });

  test('all samples in one stream, then a good alert: the good alert still comes through', async () => {
    const good = lines('public-alerts.jsonl')[0]!;
    const records = await split(`${samples.join('\n')}\n${good}\n`);
    expect(records[records.length - 1]).toEqual(json(samples.join('\n').split('\n').length + 1, good));
    expect(records.slice(0, -1).every((r) => r.kind === 'reject')).toBe(true);
  });
});

test('seed-alert.json is one json record', async () => {
  expect(await split(read('seed-alert.json'))).toEqual([json(1, read('seed-alert.json').trim())]);
});
