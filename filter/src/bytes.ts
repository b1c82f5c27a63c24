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

  protected grow(n: u32): void {
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

  /** Give the bytes back to the heap: the writer is not used again. */
  free(): void {
    heap.free(this.ptr);
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

/** Whether n bytes at p start with the lower-case bytes of `prefix`, in any case. */
export function startsLower(p: usize, n: u32, prefix: ArrayBuffer): bool {
  const m = <u32>prefix.byteLength;
  return m <= n && eqLower(p, m, prefix);
}

/** Whether n bytes at p hold the lower-case bytes of `part`, in any case. */
export function holdsLower(p: usize, n: u32, part: ArrayBuffer): bool {
  const m = <u32>part.byteLength;
  for (let i: u32 = 0; i + m <= n; i++) if (eqLower(p + i, m, part)) return true;
  return false;
}

/** A string's ASCII letters in lower case (names and content types are ASCII). */
export function lowerAscii(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  }
  return out;
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

/** An HTTP status from its (up to three) digits at p. */
@inline export function statusCode(p: usize, n: u32): u32 {
  let code: u32 = 0;
  for (let k: u32 = 0; k < n && k < 3; k++) code = code * 10 + (load<u8>(p + k) - 0x30);
  return code;
}

/** Static bytes of an ASCII string, made once. */
export function bytesOf(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/**
 * A set of header names, for picking all of them out of a map in one pass: entry k of `found`
 * is the index of the first value of key k in the map, or -1. A header is looked up by a hash
 * of its length and three of its bytes (case folded), so nearly every header is settled by one
 * table load, and a wanted one by one comparison. Keys may repeat (a name both read for the
 * record and allow-listed): each gets the header.
 */
export class KeySet {
  readonly found: StaticArray<i32>;
  /** Open addressing: a key index per slot, -1 for empty. */
  private table: StaticArray<i32> = new StaticArray<i32>(TABLE);
  /** The next key with the same name as key k, or -1. */
  private same: StaticArray<i32>;

  constructor(public keys: ArrayBuffer[]) {
    this.found = new StaticArray<i32>(keys.length);
    this.same = new StaticArray<i32>(keys.length);
    for (let h = 0; h < TABLE; h++) this.table[h] = -1;
    for (let k = 0; k < keys.length; k++) {
      this.same[k] = -1;
      const p = changetype<usize>(keys[k]);
      const n = <u32>keys[k].byteLength;
      if (n == 0) continue;
      let h = slot(p, n);
      while (true) {
        const at = this.table[h];
        if (at < 0) {
          this.table[h] = k;
          break;
        }
        if (keys[at].byteLength == n && eqLower(p, n, keys[at])) {
          let last = at;
          while (this.same[last] >= 0) last = this.same[last];
          this.same[last] = k;
          break;
        }
        h = (h + 1) & (TABLE - 1);
      }
    }
  }

  pick(pairs: Pairs): void {
    const found = this.found;
    for (let k = 0; k < found.length; k++) unchecked(found[k] = -1);
    for (let i: u32 = 0; i < pairs.count; i++) {
      const n = pairs.keyLen(i);
      if (n == 0) continue;
      const p = pairs.keyPtr(i);
      let h = slot(p, n);
      let k = unchecked(this.table[h]);
      while (k >= 0) {
        const key = unchecked(this.keys[k]);
        if (<u32>key.byteLength == n && sameName(p, n, key)) {
          for (; k >= 0; k = unchecked(this.same[k])) if (unchecked(found[k]) < 0) unchecked(found[k] = <i32>i);
          break;
        }
        h = (h + 1) & (TABLE - 1);
        k = unchecked(this.table[h]);
      }
    }
  }
}

/** Slots in a KeySet's table: at most 64 allow-listed names and the record's own, under a third full. */
const TABLE: i32 = 256;

/** A name's slot: from its length and its first, middle and last bytes, case folded (0x20 set). */
@inline function slot(p: usize, n: u32): i32 {
  const a = <u32>load<u8>(p) | 0x20;
  const b = <u32>load<u8>(p + (n >> 1)) | 0x20;
  const c = <u32>load<u8>(p + n - 1) | 0x20;
  return <i32>((a + b * 31 + c * 7 + n * 131) & (TABLE - 1));
}
