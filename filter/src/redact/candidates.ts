// Where in 16 bytes a detector could start, found with wasm SIMD: a bit mask per chunk, from
// byte classes looked up by nibble. detect.ts runs the detectors only at those bits.
import { inRange, splat, storeTable } from "./chars";

/** What `candidates` carries from one chunk to the next (and leaves for the scan loop). */
export namespace Carry {
  /** 1 when the chunk's last byte is a letter or digit… */
  export let alnumTop: u32 = 0;
  /** …and 1 when it is a byte a JSON key's opening quote can follow ({ , or white space). */
  export let keyTop: u32 = 0;
  /** The chunk's wider candidates (see `candidates`), and whether all of it is base64. */
  export let wide: u32 = 0;
  export let base64: bool = false;
}

const PADDED: usize = memory.data(32);

/**
 * 17 bytes from q that may be read (a chunk and the byte after it): q itself, unless reading on
 * would pass the end of memory; then a copy padded with zeros (which start nothing).
 */
@inline export function chunk(q: usize, left: u32): usize {
  if (left > 16 || q + 17 <= (<usize>memory.size() << 16)) return q;
  v128.store(PADDED, i8x16.splat(0));
  v128.store(PADDED + 16, i8x16.splat(0));
  memory.copy(PADDED, q, min(left, 16));
  return PADDED;
}

// Byte classes by nibble (the high nibble's table ANDed with the low nibble's), one bit each.
// A bit's class is every byte whose high nibble and low nibble both have it: the tables below
// are exact for the classes named, and where a class lets in a few bytes more, the comment says.
export const AT: u8 = 1; // '@'
export const COLON: u8 = 2; // ':'
const DASH: u8 = 4; // '-'
const QUOTE: u8 = 8; // '"'
export const PLUS_SLASH: u8 = 16; // '+' '/'; and '(' (phone numbers)
const AB: u8 = 32; // A B: AWS (AKIA…), Google (AIza), Bearer/Basic
const BRACE: u8 = 64; // '{'
const SPACE_COMMA: u8 = 128; // ',' ' ' \t \n \r (and NUL ) * - FF: only ever a hint)
// By low nibble: 0 '@' ' ' NUL; 1 A; 2 B '"'; 8 '('; 9 \t; A ':' \n; B '+' '{'; C ','; D '-' \r; F '/'.
const LOW_NIBBLE = storeTable(i8x16(<i8>(AT | SPACE_COMMA), AB, AB | QUOTE, 0, 0, 0, 0, 0, PLUS_SLASH, <i8>SPACE_COMMA,
  <i8>(COLON | SPACE_COMMA), PLUS_SLASH | BRACE, <i8>SPACE_COMMA, <i8>(DASH | SPACE_COMMA), 0, PLUS_SLASH));
// By high nibble: 0 controls; 2 ' ' '"' ( + , - /; 3 ':'; 4 '@' A B; 7 '{'.
const HIGH_NIBBLE = storeTable(i8x16(<i8>SPACE_COMMA, 0, <i8>(DASH | QUOTE | PLUS_SLASH | SPACE_COMMA), COLON, AT | AB, 0, 0, BRACE, 0, 0, 0, 0, 0, 0, 0, 0));

// Lower-case prefixes, as pairs of a first letter and the letters that may follow it: e-y (eyJ),
// s-k r-k (sk_live_, rk_live_), g-h g-i w-h (ghp_, github_pat_, whsec_), x-o x-a (xoxb-, xapp-),
// b-e b-a in either case (bearer, basic). One bit per group: the first letter's class (FIRST_*)
// ANDed with the next byte's (NEXT_*). Exact: no other pair of bytes gets through.
const G_E: u8 = 1, G_SR: u8 = 2, G_GW: u8 = 4, G_X: u8 = 8, G_B: u8 = 16;
const FIRST_LOW = storeTable(i8x16(0, 0, G_SR | G_B, G_SR, 0, G_E, 0, G_GW, G_X, 0, 0, 0, 0, 0, 0, 0));
const FIRST_HIGH = storeTable(i8x16(0, 0, 0, 0, 0, 0, G_E | G_GW | G_B, G_SR | G_GW | G_X, 0, 0, 0, 0, 0, 0, 0, 0));
const NEXT_LOW = storeTable(i8x16(0, G_X | G_B, 0, 0, 0, G_B, 0, 0, G_GW, G_E | G_GW, 0, G_SR, 0, 0, 0, G_X));
const NEXT_HIGH = storeTable(i8x16(0, 0, 0, 0, G_B, 0, G_SR | G_GW | G_X | G_B, G_E, 0, 0, 0, 0, 0, 0, 0, 0));

/**
 * The positions whose nibble class has any of the bits: an equality with zero, inverted, as x64
 * has equality in one instruction and V8 spells "not equal" out in three.
 */
@inline function classBits(k: v128, bits: i32): u32 {
  return ~<u32>i8x16.bitmask(i8x16.eq(v128.and(k, splat(bits)), splat(0))) & 0xffff;
}

@inline function nibbleClass(v: v128, low: usize, high: usize): v128 {
  const mask = splat(0x0f);
  return v128.and(i8x16.swizzle(v128.load(low), v128.and(v, mask)), i8x16.swizzle(v128.load(high), v128.and(i16x8.shr_u(v, 4), mask)));
}

/**
 * The 16 bytes at q as a bit mask of the positions where a detector could start:
 * - a digit followed by digits or single separators (4111…, 4 1 1 1…, 123-45-…: cards, SSNs);
 * - at a word start, A or B (AKIA, AIza, Bearer), or two capitals and two digits (an IBAN);
 * - at a word start, the first letter of a lower-case prefix followed by its second (above);
 * - '@'; ':' before '/' (://); the first '-' of "--" (-----BEGIN); with `json`, a '"' after
 *   '{', ',' or white space (where a key can start).
 * In Carry.wide, the same and every other word start and '+' '/': where an AWS secret key could
 * begin, used when the next chunk is all base64 (Carry.base64 says whether this one is).
 * With everyWord, both are every word start and symbol: IP addresses and phone numbers start
 * anywhere. Bits for positions 13 to 15 that would look at the next chunk's bytes are let through.
 */
@inline export function candidates(q: usize, everyWord: bool, symbols: i32, json: bool): u32 {
  const v = v128.load(q);
  const digitV = inRange(v, 0x30, 10);
  const upperV = inRange(v, 0x41, 26);
  const alnumBits = <u32>i8x16.bitmask(v128.or(v128.or(digitV, upperV), inRange(v, 0x61, 26)));
  const starts = alnumBits & ~((alnumBits << 1) | Carry.alnumTop);
  Carry.alnumTop = alnumBits >> 15;
  const k = nibbleClass(v, LOW_NIBBLE, HIGH_NIBBLE);
  const plusSlash = classBits(k, PLUS_SLASH);
  Carry.base64 = (alnumBits | plusSlash) == 0xffff; // '(' counts too: it only lets more through
  let sym = classBits(k, symbols);
  const dash = classBits(k, DASH);
  sym |= dash & ((dash >> 1) | 0x8000);
  if (json) {
    const keyPrev = classBits(k, BRACE | SPACE_COMMA);
    sym |= classBits(k, QUOTE) & ((keyPrev << 1) | Carry.keyTop);
    Carry.keyTop = keyPrev >> 15;
  }
  if (everyWord) {
    Carry.wide = starts | sym | plusSlash;
    return Carry.wide;
  }
  const colon = classBits(k, COLON);
  sym |= colon & ((<u32>i8x16.bitmask(i8x16.eq(v, splat(0x2f))) >> 1) | 0x8000);
  Carry.wide = starts | sym | plusSlash;
  const digit = <u32>i8x16.bitmask(digitV) | 0x70000;
  const upper = <u32>i8x16.bitmask(upperV) | 0x70000;
  const pairs = ~<u32>i8x16.bitmask(i8x16.eq(v128.and(nibbleClass(v, FIRST_LOW, FIRST_HIGH), nibbleClass(v128.load(q, 1), NEXT_LOW, NEXT_HIGH)), splat(0))) & 0xffff;
  const words = classBits(k, AB) | (upper & (upper >> 1) & (digit >> 2) & (digit >> 3)) | pairs;
  // A card or an SSN: a digit, then digits or single separators (4 1 1 1 …, 123-45-…).
  const dsep = digit | <u32>i8x16.bitmask(v128.or(i8x16.eq(v, splat(0x20)), i8x16.eq(v, splat(0x2d))));
  const numbers = digit & (dsep >> 1) & (dsep >> 2) & (dsep >> 3) & ((digit >> 1) | (digit >> 2));
  return ((numbers | words) & starts) | sym;
}
