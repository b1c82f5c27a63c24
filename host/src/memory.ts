// Reading and writing a guest's linear memory, and handing it bytes it will own.
// Views are cached and refreshed when the memory has grown: growth detaches the old buffer,
// whose views then read as zero length. Host calls run on every request, so the common cases
// (bytes, ASCII text, 8-byte integers) are written straight into guest memory, without
// intermediate buffers.

export class InvalidMemoryAccess extends Error {
  constructor(ptr: number, size: number) {
    super(`guest memory access out of bounds: ${size} bytes at ${ptr}`);
  }
}

/** Something that writes its own encoding (a header map's pairs) into a buffer. */
export interface Encodable {
  encodedSize(): number;
  encodeInto(out: Buffer, at: number): void;
}

export class GuestMemory {
  private u8 = new Uint8Array(0);
  private dv = new DataView(new ArrayBuffer(0));
  private buf = Buffer.alloc(0);
  private memory: WebAssembly.Memory | undefined;
  /** The guest's allocator: `malloc` if exported, else `proxy_on_memory_allocate`. */
  private allocate: ((size: number) => number) | undefined;

  attach(memory: WebAssembly.Memory, allocate: ((size: number) => number) | undefined): void {
    this.memory = memory;
    this.allocate = allocate;
    this.refresh();
  }

  /** The linear memory's size in bytes (0 before the instance exists). */
  get byteLength(): number {
    return this.memory?.buffer.byteLength ?? 0;
  }

  private refresh(): void {
    // A host call from a wasm start section comes before the instance (and its memory) exists.
    if (this.memory === undefined) throw new InvalidMemoryAccess(0, 0);
    const buffer = this.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.dv = new DataView(buffer);
    this.buf = Buffer.from(buffer);
  }

  /** The whole memory as bytes, bounds-checked for [ptr, ptr + size). Pointers are u32. */
  bytes(ptr: number, size: number): Uint8Array {
    if (this.u8.length === 0) this.refresh();
    if (ptr < 0 || size < 0 || ptr + size > this.u8.length) throw new InvalidMemoryAccess(ptr >>> 0, size >>> 0);
    return this.u8;
  }

  /** A view (not a copy) of guest bytes: valid until the guest next runs. */
  view8(ptr: number, size: number): Uint8Array {
    ptr >>>= 0;
    size >>>= 0;
    return this.bytes(ptr, size).subarray(ptr, ptr + size);
  }

  copy(ptr: number, size: number): Uint8Array {
    return this.view8(ptr, size).slice();
  }

  /** UTF-8 text (invalid sequences become U+FFFD). */
  string(ptr: number, size: number): string {
    ptr >>>= 0;
    size >>>= 0;
    this.bytes(ptr, size);
    return this.buf.toString('utf8', ptr, ptr + size);
  }

  /** Raw bytes as a byte string (latin1, one char per byte), for header keys and values. */
  byteString(ptr: number, size: number): string {
    ptr >>>= 0;
    size >>>= 0;
    this.bytes(ptr, size);
    return this.buf.toString('latin1', ptr, ptr + size);
  }

  u32(ptr: number): number {
    ptr >>>= 0;
    this.bytes(ptr, 4);
    return this.dv.getUint32(ptr, true);
  }

  setU32(ptr: number, value: number): void {
    ptr >>>= 0;
    this.bytes(ptr, 4);
    this.dv.setUint32(ptr, value >>> 0, true);
  }

  setU64(ptr: number, value: bigint): void {
    ptr >>>= 0;
    this.bytes(ptr, 8);
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
  }

  write(ptr: number, data: Uint8Array): void {
    ptr >>>= 0;
    this.bytes(ptr, data.length).set(data, ptr);
  }

  /** Memory the guest allocates for size bytes (0 for none); its pointer and size go to the out-pointers. */
  private claim(size: number, ptrOut: number, sizeOut: number): number {
    let ptr = 0;
    if (size > 0) {
      if (this.allocate === undefined) throw new Error('the module exports neither malloc nor proxy_on_memory_allocate');
      ptr = this.allocate(size) >>> 0; // may grow memory: views refresh on next use
      if (ptr === 0) throw new InvalidMemoryAccess(0, size);
    }
    ptrOut >>>= 0;
    sizeOut >>>= 0;
    const length = this.bytes(0, 0).length;
    if (ptrOut + 4 > length || sizeOut + 4 > length) throw new InvalidMemoryAccess(ptrOut + 4 > length ? ptrOut : sizeOut, 4);
    this.dv.setUint32(ptrOut, ptr, true);
    this.dv.setUint32(sizeOut, size, true);
    return ptr;
  }

  /** Copy bytes into memory the guest allocates. Like cpp-host, none are handed over as (0, 0). */
  handOver(data: Uint8Array, ptrOut: number, sizeOut: number): void {
    const ptr = this.claim(data.length, ptrOut, sizeOut);
    if (ptr) this.bytes(ptr, data.length).set(data, ptr);
  }

  /** An encoding written straight into memory the guest allocates, with no copy made first. */
  handOverEncoded(source: Encodable, ptrOut: number, sizeOut: number): void {
    const size = source.encodedSize();
    const ptr = this.claim(size, ptrOut, sizeOut);
    if (!ptr) return;
    this.bytes(ptr, size); // the allocation may have grown the memory: views refresh
    source.encodeInto(this.buf, ptr);
  }

  /** Bytes [start, start + length) of src, handed over without making a view of them. */
  handOverSlice(src: Uint8Array, start: number, length: number, ptrOut: number, sizeOut: number): void {
    const ptr = this.claim(length, ptrOut, sizeOut);
    if (!ptr) return;
    const u8 = this.bytes(ptr, length);
    if (length > 64) u8.set(src.subarray(start, start + length), ptr);
    else for (let i = 0; i < length; i++) u8[ptr + i] = src[start + i]!;
  }

  /**
   * Text handed over as UTF-8: ASCII (nearly every value) checked and copied a code unit a
   * byte, without making a buffer.
   */
  handOverText(text: string, ptrOut: number, sizeOut: number): void {
    const n = text.length;
    for (let i = 0; i < n; i++) if (text.charCodeAt(i) > 0x7f) return this.handOver(Buffer.from(text, 'utf8'), ptrOut, sizeOut);
    const ptr = this.claim(n, ptrOut, sizeOut);
    if (!ptr) return;
    const u8 = this.bytes(ptr, n);
    for (let i = 0; i < n; i++) u8[ptr + i] = text.charCodeAt(i);
  }

  /** Whether the bytes at ptr are those of `words` (bytes read as little-endian u32s, the last one zero-padded) for size bytes. */
  holds(ptr: number, size: number, words: Uint32Array): boolean {
    ptr >>>= 0;
    this.bytes(ptr, size);
    const dv = this.dv;
    const whole = size >>> 2;
    for (let k = 0; k < whole; k++) if (dv.getUint32(ptr + 4 * k, true) !== words[k]) return false;
    let last = 0;
    for (let i = size & ~3; i < size; i++) last |= this.u8[ptr + i]! << (8 * (i & 3));
    return (size & 3) === 0 || last >>> 0 === words[whole];
  }

  /** An int64 (or a double, with asDouble) handed over as 8 bytes little-endian. */
  handOver8(value: bigint | number, asDouble: boolean, ptrOut: number, sizeOut: number): void {
    const ptr = this.claim(8, ptrOut, sizeOut);
    this.bytes(ptr, 8);
    if (asDouble) this.dv.setFloat64(ptr, value as number, true);
    else if (typeof value === 'bigint') this.dv.setBigInt64(ptr, value, true); // wraps modulo 2^64, as a cast does
    else if (value >= 0 && value <= 0xffffffff) {
      // Flags, codes, sizes: no BigInt made for them.
      this.dv.setUint32(ptr, value, true);
      this.dv.setUint32(ptr + 4, 0, true);
    } else this.dv.setBigInt64(ptr, BigInt(value), true);
  }
}
