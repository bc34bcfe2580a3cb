// Test helpers: run the splitter over literal inputs and cut inputs into chunks.

import { splitRecords, type RawRecord, type ReadOptions } from '../../src/input/read-records.js';

export const MiB = 1024 * 1024;

/** All records of `input`, given as one buffer or string, or as a list of chunks. */
export async function split(
  input: string | Buffer | readonly (string | Buffer)[],
  opts: Partial<ReadOptions> = {},
  file = 'in',
): Promise<RawRecord[]> {
  const chunks = typeof input === 'string' || Buffer.isBuffer(input) ? [input] : input;
  const out: RawRecord[] = [];
  for await (const r of splitRecords(chunks, file, { maxRecordBytes: MiB, ...opts })) out.push(r);
  return out;
}

/** `data` cut into chunks of `size` bytes (the last one shorter). */
export function chunked(data: Buffer | string, size: number): Buffer[] {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** Shorthand records for exact comparisons. */
export const json = (line: number, text: string, file = 'in'): RawRecord => ({ kind: 'json', file, line, text });
export const text = (line: number, t: string, file = 'in'): RawRecord => ({ kind: 'text', file, line, text: t });
export const reject = (line: number, reason: string, file = 'in'): RawRecord => ({ kind: 'reject', file, line, reason });
