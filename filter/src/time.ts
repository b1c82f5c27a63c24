// Timestamps as Istio's access log writes them: ISO 8601, UTC, milliseconds.
import { ByteWriter } from "./bytes";

function two(w: ByteWriter, v: u32): void {
  w.byte(0x30 + v / 10);
  w.byte(0x30 + v % 10);
}

/** 2026-11-27T23:59:59 for a second since the Unix epoch. */
function writeSecond(w: ByteWriter, sec: i64): void {
  let days = <i32>(sec / 86400);
  let rem = <i32>(sec % 86400);
  if (rem < 0) { rem += 86400; days--; }
  // Howard Hinnant's civil_from_days.
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = <u32>(z - era * 146097);
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = <i32>yoe + era * 400 + (m <= 2 ? 1 : 0);
  w.dec(<u64>y);
  w.byte(0x2d); two(w, m);
  w.byte(0x2d); two(w, d);
  w.byte(0x54); two(w, <u32>rem / 3600);
  w.byte(0x3a); two(w, (<u32>rem / 60) % 60);
  w.byte(0x3a); two(w, <u32>rem % 60);
}

// Records come many to a second: the date and time up to the second are made once per second.
const second = new ByteWriter(32);
let secondOf: i64 = i64.MIN_VALUE;

/** nanoseconds since the Unix epoch → 2026-11-27T23:59:59.123Z */
export function writeIsoTime(w: ByteWriter, ns: i64): void {
  const ms = ns / 1000000;
  let sec = ms / 1000;
  let frac = <i32>(ms % 1000);
  if (frac < 0) { frac += 1000; sec--; }
  if (sec != secondOf) {
    second.clear();
    writeSecond(second, sec);
    secondOf = sec;
  }
  w.copy(second.ptr, second.len);
  w.ensure(5);
  const at = w.ptr + w.len;
  store<u8>(at, 0x2e);
  store<u8>(at + 1, 0x30 + frac / 100);
  store<u8>(at + 2, 0x30 + (frac / 10) % 10);
  store<u8>(at + 3, 0x30 + frac % 10);
  store<u8>(at + 4, 0x5a);
  w.len += 5;
}
