// A byte buffer the module reads with proxy_get_buffer_bytes and edits with
// proxy_set_buffer_bytes, with Envoy's editing rules (source/extensions/common/wasm/context.cc):
// start 0 and length 0 prepends; start 0 and length >= size replaces the whole; start >= size
// appends; anything else is BAD_ARGUMENT. Configuration and http-call bodies are read-only.
import { Status } from './abi.js';

const EMPTY = Buffer.alloc(0);

export class BodyBuffer {
  constructor(public bytes: Buffer = EMPTY, readonly mutable = true) {}

  get size(): number {
    return this.bytes.length;
  }

  /** At most max bytes from start; past the end yields what remains (possibly nothing). */
  read(start: number, max: number): Uint8Array {
    if (start >= this.bytes.length) return EMPTY;
    return this.bytes.subarray(start, Math.min(this.bytes.length, start + max));
  }

  write(start: number, length: number, data: Uint8Array): Status {
    if (!this.mutable) return Status.BadArgument;
    const size = this.bytes.length;
    if (start === 0 && length === 0) this.bytes = Buffer.concat([data, this.bytes]);
    else if (start === 0 && length >= size) this.bytes = Buffer.from(data);
    else if (start >= size) this.bytes = Buffer.concat([this.bytes, data]);
    else return Status.BadArgument;
    return Status.Ok;
  }

  append(chunk: Uint8Array): void {
    this.bytes = this.bytes.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.bytes, chunk]);
  }

  /** Hand the contents on (to the upstream or the client) and start empty again. */
  take(): Buffer {
    const out = this.bytes;
    this.bytes = EMPTY;
    return out;
  }
}
