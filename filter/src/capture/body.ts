// Body capture: with it on, whether a body's content type is one to keep (decided on its
// headers), an excerpt of it up to the configured size, read chunk by chunk as it passes, and
// the excerpt written redacted at log time. Every body is counted, kept or not: the record's
// bytes_received and bytes_sent.
import { fit } from "./bounds";
import { getBuffer, getHeaderValue, Ret } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter, bytesOf, holdsLower, startsLower } from "../bytes";
import { Config } from "../config";
import { splat } from "../redact/chars";
import { keptOfCut } from "../redact/cut";
import { As, Redactor } from "../redact/redactor";

/** One direction's body: its size, and the excerpt kept of it (when body capture is on). */
export class Body {
  bytes: u64 = 0;
  capture: bool = false;
  form: bool = false;
  json: bool = false;
  excerpt: ByteWriter | null = null;

  /**
   * Ready for another stream. The excerpt's bytes go back to the heap: an exchange waiting in the
   * pool holds none (a pool of them, each with excerpts of the largest size, would be far larger
   * than the bodies in flight), and one the pool does not keep leaves none behind (collecting
   * the writer does not free what it points to).
   */
  reset(): void {
    this.bytes = 0;
    this.capture = false;
    this.form = false;
    this.json = false;
    if (this.excerpt !== null) {
      heap.free(this.excerpt!.ptr);
      this.excerpt = null;
    }
  }
}

const CONTENT_TYPE = bytesOf("content-type");
/** The content types read as a form, and as JSON. */
const FORM = bytesOf("application/x-www-form-urlencoded");
const JSON_TYPE = bytesOf("json");

/** Which bodies are kept, and how much of each: set by a configuration. */
export class BodyCapture {
  private enabled: bool;
  private maxBytes: u32;
  /** The content types whose bodies are kept (prefixes, lower case). */
  private types: ArrayBuffer[];

  constructor(config: Config) {
    this.enabled = config.bodyEnabled;
    this.maxBytes = config.bodyMaxBytes;
    this.types = config.bodyContentTypes.map<ArrayBuffer>((t) => bytesOf(t));
  }

  /** On a direction's headers: whether its body is kept, and how it is read. */
  starts(body: Body, headers: u32): void {
    if (!this.enabled || !getHeaderValue(headers, CONTENT_TYPE)) return;
    const p = Ret.ptr;
    const n = Ret.len;
    const types = this.types;
    for (let i = 0; i < types.length && !body.capture; i++) body.capture = startsLower(p, n, unchecked(types[i]));
    body.form = holdsLower(p, n, FORM);
    body.json = holdsLower(p, n, JSON_TYPE);
    Ret.free();
  }

  /** Count the chunk; keep up to the configured excerpt size of it. */
  chunk(body: Body, buffer: u32, size: u32): void {
    body.bytes += size;
    if (!body.capture) return;
    if (body.excerpt === null) body.excerpt = new ByteWriter(min(this.maxBytes, max(size, 256)));
    const w = body.excerpt!;
    const room = this.maxBytes > w.len ? this.maxBytes - w.len : 0;
    if (room > 0 && size > 0 && getBuffer(buffer, 0, min(room, size))) {
      w.copy(Ret.ptr, Ret.len);
      Ret.free();
    }
  }
}

/**
 * ,"request_body":"…": the excerpt, redacted as a form, as JSON or as text. An excerpt the
 * limit cut short ends before the word it cut, so no part of a secret is left at its end.
 */
export function writeBody(w: ByteWriter, r: Redactor, name: ArrayBuffer, body: Body): void {
  const b = body.excerpt;
  // A body holding NUL bytes is not UTF-8 text (UTF-16, binary): the scan could not read it, so it is not kept.
  if (b === null || b.len == 0 || holdsNul(b.ptr, b.len)) return;
  const n = body.bytes > <u64>b.len ? keptOfCut(b.ptr, b.len) : b.len;
  w.buf(name);
  const start = w.len;
  if (body.form) r.query(w, b.ptr, n);
  else r.text(w, b.ptr, n, body.json ? As.Json : As.Text);
  fit(w, r, name, start);
  w.byte(0x22);
}

/** Whether n bytes at p hold a NUL byte: 16 at a time. */
function holdsNul(p: usize, n: u32): bool {
  let i: u32 = 0;
  const readable = <usize>memory.size() << 16;
  for (; i + 16 <= n && p + i + 16 <= readable; i += 16) if (v128.any_true(i8x16.eq(v128.load(p + i), splat(0)))) return true;
  for (; i < n; i++) if (load<u8>(p + i) == 0) return true;
  return false;
}
