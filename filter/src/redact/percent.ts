// Decoding for scanning: clients encode what they send (alice%40example.com, 4111%201111…,
// redirect=https%3A%2F%2Fapp%2F%3Ftoken%3D…), and JSON writers escape it again (https:\/\/…,
// \u0026), so detectors look at the decoded bytes, and each decoded byte remembers where it
// came from so the redaction can be applied to the original text. One level of each: what is
// encoded twice is scanned once decoded. Quotes and backslashes are left encoded: they are the
// structure the scan reads strings and escapes by.
import { splat } from "./chars";

export namespace Decode {
  /** '+' is a space (query strings and form bodies). */
  export const Plus: u8 = 1;
  /** JSON's \/ and \u00XX escapes of printable ASCII (JSON bodies). */
  export const JsonEscapes: u8 = 2;
}

export class Decoded {
  ptr: usize = heap.alloc(256);
  cap: u32 = 256;
  len: u32 = 0;
  /** origin[i]: the offset in the original of decoded byte i; origin[len] = the original length. */
  origin: StaticArray<u32> = new StaticArray<u32>(257);

  free(): void {
    heap.free(this.ptr);
  }

  private reserve(n: u32): void {
    if (n + 1 <= this.cap) return;
    let cap = this.cap;
    while (cap < n + 1) cap <<= 1;
    this.ptr = heap.realloc(this.ptr, cap);
    this.origin = new StaticArray<u32>(<i32>cap + 1);
    this.cap = cap;
  }

  /**
   * Decode n bytes at p, as `how` (Decode flags) says. Runs of 16 bytes with nothing to decode
   * are copied whole, their origins written four at a time: a body has few escapes.
   */
  decode(p: usize, n: u32, how: u8): void {
    this.reserve(n);
    const plus = (how & Decode.Plus) != 0;
    const json = (how & Decode.JsonEscapes) != 0;
    const readable = <usize>memory.size() << 16;
    const origin = changetype<usize>(this.origin);
    const step = i32x4(0, 1, 2, 3);
    this.len = 0;
    let i: u32 = 0;
    while (i < n) {
      if (i + 16 <= n && p + i + 16 <= readable) {
        const v = v128.load(p + i);
        let hit = v128.or(i8x16.eq(v, splat(0x25)), i8x16.eq(v, splat(plus ? 0x2b : 0x25)));
        if (json) hit = v128.or(hit, i8x16.eq(v, splat(0x5c)));
        // The bytes before the first one to decode (all 16 if none) go as they are.
        const run: u32 = v128.any_true(hit) ? ctz(<u32>i8x16.bitmask(hit)) : 16;
        const o = this.len;
        v128.store(this.ptr + o, v);
        const at = origin + (<usize>o << 2);
        const from = i32x4.add(i32x4.splat(i), step);
        v128.store(at, from);
        v128.store(at, i32x4.add(from, i32x4.splat(4)), 16);
        v128.store(at, i32x4.add(from, i32x4.splat(8)), 32);
        v128.store(at, i32x4.add(from, i32x4.splat(12)), 48);
        this.len += run;
        i += run;
        if (run == 16) continue;
      }
      i = this.unit(p, n, i, plus, json);
    }
    unchecked(this.origin[this.len] = n);
  }

  /** The unit at i (a byte, an escape decoded to one, or an escape kept as it is) added at len; where the next starts. */
  private unit(p: usize, n: u32, i: u32, plus: bool, json: bool): u32 {
    const c = load<u8>(p + i);
    let out: i32 = plus && c == 0x2b ? 0x20 : c;
    let next = i + 1;
    if (c == 0x25 && i + 2 < n) {
      const v = (hex(load<u8>(p + i + 1)) << 4) | hex(load<u8>(p + i + 2));
      if (v >= 0 && keeps(v)) { out = v; next = i + 3; }
    } else if (c == 0x5c && json && i + 1 < n) {
      const e = load<u8>(p + i + 1);
      if (e == 0x2f) { out = 0x2f; next = i + 2; }
      else if (e == 0x75 && i + 5 < n && load<u8>(p + i + 2) == 0x30 && load<u8>(p + i + 3) == 0x30) {
        const v = (hex(load<u8>(p + i + 4)) << 4) | hex(load<u8>(p + i + 5));
        if (v >= 0x20 && v < 0x7f && keeps(v)) { out = v; next = i + 6; }
      }
      if (next == i + 1) {
        // Any other escape (\" \\ \n…) stays, its second byte copied with it, so that it is
        // not read as the first of another.
        this.put(c, i);
        out = e;
        i++;
        next = i + 1;
      }
    }
    this.put(out, i);
    return next;
  }

  @inline private put(b: i32, from: u32): void {
    store<u8>(this.ptr + this.len, <u8>b);
    unchecked(this.origin[this.len] = from);
    this.len++;
  }
}

/** Whether a byte is decoded: not the quotes and backslash the scan reads structure by. */
@inline function keeps(v: i32): bool {
  return v != 0x22 && v != 0x27 && v != 0x5c;
}

/**
 * Whether n bytes at p may hold anything `decode` would change: 16 bytes at a time, as a body is
 * long and most values are short (a short one is read in one load, bytes past it left out).
 */
export function needsDecoding(p: usize, n: u32, how: u8): bool {
  const plus = (how & Decode.Plus) != 0;
  const json = (how & Decode.JsonEscapes) != 0;
  const readable = <usize>memory.size() << 16;
  let i: u32 = 0;
  for (; i < n && p + i + 16 <= readable; i += 16) {
    const v = v128.load(p + i);
    let hit = v128.or(i8x16.eq(v, splat(0x25)), i8x16.eq(v, splat(plus ? 0x2b : 0x25)));
    if (json) hit = v128.or(hit, i8x16.eq(v, splat(0x5c)));
    let bits = <u32>i8x16.bitmask(hit);
    if (n - i < 16) bits &= (<u32>1 << (n - i)) - 1;
    if (bits != 0 && (!json || oneAt(p, n, i, min(i + 16, n), plus, json))) return true;
  }
  return i < n && oneAt(p, n, i, n, plus, json);
}

function oneAt(p: usize, n: u32, from: u32, to: u32, plus: bool, json: bool): bool {
  for (let i = from; i < to; i++) {
    const c = load<u8>(p + i);
    if (c == 0x25 || (plus && c == 0x2b)) return true;
    if (json && c == 0x5c && i + 1 < n) {
      const e = load<u8>(p + i + 1);
      if (e == 0x2f || e == 0x75) return true;
      // \ is one escape: the next backslash is not its own.
      if (e == 0x5c) i++;
    }
  }
  return false;
}

@inline export function hex(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
