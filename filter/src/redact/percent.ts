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

  private reserve(n: u32): void {
    if (n + 1 <= this.cap) return;
    let cap = this.cap;
    while (cap < n + 1) cap <<= 1;
    this.ptr = heap.realloc(this.ptr, cap);
    this.origin = new StaticArray<u32>(<i32>cap + 1);
    this.cap = cap;
  }

  /** Decode n bytes at p, as `how` (Decode flags) says. */
  decode(p: usize, n: u32, how: u8): void {
    this.reserve(n);
    const plus = (how & Decode.Plus) != 0;
    const json = (how & Decode.JsonEscapes) != 0;
    let o: u32 = 0;
    let i: u32 = 0;
    while (i < n) {
      const c = load<u8>(p + i);
      unchecked(this.origin[o] = i);
      let out: i32 = -1;
      let used: u32 = 1;
      if (c == 0x25 && i + 2 < n) {
        const v = (hex(load<u8>(p + i + 1)) << 4) | hex(load<u8>(p + i + 2));
        if (v >= 0 && keeps(v)) { out = v; used = 3; }
      } else if (c == 0x5c && json && i + 1 < n) {
        const e = load<u8>(p + i + 1);
        if (e == 0x2f) { out = 0x2f; used = 2; }
        else if (e == 0x75 && i + 5 < n && load<u8>(p + i + 2) == 0x30 && load<u8>(p + i + 3) == 0x30) {
          const v = (hex(load<u8>(p + i + 4)) << 4) | hex(load<u8>(p + i + 5));
          if (v >= 0x20 && v < 0x7f && keeps(v)) { out = v; used = 6; }
        } else {
          // Any other escape (\" \\ \n…) is copied whole, so its second byte is not read as a first.
          store<u8>(this.ptr + o, c);
          unchecked(this.origin[++o] = i + 1);
          out = e;
          used = 2;
          store<u8>(this.ptr + o, <u8>out);
          o++;
          i += used;
          continue;
        }
      }
      store<u8>(this.ptr + o, <u8>(out >= 0 ? out : plus && c == 0x2b ? 0x20 : c));
      i += used;
      o++;
    }
    unchecked(this.origin[o] = n);
    this.len = o;
  }
}

/** Whether a byte is decoded: not the quotes and backslash the scan reads structure by. */
@inline function keeps(v: i32): bool {
  return v != 0x22 && v != 0x27 && v != 0x5c;
}

/** Whether n bytes at p hold anything `decode` would change: 16 bytes at a time, as a body is long. */
export function needsDecoding(p: usize, n: u32, how: u8): bool {
  const plus = (how & Decode.Plus) != 0;
  const json = (how & Decode.JsonEscapes) != 0;
  const readable = <usize>memory.size() << 16;
  let i: u32 = 0;
  for (; i + 16 <= n && p + i + 16 <= readable; i += 16) {
    const v = v128.load(p + i);
    let hit = v128.or(i8x16.eq(v, splat(0x25)), i8x16.eq(v, splat(plus ? 0x2b : 0x25)));
    if (json) hit = v128.or(hit, i8x16.eq(v, splat(0x5c)));
    if (v128.any_true(hit) && oneAt(p, n, i, i + 16, plus, json)) return true;
  }
  return oneAt(p, n, i, n, plus, json);
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
