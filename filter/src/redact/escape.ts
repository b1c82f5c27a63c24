// JSON string escaping of raw bytes: quotes, backslashes and control characters (CR and LF among
// them: no log injection) are escaped, and bytes that are not valid UTF-8 become U+FFFD, so no
// value can break out of its field or make the record invalid JSON.
import { ByteWriter } from "../bytes";
import { splat } from "./chars";

const HEXD = "0123456789abcdef";

/** 1 for the bytes that go into a JSON string as they are: printable ASCII but '"' and '\\'. */
const PLAIN: usize = memory.data(256);
for (let c = 0; c < 256; c++) store<u8>(PLAIN + c, c >= 0x20 && c < 0x80 && c != 0x22 && c != 0x5c ? 1 : 0);

/**
 * For 8 bytes whose quotes and backslashes are the bits of m, the shuffle that writes them with a
 * backslash before each of those: lane o of the output takes input lane EXPAND[m][o], where
 * lanes 0-7 are the bytes and lane 15 a backslash. 256 × 16 bytes, made at start.
 */
const EXPAND: usize = memory.data(256 * 16);
for (let m = 0; m < 256; m++) {
  let o = 0;
  for (let j = 0; j < 8; j++) {
    if (m & (1 << j)) store<u8>(EXPAND + m * 16 + o++, 15);
    store<u8>(EXPAND + m * 16 + o++, <u8>j);
  }
  while (o < 16) store<u8>(EXPAND + m * 16 + o++, 0x80);
}

/** The 8 bytes at q, with a backslash before each quote and backslash (the bits of m), stored at out; their length. */
@inline function expand8(out: usize, q: usize, m: u32): u32 {
  v128.store(out, i8x16.swizzle(i8x16.replace_lane(v128.load(q), 15, 0x5c), v128.load(EXPAND + (<usize>m << 4))));
  return 8 + popcnt(m);
}

/**
 * 16 bytes at a time (wasm SIMD): a chunk that needs nothing is stored whole; one that holds
 * only quotes and backslashes besides (JSON bodies are full of quotes) is written through the
 * EXPAND shuffles, 8 bytes at a time, without a branch per quote. Control characters, bytes
 * from 0x80 and the last few bytes are done one at a time.
 */
export function writeEscaped(w: ByteWriter, p: usize, n: u32): void {
  // Chunks are read 16 bytes past where they start, even near the end of the text (what lies
  // beyond is never kept), so only not past the end of memory.
  const readable = <usize>memory.size() << 16;
  let i: u32 = 0;
  while (i < n) {
    if (p + i + 32 > readable) {
      i = escapeOne(w, p, n, i);
      continue;
    }
    w.ensure(48);
    let out = w.ptr + w.len;
    const v = v128.load(p + i);
    v128.store(out, v);
    const escaped = <u32>i8x16.bitmask(v128.or(i8x16.eq(v, splat(0x22)), i8x16.eq(v, splat(0x5c))));
    const other = <u32>(i8x16.bitmask(i8x16.lt_u(v, splat(0x20))) | i8x16.bitmask(v));
    const left = n - i;
    if (other == 0 && left >= 16) {
      if (escaped != 0) {
        out += expand8(out, p + i, escaped & 0xff);
        out += expand8(out, p + i + 8, escaped >> 8);
        w.len = <u32>(out - w.ptr);
      } else w.len += 16;
      i += 16;
      continue;
    }
    // Up to the first byte that is neither plain nor a quote or backslash (or the end); each
    // quote and backslash gets a backslash. 16 bytes in, at most 32 out, and each store writes
    // 16: the 48 ensured cover them all.
    const stop = min(other == 0 ? 16 : ctz(other), left);
    let mask = escaped & ((<u32>1 << stop) - 1);
    let from: u32 = 0;
    while (mask != 0) {
      const j = ctz(mask);
      mask &= mask - 1;
      v128.store(out, v128.load(p + i + from));
      out += j - from;
      store<u16>(out, 0x5c | (<u32>load<u8>(p + i + j) << 8));
      out += 2;
      from = j + 1;
    }
    v128.store(out, v128.load(p + i + from));
    out += stop - from;
    w.len = <u32>(out - w.ptr);
    i += stop;
    if (i < n && stop < 16) i = escapeOne(w, p, n, i);
  }
}

/** The byte at i, escaped (or a whole valid UTF-8 sequence copied); returns where the next starts. */
function escapeOne(w: ByteWriter, p: usize, n: u32, i: u32): u32 {
  const c = <u32>load<u8>(p + i);
  if (load<u8>(PLAIN + c)) {
    w.byte(c);
    return i + 1;
  }
  if (c >= 0x80) {
    const len = utf8Length(p + i, n - i);
    if (len > 0) {
      w.copy(p + i, len);
      return i + len;
    }
    w.byte(0xef); w.byte(0xbf); w.byte(0xbd); // U+FFFD for an invalid byte
  } else if (c == 0x22) { w.byte(0x5c); w.byte(0x22); }
  else if (c == 0x5c) { w.byte(0x5c); w.byte(0x5c); }
  else if (c == 0x0a) { w.byte(0x5c); w.byte(0x6e); }
  else if (c == 0x0d) { w.byte(0x5c); w.byte(0x72); }
  else if (c == 0x09) { w.byte(0x5c); w.byte(0x74); }
  else {
    w.ascii("\\u00");
    w.byte(HEXD.charCodeAt(c >> 4));
    w.byte(HEXD.charCodeAt(c & 15));
  }
  return i + 1;
}

/** The length of a valid UTF-8 sequence at p (no overlongs, no surrogates, at most U+10FFFF), or 0. */
function utf8Length(p: usize, left: u32): u32 {
  const c = <u32>load<u8>(p);
  let len: u32;
  let min: u32;
  let cp: u32;
  if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; min = 0x80; }
  else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; min = 0x800; }
  else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; min = 0x10000; }
  else return 0;
  if (len > left) return 0;
  for (let k: u32 = 1; k < len; k++) {
    const b = <u32>load<u8>(p + k);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}
