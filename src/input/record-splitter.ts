// Splits the bytes of one source into raw records: NDJSON lines, multi-line JSON values, array elements, text lines.

import { criPrefix, jsonAfterLogPrefix } from './log-prefix.js';
import type { RawRecord } from './record.js';
import { firstInvalidUtf8, isValidUtf8 } from './utf8.js';

/** How every record of Docker's json-file log driver starts. */
const DOCKER_LOG = '{"log":"';

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** What the splitter is in the middle of. */
type Mode =
  | 'line' // at a line start, or holding the start of a line in `carry`
  | 'value' // inside a top-level JSON value that did not fit on its line
  | 'array' // inside a top-level JSON array, between or inside elements
  | 'after' // on the line where a top-level value ended, after it
  | 'skip' // inside a line that is too long, until its end
  | 'garbage'; // inside unexpected text after a value, until the end of its line

/** A JSON value being cut out of the stream, possibly across lines and buffers. */
interface Pending {
  readonly shape: 'container' | 'string' | 'scalar';
  readonly opener: number;
  readonly line: number;
  readonly col: number;
  readonly abs: number;
  depth: number;
  inString: boolean;
  escape: boolean;
  atLineStart: boolean;
  /** First line that ended inside a string (0: none): a raw line break is never valid JSON. */
  brokenLine: number;
  /** Slices of earlier buffers; dropped once the value is known to be too large. */
  parts: Buffer[];
  overflow: boolean;
  /** Index in the current buffer where the not-yet-stored bytes start; -1 until a buffer is fed. */
  segStart: number;
}

/** What a line (or the start of one) turns out to be. */
type LineAction =
  | { readonly act: 'wait' | 'blank' | 'text' | 'oversize' }
  | { readonly act: 'json'; readonly at: number }
  | { readonly act: 'value' | 'array'; readonly at: number };

const WAIT: LineAction = { act: 'wait' };
const BLANK: LineAction = { act: 'blank' };
const TEXT: LineAction = { act: 'text' };
const OVERSIZE: LineAction = { act: 'oversize' };

function isBlank(c: number | undefined): boolean {
  return c === SPACE || c === TAB || c === CR;
}

function tooLarge(max: number, found: number): string {
  return `record larger than ${max} bytes (found at least ${found} bytes)`;
}

/** Length of the run of backslashes that ends just before `buf[end]`, not looking before `from`. */
function backslashesBefore(buf: Buffer, from: number, end: number): number {
  let k = end - 1;
  while (k >= from && buf[k] === BACKSLASH) k--;
  return end - 1 - k;
}

/** What a value that starts with `opener` is called in a reason. */
function kindOf(opener: number): 'object' | 'array' | 'string' {
  return opener === LBRACKET ? 'array' : opener === QUOTE ? 'string' : 'object';
}

/**
 * Splits one source. Feed it buffers with `push` and call `end` once: records are appended to `out`.
 * Results do not depend on where the buffers are cut; memory stays within about `max` plus one buffer.
 */
export class RecordSplitter {
  /** Line number of the byte being read (1-based). */
  line = 1;
  private mode: Mode = 'line';
  /** Stream offset of the next pushed buffer, and of the current line's first byte. */
  private abs = 0;
  private lineStartAbs = 0;
  /** Stream offset of `buf[0]` for the buffer being fed. */
  private bufAbs = 0;
  /** Start of a line whose end has not arrived yet (mode 'line' only). */
  private carry: Buffer | null = null;
  private carryLen = 0;
  private pending: Pending | null = null;
  /** The top-level array being read (mode 'array'). */
  private array: { readonly line: number; elements: number } | null = null;
  /** Set after a JSON value, so that a comma at the start of the next line is a separator. */
  private afterJson = false;
  private skipLine = 0;
  private skipBytes = 0;
  private garbageLine = 0;
  private garbageText = '';
  /** Up to three first bytes, held back until a UTF-8 BOM is ruled out or dropped. */
  private head: Buffer | null = Buffer.alloc(0);
  private lastWasLf = true;
  /**
   * Lines a container runtime split, per runtime and stream, waiting for their last piece: CRI lines
   * marked partial (`P`) until one marked `F`, Docker records until one whose `log` ends the line.
   * `text` is the first piece with the later ones appended; past the record limit only its size is counted.
   */
  private partials = new Map<string, { readonly line: number; text: string; size: number }>();

  constructor(
    private readonly file: string,
    private readonly max: number,
  ) {
    if (!(max > 0)) throw new RangeError(`maxRecordBytes must be positive, got ${max}`);
  }

  /** Splits the next buffer of the source. */
  push(chunk: Buffer, out: RawRecord[]): void {
    if (chunk.length === 0) return;
    if (this.head !== null) {
      const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      if (head.length < 3) {
        this.head = head;
        return;
      }
      this.head = null;
      chunk = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
      if (chunk.length === 0) return;
    }
    this.lastWasLf = chunk[chunk.length - 1] === LF;
    const abs = this.abs;
    this.abs += chunk.length;
    let start = 0;
    if (this.mode === 'line' && this.carryLen > 0) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        this.appendCarry(chunk, 0, chunk.length);
        this.checkPartialLine(out);
        return;
      }
      this.appendCarry(chunk, 0, nl + 1);
      const line = this.takeCarry();
      this.feed(line, 0, this.lineStartAbs, out);
      start = nl + 1;
    }
    this.feed(chunk, start, abs, out);
    if (this.mode === 'line' && this.carryLen > 0) this.checkPartialLine(out);
  }

  /** Ends the source: a last line without LF is read, and a value still open becomes a reject. */
  end(out: RawRecord[]): void {
    const head = this.head;
    this.head = null;
    if (head !== null) this.push(head, out);
    // A virtual line end reads the last line like any other; it cannot close a container.
    if (!this.lastWasLf) this.push(Buffer.from('\n'), out);
    this.endPartials(out);
    const p = this.pending;
    this.pending = null;
    if (p !== null) {
      const found = this.abs - p.abs;
      const kind = kindOf(p.opener);
      const reason = p.overflow || found > this.max
        ? tooLarge(this.max, found)
        : `truncated JSON: input ended inside ${kind === 'object' ? 'an' : 'a'} ${kind} that starts here`;
      out.push(this.reject(p.line, reason));
    } else if (this.array !== null) {
      const n = this.array.elements;
      out.push(this.reject(this.array.line,
        `truncated JSON: input ended inside an array that starts here (after ${n} element${n === 1 ? '' : 's'})`));
    }
    this.array = null;
    this.mode = 'line';
  }

  /** A reject at `line` of this source. */
  reject(line: number, reason: string): RawRecord {
    return { kind: 'reject', file: this.file, line, reason };
  }

  /** Runs the mode machine over `buf[i..]`, whose first byte is at stream offset `abs`. */
  private feed(buf: Buffer, i: number, abs: number, out: RawRecord[]): void {
    this.bufAbs = abs;
    const n = buf.length;
    if (this.pending !== null && this.pending.segStart === -1) this.pending.segStart = i;
    while (i < n) {
      switch (this.mode) {
        case 'line':
          i = this.scanLines(buf, i, out);
          break;
        case 'value':
          i = this.scanPending(buf, i, out);
          break;
        case 'array':
          i = this.pending === null ? this.scanArray(buf, i) : this.scanPending(buf, i, out);
          break;
        case 'after':
          i = this.scanAfter(buf, i);
          break;
        case 'skip':
          i = this.scanSkip(buf, i, out);
          break;
        case 'garbage':
          i = this.scanGarbage(buf, i, out);
          break;
      }
    }
    const p = this.pending;
    if (p !== null) {
      // Keep the tail of this buffer, unless the value is already known to be too large.
      if (!p.overflow) {
        if (this.bufAbs + n - p.abs > this.max) {
          p.overflow = true;
          p.parts = [];
        } else if (p.segStart < n) p.parts.push(buf.subarray(p.segStart, n));
      }
      p.segStart = -1;
    }
  }

  private newline(i: number): void {
    this.line++;
    this.lineStartAbs = this.bufAbs + i + 1;
  }

  /** Line mode: the hot path for NDJSON and text. Returns where another mode takes over, or `buf.length`. */
  private scanLines(buf: Buffer, i: number, out: RawRecord[]): number {
    const n = buf.length;
    const max = this.max;
    while (i < n) {
      const nl = buf.indexOf(LF, i);
      if (nl === -1) {
        this.appendCarry(buf, i, n);
        return n;
      }
      let e = nl;
      if (e > i && buf[e - 1] === CR) e--;
      // One object per line: yield it whole and let the JSON parser decide (`{..}{..}` included).
      if (buf[i] === LBRACE && buf[e - 1] === RBRACE && e - i <= max) {
        this.emitLineJson(buf, i, e, i, out);
      } else {
        const action = this.classify(buf, i, e, true);
        switch (action.act) {
          case 'json':
            this.emitLineJson(buf, action.at, e, i, out);
            break;
          case 'text':
            this.emitText(buf, i, e, out);
            break;
          case 'oversize':
            out.push(this.reject(this.line, tooLarge(max, nl - i)));
            this.afterJson = false;
            break;
          case 'value':
            this.mode = 'value';
            return this.begin(buf, action.at, 'container');
          case 'array':
            return this.beginArray(action.at);
          default:
            break;
        }
      }
      this.line++;
      this.lineStartAbs = this.bufAbs + nl + 1;
      i = nl + 1;
    }
    return n;
  }

  /**
   * Decides what the line `buf[a, e)` is. With `complete` false only its start has arrived: the answer
   * may be 'wait', and is given early only when it cannot change (an array, or a line already too long).
   */
  private classify(buf: Buffer, a: number, e: number, complete: boolean): LineAction {
    const max = this.max;
    let w = a;
    for (;;) {
      if (w < e && (isBlank(buf[w]) || (this.afterJson && buf[w] === COMMA))) w++;
      // A BOM inside the stream (`cat a.json b.json`) is skipped like the one at its start.
      else if (w + 2 < e && buf[w] === 0xef && buf[w + 1] === 0xbb && buf[w + 2] === 0xbf) w += 3;
      else break;
    }
    if (w === e) return e - a > max ? OVERSIZE : complete ? BLANK : WAIT;
    if (w - a > max) return OVERSIZE;
    const c = buf[w];
    if (c === LBRACE) {
      if (complete && e - w <= max && buf[e - 1] === RBRACE) return { act: 'json', at: w };
      return complete || e - w > max ? { act: 'value', at: w } : WAIT;
    }
    if (c === LBRACKET) {
      // `[` opens an array only when followed by `{`, `]` or the line end: `[INFO] ...` is a text line.
      let k = w + 1;
      while (k < e && isBlank(buf[k])) k++;
      if (k < e ? buf[k] === LBRACE || buf[k] === RBRACKET : complete || e - a > max) return { act: 'array', at: w };
      if (k === e) return WAIT;
    }
    if (e - a > max) return OVERSIZE;
    return complete ? TEXT : WAIT;
  }

  /** A JSON value that is the line `buf[lineStart, e)` from `at` on. */
  private emitLineJson(buf: Buffer, at: number, e: number, lineStart: number, out: RawRecord[]): void {
    const text = buf.toString('utf8', at, e);
    this.afterJson = true;
    if (text.indexOf('\uFFFD') !== -1 && !isValidUtf8(buf.subarray(at, e))) {
      this.endPartials(out);
      out.push(this.badUtf8(buf, lineStart, e, this.line));
      return;
    }
    if (text.startsWith(DOCKER_LOG) && this.dockerLine(text, out)) return;
    this.endPartials(out);
    out.push({ kind: 'json', file: this.file, line: this.line, text });
  }

  /**
   * A Docker json-file record (`{"log": "...\n", "stream": "stdout", "time": "..."}`, as
   * /var/lib/docker/containers/<id>/<id>-json.log stores what Falco printed): the line it holds is read
   * as if it stood alone. Docker splits a line over 16 KiB into records whose `log` does not end the
   * line; those are joined like CRI pieces. False when the text is not such a record.
   */
  private dockerLine(text: string, out: RawRecord[]): boolean {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return false;
    }
    const r = v as { log?: unknown; stream?: unknown; rule?: unknown; output?: unknown };
    if (typeof r.log !== 'string' || (r.stream !== 'stdout' && r.stream !== 'stderr') || r.rule !== undefined || r.output !== undefined) return false;
    const ends = r.log.endsWith('\n');
    const log = ends ? r.log.replace(/\r?\n$/, '') : r.log;
    this.piece(`docker ${r.stream}`, log, log, ends, out, (line) => line.trim());
    return true;
  }

  /**
   * One piece of a line a container runtime split (`key`: the runtime and stream). A line in one piece
   * is read at once; otherwise the pieces are held until the last, and the joined line is read from the
   * first piece's line. `first` is what a first piece stands for, `body` what it adds to the line;
   * `finish` shapes the whole line.
   */
  private piece(key: string, first: string, body: string, last: boolean, out: RawRecord[], finish = (line: string): string => line): void {
    const held = this.partials.get(key);
    if (held === undefined) {
      if (last) this.emitLine(finish(first), this.line, out);
      else this.partials.set(key, { line: this.line, text: first, size: Buffer.byteLength(body) });
      return;
    }
    // A later piece: appended while the whole stays within the record limit.
    held.size += Buffer.byteLength(body);
    if (held.size <= this.max) held.text += body;
    if (!last) return;
    this.partials.delete(key);
    this.emitJoined({ ...held, text: finish(held.text) }, out);
  }

  /** A text line, or a JSON object behind a log prefix. */
  private emitText(buf: Buffer, a: number, e: number, out: RawRecord[]): void {
    const text = buf.toString('utf8', a, e);
    if (text.indexOf('\uFFFD') !== -1 && !isValidUtf8(buf.subarray(a, e))) {
      out.push(this.badUtf8(buf, a, e, this.line));
      this.afterJson = false;
      return;
    }
    this.afterJson = false;
    const cri = text.charCodeAt(0) <= 0x39 ? criPrefix(text) : undefined;
    if (cri === undefined) {
      this.endPartials(out);
      this.emitLine(text, this.line, out);
      return;
    }
    this.piece(cri.stream, text, text.slice(cri.length), !cri.partial, out);
  }

  /** A joined line: read from its first piece's line, or rejected when its pieces add up past the limit. */
  private emitJoined(held: { readonly line: number; readonly text: string; readonly size: number }, out: RawRecord[]): void {
    if (held.size > this.max) out.push(this.reject(held.line, tooLarge(this.max, held.size)));
    else this.emitLine(held.text, held.line, out);
  }

  /** A text line, or a JSON object behind a log prefix, read as starting at `line`. */
  private emitLine(text: string, line: number, out: RawRecord[]): void {
    // A Docker record of a blank line is a blank line: not a record.
    if (text === '') return;
    // A line that is a JSON object (from a Docker record), or one behind a log prefix.
    const at = text.startsWith('{') ? 0 : text.indexOf('{') === -1 ? -1 : jsonAfterLogPrefix(text);
    if (at === -1) out.push({ kind: 'text', file: this.file, line, text });
    else out.push({ kind: 'json', file: this.file, line, text: text.slice(at).trimEnd() });
  }

  /** Split CRI lines whose last piece never came: each is read as it stands (a truncated record). */
  private endPartials(out: RawRecord[]): void {
    if (this.partials.size === 0) return;
    for (const held of this.partials.values()) this.emitJoined(held, out);
    this.partials.clear();
  }

  private badUtf8(buf: Buffer, a: number, e: number, line: number): RawRecord {
    return this.reject(line, `invalid UTF-8 at byte offset ${firstInvalidUtf8(buf, a, e) - a} of the line`);
  }

  private appendCarry(buf: Buffer, a: number, e: number): void {
    const len = e - a;
    let carry = this.carry;
    if (carry === null || carry.length - this.carryLen < len) {
      const grown = Buffer.allocUnsafe(Math.max(4096, 2 * (this.carryLen + len)));
      if (carry !== null) carry.copy(grown, 0, 0, this.carryLen);
      this.carry = carry = grown;
    }
    buf.copy(carry, this.carryLen, a, e);
    this.carryLen += len;
  }

  /** The carried line start, detached: values cut from it may keep slices of it. */
  private takeCarry(): Buffer {
    const line = this.carry!.subarray(0, this.carryLen);
    this.carry = null;
    this.carryLen = 0;
    return line;
  }

  /** Decides early on a line that is still arriving, so that neither an array nor a huge line is buffered. */
  private checkPartialLine(out: RawRecord[]): void {
    const carry = this.carry!;
    // A CR at the end may be half of a CRLF: leave it out, as a complete line would.
    const e = carry[this.carryLen - 1] === CR ? this.carryLen - 1 : this.carryLen;
    const action = this.classify(carry, 0, e, false);
    if (action.act === 'oversize') {
      this.mode = 'skip';
      this.skipLine = this.line;
      this.skipBytes = this.carryLen;
      this.carry = null;
      this.carryLen = 0;
    } else if (action.act === 'value') {
      const line = this.takeCarry();
      this.mode = 'value';
      this.bufAbs = this.lineStartAbs;
      this.feed(line, this.begin(line, action.at, 'container'), this.lineStartAbs, out);
    } else if (action.act === 'array') {
      const line = this.takeCarry();
      this.feed(line, this.beginArray(action.at), this.lineStartAbs, out);
    }
  }

  /** Starts a value at `buf[i]`; returns the index to scan from. */
  private begin(buf: Buffer, i: number, shape: Pending['shape']): number {
    this.pending = {
      shape,
      opener: buf[i]!,
      line: this.line,
      col: this.bufAbs + i - this.lineStartAbs,
      abs: this.bufAbs + i,
      depth: shape === 'container' ? 1 : 0,
      inString: shape === 'string',
      escape: false,
      atLineStart: false,
      brokenLine: 0,
      parts: [],
      overflow: false,
      segStart: i,
    };
    return shape === 'scalar' ? i : i + 1;
  }

  private beginArray(i: number): number {
    this.mode = 'array';
    this.array = { line: this.line, elements: 0 };
    return i + 1;
  }

  /** Inside a value: tracks strings, escapes and nesting until it closes. */
  private scanPending(buf: Buffer, i: number, out: RawRecord[]): number {
    const p = this.pending!;
    if (p.shape === 'scalar') return this.scanScalar(p, buf, i, out);
    const n = buf.length;
    let { depth, inString, escape, atLineStart } = p;
    let nextLf = -2;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (c === LF) {
        if (inString && p.brokenLine === 0) p.brokenLine = this.line;
        escape = false;
        atLineStart = true;
        this.newline(i);
        continue;
      }
      if (atLineStart) {
        atLineStart = false;
        // `{` in column 0 while this value is still open: it was cut short, and a new one starts.
        if (c === LBRACE) {
          this.pending = null;
          out.push(this.reject(p.line,
            `truncated JSON: the ${kindOf(p.opener)} that starts here is not closed before line ${this.line} starts a new one`));
          if (this.mode === 'value') this.mode = 'line';
          return i;
        }
      }
      if (inString) {
        if (escape) {
          escape = false;
          continue;
        }
        // Short strings (keys) are walked here; long ones (outputs) jump to the next quote or line break.
        let q = i;
        const near = Math.min(n, i + 32);
        while (q < near && buf[q] !== QUOTE && buf[q] !== BACKSLASH && buf[q] !== LF) q++;
        if (q < near) {
          const d = buf[q];
          if (d === LF) i = q - 1;
          else if (d === BACKSLASH) {
            escape = true;
            i = q;
          } else {
            i = q;
            inString = false;
            if (depth === 0) return this.finish(p, buf, q + 1, out);
          }
          continue;
        }
        if (q === n) break;
        if (nextLf !== -1 && nextLf < q) nextLf = buf.indexOf(LF, q);
        const close = buf.indexOf(QUOTE, q);
        if (nextLf !== -1 && (close === -1 || nextLf < close)) {
          i = nextLf - 1;
          continue;
        }
        if (close === -1) {
          // The string goes on in the next buffer; an odd run of backslashes here escapes its first byte.
          escape = backslashesBefore(buf, q, n) % 2 === 1;
          break;
        }
        i = close;
        if (backslashesBefore(buf, q, close) % 2 === 1) continue;
        inString = false;
        if (depth === 0) return this.finish(p, buf, close + 1, out);
      } else if (c === QUOTE) inString = true;
      else if (c === LBRACE || c === LBRACKET) depth++;
      else if (c === RBRACE || c === RBRACKET) {
        if (--depth === 0) return this.finish(p, buf, i + 1, out);
      }
    }
    p.depth = depth;
    p.inString = inString;
    p.escape = escape;
    p.atLineStart = atLineStart;
    return n;
  }

  /** A bare array element (number, literal, or anything else): it ends at a delimiter. */
  private scanScalar(p: Pending, buf: Buffer, i: number, out: RawRecord[]): number {
    for (const n = buf.length; i < n; i++) {
      const c = buf[i];
      if (c === COMMA || c === RBRACKET || c === LF || c === SPACE || c === TAB || c === CR) return this.finish(p, buf, i, out);
    }
    return i;
  }

  /** Completes the pending value, which ends before `buf[end]`; returns `end`. */
  private finish(p: Pending, buf: Buffer, end: number, out: RawRecord[]): number {
    this.pending = null;
    const found = this.bufAbs + end - p.abs;
    if (this.array !== null) {
      this.array.elements++;
      this.mode = 'array';
    } else this.mode = 'after';
    this.afterJson = true;
    if (p.overflow || found > this.max) {
      out.push(this.reject(p.line, tooLarge(this.max, found)));
      return end;
    }
    if (p.brokenLine !== 0) {
      out.push(this.reject(p.line, `line break inside a JSON string on line ${p.brokenLine}: expected a closing quote before the end of the line`));
      return end;
    }
    const tail = buf.subarray(p.segStart === -1 ? 0 : p.segStart, end);
    const bytes = p.parts.length === 0 ? tail : Buffer.concat([...p.parts, tail]);
    let text = bytes.toString('utf8');
    if (text.indexOf('\uFFFD') !== -1 && !isValidUtf8(bytes)) {
      out.push(this.reject(p.line, this.describeBadUtf8(bytes, p)));
      return end;
    }
    if (text.indexOf('\r') !== -1) text = text.replace(/\r\n/g, '\n');
    out.push({ kind: 'json', file: this.file, line: p.line, text });
    return end;
  }

  /** Where the first bad byte of a (possibly multi-line) value is, as line and byte offset in that line. */
  private describeBadUtf8(bytes: Buffer, p: Pending): string {
    const k = firstInvalidUtf8(bytes);
    const lastLf = bytes.lastIndexOf(LF, k);
    if (lastLf === -1) return `invalid UTF-8 at byte offset ${p.col + k} of the line`;
    let line = p.line;
    for (let j = bytes.indexOf(LF); j !== -1 && j < k; j = bytes.indexOf(LF, j + 1)) line++;
    return `invalid UTF-8 at byte offset ${k - lastLf - 1} of line ${line}`;
  }

  /** Between array elements: separators, the closing `]`, or the start of the next element. */
  private scanArray(buf: Buffer, i: number): number {
    for (const n = buf.length; i < n; i++) {
      const c = buf[i]!;
      if (c === LF) this.newline(i);
      // Stray and missing commas are tolerated: every element still comes out once.
      else if (c === SPACE || c === TAB || c === CR || c === COMMA) continue;
      else if (c === RBRACKET) {
        this.array = null;
        this.mode = 'after';
        return i + 1;
      } else {
        return this.begin(buf, i, c === LBRACE || c === LBRACKET ? 'container' : c === QUOTE ? 'string' : 'scalar');
      }
    }
    return buf.length;
  }

  /** After a top-level value on the same line: more values, separators, or the line end. */
  private scanAfter(buf: Buffer, i: number): number {
    for (const n = buf.length; i < n; i++) {
      const c = buf[i]!;
      if (c === LF) {
        this.newline(i);
        this.mode = 'line';
        return i + 1;
      }
      if (c === SPACE || c === TAB || c === CR || c === COMMA) continue;
      if (c === LBRACE) {
        this.mode = 'value';
        return this.begin(buf, i, 'container');
      }
      if (c === LBRACKET) return this.beginArray(i);
      this.mode = 'garbage';
      this.garbageLine = this.line;
      this.garbageText = '';
      return i;
    }
    return buf.length;
  }

  /** The rest of a line that is too long: counted, not kept. */
  private scanSkip(buf: Buffer, i: number, out: RawRecord[]): number {
    const nl = buf.indexOf(LF, i);
    if (nl === -1) {
      this.skipBytes += buf.length - i;
      return buf.length;
    }
    this.skipBytes += nl - i;
    out.push(this.reject(this.skipLine, tooLarge(this.max, this.skipBytes)));
    this.afterJson = false;
    this.newline(nl);
    this.mode = 'line';
    return nl + 1;
  }

  /** Text after a value on its line: the rest of the line becomes one reject that quotes its start. */
  private scanGarbage(buf: Buffer, i: number, out: RawRecord[]): number {
    const nl = buf.indexOf(LF, i);
    const e = nl === -1 ? buf.length : nl;
    if (this.garbageText.length < 40) this.garbageText += buf.toString('utf8', i, Math.min(e, i + 40));
    if (nl === -1) return buf.length;
    let found = this.garbageText.trimEnd();
    if (found.length > 32) found = `${found.slice(0, 32)}…`;
    out.push(this.reject(this.garbageLine,
      `unexpected text after a JSON value: expected a line break, "," or another value, found ${JSON.stringify(found)}`));
    this.afterJson = false;
    this.newline(nl);
    this.mode = 'line';
    return nl + 1;
  }
}
