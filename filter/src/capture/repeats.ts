// Values that come again request after request (a client's user agent, the authority a sidecar
// serves, the method): each field keeps its last value with what the redactor made of it, so a
// repeat is a comparison and a copy instead of a scan by every rule. The redactions in it are
// kept too: every record still counts them. What a scan writes depends on the value alone.
import { ByteWriter } from "../bytes";
import { As, Redactor } from "../redact/redactor";

/** Longer values are scanned each time: they are rarely repeated, and keeping them costs memory. */
const KEPT_MAX: u32 = 512;

class Last {
  value: ByteWriter = new ByteWriter(64);
  written: ByteWriter = new ByteWriter(64);
  redactions: StaticArray<u32> = new StaticArray<u32>(0);
  held: bool = false;
}

export class Repeats {
  private last: Last[] = [];

  constructor(fields: i32) {
    for (let i = 0; i < fields; i++) this.last.push(new Last());
  }

  /** Give back what the entries hold outside the collected heap. */
  free(): void {
    for (let i = 0; i < this.last.length; i++) {
      this.last[i].value.free();
      this.last[i].written.free();
    }
  }

  /** The n bytes at p, scanned by every rule, written at the end of w: from field k's last value when they are its bytes again. */
  text(w: ByteWriter, r: Redactor, k: i32, p: usize, n: u32): void {
    const e = unchecked(this.last[k]);
    if (e.held && e.value.len == n && memory.compare(e.value.ptr, p, n) == 0) {
      w.copy(e.written.ptr, e.written.len);
      r.add(e.redactions);
      return;
    }
    if (n > KEPT_MAX) {
      r.text(w, p, n, As.Value);
      return;
    }
    // Scanned into the entry, then copied: w may move what it holds as it grows (a batch's block).
    const mark = r.keepFrom();
    e.written.clear();
    r.text(e.written, p, n, As.Value);
    e.redactions = r.keptSince(mark);
    r.add(e.redactions);
    e.value.clear();
    e.value.copy(p, n);
    e.held = true;
    w.copy(e.written.ptr, e.written.len);
  }
}
