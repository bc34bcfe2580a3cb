// Reads alert sources (files, directories, stdin; plain, gzip or UTF-16) and splits them into raw records.

import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CorruptInputError, decodeBytes, sniffEncoding } from './decode-bytes.js';
import type { RawRecord, ReadOptions } from './record.js';
import { RecordSplitter } from './record-splitter.js';
import { fileChunks, inputError, openFile, readChunk, resolveSources } from './sources.js';

export type { RawRecord, ReadOptions } from './record.js';

/** How often a followed file is checked for new bytes. */
const FOLLOW_POLL_MS = 250;

/**
 * How long a file moved away (log rotation by rename) is still read after its successor appeared:
 * a writer that keeps its file open (Falco's file_output with keep_alive) goes on writing to the old
 * file until it reopens the path. The old file is closed once it has been quiet this long.
 */
export const ROTATED_GRACE_MS = 5_000;

/** The name records carry for stdin. */
const STDIN_NAME = '<stdin>';

/**
 * Reads each source in order; '-' is stdin. A directory yields its alert files (*.json, *.jsonl,
 * *.ndjson, *.log, *.txt, *.gz, sorted by name, not recursive). gzip is detected by its magic bytes.
 * Throws InputError (`path: what went wrong`) for a source that cannot be read, before any record.
 */
export function readRecords(sources: readonly string[], opts: ReadOptions, stdin: NodeJS.ReadableStream): AsyncIterable<RawRecord> {
  return flatten(readAll(sources, opts, stdin));
}

/**
 * The same records in batches (one per chunk read), for a consumer that handles each batch
 * synchronously: it saves a promise and a turn of the event loop per record.
 */
export function readRecordBatches(sources: readonly string[], opts: ReadOptions, stdin: NodeJS.ReadableStream): AsyncIterable<readonly RawRecord[]> {
  return readAll(sources, opts, stdin);
}

/** Input to `splitRecords`: a stream, or a plain list of chunks. */
export type ByteChunks = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/** Same splitting over any byte stream (or list of chunks); `file` names it in records (e.g. '<stdin>'). */
export function splitRecords(input: ByteChunks, file: string, opts: ReadOptions): AsyncIterable<RawRecord> {
  return flatten(split(input, file, opts));
}

/**
 * Serves records one by one from batches (one batch per chunk read). An async generator yielding each
 * record costs about as much as the splitting itself; a resolved promise per record does not.
 */
function flatten(batches: AsyncGenerator<RawRecord[]>): AsyncIterable<RawRecord> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<RawRecord, undefined> {
      let batch: RawRecord[] = [];
      let k = 0;
      let busy: Promise<IteratorResult<RawRecord, undefined>> | null = null;
      const refill = async (): Promise<IteratorResult<RawRecord, undefined>> => {
        while (k >= batch.length) {
          const r = await batches.next();
          if (r.done === true) return { done: true, value: undefined };
          batch = r.value;
          k = 0;
        }
        return { done: false, value: batch[k++]! };
      };
      const next = (): Promise<IteratorResult<RawRecord, undefined>> => {
        if (busy === null && k < batch.length) return Promise.resolve({ done: false, value: batch[k++]! });
        // Calls that overlap wait their turn, so no record is skipped or served twice.
        const p = busy === null ? refill() : busy.then(next, next);
        busy = p;
        const clear = (): void => {
          if (busy === p) busy = null;
        };
        p.then(clear, clear);
        return p;
      };
      return {
        next,
        async return(): Promise<IteratorResult<RawRecord, undefined>> {
          batch = [];
          await batches.return(undefined);
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** A file read with `follow`: where it was read up to, and the splitter that holds its partial record. */
interface Followed {
  readonly path: string;
  fh: FileHandle;
  splitter: RecordSplitter;
  position: number;
  /** Files this path named before a rotation by rename, still read until they have been quiet a while. */
  rotated: Rotated[];
}

/** A file moved away from a followed path: read on its own splitter until quiet since `quietSince`. */
interface Rotated {
  readonly fh: FileHandle;
  readonly splitter: RecordSplitter;
  position: number;
  quietSince: number;
}

async function* readAll(sources: readonly string[], opts: ReadOptions, stdin: NodeJS.ReadableStream): AsyncGenerator<RawRecord[]> {
  const inputs = await resolveSources(sources);
  const followed: Followed[] = [];
  try {
    for (const input of inputs) {
      if (opts.signal?.aborted === true) break;
      if (input.kind === 'stdin') {
        yield* split(stdin, STDIN_NAME, opts);
        continue;
      }
      const fh = await openFile(input.path);
      let followedFh = false;
      try {
        if (opts.follow === true && input.regular && (await isFollowable(fh, input.path))) {
          const f: Followed = { path: input.path, fh, splitter: new RecordSplitter(input.path, opts.maxRecordBytes), position: 0, rotated: [] };
          followed.push(f);
          followedFh = true;
          yield* readNew(f, opts);
        } else yield* split(fileChunks(fh, input.path, input.regular), input.path, opts);
      } finally {
        if (!followedFh) await fh.close();
      }
    }
    if (followed.length > 0) yield* follow(followed, opts);
  } finally {
    await Promise.all(followed.flatMap((f) => [f.fh, ...f.rotated.map((r) => r.fh)]).map((fh) => fh.close()));
  }
}

/** The records of one byte stream, one batch per chunk. */
async function* split(input: ByteChunks, file: string, opts: ReadOptions): AsyncGenerator<RawRecord[]> {
  const splitter = new RecordSplitter(file, opts.maxRecordBytes);
  let out: RawRecord[] = [];
  try {
    for await (const chunk of decodeBytes(rawBytes(input, opts))) {
      splitter.push(chunk, out);
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
  } catch (err) {
    if (!(err instanceof CorruptInputError)) throw err;
    // What was decoded before the damage still counts; the damage itself is one reject, where it starts.
    const line = splitter.line;
    splitter.end(out);
    out.push(splitter.reject(line, err.message));
    yield out;
    return;
  }
  splitter.end(out);
  if (out.length > 0) yield out;
}

/** Raw chunks as Buffers, counted for progress, ending early (without error) when the signal aborts. */
async function* rawBytes(input: ByteChunks, opts: ReadOptions): AsyncGenerator<Buffer> {
  const it = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : toAsync(input)[Symbol.asyncIterator]();
  const { signal, onBytes } = opts;
  // Each read races the abort through a resolver replaced per read, so a silent pipe (a quiet
  // `falco | falco-report`) stops at once. (Racing every read against one long-lived promise would
  // leave a reaction holding each chunk on that promise: a leak the size of the input.)
  let wake: ((v: null) => void) | undefined;
  const onAbort = (): void => wake?.(null);
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  let readPending = false;
  try {
    while (signal?.aborted !== true) {
      readPending = true;
      const pending = it.next();
      const r =
        signal === undefined
          ? await pending
          : await new Promise<IteratorResult<Buffer | string> | null>((resolve, reject) => {
              wake = resolve;
              pending.then(resolve, reject);
            });
      wake = undefined;
      if (r === null) return;
      readPending = false;
      if (r.done === true) {
        finished = true;
        return;
      }
      const chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value;
      if (chunk.length === 0) continue;
      onBytes?.(chunk.length);
      yield chunk;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // A read still in flight cannot be awaited (it may never end): release the source without waiting.
    if (!finished && readPending) void Promise.resolve(it.return?.()).catch(() => {});
    else if (!finished) await it.return?.();
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/** A file can be followed when it is plain text: gzip and UTF-16 are read once, to their end. */
async function isFollowable(fh: FileHandle, path: string): Promise<boolean> {
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return sniffEncoding(head.subarray(0, bytesRead)) === 'utf-8';
  } catch (err) {
    throw inputError(path, err);
  }
}

/** Reads what a followed file holds past its position; returns whether it had anything new. */
async function* readNew(f: Followed, opts: ReadOptions): AsyncGenerator<RawRecord[], boolean> {
  let out: RawRecord[] = [];
  let grew = false;
  while (opts.signal?.aborted !== true) {
    const chunk = await readChunk(f.fh, f.path, f.position);
    if (chunk.length === 0) {
      const size = await f.fh.stat().then((st) => st.size, (err: unknown) => {
        throw inputError(f.path, err);
      });
      if (size >= f.position) {
        // Read to its end. If the path now names another file (log rotation by rename, as logrotate's
        // default does: the old file moved away and a new one created), the new one is read from its
        // start, and the old one is still read, on its own, while its writer may not have reopened yet.
        const replacement = await replaced(f);
        if (replacement === undefined) break;
        f.rotated.push({ fh: f.fh, splitter: f.splitter, position: f.position, quietSince: Date.now() });
        f.fh = replacement;
      } else {
        // Truncated in place (copytruncate): what was pending is ended, and reading restarts.
        f.splitter.end(out);
        yield out;
        out = [];
      }
      f.splitter = new RecordSplitter(f.path, opts.maxRecordBytes);
      f.position = 0;
      continue;
    }
    grew = true;
    f.position += chunk.length;
    opts.onBytes?.(chunk.length);
    f.splitter.push(chunk, out);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  return grew;
}

/**
 * Reads what the files moved away from a followed path hold past their positions. One that has been
 * quiet for `rotatedGraceMs` (ROTATED_GRACE_MS) is closed, and its pending record ended. Returns
 * whether any had news.
 */
async function* readRotated(f: Followed, opts: ReadOptions): AsyncGenerator<RawRecord[], boolean> {
  let grew = false;
  for (const r of [...f.rotated]) {
    for (;;) {
      const chunk = await readChunk(r.fh, f.path, r.position);
      if (chunk.length === 0) break;
      grew = true;
      r.quietSince = Date.now();
      r.position += chunk.length;
      opts.onBytes?.(chunk.length);
      // Each chunk's records go on at once, as from the followed file: none pile up here.
      const out: RawRecord[] = [];
      r.splitter.push(chunk, out);
      if (out.length > 0) yield out;
    }
    if (opts.signal?.aborted === true || Date.now() - r.quietSince >= (opts.rotatedGraceMs ?? ROTATED_GRACE_MS)) {
      const out: RawRecord[] = [];
      r.splitter.end(out);
      f.rotated.splice(f.rotated.indexOf(r), 1);
      await r.fh.close();
      if (out.length > 0) yield out;
    }
  }
  return grew;
}

/**
 * The file now at a followed path, opened, when it is not the one being read (`tail -F`); undefined
 * while the path names the same file, or nothing yet (moved away, its successor not created).
 */
async function replaced(f: Followed): Promise<FileHandle | undefined> {
  const now = await stat(f.path).catch(() => undefined);
  if (now === undefined || !now.isFile()) return undefined;
  const was = await f.fh.stat().catch((err: unknown) => {
    throw inputError(f.path, err);
  });
  if (now.ino === was.ino && now.dev === was.dev) return undefined;
  // Gone again between the two calls: try at the next poll.
  return await open(f.path, 'r').catch(() => undefined);
}

/**
 * Polls followed files until the signal aborts, then ends each one's pending record: a file moved away
 * first (it was written first), then the one the path names.
 */
async function* follow(files: readonly Followed[], opts: ReadOptions): AsyncGenerator<RawRecord[]> {
  while (opts.signal?.aborted !== true) {
    let grew = false;
    for (const f of files) {
      if (yield* readRotated(f, opts)) grew = true;
      if (yield* readNew(f, opts)) grew = true;
    }
    if (!grew && !(await pause(FOLLOW_POLL_MS, opts.signal))) break;
  }
  for (const f of files) yield* readRotated(f, opts);
  const out: RawRecord[] = [];
  for (const f of files) f.splitter.end(out);
  yield out;
}

/** Waits `ms`; false when the signal aborted the wait. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(ms, undefined, signal === undefined ? {} : { signal });
    return true;
  } catch (err) {
    if ((err as Error).name === 'AbortError') return false;
    throw err;
  }
}
