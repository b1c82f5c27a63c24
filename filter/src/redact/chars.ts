// Byte classes for the detectors, one table lookup per byte.

export const DIGIT: u8 = 1;
export const UPPER: u8 = 2;
export const LOWER: u8 = 4;
/** base64url: A-Z a-z 0-9 - _ */
export const B64URL: u8 = 8;
/** base64: A-Z a-z 0-9 + / */
export const B64: u8 = 16;
/** an email's local part: A-Z a-z 0-9 . _ % + - and UTF-8 */
export const LOCAL: u8 = 32;
/** a host name label: A-Z a-z 0-9 - and UTF-8 */
export const HOST: u8 = 64;
export const HEX: u8 = 128;

// In unmanaged memory, not a StaticArray: a managed array read in the scan loop would be
// spilled to the GC's shadow stack on every byte.
const TABLE: usize = memory.data(256);
/**
 * For the scan loop, one load per byte: 1 for a letter or digit, 2 for the symbols that can start
 * a match (@ + ( - : = /), 0 for the rest.
 */
const STARTS: usize = memory.data(256);
for (let c = 0; c < 256; c++) {
  const word = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const trigger = c == 0x40 || c == 0x2b || c == 0x28 || c == 0x2d || c == 0x3a || c == 0x3d || c == 0x2f;
  store<u8>(STARTS + c, word ? 1 : trigger ? 2 : 0);
  let k: u8 = 0;
  const digit = c >= 0x30 && c <= 0x39;
  const upper = c >= 0x41 && c <= 0x5a;
  const lower = c >= 0x61 && c <= 0x7a;
  const alnum = digit || upper || lower;
  if (digit) k |= DIGIT;
  if (upper) k |= UPPER;
  if (lower) k |= LOWER;
  if (alnum || c == 0x2d || c == 0x5f) k |= B64URL;
  if (alnum || c == 0x2b || c == 0x2f) k |= B64;
  // Addresses may hold letters beyond ASCII (josé@, hans@müller.de): their UTF-8 bytes.
  if (alnum || c >= 0x80 || c == 0x2e || c == 0x5f || c == 0x25 || c == 0x2b || c == 0x2d) k |= LOCAL;
  if (alnum || c >= 0x80 || c == 0x2d) k |= HOST;
  if (digit || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)) k |= HEX;
  store<u8>(TABLE + c, k);
}

@inline export function cls(c: u32): u8 {
  return load<u8>(TABLE + (c & 0xff));
}

/** 1 letter or digit, 2 a symbol that can start a match, 0 neither. */
@inline export function startClass(c: u32): u32 {
  return load<u8>(STARTS + (c & 0xff));
}

@inline export function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

@inline export function isAlnum(c: u32): bool {
  return (cls(c) & (DIGIT | UPPER | LOWER)) != 0;
}

/** The byte at i, or 0 outside [0, n). */
@inline export function at(p: usize, n: u32, i: i64): u32 {
  return i >= 0 && i < <i64>n ? <u32>load<u8>(p + <usize>i) : 0;
}

/** Does the text at i start with the ASCII literal (exactly)? */
export function startsWith(p: usize, n: u32, i: u32, lit: string): bool {
  const m = <u32>lit.length;
  if (i + m > n) return false;
  for (let j: u32 = 0; j < m; j++) if (load<u8>(p + i + j) != <u8>lit.charCodeAt(j)) return false;
  return true;
}

/** Case-insensitive, for ASCII literals given in lower case. */
export function startsWithLower(p: usize, n: u32, i: u32, lit: string): bool {
  const m = <u32>lit.length;
  if (i + m > n) return false;
  for (let j: u32 = 0; j < m; j++) {
    let c = load<u8>(p + i + j);
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (c != <u8>lit.charCodeAt(j)) return false;
  }
  return true;
}

/** The end of a run of bytes of class k starting at i. */
export function runOf(p: usize, n: u32, i: u32, k: u8): u32 {
  while (i < n && (cls(load<u8>(p + i)) & k) != 0) i++;
  return i;
}

/** The first four bytes of an ASCII literal as a little-endian u32, for one-load prefix checks. */
export function lit4(s: string): u32 {
  return <u32>s.charCodeAt(0) | (<u32>s.charCodeAt(1) << 8) | (<u32>s.charCodeAt(2) << 16) | (<u32>s.charCodeAt(3) << 24);
}

/** The four bytes at i as a u32 (0 past the end). */
@inline export function word4(p: usize, n: u32, i: u32): u32 {
  return i + 4 <= n ? load<u32>(p + i) : 0;
}

// V8 builds a 128-bit constant afresh wherever it is used (a few instructions, in every turn of
// a loop); a load from memory is one. So the SIMD loops take their constants from here: every
// byte's splat, and the lookup tables, stored once at start.
const SPLATS: usize = memory.data(256 * 16);
for (let b = 0; b < 256; b++) v128.store(SPLATS + (<usize>b << 4), i8x16.splat(<i8>b));

/** The byte b in all 16 lanes. */
@inline export function splat(b: i32): v128 {
  return v128.load(SPLATS + (<usize>(b & 255) << 4));
}

/** A 16-byte table put in memory once (see SPLATS); where it is, for a load at each use. */
@inline export function storeTable(t: v128): usize {
  const at = heap.alloc(16);
  v128.store(at, t);
  return at;
}

/** Lanes with lo <= byte < lo + count: shifted by 128 more, the range starts at -128, signed (one x64 instruction). */
@inline export function inRange(v: v128, lo: i32, count: i32): v128 {
  return i8x16.lt_s(i8x16.sub(v, splat(lo + 128)), splat(count - 128));
}
