// Where in 16 bytes a detector could start, found with wasm SIMD: a bit mask per chunk, from
// byte classes looked up by nibble. detect.ts runs the detectors only at those bits.
import { inRange, splat, storeTable } from "./chars";

/** What `candidates` carries from one chunk to the next (and leaves for the scan loop). */
export namespace Carry {
  /** 1 when the chunk's last byte is a letter or digit. */
  export let alnumTop: u32 = 0;
  /** 1 when a run of name bytes holding a hint reaches past the chunk's end (see `candidates`). */
  export let nameRun: u32 = 0;
  /** 1 when white space or quotes after a hinted run reach past the chunk's end. */
  export let gapRun: u32 = 0;
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
const SEPARATOR: u8 = 8; // ':' '='
export const PLUS_SLASH: u8 = 16; // '+' '/'; and '(' (phone numbers)
const AB: u8 = 32; // A B: AWS (AKIA…), Google (AIza), Bearer/Basic
/**
 * What a name holds besides letters and digits: ' ' $ % - . [ ] _, and backslashes, so that the
 * run of an escaped key (\\\"password\\\") ends at its quote (and , + / ^ T U P).
 */
const NAME: u8 = 64;
/** What may stand between a name and its separator: white space, quotes, backslashes (and ) * , - P R W Y Z ] and a few controls). */
const GAP: u8 = 128;
// By low nibble: 0 '@' ' '; 1 A; 2 B '"'; 4 '$'; 5 '%'; 7 '\''; 8 '('; 9 \t; A ':' \n; B '+' '['; C '\\'; D '-' '=' ']' \r; E '.'; F '/' '_'.
const LOW_NIBBLE = storeTable(i8x16(<i8>(AT | NAME | GAP), AB, <i8>(AB | GAP), 0, NAME, NAME, 0, <i8>GAP, PLUS_SLASH, <i8>GAP,
  <i8>(COLON | SEPARATOR | GAP), PLUS_SLASH | NAME, <i8>(NAME | GAP), <i8>(DASH | SEPARATOR | NAME | GAP), NAME, PLUS_SLASH | NAME));
// By high nibble: 0 \t \n \r; 2 ' ' '"' $ % ' ( + - . /; 3 ':' '='; 4 '@' A B; 5 [ \\ ] _.
const HIGH_NIBBLE = storeTable(i8x16(<i8>GAP, 0, <i8>(DASH | PLUS_SLASH | NAME | GAP), COLON | SEPARATOR, AT | AB, <i8>(NAME | GAP), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));

// Token prefixes, as pairs of a first letter and the letters that may follow it: e-y (eyJ),
// s-k r-k (sk_live_, sk-proj-, rk_live_), g-h g-i g-l w-h (ghp_, github_pat_, glpat-, whsec_),
// x-o x-a (xoxb-, xapp-), b-e b-a in either case (bearer, basic), n-p (npm_), y-a (ya29.), S-G
// (SG.). One bit per group: the first letter's class (FIRST_*) ANDed with the next byte's
// (NEXT_*). Exact: no other pair of bytes gets through.
const G_E: u8 = 1, G_SR: u8 = 2, G_GW: u8 = 4, G_X: u8 = 8, G_B: u8 = 16, G_N: u8 = 32, G_Y: u8 = 64, G_SG: u8 = 128;
const FIRST_LOW = storeTable(i8x16(0, 0, G_SR | G_B, <i8>(G_SR | G_SG), 0, G_E, 0, G_GW, G_X, G_Y, 0, 0, 0, 0, G_N, 0));
const FIRST_HIGH = storeTable(i8x16(0, 0, 0, 0, G_B, <i8>G_SG, G_E | G_GW | G_B | G_N, G_SR | G_GW | G_X | G_Y, 0, 0, 0, 0, 0, 0, 0, 0));
const NEXT_LOW = storeTable(i8x16(G_N, G_X | G_B | G_Y, 0, 0, 0, G_B, 0, <i8>G_SG, G_GW, G_E | G_GW, 0, G_SR, G_GW, 0, 0, G_X));
const NEXT_HIGH = storeTable(i8x16(0, 0, 0, 0, <i8>(G_B | G_SG), 0, G_SR | G_GW | G_X | G_B | G_Y, G_E | G_N, 0, 0, 0, 0, 0, 0, 0, 0));

// Pairs of letters that secret names hold (names.ts: HINT_GROUPS, and the configured names'
// first two bytes as one more group), on lower-cased bytes, set at configure (`hintGroups`).
const HINT_FIRST_LOW: usize = storeTable(i8x16.splat(0));
const HINT_FIRST_HIGH: usize = storeTable(i8x16.splat(0));
const HINT_NEXT_LOW: usize = storeTable(i8x16.splat(0));
const HINT_NEXT_HIGH: usize = storeTable(i8x16.splat(0));

/**
 * Set the name hints: up to eight groups, each its first bytes and the bytes that may follow
 * them ("or:kd"). A group lets through every first byte with every next byte, and the nibble
 * tables a few more: never fewer pairs.
 */
export function hintGroups(groups: string[]): void {
  memory.fill(HINT_FIRST_LOW, 0, 16);
  memory.fill(HINT_FIRST_HIGH, 0, 16);
  memory.fill(HINT_NEXT_LOW, 0, 16);
  memory.fill(HINT_NEXT_HIGH, 0, 16);
  for (let g = 0; g < min(groups.length, 8); g++) {
    const bit = <u8>(<u32>1 << <u32>g);
    const group = groups[g];
    let next = false;
    for (let k = 0; k < group.length; k++) {
      const c = group.charCodeAt(k) | 0x20;
      if (c == 0x3a && !next) next = true;
      else if (next) setNibbles(HINT_NEXT_LOW, HINT_NEXT_HIGH, c, bit);
      else setNibbles(HINT_FIRST_LOW, HINT_FIRST_HIGH, c, bit);
    }
  }
}

function setNibbles(low: usize, high: usize, c: i32, bit: u8): void {
  store<u8>(low + (c & 15), load<u8>(low + (c & 15)) | bit);
  store<u8>(high + ((c >> 4) & 15), load<u8>(high + ((c >> 4) & 15)) | bit);
}

/**
 * The positions whose nibble class has any of the bits: an equality with zero, inverted, as x64
 * has equality in one instruction and V8 spells "not equal" out in three.
 */
@inline function classBits(k: v128, bits: i32): u32 {
  return ~<u32>i8x16.bitmask(i8x16.eq(v128.and(k, splat(bits)), splat(0))) & 0xffff;
}

/** The class of each byte by its nibbles (each 0-15): the low nibble's table ANDed with the high nibble's. */
@inline function nibbleClass(lo: v128, hi: v128, low: usize, high: usize): v128 {
  return v128.and(i8x16.swizzle(v128.load(low), lo), i8x16.swizzle(v128.load(high), hi));
}

/** Positions where a pair of the two tables' groups starts: the byte's first class ANDed with the next byte's. */
@inline function pairStarts(first: v128, next: v128): u32 {
  return ~<u32>i8x16.bitmask(i8x16.eq(v128.and(first, next), splat(0))) & 0xffff;
}

/**
 * The 16 bytes at q as a bit mask of the positions where a detector could start:
 * - a digit followed by digits or single separators (4111…, 4 1 1 1…, 123-45-…: cards, SSNs);
 * - at a word start, A or B (AKIA, AIza, Bearer), or two letters and two digits (an IBAN);
 * - at a word start, the first letter of a token prefix followed by its second (above);
 * - '@'; ':' before '/' (://); the first '-' of "--" (-----BEGIN);
 * - a separator (':' '=') after a run of name bytes holding a hint pair, and any white space or
 *   quotes after it: where a secret name can end. The runs are followed by carrying through
 *   addition: adding a hint's bit to the mask of name bytes carries along its run and sets the
 *   byte after it.
 * In Carry.wide, the same and every other word start and '+' '/': where an AWS secret key could
 * begin, used when the next chunk is all base64 (Carry.base64 says whether this one is).
 * With everyWord, both are every word start and symbol: IP addresses and phone numbers start
 * anywhere. Number bits for positions 13 to 15 that would look past the next byte are let through.
 */
@inline export function candidates(q: usize, everyWord: bool, symbols: i32): u32 {
  const v = v128.load(q);
  const next = v128.load(q, 1);
  // Nibbles, each looked up in several tables. A byte lower-cased (| 0x20) has the same low
  // nibble, and its high nibble | 2.
  const mask = splat(0x0f);
  const lo = v128.and(v, mask);
  const hi = v128.and(i16x8.shr_u(v, 4), mask);
  const nextLo = v128.and(next, mask);
  const nextHi = v128.and(i16x8.shr_u(next, 4), mask);
  const two = splat(2);
  const digitV = inRange(v, 0x30, 10);
  const upperV = inRange(v, 0x41, 26);
  const lowerV = inRange(v, 0x61, 26);
  const alnumBits = <u32>i8x16.bitmask(v128.or(v128.or(digitV, upperV), lowerV));
  const starts = alnumBits & ~((alnumBits << 1) | Carry.alnumTop);
  Carry.alnumTop = alnumBits >> 15;
  const k = nibbleClass(lo, hi, LOW_NIBBLE, HIGH_NIBBLE);
  const plusSlash = classBits(k, PLUS_SLASH);
  Carry.base64 = (alnumBits | plusSlash) == 0xffff; // '(' counts too: it only lets more through
  let sym = classBits(k, symbols);
  sym |= classBits(k, DASH) & <u32>i8x16.bitmask(i8x16.eq(next, splat(0x2d)));
  // Separators where a secret name may end (see above).
  const names = alnumBits | classBits(k, NAME);
  const hints = pairStarts(nibbleClass(lo, v128.or(hi, two), HINT_FIRST_LOW, HINT_FIRST_HIGH),
    nibbleClass(nextLo, v128.or(nextHi, two), HINT_NEXT_LOW, HINT_NEXT_HIGH)) & names;
  const sum = names + hints + Carry.nameRun;
  Carry.nameRun = sum >> 16;
  const ends = (sum ^ names) & 0xffff;
  // On from there through white space and quotes ("password" : …, \"password\"\t=), the same way.
  const gaps = classBits(k, GAP);
  const on = gaps + (ends & gaps) + Carry.gapRun;
  Carry.gapRun = on >> 16;
  sym |= classBits(k, SEPARATOR) & (ends | ((on ^ gaps) & 0xffff));
  if (everyWord) {
    Carry.wide = starts | sym | plusSlash;
    return Carry.wide;
  }
  sym |= classBits(k, COLON) & <u32>i8x16.bitmask(i8x16.eq(next, splat(0x2f)));
  Carry.wide = starts | sym | plusSlash;
  const digit = <u32>i8x16.bitmask(digitV) | 0x70000;
  const letter = <u32>i8x16.bitmask(v128.or(upperV, lowerV)) | 0x70000;
  const pairs = pairStarts(nibbleClass(lo, hi, FIRST_LOW, FIRST_HIGH), nibbleClass(nextLo, nextHi, NEXT_LOW, NEXT_HIGH));
  const words = classBits(k, AB) | (letter & (letter >> 1) & (digit >> 2) & (digit >> 3)) | pairs;
  // A card or an SSN: a digit, then digits or single separators (4 1 1 1 …, 123-45-…; a card
  // grouped by dots starts with four digits).
  const dsep = digit | <u32>i8x16.bitmask(v128.or(i8x16.eq(v, splat(0x20)), i8x16.eq(v, splat(0x2d))));
  const numbers = digit & (dsep >> 1) & (dsep >> 2) & (dsep >> 3) & ((digit >> 1) | (digit >> 2));
  return ((numbers | words) & starts) | sym;
}

/** Start a scan: the byte before the text is neither a letter nor a digit, nor in a name. */
@inline export function carryReset(): void {
  Carry.alnumTop = 0;
  Carry.nameRun = 0;
  Carry.gapRun = 0;
}
