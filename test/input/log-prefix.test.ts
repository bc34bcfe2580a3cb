// Log prefixes in front of a JSON alert: which are recognised, and which lines are left alone.

import { expect, test } from 'vitest';
import { jsonAfterLogPrefix } from '../../src/input/log-prefix.js';

test.each([
  ['<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: {"a":1}', '<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: '],
  ['<13>Feb 13 20:33:20 node-1 falco[19460]: {"a":1}', '<13>Feb 13 20:33:20 node-1 falco[19460]: '],
  ['Feb 13 20:33:20 node-1 falco[19460]: {"a":1}', 'Feb 13 20:33:20 node-1 falco[19460]: '],
  ['Jan  3 19:48:00.123456 falco falco:{"a":1}', 'Jan  3 19:48:00.123456 falco falco:'],
  ['2024-05-13T13:23:27+0000 host falco[7]: {"a":1}', '2024-05-13T13:23:27+0000 host falco[7]: '],
  ['2024-01-01T00:00:00.123456789Z {"a":1}', '2024-01-01T00:00:00.123456789Z '],
  ['2024-01-01T00:00:00.123456789+02:00   {"a":1}', '2024-01-01T00:00:00.123456789+02:00   '],
  ['2024-01-01T00:00:00.1Z stderr F {"a":1}', '2024-01-01T00:00:00.1Z stderr F '],
  ['[pod/falco-x/falco] 2024-01-01T00:00:00Z {"a":1}', '[pod/falco-x/falco] 2024-01-01T00:00:00Z '],
  ['[pod/falco-x/falco] {"a":1}', '[pod/falco-x/falco] '],
  ['<165>1 2003-10-11T22:14:15.003Z host falco 42 ID47 [exampleSDID@32473 iut="3"] {"a":1}', '<165>1 2003-10-11T22:14:15.003Z host falco 42 ID47 [exampleSDID@32473 iut="3"] '],
])('%s', (line, prefix) => {
  expect(jsonAfterLogPrefix(line)).toBe(prefix.length);
});

test.each([
  '{"a":1}',
  'Feb 13 20:33:20 node-1 falco[19460]: 20:33:20.106330811: Error File below / (config={"k":1})',
  '2024-01-01T00:00:00Z Falco initialized {"k":1}',
  '13:40:44.385152581: Warning Shell spawned {x}',
  'Tue May 21 12:55:58 2019: Falco initialized {"a":1}',
  '[INFO] {"a":1}',
  // The "host" and "tag" of a syslog prefix cannot be pieces of the JSON itself.
  '2024-01-01T00:00:00Z x{"a": {"b":{"c":1}}}',
])('no prefix: %s', (line) => {
  expect(jsonAfterLogPrefix(line)).toBe(-1);
});

test('with a timestamp prefix, the JSON starts at the first brace even when it nests', () => {
  const line = '2024-01-01T00:00:00Z {"a": {"b":{"c":1}}}';
  expect(line.slice(jsonAfterLogPrefix(line))).toBe('{"a": {"b":{"c":1}}}');
});
