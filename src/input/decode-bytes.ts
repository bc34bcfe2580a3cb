// Turns the raw bytes of a source into UTF-8 text bytes: gunzips gzip and transcodes UTF-16, both sniffed from the first bytes.

// node:zlib is loaded by the first gzip source only: most runs read plain text and never need it.

/** Compressed data that cannot be decoded; the splitter turns it into a reject, not a failure. */
export class CorruptInputError extends Error {
  override readonly name = 'CorruptInputError';
}

/** Which decoding the first bytes of a source call for. */
export type Encoding = 'gzip' | 'utf-16le' | 'utf-16be' | 'utf-8';

/** Reads the encoding from the magic bytes: gzip `1f 8b`, UTF-16 byte order marks; UTF-8 otherwise. */
export function sniffEncoding(head: Uint8Array): Encoding {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** Decodes a raw byte stream to UTF-8 bytes (a UTF-8 BOM is left for the splitter). */
export async function* decodeBytes(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let { head, rest } = await peek(raw, 2);
  let encoding = sniffEncoding(head);
  if (encoding === 'gzip') {
    ({ head, rest } = await peek(gunzip(rest), 2));
    encoding = sniffEncoding(head);
    // gzip inside gzip is not unpacked twice: it is binary data for the splitter to reject.
    if (encoding === 'gzip') encoding = 'utf-8';
  }
  yield* encoding === 'utf-8' ? rest : fromUtf16(rest, encoding);
}

/** The first `n` bytes (fewer at the end of input), and the whole stream again, those bytes included. */
async function peek(src: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = src[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const r = await it.next();
    if (r.done === true) {
      done = true;
      break;
    }
    first.push(r.value);
    length += r.value.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* first;
      while (!done) {
        const r = await it.next();
        if (r.done === true) done = true;
        else yield r.value;
      }
    } finally {
      if (!done) await it.return?.();
    }
  }
  return { head: Buffer.concat(first), rest: rest() };
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** Streams through zlib; concatenated gzip members come out one after another. */
async function* gunzip(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const [{ Readable, pipeline }, { createGunzip }] = await Promise.all([import('node:stream'), import('node:zlib')]);
  // Errors reach the loop below through the destroyed stream; the callback only keeps pipeline quiet.
  const out = pipeline(Readable.from(src, { objectMode: false }), createGunzip(), () => {});
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (err) {
    if (isZlibError(err)) throw new CorruptInputError(`corrupt gzip data: ${(err as Error).message}`);
    throw err;
  }
}

/** UTF-16 text (as PowerShell 5 writes a redirect) re-encoded as UTF-8; the decoder drops the BOM. */
async function* fromUtf16(src: AsyncIterable<Buffer>, encoding: 'utf-16le' | 'utf-16be'): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of src) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield Buffer.from(tail, 'utf8');
}
