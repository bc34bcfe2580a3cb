// The side effects tests replace: streams, TTY facts, signals, environment, clock.
import { fstatSync, readFileSync } from 'node:fs';

/** What stdin is: a terminal, a regular file (`< file`), or a stream that may never end (a pipe). */
export type StdinKind = 'tty' | 'file' | 'stream';

/** Everything cli.ts may touch of the outside world. */
export interface Io {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; destroy?: () => void };
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
  readonly stdinKind: () => StdinKind;
  /** Calls `handler` on SIGINT or SIGTERM; returns the function that stops listening. */
  readonly onSignal: (handler: (signal: string) => void) => () => void;
  /**
   * Applies the command line's heap settings (heap.ts) before a large input is read. The real
   * process loads node:v8 for it only then: a few milliseconds a small report does not pay.
   */
  readonly tuneHeap?: () => Promise<void>;
  /** How often the progress line is redrawn, in milliseconds (500 when not set; tests make it shorter). */
  readonly progressEveryMs?: number;
}

/** The real process streams, signals and environment. */
export function processIo(): Io {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => Date.now(),
    stdinKind: () => {
      if (process.stdin.isTTY) return 'tty';
      try {
        return fstatSync(0).isFile() ? 'file' : 'stream';
      } catch {
        return 'stream';
      }
    },
    onSignal: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    tuneHeap: async () => (await import('./heap.js')).tuneHeap(),
  };
}

let cachedVersion: string | undefined;
/** The package version, read once from package.json next to dist/ or src/. */
export function toolVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
      cachedVersion = pkg.version ?? 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

/**
 * Writes text and resolves once the stream has taken it (so large reports are not cut off), or has
 * failed or closed (a reader that went away must not leave the write pending for ever).
 */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === '') return resolve();
    if (stream.write(text)) return resolve();
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

/** Joins small pieces of text into pieces of about `size` characters, so that each write is worth a system call. */
export function* batched(pieces: Iterable<string>, size = 1 << 16): Generator<string> {
  let buf = '';
  for (const p of pieces) {
    buf += p;
    if (buf.length >= size) {
      yield buf;
      buf = '';
    }
  }
  if (buf !== '') yield buf;
}
