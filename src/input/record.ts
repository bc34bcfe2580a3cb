// The record and option types shared by the input stage: what a source yields before alert validation.

/** One record read from an input, before alert validation. */
export type RawRecord =
  /** The text of one JSON value (an object normally); `line` is the 1-based line where it starts. */
  | { readonly kind: 'json'; readonly file: string; readonly line: number; readonly text: string }
  /** A non-JSON, non-blank line (Falco text alert, banner, log line), without CR/LF. */
  | { readonly kind: 'text'; readonly file: string; readonly line: number; readonly text: string }
  /** Bytes that could not be split into a record: `reason` says what was expected and what was found. */
  | { readonly kind: 'reject'; readonly file: string; readonly line: number; readonly reason: string };

/** How sources are read. */
export interface ReadOptions {
  /** Longest record kept, in bytes; a longer line or value becomes one reject (the CLI uses 1 MiB). */
  readonly maxRecordBytes: number;
  /** Called with the raw bytes consumed (before gunzip), for progress. */
  readonly onBytes?: (n: number) => void;
  /** Files only: keep reading as they grow, like `tail -f`, until `signal` aborts. */
  readonly follow?: boolean;
  /** With `follow`: how long a file moved away by log rotation is still read once quiet (ms; default 5 s). */
  readonly rotatedGraceMs?: number;
  /** Stops reading: what was read so far is still split and yielded. */
  readonly signal?: AbortSignal;
}
