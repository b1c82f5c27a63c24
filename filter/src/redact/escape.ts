// JSON string escaping of raw bytes: quotes, backslashes and control characters (CR and LF among
// them: no log injection) are escaped, and bytes that are not valid UTF-8 become U+FFFD, so no
// value can break out of its field or make the record invalid JSON.
import { ByteWriter } from "../bytes";

const HEXD = "0123456789abcdef";

/** 1 for the bytes that go into a JSON string as they are: printable ASCII but '"' and '\\'. */
const PLAIN: usize = memory.data(256);
for (let c = 0; c < 256; c++) store<u8>(PLAIN + c, c >= 0x20 && c < 0x80 && c != 0x22 && c != 0x5c ? 1 : 0);

export function writeEscaped(w: ByteWriter, p: usize, n: u32): void {
  let i: u32 = 0;
  let run: u32 = 0; // start of the current run of bytes copied as they are
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    if (load<u8>(PLAIN + c)) {
      i++;
      continue;
    }
    if (c >= 0x80) {
      const len = utf8Length(p + i, n - i);
      if (len > 0) {
        i += len;
        continue;
      }
    }
    if (i > run) w.copy(p + run, i - run);
    if (c >= 0x80) {
      w.byte(0xef); w.byte(0xbf); w.byte(0xbd); // U+FFFD for an invalid byte
    } else if (c == 0x22) { w.byte(0x5c); w.byte(0x22); }
    else if (c == 0x5c) { w.byte(0x5c); w.byte(0x5c); }
    else if (c == 0x0a) { w.byte(0x5c); w.byte(0x6e); }
    else if (c == 0x0d) { w.byte(0x5c); w.byte(0x72); }
    else if (c == 0x09) { w.byte(0x5c); w.byte(0x74); }
    else {
      w.ascii("\\u00");
      w.byte(HEXD.charCodeAt(c >> 4));
      w.byte(HEXD.charCodeAt(c & 15));
    }
    i++;
    run = i;
  }
  if (i > run) w.copy(p + run, i - run);
}

/** The length of a valid UTF-8 sequence at p (no overlongs, no surrogates, at most U+10FFFF), or 0. */
function utf8Length(p: usize, left: u32): u32 {
  const c = <u32>load<u8>(p);
  let len: u32;
  let min: u32;
  let cp: u32;
  if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; min = 0x80; }
  else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; min = 0x800; }
  else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; min = 0x10000; }
  else return 0;
  if (len > left) return 0;
  for (let k: u32 = 1; k < len; k++) {
    const b = <u32>load<u8>(p + k);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}
