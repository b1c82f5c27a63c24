// The single-pass scan: one walk over the bytes, trying at each position only the detectors that
// can start with that byte, recording the spans to redact in order, never overlapping. No regular
// expressions: every detector is a small hand-written matcher (numbers.ts, secrets.ts, email.ts).
import { B64, cls, HEX, inRange, isAlnum, isDigit, splat, startClass, storeTable, UPPER } from "./chars";
import { email } from "./email";
import { card, Found, iban, ipv4, ipv6, phone, ssn } from "./numbers";
import { Mode, Rule } from "./rules";
import { authScheme, awsAccessKey, awsSecretKey, githubToken, googleApiKey, jwt, privateKey, slackToken, stripeKey, urlCredentials } from "./secrets";

export class Spans {
  start: StaticArray<u32> = new StaticArray<u32>(64);
  end: StaticArray<u32> = new StaticArray<u32>(64);
  rule: StaticArray<i32> = new StaticArray<i32>(64);
  count: i32 = 0;

  push(start: u32, end: u32, rule: i32): void {
    if (this.count == this.start.length) {
      const cap = this.count * 2;
      const s = new StaticArray<u32>(cap);
      const e = new StaticArray<u32>(cap);
      const r = new StaticArray<i32>(cap);
      for (let i = 0; i < this.count; i++) { s[i] = this.start[i]; e[i] = this.end[i]; r[i] = this.rule[i]; }
      this.start = s;
      this.end = e;
      this.rule = r;
    }
    unchecked(this.start[this.count] = start);
    unchecked(this.end[this.count] = end);
    unchecked(this.rule[this.count] = rule);
    this.count++;
  }
}

/**
 * Names on a deny-list (query parameters, JSON keys), matched case-insensitively. Held in one
 * unmanaged block grouped by length, so the many names that cannot match are never looked at:
 * a JSON body asks this for every string in it.
 */
export class KeyList {
  /** Per length 0..64: the offset of its first name in `data`, and how many there are. */
  private start: usize = heap.alloc(65 * 8);
  private data: usize = 0;
  /** 256 bits, one set per name (`hint`): most strings are ruled out by one load. */
  private hints: usize = heap.alloc(32);
  /** 1024 bits, one per name's first two bytes (`opening`): most JSON keys are ruled out before their end is looked for. */
  private openings: usize = heap.alloc(128);

  constructor(names: ArrayBuffer[]) {
    let total = 0;
    for (let i = 0; i < names.length; i++) total += names[i].byteLength;
    this.data = heap.alloc(max(total, 1));
    let at: u32 = 0;
    for (let len = 0; len <= 64; len++) {
      store<u32>(this.start + len * 8, at);
      let count: u32 = 0;
      for (let i = 0; i < names.length; i++) {
        if (names[i].byteLength != len) continue;
        memory.copy(this.data + at, changetype<usize>(names[i]), len);
        at += len;
        count++;
      }
      store<u32>(this.start + len * 8 + 4, count);
    }
    memory.fill(this.hints, 0, 32);
    memory.fill(this.openings, 0, 128);
    for (let i = 0; i < names.length; i++) {
      const p = changetype<usize>(names[i]);
      const n = <u32>names[i].byteLength;
      if (n == 0) continue;
      setBit(this.hints, hint(p, n));
      // A one-byte name is followed by the key's closing quote.
      setBit(this.openings, opening(load<u8>(p), n > 1 ? load<u8>(p + 1) : 0x22));
    }
  }

  /** Could a name start with the bytes a and b (b may be the closing quote of a one-byte key)? */
  @inline mayOpen(a: u32, b: u32): bool {
    const h = opening(a, b);
    return (<u32>load<u8>(this.openings + (h >> 3)) & (<u32>1 << (h & 7))) != 0;
  }

  has(p: usize, n: u32): bool {
    if (n > 64 || n == 0) return false;
    const h = hint(p, n);
    if ((<u32>load<u8>(this.hints + (h >> 3)) & (<u32>1 << (h & 7))) == 0) return false;
    const count = load<u32>(this.start + n * 8 + 4);
    let q = this.data + load<u32>(this.start + n * 8);
    for (let k: u32 = 0; k < count; k++, q += n) {
      let j: u32 = 0;
      for (; j < n; j++) {
        let c = load<u8>(p + j);
        if (c >= 0x41 && c <= 0x5a) c += 32;
        if (c != load<u8>(q + j)) break;
      }
      if (j == n) return true;
    }
    return false;
  }
}

@inline function setBit(bits: usize, h: u32): void {
  store<u8>(bits + (h >> 3), <u32>load<u8>(bits + (h >> 3)) | (<u32>1 << (h & 7)));
}

/** A name's bit among 1024, from its first two bytes (in lower case). */
@inline function opening(a: u32, b: u32): u32 {
  return (((a | 0x20) << 5) ^ (b | 0x20)) & 1023;
}

/** A name's bit among 256, from its length and first and last letters (in lower case). */
@inline function hint(p: usize, n: u32): u32 {
  return (n * 29 + (<u32>load<u8>(p) | 0x20) * 7 + (<u32>load<u8>(p + n - 1) | 0x20)) & 255;
}

/**
 * Where the JSON string whose text starts at j ends (its closing quote), or n or past it when it
 * does not. Keys are short: one 16-byte look finds most ends.
 */
function stringEnd(p: usize, n: u32, j: u32): u32 {
  if (j + 16 <= n) {
    const v = v128.load(p + j);
    const quote = <u32>i8x16.bitmask(i8x16.eq(v, splat(0x22)));
    const backslash = <u32>i8x16.bitmask(i8x16.eq(v, splat(0x5c)));
    // A quote with no backslash before it, within the 16 bytes.
    if (quote != 0 && (backslash & ((quote & -quote) - 1)) == 0) return j + ctz(quote);
  }
  while (j < n && load<u8>(p + j) != 0x22) {
    if (load<u8>(p + j) == 0x5c) j++;
    j++;
  }
  return j;
}

function jsonSecretValue(p: usize, n: u32, i: u32, keys: KeyList): bool {
  // A key's quote follows '{' or ',' (or starts the text): most quotes in JSON do not, and are
  // dismissed before the walk to the closing quote.
  let b = i;
  while (b > 0 && isSpace(load<u8>(p + b - 1))) b--;
  if (b > 0 && load<u8>(p + b - 1) != 0x7b && load<u8>(p + b - 1) != 0x2c) return false;
  // "key" <spaces> : <spaces> value
  let j = stringEnd(p, n, i + 1);
  if (j >= n || !keys.has(p + i + 1, j - i - 1)) return false;
  j++;
  while (j < n && load<u8>(p + j) == 0x20) j++;
  if (j >= n || load<u8>(p + j) != 0x3a) return false;
  j++;
  while (j < n && load<u8>(p + j) == 0x20) j++;
  if (j >= n) return false;
  if (load<u8>(p + j) == 0x22) {
    const start = j + 1;
    j = min(stringEnd(p, n, start), n);
    Found.start = start;
    Found.end = j;
    return j > start;
  }
  // A bare value (number, true): to the next delimiter.
  const start = j;
  while (j < n) {
    const c = load<u8>(p + j);
    if (c == 0x2c || c == 0x7d || c == 0x5d || c == 0x20 || c == 0x0a) break;
    j++;
  }
  Found.start = start;
  Found.end = j;
  return j > start;
}

@inline function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/**
 * Find what to redact in n bytes at p, with the rules whose mode is not Off. With jsonKeys, the
 * values of JSON keys on that list are found too.
 *
 * Every detector starts at the start of a word (a letter or digit after something that is not)
 * or at one of a few symbols (@ + ( - : " /). The scan looks at 16 bytes at a time (wasm SIMD)
 * and makes a bit mask of the positions where a detector could match; the detectors run only
 * there. Most word starts cannot start anything (see `candidates`), so on ordinary text the
 * detectors run every few dozen bytes instead of every few. `simd` false tries every word start
 * and symbol one byte at a time instead: the tests check that both find the same.
 */
export function detect(p: usize, n: u32, modes: StaticArray<u8>, spans: Spans, jsonKeys: KeyList | null, simd: bool = true): void {
  spans.count = 0;
  // Nothing a detector finds is shorter than three bytes but IPv6's "::", and a request is full
  // of shorter values (query parameters, methods, status codes).
  if (n < 2 || (n < 3 && unchecked(modes[Rule.IP_ADDRESS]) == Mode.Off)) return;
  Scan.next = 0;
  Scan.floor = 0;
  if (!simd) {
    bytewise(p, n, modes, spans, jsonKeys);
    return;
  }
  // IP addresses and phone numbers start at any hex letter, digit, ':' '+' or '(': with either
  // rule on, every word start and symbol is a candidate.
  const everyWord = unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off || unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off;
  const symbols = AT | (everyWord ? COLON | PLUS_SLASH : 0);
  const json = jsonKeys !== null;
  Scan.alnumTop = 0; // the byte before the text is neither a letter nor a digit…
  Scan.keyTop = 1; // …and a quote at its start may open a key
  // A chunk's candidates are tried once the next chunk is known: an AWS secret key (40 base64
  // characters) can start in a chunk only if the whole next one is base64, and only then are
  // the wider candidates (every word start, '+' '/') needed.
  let narrow: u32 = 0;
  let wide: u32 = 0;
  for (let base: u32 = 0; base < n; base += 16) {
    const left = n - base;
    let nextNarrow = candidates(chunk(p + base, left), everyWord, symbols, json);
    let nextWide = Scan.wide;
    if (left < 16) {
      const inside = (<u32>1 << left) - 1;
      nextNarrow &= inside;
      nextWide &= inside;
    }
    if (base > 0) tryEach(p, n, base - 16, left >= 16 && Scan.base64 ? wide : narrow, modes, spans, jsonKeys);
    narrow = nextNarrow;
    wide = nextWide;
  }
  // The last chunk: the text ends too soon after it for a 40-character key to start there.
  if (n > 0) tryEach(p, n, (n - 1) & ~15, narrow, modes, spans, jsonKeys);
}

/** The detectors at each candidate of the chunk at base, in order, except inside what matched before. */
@inline function tryEach(p: usize, n: u32, base: u32, mask: u32, modes: StaticArray<u8>, spans: Spans, jsonKeys: KeyList | null): void {
  while (mask != 0) {
    const i = base + ctz(mask);
    mask &= mask - 1;
    if (i >= Scan.next) tryOne(p, n, i, <u32>load<u8>(p + i), modes, spans, jsonKeys);
  }
}

/** Every word start and symbol, a byte at a time. */
function bytewise(p: usize, n: u32, modes: StaticArray<u8>, spans: Spans, jsonKeys: KeyList | null): void {
  let i: u32 = 0;
  let prevAlnum = false;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    const s = startClass(c);
    const alnum = s == 1;
    if ((alnum ? !prevAlnum : s != 0) && tryOne(p, n, i, c, modes, spans, jsonKeys)) {
      i = Scan.next;
      prevAlnum = i > 0 && isAlnum(load<u8>(p + i - 1));
      continue;
    }
    prevAlnum = alnum;
    i++;
  }
}

/** Where the scan is: the next position it may match at (after the last match), and that match's end. */
namespace Scan {
  export let next: u32 = 0;
  export let floor: u32 = 0;
  /** Carried from chunk to chunk by `candidates`: 1 when the last byte is a letter or digit… */
  export let alnumTop: u32 = 0;
  /** …and 1 when it is a byte a JSON key's opening quote can follow ({ , or white space). */
  export let keyTop: u32 = 0;
  /** Also set by `candidates`: the chunk's wider candidates, and whether all of it is base64. */
  export let wide: u32 = 0;
  export let base64: bool = false;
}

/** The detectors at i; on a match, its span is recorded and the scan moves past it. */
@inline function tryOne(p: usize, n: u32, i: u32, c: u32, modes: StaticArray<u8>, spans: Spans, jsonKeys: KeyList | null): bool {
  // Quotes are most of a JSON body's candidates: straight to the one detector they start, and
  // only when the key's first two bytes can open a name on the list.
  const rule = c == 0x22
    ? (jsonKeys !== null && i + 2 < n && jsonKeys.mayOpen(load<u8>(p + i + 1), load<u8>(p + i + 2)) && jsonSecretValue(p, n, i, jsonKeys) ? Rule.SECRET_PARAM : -1)
    : tryAt(p, n, i, Scan.floor, c, modes, jsonKeys);
  if (rule < 0 || Found.end <= Found.start) return false;
  spans.push(Found.start, Found.end, rule);
  Scan.next = Found.end;
  Scan.floor = Found.end;
  return true;
}

const PADDED: usize = memory.data(32);

/**
 * 17 bytes from q that may be read (a chunk and the byte after it): q itself, unless reading on
 * would pass the end of memory; then a copy padded with zeros (which start nothing).
 */
@inline function chunk(q: usize, left: u32): usize {
  if (left > 16 || q + 17 <= (<usize>memory.size() << 16)) return q;
  v128.store(PADDED, i8x16.splat(0));
  v128.store(PADDED + 16, i8x16.splat(0));
  memory.copy(PADDED, q, min(left, 16));
  return PADDED;
}

// Byte classes by nibble (the high nibble's table ANDed with the low nibble's), one bit each.
// A bit's class is every byte whose high nibble and low nibble both have it: the tables below
// are exact for the classes named, and where a class lets in a few bytes more, the comment says.
const AT: u8 = 1; // '@'
const COLON: u8 = 2; // ':'
const DASH: u8 = 4; // '-'
const QUOTE: u8 = 8; // '"'
const PLUS_SLASH: u8 = 16; // '+' '/'; and '(' (phone numbers)
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

// The comparisons are the ones x64 has an instruction for (signed greater-than, equal; see
// inRange): V8 spells out the others in three or four.


/** The positions whose nibble class has any of the bits. */
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
 * In Scan.wide, the same and every other word start and '+' '/': where an AWS secret key could
 * begin, used when the next chunk is all base64 (Scan.base64 says whether this one is).
 * With everyWord, both are every word start and symbol: IP addresses and phone numbers start
 * anywhere. Bits for positions 13 to 15 that would look at the next chunk's bytes are let through.
 */
@inline function candidates(q: usize, everyWord: bool, symbols: i32, json: bool): u32 {
  const v = v128.load(q);
  const digitV = inRange(v, 0x30, 10);
  const upperV = inRange(v, 0x41, 26);
  const alnumBits = <u32>i8x16.bitmask(v128.or(v128.or(digitV, upperV), inRange(v, 0x61, 26)));
  const starts = alnumBits & ~((alnumBits << 1) | Scan.alnumTop);
  Scan.alnumTop = alnumBits >> 15;
  const k = nibbleClass(v, LOW_NIBBLE, HIGH_NIBBLE);
  const plusSlash = classBits(k, PLUS_SLASH);
  Scan.base64 = (alnumBits | plusSlash) == 0xffff; // '(' counts too: it only lets more through
  let sym = classBits(k, symbols);
  const dash = classBits(k, DASH);
  sym |= dash & ((dash >> 1) | 0x8000);
  if (json) {
    const keyPrev = classBits(k, BRACE | SPACE_COMMA);
    sym |= classBits(k, QUOTE) & ((keyPrev << 1) | Scan.keyTop);
    Scan.keyTop = keyPrev >> 15;
  }
  if (everyWord) {
    Scan.wide = starts | sym | plusSlash;
    return Scan.wide;
  }
  const colon = classBits(k, COLON);
  sym |= colon & ((<u32>i8x16.bitmask(i8x16.eq(v, splat(0x2f))) >> 1) | 0x8000);
  Scan.wide = starts | sym | plusSlash;
  const digit = <u32>i8x16.bitmask(digitV) | 0x70000;
  const upper = <u32>i8x16.bitmask(upperV) | 0x70000;
  const pairs = ~<u32>i8x16.bitmask(i8x16.eq(v128.and(nibbleClass(v, FIRST_LOW, FIRST_HIGH), nibbleClass(v128.load(q, 1), NEXT_LOW, NEXT_HIGH)), splat(0))) & 0xffff;
  const words = classBits(k, AB) | (upper & (upper >> 1) & (digit >> 2) & (digit >> 3)) | pairs;
  // A card or an SSN: a digit, then digits or single separators (4 1 1 1 …, 123-45-…).
  const dsep = digit | <u32>i8x16.bitmask(v128.or(i8x16.eq(v, splat(0x20)), i8x16.eq(v, splat(0x2d))));
  const numbers = digit & (dsep >> 1) & (dsep >> 2) & (dsep >> 3) & ((digit >> 1) | (digit >> 2));
  return ((numbers | words) & starts) | sym;
}

/** The detectors that can start at i with byte c: the rule that matched (Found says where), or -1. */
@noinline function tryAt(p: usize, n: u32, i: u32, floor: u32, c: u32, modes: StaticArray<u8>, jsonKeys: KeyList | null): i32 {
  const k = cls(c);
  if (c == 0x40) {
    if (unchecked(modes[Rule.EMAIL_ADDRESS]) != Mode.Off && email(p, n, i, floor)) return Rule.EMAIL_ADDRESS;
    return -1;
  }
  if (isDigit(c)) {
    if (unchecked(modes[Rule.CREDIT_CARD]) != Mode.Off && card(p, n, i)) return Rule.CREDIT_CARD;
    if (unchecked(modes[Rule.US_SSN]) != Mode.Off && ssn(p, n, i)) return Rule.US_SSN;
    if (unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && (ipv4(p, n, i) || ipv6(p, n, i))) return Rule.IP_ADDRESS;
    if (unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off && phone(p, n, i)) return Rule.PHONE_NUMBER;
  } else if (c == 0x2b || c == 0x28) {
    if (unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off && phone(p, n, i)) return Rule.PHONE_NUMBER;
  } else if (c == 0x2d) {
    return privateKey(p, n, i) ? Rule.PRIVATE_KEY : -1;
  } else if (c == 0x3a) {
    if (urlCredentials(p, n, i)) return Rule.BASIC_AUTH;
    if (unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) return Rule.IP_ADDRESS;
    return -1;
  } else if (c == 0x22) {
    return jsonKeys !== null && jsonSecretValue(p, n, i, jsonKeys) ? Rule.SECRET_PARAM : -1;
  } else if (c != 0x2f) {
    // A letter.
    if (c == 0x65 && jwt(p, n, i)) return Rule.JWT;
    if (c == 0x41 && awsAccessKey(p, n, i)) return Rule.AWS_ACCESS_KEY;
    if (c == 0x41 && googleApiKey(p, n, i)) return Rule.GOOGLE_API_KEY;
    if (c == 0x67 && githubToken(p, n, i)) return Rule.GITHUB_TOKEN;
    if (c == 0x78 && slackToken(p, n, i)) return Rule.SLACK_TOKEN;
    if ((c == 0x73 || c == 0x72 || c == 0x77) && stripeKey(p, n, i)) return Rule.STRIPE_KEY;
    if (c == 0x62 || c == 0x42) {
      const scheme = authScheme(p, n, i);
      if (scheme >= 0) return scheme == 1 ? Rule.BASIC_AUTH : Rule.BEARER_TOKEN;
    }
    if ((k & UPPER) != 0 && unchecked(modes[Rule.IBAN_CODE]) != Mode.Off && iban(p, n, i)) return Rule.IBAN_CODE;
    if ((k & HEX) != 0 && unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) return Rule.IP_ADDRESS;
  }
  if ((k & B64) != 0 && awsSecretKey(p, n, i)) return Rule.AWS_SECRET_KEY;
  return -1;
}
