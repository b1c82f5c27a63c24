// JSON keys on the deny-list (password, token, …, and redact.query_params): their values are
// secret whatever they look like. The list of names is held so that most keys of a body are
// ruled out by a bit or two before they are compared: a JSON body asks about every key in it.
import { splat } from "./chars";
import { Found } from "./numbers";

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

export function jsonSecretValue(p: usize, n: u32, i: u32, keys: KeyList): bool {
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
