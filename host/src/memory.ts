// Reading and writing a guest's linear memory, and handing it bytes it will own.
// The views are refreshed whenever the memory has grown (growth detaches the old buffer).

export class InvalidMemoryAccess extends Error {
  constructor(ptr: number, size: number) {
    super(`guest memory access out of bounds: ${size} bytes at ${ptr}`);
  }
}

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

export class GuestMemory {
  private bytes = new Uint8Array(0);
  private view = new DataView(new ArrayBuffer(0));
  private memory: WebAssembly.Memory | undefined;
  /** The guest's allocator: `malloc` if exported, else `proxy_on_memory_allocate`. */
  allocate: ((size: number) => number) | undefined;

  attach(memory: WebAssembly.Memory, allocate: ((size: number) => number) | undefined): void {
    this.memory = memory;
    this.allocate = allocate;
  }

  private refresh(): void {
    const buffer = this.memory?.buffer;
    // A host call from a wasm start section comes before the instance (and its memory) exists.
    if (buffer === undefined) throw new InvalidMemoryAccess(0, 0);
    if (this.bytes.buffer !== buffer) {
      this.bytes = new Uint8Array(buffer);
      this.view = new DataView(buffer);
    }
  }

  private check(ptr: number, size: number): void {
    this.refresh();
    // Pointers arrive as i32; the ABI treats them as u32.
    if (ptr < 0 || size < 0 || ptr + size > this.bytes.length) throw new InvalidMemoryAccess(ptr, size);
  }

  /** A view (not a copy) of guest bytes: valid until the guest next runs. */
  view8(ptr: number, size: number): Uint8Array {
    ptr >>>= 0;
    size >>>= 0;
    this.check(ptr, size);
    return this.bytes.subarray(ptr, ptr + size);
  }

  copy(ptr: number, size: number): Uint8Array {
    return this.view8(ptr, size).slice();
  }

  string(ptr: number, size: number): string {
    return utf8.decode(this.view8(ptr, size));
  }

  u32(ptr: number): number {
    ptr >>>= 0;
    this.check(ptr, 4);
    return this.view.getUint32(ptr, true);
  }

  setU32(ptr: number, value: number): void {
    ptr >>>= 0;
    this.check(ptr, 4);
    this.view.setUint32(ptr, value >>> 0, true);
  }

  setU64(ptr: number, value: bigint): void {
    ptr >>>= 0;
    this.check(ptr, 8);
    this.view.setBigUint64(ptr, BigInt.asUintN(64, value), true);
  }

  write(ptr: number, data: Uint8Array): void {
    ptr >>>= 0;
    this.check(ptr, data.length);
    this.bytes.set(data, ptr);
  }

  /**
   * Copy data into memory the guest allocates, and store its address and size at the two
   * out-pointers. Like cpp-host, zero bytes are handed over as (0, 0) with nothing allocated.
   */
  handOver(data: Uint8Array | string, ptrOut: number, sizeOut: number): void {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    let ptr = 0;
    if (bytes.length > 0) {
      if (this.allocate === undefined) throw new Error('the module exports neither malloc nor proxy_on_memory_allocate');
      ptr = this.allocate(bytes.length) >>> 0;
      if (ptr === 0) throw new InvalidMemoryAccess(0, bytes.length);
      this.write(ptr, bytes);
    }
    this.setU32(ptrOut, ptr);
    this.setU32(sizeOut, bytes.length);
  }
}
