// Each string field has a bound, the most characters the collector's record schema lets it hold
// (record/schema.ts `max`): a record past one is refused, and with it the batch it came in. So a
// value past its bound is cut, after redaction (a secret cut in half would slip past the
// detectors) and at a character's edge, counted as the collector counts: UTF-16 units, a JSON
// escape one, a 4-byte UTF-8 sequence two. The cut is tallied in the redactions summary as TRUNCATED.
import { ByteWriter } from "../bytes";
import { Redactor } from "../redact/redactor";
import { BOUNDS } from "./fields";

/** Every field's value takes at least one byte per unit: no shorter value needs counting. */
const SHORTEST: u32 = 16;

/**
 * Cut the value written at w[start, w.len), a JSON string's escaped content, to the bound of the
 * field `open` starts, and tally the cut. Inlined: every value passes by.
 */
@inline export function fit(w: ByteWriter, r: Redactor, open: ArrayBuffer, start: u32): void {
  if (w.len - start > SHORTEST) cut(w, r, BOUNDS.get(changetype<usize>(open)), start);
}

function cut(w: ByteWriter, r: Redactor, max: u32, start: u32): void {
  if (w.len - start <= max) return;
  const end = w.len;
  let i = start;
  let units: u32 = 0;
  while (i < end) {
    const c = <u32>load<u8>(w.ptr + i);
    let size: u32 = 1;
    let u: u32 = 1;
    if (c == 0x5c) size = load<u8>(w.ptr + i + 1) == 0x75 ? 6 : 2; // \uXXXX or \n, \", …
    else if (c >= 0xf0) {
      size = 4;
      u = 2;
    } else if (c >= 0xe0) size = 3;
    else if (c >= 0xc0) size = 2;
    if (units + u > max) break;
    units += u;
    i += size;
  }
  if (i >= end) return;
  w.len = i;
  r.truncated();
}
