// Bytes in unmanaged memory: the writer the records and batches are built in, and the reader for
// header maps in the proxy-wasm pairs encoding. The filter works on UTF-8 bytes end to end; no
// header is turned into an AssemblyScript (UTF-16) string on the request path.

export class ByteWriter {
  ptr: usize;
  len: u32 = 0;
  cap: u32;

  constructor(initial: u32) {
    this.cap = initial;
    this.ptr = heap.alloc(initial);
  }

  @inline ensure(n: u32): void {
    if (this.len + n > this.cap) this.grow(n);
  }

  private grow(n: u32): void {
    let cap = this.cap << 1;
    while (cap < this.len + n) cap <<= 1;
    this.ptr = heap.realloc(this.ptr, cap);
    this.cap = cap;
  }

  @inline byte(b: u32): void {
    this.ensure(1);
    store<u8>(this.ptr + this.len, <u8>b);
    this.len++;
  }

  copy(src: usize, n: u32): void {
    // memory.copy is a call into the engine's runtime: dearer than two 16-byte moves for the
    // short runs most values and field names are. Those move 32 bytes whatever n is (the room
    // is made, and what lands past n is written over next), unless that would read past memory.
    this.ensure(n > 32 ? n : 32);
    const dst = this.ptr + this.len;
    if (n <= 32 && src + 32 <= (<usize>memory.size() << 16)) {
      v128.store(dst, v128.load(src));
      v128.store(dst + 16, v128.load(src + 16));
    } else memory.copy(dst, src, n);
    this.len += n;
  }

  buf(b: ArrayBuffer): void {
    this.copy(changetype<usize>(b), b.byteLength);
  }

  /** An ASCII string (keys, literals). */
  ascii(s: string): void {
    const n = <u32>s.length;
    this.ensure(n);
    for (let i: u32 = 0; i < n; i++) store<u8>(this.ptr + this.len + i, <u8>s.charCodeAt(i));
    this.len += n;
  }

  dec(n: u64): void {
    if (n == 0) this.byte(0x30);
    else if (n <= 0xffffffff) this.digits<u32>(<u32>n); // 32-bit division is much cheaper, and nearly every number fits
    else this.digits<u64>(n);
  }

  private digits<T>(v: T): void {
    this.ensure(20);
    let count: u32 = 0;
    let m = v;
    while (m > 0) { count++; m /= 10; }
    let at = this.ptr + this.len + count;
    while (v > 0) {
      at--;
      store<u8>(at, <u8>(0x30 + <u32>(v % 10)));
      v /= 10;
    }
    this.len += count;
  }

  clear(): void {
    this.len = 0;
  }

  /** Bytes as an ArrayBuffer copy (for tests and small values). */
  toBuffer(): ArrayBuffer {
    const out = new ArrayBuffer(this.len);
    memory.copy(changetype<usize>(out), this.ptr, this.len);
    return out;
  }
}

/** ASCII case-insensitive equality of n bytes at p with the (lower-case) bytes of key. */
export function eqLower(p: usize, n: u32, key: ArrayBuffer): bool {
  if (n != <u32>key.byteLength) return false;
  const k = changetype<usize>(key);
  for (let i: u32 = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (c != load<u8>(k + i)) return false;
  }
  return true;
}

/**
 * A header map in the pairs encoding, read in place: entry i is the key at keyPtr(i) (keyLen(i)
 * bytes) and the value at valPtr(i). The index array is reused from request to request.
 */
export class Pairs {
  base: usize = 0;
  size: u32 = 0;
  count: u32 = 0;
  private index: StaticArray<u32> = new StaticArray<u32>(64 * 4);

  /** Read a block the host handed over; false if it is malformed. The caller still owns it. */
  parse(ptr: usize, len: u32): bool {
    this.base = ptr;
    this.size = len;
    this.count = 0;
    if (len < 4) return len == 0;
    const count = load<u32>(ptr);
    if (<u64>count * 8 + 4 > <u64>len) return false;
    if (<i32>(count * 4) > this.index.length) this.index = new StaticArray<u32>(<i32>(count * 4));
    let at = ptr + 4 + count * 8;
    const end = ptr + len;
    for (let i: u32 = 0; i < count; i++) {
      const kLen = load<u32>(ptr + 4 + i * 8);
      const vLen = load<u32>(ptr + 8 + i * 8);
      if (at + kLen + vLen + 2 > end) return false;
      unchecked(this.index[i * 4] = <u32>at);
      unchecked(this.index[i * 4 + 1] = kLen);
      unchecked(this.index[i * 4 + 2] = <u32>(at + kLen + 1));
      unchecked(this.index[i * 4 + 3] = vLen);
      at += kLen + vLen + 2;
    }
    this.count = count;
    return true;
  }

  @inline keyPtr(i: u32): usize { return unchecked(this.index[i * 4]); }
  @inline keyLen(i: u32): u32 { return unchecked(this.index[i * 4 + 1]); }
  @inline valPtr(i: u32): usize { return unchecked(this.index[i * 4 + 2]); }
  @inline valLen(i: u32): u32 { return unchecked(this.index[i * 4 + 3]); }

  /** Forget the block (the caller frees it). */
  reset(): void {
    this.base = 0;
    this.size = 0;
    this.count = 0;
  }
}

/**
 * A header name at p equal to the lower-case name `key`, n bytes: Envoy hands over header names
 * in lower case, so eight bytes at a time as they are. Bytes that differ in more than the
 * case bit (0x20) settle it at once; only a difference in that bit alone can be an upper-case
 * letter, and eqLower decides then.
 */
@inline function sameName(p: usize, n: u32, key: ArrayBuffer): bool {
  const q = changetype<usize>(key);
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) {
    const x = load<u64>(p + i) ^ load<u64>(q + i);
    if (x != 0) return (x & ~0x2020202020202020) == 0 && eqLower(p, n, key);
  }
  for (; i < n; i++) {
    const x = load<u8>(p + i) ^ load<u8>(q + i);
    if (x != 0) return x == 0x20 && eqLower(p, n, key);
  }
  return true;
}

/** Static bytes of an ASCII string, made once. */
export function bytesOf(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/**
 * A set of header names, for picking all of them out of a map in one pass: entry k of `found`
 * is the index of the first value of key k in the map, or -1. Names are grouped by length, so a
 * header is compared only with the names as long as it is.
 */
export class KeySet {
  readonly found: StaticArray<i32>;
  private first: StaticArray<i32> = new StaticArray<i32>(65);
  private next: StaticArray<i32>;

  constructor(public keys: ArrayBuffer[]) {
    this.found = new StaticArray<i32>(keys.length);
    this.next = new StaticArray<i32>(keys.length);
    for (let i = 0; i < 65; i++) this.first[i] = -1;
    for (let k = keys.length - 1; k >= 0; k--) {
      const len = keys[k].byteLength;
      if (len > 64) continue;
      this.next[k] = this.first[len];
      this.first[len] = k;
    }
  }

  pick(pairs: Pairs): void {
    const found = this.found;
    for (let k = 0; k < found.length; k++) unchecked(found[k] = -1);
    for (let i: u32 = 0; i < pairs.count; i++) {
      const len = pairs.keyLen(i);
      if (len > 64) continue;
      let k = unchecked(this.first[len]);
      while (k >= 0) {
        if (unchecked(found[k]) < 0 && sameName(pairs.keyPtr(i), len, unchecked(this.keys[k]))) unchecked(found[k] = <i32>i);
        k = unchecked(this.next[k]);
      }
    }
  }
}
