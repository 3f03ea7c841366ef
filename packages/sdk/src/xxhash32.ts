const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

// One scratch buffer reused by every string hash: UTF-8 is written into it without a TextEncoder allocation.
let scratch = new Uint8Array(256);

function ensureCapacity(bytes: number): void {
  if (bytes > scratch.length) {
    let size = scratch.length * 2;
    while (size < bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(scratch);
    scratch = grown;
  }
}

/**
 * Writes the UTF-8 encoding of `text` into the scratch buffer at `offset` and returns the new offset.
 * Lone surrogates become U+FFFD (EF BF BD), as TextEncoder does.
 */
function writeUtf8(text: string, offset: number): number {
  ensureCapacity(offset + text.length * 3);
  const out = scratch;
  let pos = offset;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[pos++] = code;
    } else if (code < 0x800) {
      out[pos++] = 0xc0 | (code >> 6);
      out[pos++] = 0x80 | (code & 0x3f);
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[pos++] = 0xf0 | (code >> 18);
        out[pos++] = 0x80 | ((code >> 12) & 0x3f);
        out[pos++] = 0x80 | ((code >> 6) & 0x3f);
        out[pos++] = 0x80 | (code & 0x3f);
      } else {
        out[pos++] = 0xef;
        out[pos++] = 0xbf;
        out[pos++] = 0xbd;
      }
    } else {
      out[pos++] = 0xe0 | (code >> 12);
      out[pos++] = 0x80 | ((code >> 6) & 0x3f);
      out[pos++] = 0x80 | (code & 0x3f);
    }
  }
  return pos;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
}

function readU32(bytes: Uint8Array, i: number): number {
  return bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
}

/**
 * xxHash32 of `length` bytes of `bytes` from `start`, as an unsigned 32-bit integer.
 * @example xxhash32Bytes(new Uint8Array([97, 98, 99]), 0) // 0x32d153ff
 */
export function xxhash32Bytes(
  bytes: Uint8Array,
  seed: number,
  start = 0,
  length = bytes.length - start,
): number {
  const end = start + length;
  let i = start;
  let h: number;
  const s = seed | 0;
  if (length >= 16) {
    let v1 = (s + PRIME1 + PRIME2) | 0;
    let v2 = (s + PRIME2) | 0;
    let v3 = s;
    let v4 = (s - PRIME1) | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = round(v1, readU32(bytes, i));
      v2 = round(v2, readU32(bytes, i + 4));
      v3 = round(v3, readU32(bytes, i + 8));
      v4 = round(v4, readU32(bytes, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (s + PRIME5) | 0;
  }
  h = (h + length) | 0;
  while (i + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(readU32(bytes, i), PRIME3)) | 0, 17), PRIME4);
    i += 4;
  }
  while (i < end) {
    h = Math.imul(rotl((h + Math.imul(bytes[i]!, PRIME5)) | 0, 11), PRIME1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * xxHash32 of the UTF-8 bytes of `text` (not its UTF-16 code units), as an unsigned 32-bit integer.
 * `seed` is taken modulo 2^32, so 4294967295 and -1 are the same seed.
 * @example xxhash32("abc", 0) // 852579327
 */
export function xxhash32(text: string, seed = 0): number {
  const length = writeUtf8(text, 0);
  return xxhash32Bytes(scratch, seed, 0, length);
}

/**
 * xxHash32 of the UTF-8 bytes of `a + ":" + b + ":" + c`, without building the joined string.
 * @example hashJoined("user-1", "checkout", "2026-11", 0) === xxhash32("user-1:checkout:2026-11", 0) // true
 */
export function hashJoined(a: string, b: string, c: string, seed: number): number {
  let pos = writeUtf8(a, 0);
  ensureCapacity(pos + 1);
  scratch[pos++] = 0x3a;
  pos = writeUtf8(b, pos);
  ensureCapacity(pos + 1);
  scratch[pos++] = 0x3a;
  pos = writeUtf8(c, pos);
  return xxhash32Bytes(scratch, seed, 0, pos);
}

/**
 * A hasher of `prefix + suffix` whose suffix is UTF-8-encoded once, here: the evaluator's hot path encodes
 * only the identity per call.
 * @example createSuffixHasher(":checkout:2026-11")("user-1", 0) === hashJoined("user-1", "checkout", "2026-11", 0) // true
 */
export function createSuffixHasher(suffix: string): (prefix: string, seed: number) => number {
  const length = writeUtf8(suffix, 0);
  const bytes = scratch.slice(0, length);
  return (prefix, seed) => {
    const start = writeUtf8(prefix, 0);
    ensureCapacity(start + length);
    const out = scratch;
    for (let i = 0; i < length; i++) out[start + i] = bytes[i]!;
    return xxhash32Bytes(out, seed, 0, start + length);
  };
}
