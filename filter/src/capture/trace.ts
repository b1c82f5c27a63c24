// The trace the request belongs to: trace_id and span_id from W3C traceparent, else B3 (the
// multi-header form, else the single b3 header), written in lower-case hex.
import { ByteWriter, Pairs } from "../bytes";
import { HEX, cls, inRange, splat } from "../redact/chars";
import * as F from "./fields";

/** The ids from the request's headers; each argument is the header's entry in `req`, or -1. */
export function writeTrace(w: ByteWriter, req: Pairs, traceparent: i32, b3Trace: i32, b3Span: i32, b3: i32): void {
  let i = traceparent;
  if (i >= 0 && req.valLen(i) >= 55) {
    const p = req.valPtr(i);
    if (allHex(p + 3, 32) && allHex(p + 36, 16) && load<u8>(p + 2) == 0x2d && load<u8>(p + 35) == 0x2d) {
      hexField(w, F.TRACE_ID, p + 3, 32);
      hexField(w, F.SPAN_ID, p + 36, 16);
      return;
    }
  }
  i = b3Trace;
  if (i >= 0) {
    const n = req.valLen(i);
    if ((n == 32 || n == 16) && allHex(req.valPtr(i), n)) hexField(w, F.TRACE_ID, req.valPtr(i), n);
    const s = b3Span;
    if (s >= 0 && req.valLen(s) == 16 && allHex(req.valPtr(s), 16)) hexField(w, F.SPAN_ID, req.valPtr(s), 16);
    return;
  }
  i = b3;
  if (i >= 0) {
    // b3: {TraceId}-{SpanId}[-{Sampled}[-{ParentSpanId}]]
    const p = req.valPtr(i);
    const n = req.valLen(i);
    let dash: u32 = 0;
    while (dash < n && load<u8>(p + dash) != 0x2d) dash++;
    if ((dash == 32 || dash == 16) && allHex(p, dash) && dash + 17 <= n && allHex(p + dash + 1, 16)) {
      hexField(w, F.TRACE_ID, p, dash);
      hexField(w, F.SPAN_ID, p + dash + 1, 16);
    }
  }
}

/** Whether n bytes at p are all hex digits: 16 at a time (trace and span ids are 16 or 32). */
function allHex(p: usize, n: u32): bool {
  let i: u32 = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(p + i);
    // Digits as they are; A-F and a-f alike once bit 0x20 is set (nothing else lands on a-f).
    const hex = v128.or(inRange(v, 0x30, 10), inRange(v128.or(v, splat(0x20)), 0x61, 6));
    if (i8x16.bitmask(hex) != 0xffff) return false;
  }
  for (; i < n; i++) if ((cls(load<u8>(p + i)) & HEX) == 0) return false;
  return true;
}

/** ,"name":"hex" in lower case; n is 16 or 32 (trace and span ids), copied 16 bytes at a time. */
function hexField(w: ByteWriter, name: ArrayBuffer, p: usize, n: u32): void {
  w.buf(name);
  w.ensure(n + 1);
  const out = w.ptr + w.len;
  for (let i: u32 = 0; i < n; i += 16) {
    const v = v128.load(p + i);
    // A-F get bit 0x20: their lower-case letters; digits and a-f have it already.
    v128.store(out + i, v128.or(v, v128.and(inRange(v, 0x41, 6), splat(0x20))));
  }
  store<u8>(out + n, 0x22);
  w.len += n + 1;
}
