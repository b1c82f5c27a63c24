// Email addresses, found from their '@': a local part before it and a domain of two or more
// labels after it, the last one (the top-level domain) letters only.
import { at, cls, HOST, LOCAL, LOWER, UPPER } from "./chars";
import { Found } from "./numbers";

/** The '@' is at a; the local part may reach back to floor (the end of the last redaction). */
export function email(p: usize, n: u32, a: u32, floor: u32): bool {
  let start = a;
  while (start > floor && a - start < 64 && (cls(load<u8>(p + start - 1)) & LOCAL) != 0) start--;
  while (start < a && load<u8>(p + start) == 0x2e) start++; // a local part does not start with '.'
  if (start == a || load<u8>(p + a - 1) == 0x2e) return false;
  let j = a + 1;
  let labels = 0;
  let end = j;
  let tldLetters = true;
  while (j < n) {
    const labelStart = j;
    while (j < n && (cls(load<u8>(p + j)) & HOST) != 0) j++;
    // A label does not end with '-': one that seems to ("example.com-") ends before it.
    while (j > labelStart && load<u8>(p + j - 1) == 0x2d) j--;
    const len = j - labelStart;
    if (len == 0 || len > 63 || load<u8>(p + labelStart) == 0x2d) break;
    labels++;
    end = j;
    tldLetters = true;
    for (let k = labelStart; k < j; k++) {
      if ((cls(load<u8>(p + k)) & (UPPER | LOWER)) != 0) continue;
      // A top-level domain is letters: "example.org-x" is example.org and a dash after it.
      if (load<u8>(p + k) == 0x2d && k > labelStart + 1) end = k;
      else tldLetters = false;
      break;
    }
    if (at(p, n, j) != 0x2e || (cls(at(p, n, j + 1)) & HOST) == 0) break;
    j++;
  }
  if (labels < 2 || !tldLetters || end - labelStartOfLast(p, a + 1, end) < 2) return false;
  Found.start = start;
  Found.end = end;
  return true;
}

function labelStartOfLast(p: usize, from: u32, end: u32): u32 {
  let k = end;
  while (k > from && load<u8>(p + k - 1) != 0x2e) k--;
  return k;
}
