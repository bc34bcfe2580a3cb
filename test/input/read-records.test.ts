// Reading sources: files, directories, stdin, gzip by magic bytes, open errors, progress, follow and abort.

import { CHUNK_BYTES, fileChunks, inputError } from '../../src/input/sources.js';
import { appendFile, mkdir, mkdtemp, rename, rm, symlink, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readRecords, type RawRecord, type ReadOptions } from '../../src/input/read-records.js';
import { MiB, json, reject, text } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'falco-report-input-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noStdin = (): Readable => Readable.from([]);

async function readAll(sources: readonly string[], opts: Partial<ReadOptions> = {}, stdin: NodeJS.ReadableStream = noStdin()): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecords(sources, { maxRecordBytes: MiB, ...opts }, stdin)) out.push(r);
  return out;
}

describe('files', () => {
  test('records name the file as given, and sources are read in order', async () => {
    const a = join(dir, 'a.ndjson');
    const b = join(dir, 'b.log');
    await writeFile(a, '{"a":1}\n{"a":2}\n');
    await writeFile(b, 'Falco initialized\n{"b":1}\n');
    expect(await readAll([b, a])).toEqual([text(1, 'Falco initialized', b), json(2, '{"b":1}', b), json(1, '{"a":1}', a), json(2, '{"a":2}', a)]);
  });

  test('gzip is found by its magic bytes, not by the name', async () => {
    const zipped = join(dir, 'zipped.json');
    const notZipped = join(dir, 'plain.gz');
    await writeFile(zipped, gzipSync('{"z":1}\n'));
    await writeFile(notZipped, '{"p":1}\n');
    expect(await readAll([zipped, notZipped])).toEqual([json(1, '{"z":1}', zipped), json(1, '{"p":1}', notZipped)]);
  });

  test('onBytes reports the raw bytes read, compressed size for gzip', async () => {
    const gz = gzipSync('{"a":1}\n'.repeat(5000));
    const file = join(dir, 'progress.gz');
    await writeFile(file, gz);
    let total = 0;
    const records = await readAll([file], { onBytes: (n) => (total += n) });
    expect(records).toHaveLength(5000);
    expect(total).toBe(gz.length);
  });

  test('a file larger than one read chunk splits exactly as in memory', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `{"n":${i},"pad":"${'p'.repeat(i % 50)}"}`);
    const file = join(dir, 'large.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    expect(await readAll([file])).toEqual(lines.map((l, i) => json(i + 1, l, file)));
  });
});

describe('fileChunks', () => {
  /** A stand-in FileHandle over `data` that records the positions it was asked to read (null: a pipe's next bytes). */
  function handle(data: Buffer, failAt?: number): { fh: FileHandle; asked: (number | null)[] } {
    const asked: (number | null)[] = [];
    let cursor = 0;
    const read = async (buf: Buffer, off: number, len: number, pos: number | null): Promise<{ bytesRead: number; buffer: Buffer }> => {
      asked.push(pos);
      if (pos === failAt) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      const start = pos ?? cursor;
      const bytesRead = data.copy(buf, off, start, Math.min(data.length, start + len));
      cursor = start + bytesRead;
      return { bytesRead, buffer: buf };
    };
    return { fh: { read } as unknown as FileHandle, asked };
  }
  const data = Buffer.alloc(CHUNK_BYTES * 2 + 10, 'x');

  test("a regular file's next chunk is being read while the caller holds this one; a pipe is read when asked", async () => {
    const file = handle(data);
    const chunks = fileChunks(file.fh, 'f', true);
    expect((await chunks.next()).value).toHaveLength(CHUNK_BYTES);
    expect(file.asked).toEqual([0, CHUNK_BYTES]);
    const rest: number[] = [];
    for await (const c of chunks) rest.push(c.length);
    expect(rest).toEqual([CHUNK_BYTES, 10]);
    expect(file.asked).toEqual([0, CHUNK_BYTES, 2 * CHUNK_BYTES, 2 * CHUNK_BYTES + 10]);
    const pipe = handle(data);
    const piped = fileChunks(pipe.fh, 'p', false);
    expect((await piped.next()).value).toHaveLength(CHUNK_BYTES);
    expect(pipe.asked).toEqual([null]);
    const lengths: number[] = [];
    for await (const c of piped) lengths.push(c.length);
    expect(lengths).toEqual([CHUNK_BYTES, 10]);
  });

  test('a failed read ahead is an InputError for a caller that goes on, and nothing for one that stopped', async () => {
    await expect(async () => {
      for await (const _ of fileChunks(handle(data, CHUNK_BYTES).fh, 'f', true));
    }).rejects.toThrow(new InputError('f: cannot read (EIO)'));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const chunks = fileChunks(handle(data, CHUNK_BYTES).fh, 'f', true);
      await chunks.next();
      await chunks.return(undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});

describe('directories', () => {
  test('alert files sorted by name; other files and subdirectories left out', async () => {
    const d = join(dir, 'alerts');
    await mkdir(join(d, 'nested'), { recursive: true });
    await writeFile(join(d, 'c.txt'), 'text alert\n');
    await writeFile(join(d, 'a.json'), '{"a":1}\n');
    await writeFile(join(d, 'b.ndjson.gz'), gzipSync('{"b":1}\n'));
    await writeFile(join(d, 'B.JSONL'), '{"B":1}\n');
    await writeFile(join(d, 'd.log'), '{"d":1}\n');
    await writeFile(join(d, 'notes.yaml'), 'ignored: true\n');
    await writeFile(join(d, 'nested', 'e.json'), '{"e":1}\n');
    await symlink(join(d, 'a.json'), join(d, 'link.json'));
    expect(await readAll([d])).toEqual([
      json(1, '{"B":1}', `${d}/B.JSONL`),
      json(1, '{"a":1}', `${d}/a.json`),
      json(1, '{"b":1}', `${d}/b.ndjson.gz`),
      text(1, 'text alert', `${d}/c.txt`),
      json(1, '{"d":1}', `${d}/d.log`),
      json(1, '{"a":1}', `${d}/link.json`),
    ]);
  });

  test('a trailing slash is not doubled in record names', async () => {
    const d = join(dir, 'slash');
    await mkdir(d);
    await writeFile(join(d, 'x.json'), '{"x":1}\n');
    expect(await readAll([`${d}/`])).toEqual([json(1, '{"x":1}', `${d}/x.json`)]);
  });
});

describe('stdin', () => {
  test("'-' reads stdin, named <stdin>, between files in the order given", async () => {
    const file = join(dir, 'around.json');
    await writeFile(file, '{"f":1}\n');
    const stdin = Readable.from([Buffer.from('{"s":1}\nhello'), Buffer.from(' world\n')]);
    expect(await readAll([file, '-', file], {}, stdin)).toEqual([
      json(1, '{"f":1}', file),
      json(1, '{"s":1}', '<stdin>'),
      text(2, 'hello world', '<stdin>'),
      json(1, '{"f":1}', file),
    ]);
  });

  test('string chunks (a stream with an encoding set) and gzip on stdin', async () => {
    const stdin = Readable.from(['{"a":', '1}\n']);
    expect(await readAll(['-'], {}, stdin)).toEqual([json(1, '{"a":1}', '<stdin>')]);
    expect(await readAll(['-'], {}, Readable.from([gzipSync('{"g":1}\n')]))).toEqual([json(1, '{"g":1}', '<stdin>')]);
  });

  test('a stdin that stays open stops when the signal aborts, and the partial line is still read', async () => {
    const stdin = new PassThrough();
    const controller = new AbortController();
    const seen: RawRecord[] = [];
    const reading = (async () => {
      for await (const r of readRecords(['-'], { maxRecordBytes: MiB, signal: controller.signal }, stdin)) {
        seen.push(r);
        if (seen.length === 1) controller.abort();
      }
    })();
    stdin.write('{"live":1}\n{"partial":');
    await reading;
    expect(seen).toEqual([json(1, '{"live":1}', '<stdin>'), reject(2, 'truncated JSON: input ended inside an object that starts here', '<stdin>')]);
  });
});

describe('sources that cannot be read', () => {
  test('a missing file is an InputError "path: no such file", before any record of any source', async () => {
    const good = join(dir, 'good.json');
    await writeFile(good, '{"a":1}\n');
    const missing = join(dir, 'missing.json');
    const seen: RawRecord[] = [];
    const run = async (): Promise<void> => {
      for await (const r of readRecords([good, missing], { maxRecordBytes: MiB }, noStdin())) seen.push(r);
    };
    await expect(run()).rejects.toThrow(new InputError(`${missing}: no such file`));
    await expect(run()).rejects.toBeInstanceOf(InputError);
    expect(seen).toEqual([]);
  });

  test('a missing directory, a dangling link in a directory', async () => {
    await expect(readAll([join(dir, 'no-dir/')])).rejects.toThrow(`${join(dir, 'no-dir/')}: no such file`);
    const d = join(dir, 'dangling');
    await mkdir(d);
    await symlink(join(d, 'gone.json'), join(d, 'link.json'));
    await expect(readAll([d])).rejects.toThrow(new InputError(`${d}/link.json: no such file`));
  });

  test('a path through a file is "not a directory"', async () => {
    const file = join(dir, 'plainfile.json');
    await writeFile(file, '{}\n');
    await expect(readAll([`${file}/x.json`])).rejects.toThrow(new InputError(`${file}/x.json: not a directory`));
  });

  test('an unreadable file is "permission denied" (the errno mapping; root can read anything, so no real chmod)', () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(inputError('/var/log/falco.json', eacces)).toEqual(new InputError('/var/log/falco.json: permission denied'));
    const odd = Object.assign(new Error('EIO'), { code: 'EIO' });
    expect(inputError('x.json', odd).message).toBe('x.json: cannot read (EIO)');
  });
});

describe('follow', () => {
  /** Follows `file`, calling `step` with the number of records read after each, until `count` came. */
  async function followed(file: string, count: number, step: (seen: number) => Promise<void> | void, rotatedGraceMs?: number): Promise<RawRecord[]> {
    const controller = new AbortController();
    const seen: RawRecord[] = [];
    const opts = { maxRecordBytes: MiB, follow: true, signal: controller.signal, ...(rotatedGraceMs === undefined ? {} : { rotatedGraceMs }) };
    for await (const r of readRecords([file], opts, noStdin())) {
      seen.push(r);
      await step(seen.length);
      if (seen.length === count) controller.abort();
    }
    return seen;
  }

  test('new lines appended to a file come through until the signal aborts; the last partial line is read then', async () => {
    const file = join(dir, 'growing.log');
    await writeFile(file, '{"n":1}\n');
    const seen = await followed(file, 4, async (n) => {
      if (n === 1) await appendFile(file, '{"n":2}\nhalf a li');
      if (n === 2) setTimeout(() => void appendFile(file, 'ne\n{"n":3}\n{"n":'), 50);
    });
    expect(seen).toEqual([
      json(1, '{"n":1}', file),
      json(2, '{"n":2}', file),
      text(3, 'half a line', file),
      json(4, '{"n":3}', file),
      reject(5, 'truncated JSON: input ended inside an object that starts here', file),
    ]);
  }, 10_000);

  test('a file truncated in place (copytruncate) is read again from its start', async () => {
    const file = join(dir, 'rotated.log');
    await writeFile(file, '{"old":1}\n{"old":2}\n');
    const seen = await followed(file, 3, async (n) => {
      if (n === 2) await writeFile(file, '{"new":1}\n');
    });
    expect(seen).toEqual([json(1, '{"old":1}', file), json(2, '{"old":2}', file), json(1, '{"new":1}', file)]);
  }, 10_000);

  test('a file rotated by rename (logrotate, tail -F) is read to its end, then its successor from its start', async () => {
    const file = join(dir, 'renamed.log');
    await writeFile(file, '{"old":1}\n');
    const seen = await followed(file, 5, async (n) => {
      if (n !== 1) return;
      // The writer finishes a record and starts another in the old file, then it is moved away;
      // for a poll or two the path names nothing, then a new file appears there.
      await appendFile(file, '{"old":2}\n{"old":');
      await rename(file, `${file}.1`);
      setTimeout(() => void writeFile(file, '{"new":1}\n{"new":2}\n'), 600);
    }, 200);
    // The old file's unfinished record is ended once the old file has been quiet for the grace period,
    // which is after the new file's records were read.
    expect(seen).toEqual([
      json(1, '{"old":1}', file),
      json(2, '{"old":2}', file),
      json(1, '{"new":1}', file),
      json(2, '{"new":2}', file),
      reject(3, 'truncated JSON: input ended inside an object that starts here', file),
    ]);
  }, 10_000);

  /** A followed log holding one old record, and the name it is moved to by rotation. */
  async function rotatedLog(name: string): Promise<{ file: string; old: string; rotate: () => Promise<void> }> {
    const file = join(dir, name);
    await writeFile(file, '{"old":1}\n');
    const old = `${file}.1`;
    // Moved away, and the successor created at once with one new record.
    const rotate = async (): Promise<void> => {
      await rename(file, old);
      await writeFile(file, '{"new":1}\n');
    };
    return { file, old, rotate };
  }

  test('a writer that keeps the moved-away file open is still read after the new file appeared, until the old one is quiet', async () => {
    const { file, old, rotate } = await rotatedLog('keepalive.log');
    const seen = await followed(file, 5, async (n) => {
      if (n === 1) {
        // Rotated with a record half written.
        await appendFile(file, '{"old":');
        await rotate();
      }
      // The writer has not reopened the path yet: it finishes its record in the old file, and adds one.
      if (n === 2) setTimeout(() => void appendFile(old, '2}\n{"old":3}\n'), 200);
      if (n === 4) setTimeout(() => void appendFile(file, '{"new":2}\n'), 100);
    }, 3_000);
    expect(seen).toEqual([
      json(1, '{"old":1}', file),
      json(1, '{"new":1}', file),
      json(2, '{"old":2}', file),
      json(3, '{"old":3}', file),
      json(2, '{"new":2}', file),
    ]);
  }, 10_000);

  test('an old file quiet for the grace period is let go: what is written to it later is not read', async () => {
    const { file, old, rotate } = await rotatedLog('letgo.log');
    const seen = await followed(file, 3, async (n) => {
      if (n === 1) await rotate();
      // Well after the 100 ms grace period: the old file is closed by now, the new one still read.
      if (n === 2) {
        setTimeout(() => void appendFile(old, '{"old":2}\n'), 1_500);
        setTimeout(() => void appendFile(file, '{"new":2}\n'), 2_000);
      }
    }, 100);
    expect(seen).toEqual([json(1, '{"old":1}', file), json(1, '{"new":1}', file), json(2, '{"new":2}', file)]);
  }, 10_000);

  test('without follow, reading ends at the end of the file', async () => {
    const file = join(dir, 'static.log');
    await writeFile(file, '{"n":1}\n{"n":');
    expect(await readAll([file])).toEqual([json(1, '{"n":1}', file), reject(2, 'truncated JSON: input ended inside an object that starts here', file)]);
  });
});
