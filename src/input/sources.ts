// Resolves the sources named on the command line (files, directories, stdin) and reads files in chunks.

import { constants } from 'node:fs';
import { access, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { sep } from 'node:path';
import { InputError } from '../errors.js';

/** File name endings read from a directory (compared in lower case). */
export const ALERT_FILE_EXTENSIONS = ['.json', '.jsonl', '.ndjson', '.log', '.txt', '.gz'] as const;

/** Bytes asked for per read: large enough to amortise each await, small next to the record limit. */
export const CHUNK_BYTES = 256 * 1024;

/** One input to read: stdin, or a file by the path the user gave (pipes and devices included). */
export type Source =
  | { readonly kind: 'stdin' }
  | { readonly kind: 'file'; readonly path: string; readonly regular: boolean };

/** An InputError in the `path: what went wrong` form, from a file system error. */
export function inputError(path: string, err: unknown): InputError {
  const code = (err as { code?: unknown } | null)?.code;
  const what: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'file name too long',
    EMFILE: 'too many open files',
  };
  const reason = typeof code === 'string' ? (what[code] ?? `cannot read (${code})`) : `cannot read (${String(err)})`;
  return new InputError(`${path}: ${reason}`);
}

/**
 * Expands the sources in order: '-' is stdin, a directory gives its alert files sorted by name (not
 * recursive). Every file is checked for reading first, so a typo fails before any record is read.
 */
export async function resolveSources(sources: readonly string[]): Promise<Source[]> {
  const out: Source[] = [];
  for (const source of sources) {
    if (source === '-') {
      out.push({ kind: 'stdin' });
      continue;
    }
    const st = await stat(source).catch((err: unknown) => {
      throw inputError(source, err);
    });
    if (st.isDirectory()) out.push(...(await listDirectory(source)));
    else {
      await access(source, constants.R_OK).catch((err: unknown) => {
        throw inputError(source, err);
      });
      out.push({ kind: 'file', path: source, regular: st.isFile() });
    }
  }
  return out;
}

async function listDirectory(dir: string): Promise<Source[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw inputError(dir, err);
  });
  const prefix = dir.endsWith(sep) || dir.endsWith('/') ? dir : `${dir}${sep}`;
  const names = entries
    .filter((e) => ALERT_FILE_EXTENSIONS.some((ext) => e.name.toLowerCase().endsWith(ext)))
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Source[] = [];
  for (const name of names) {
    const path = `${prefix}${name}`;
    // A symbolic link counts when it leads to a file; a dangling one is an error like a missing file.
    const st = await stat(path).catch((err: unknown) => {
      throw inputError(path, err);
    });
    if (!st.isFile()) continue;
    await access(path, constants.R_OK).catch((err: unknown) => {
      throw inputError(path, err);
    });
    out.push({ kind: 'file', path, regular: true });
  }
  return out;
}

/** Opens a file for reading, as an InputError on failure. */
export async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw inputError(path, err);
  }
}

/**
 * Reads one chunk at `position` (regular files) or at the current position (pipes, devices: `null`).
 * Each chunk is a new buffer, since records may keep slices of it. Returns an empty buffer at the end.
 */
export async function readChunk(fh: FileHandle, path: string, position: number | null): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, position);
    // A short read (a pipe, a growing file) is copied out so the large buffer is not kept alive.
    return bytesRead < CHUNK_BYTES / 4 ? Buffer.from(buf.subarray(0, bytesRead)) : buf.subarray(0, bytesRead);
  } catch (err) {
    throw inputError(path, err);
  }
}

/**
 * The chunks of a file from `position` to its current end. A regular file's next chunk is read while
 * the caller works on this one, as a stream's read-ahead does: waiting for each read in turn left the
 * process idle for 6% of a large report. A pipe or device is read one chunk at a time, when asked.
 */
export async function* fileChunks(fh: FileHandle, path: string, regular: boolean, position = 0): AsyncGenerator<Buffer> {
  // The read of the next chunk of a regular file, begun before this chunk is handed on.
  let ahead: Promise<Buffer> | undefined;
  for (;;) {
    const chunk = await (ahead ?? readChunk(fh, path, regular ? position : null));
    if (chunk.length === 0) return;
    position += chunk.length;
    if (regular) {
      ahead = readChunk(fh, path, position);
      // A caller that stops early never awaits it: its failure must not be an unhandled rejection.
      ahead.catch(() => undefined);
    }
    yield chunk;
  }
}
