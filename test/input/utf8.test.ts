// The UTF-8 checker agrees with the WHATWG decoder and points at the first bad byte.

import fc from 'fast-check';
import { expect, test } from 'vitest';
import { firstInvalidUtf8, isValidUtf8 } from '../../src/input/utf8.js';

test.each([
  ['ASCII', [0x41, 0x42], -1],
  ['2, 3 and 4-byte forms', [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1],
  ['stray continuation byte', [0x41, 0x80], 1],
  ['overlong 2-byte form of "/"', [0xc0, 0xaf], 0],
  ['overlong 3-byte form', [0x41, 0xe0, 0x80, 0xaf], 1],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80], 0],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
  ['sequence cut by the end', [0x41, 0x42, 0xe2, 0x82], 2],
  ['0xFF', [0xff], 0],
])('%s', (_name, bytes, expected) => {
  expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(expected);
  expect(isValidUtf8(Uint8Array.from(bytes))).toBe(expected === -1);
});

test('the first bad byte is found within a range', () => {
  const bytes = Uint8Array.from([0xff, 0x41, 0x42, 0x80, 0x43]);
  expect(firstInvalidUtf8(bytes, 1, 3)).toBe(-1);
  expect(firstInvalidUtf8(bytes, 1)).toBe(3);
});

test('agrees with TextDecoder on random bytes, and the prefix before the bad byte decodes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const at = firstInvalidUtf8(bytes);
      expect(at === -1).toBe(isValidUtf8(bytes));
      if (at !== -1) expect(isValidUtf8(bytes.subarray(0, at))).toBe(true);
    }),
    { numRuns: 2000 },
  );
});
