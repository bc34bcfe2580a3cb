// Finds where a byte range stops being valid UTF-8, to tell a bad byte from a U+FFFD written in the source.

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

/** True when `bytes` is well-formed UTF-8 (the WHATWG decoder is the judge). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    fatalDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Index of the first byte in `bytes[start, end)` that begins an ill-formed UTF-8 sequence
 * (stray continuation, overlong form, surrogate, above U+10FFFF, cut short), or -1 if there is none.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    // Second-byte bounds exclude overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= end) return i;
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}
