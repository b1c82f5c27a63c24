// An excerpt cut at its limit may end inside a secret that the detectors then cannot see whole
// (twelve digits of a card, half a token). So a cut excerpt ends before the word it cut:
// before the last run of bytes a token, a key or an address is made of, and before digits
// grouped by single spaces, dashes or dots (a card number) as one run.
import { isDigit } from "./chars";

/** How many of the n bytes at p, an excerpt cut at its limit, to keep. */
export function keptOfCut(p: usize, n: u32): u32 {
  let j = n;
  while (j > 0) {
    const c = <u32>load<u8>(p + j - 1);
    if (inWord(c)) {
      j--;
      continue;
    }
    // A single separator after digits, with digits after it or the cut: a card or account
    // number goes on ("4111 1111 |", "4111 1111 1|").
    if ((c == 0x20 || c == 0x2d || c == 0x2e) && j >= 2 && isDigit(load<u8>(p + j - 2)) && (j == n || isDigit(load<u8>(p + j)))) {
      j--;
      continue;
    }
    break;
  }
  return j;
}

/** Letters, digits, UTF-8 and what tokens, keys and addresses hold: - _ . + / = ~ % : @ */
@inline function inWord(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 26) || c >= 0x80 || c == 0x2d || c == 0x5f || c == 0x2e || c == 0x2b || c == 0x2f ||
    c == 0x3d || c == 0x7e || c == 0x25 || c == 0x3a || c == 0x40;
}
