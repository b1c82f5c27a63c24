// Percent-decoding for scanning: clients encode what they send (alice%40example.com,
// 4111%201111…), so detectors look at the decoded bytes, and each decoded byte remembers where
// it came from so the redaction can be applied to the original text.

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

  /** Decode n bytes at p; `plus` turns '+' into a space (query strings and form bodies). */
  decode(p: usize, n: u32, plus: bool): void {
    this.reserve(n);
    let o: u32 = 0;
    let i: u32 = 0;
    while (i < n) {
      const c = load<u8>(p + i);
      unchecked(this.origin[o] = i);
      if (c == 0x25 && i + 2 < n && hex(load<u8>(p + i + 1)) >= 0 && hex(load<u8>(p + i + 2)) >= 0) {
        store<u8>(this.ptr + o, <u8>((hex(load<u8>(p + i + 1)) << 4) | hex(load<u8>(p + i + 2))));
        i += 3;
      } else {
        store<u8>(this.ptr + o, plus && c == 0x2b ? 0x20 : c);
        i++;
      }
      o++;
    }
    unchecked(this.origin[o] = n);
    this.len = o;
  }
}

@inline export function hex(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
