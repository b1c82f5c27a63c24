// Detectors for numbers with structure: card numbers (Luhn), US social security numbers (valid
// area, group and serial), IBANs (mod-97 checksum), IP addresses (v4 and v6) and phone numbers.
// Each looks at the text from position i and, on a match, sets Found and returns true.
import { at, cls, HEX, isAlnum, isDigit } from "./chars";

export namespace Found {
  export let start: u32 = 0;
  export let end: u32 = 0;
  /**
   * For a JSON value that is not a string (a number, an array, an object), the backslashes
   * before its key's quotes (0 for a plain key): its replacement is quoted as a string at that
   * level, so the JSON stays JSON. -1 for the rest.
   */
  export let quoted: i32 = -1;
}

function found(start: u32, end: u32): bool {
  Found.start = start;
  Found.end = end;
  return true;
}

const DIGITS = new StaticArray<u8>(40);
/** Where each group of digits ends (the byte after it), and how many digits there are by then. */
const GROUP_END = new StaticArray<u32>(24);
const GROUP_COUNT = new StaticArray<u32>(24);

/**
 * 13–19 digits, single spaces, dashes or dots between groups, an issuer's first digit (2–6),
 * Luhn-valid. More digits may follow a card (an expiry, a CVC, a second card): the longest run
 * of whole groups that is a card is taken.
 */
export function card(p: usize, n: u32, i: u32): bool {
  if (isAlnum(at(p, n, <i64>i - 1))) return false;
  const first = at(p, n, i);
  if (first < 0x32 || first > 0x36) return false;
  let j = i;
  let count: u32 = 0;
  let groups = 0;
  let whole = true; // the digits end where a card may (not inside a longer number or word)
  while (j < n) {
    const c = load<u8>(p + j);
    if (isDigit(c)) {
      if (count == 19) { whole = false; break; }
      unchecked(DIGITS[count++] = c - 0x30);
      j++;
    } else if ((c == 0x20 || c == 0x2d || c == 0x2e) && isDigit(at(p, n, j + 1)) && isDigit(at(p, n, <i64>j - 1))) {
      unchecked(GROUP_END[groups] = j);
      unchecked(GROUP_COUNT[groups++] = count);
      j++;
    } else break;
  }
  if (whole && !isAlnum(at(p, n, j))) {
    unchecked(GROUP_END[groups] = j);
    unchecked(GROUP_COUNT[groups++] = count);
  }
  for (let g = groups - 1; g >= 0; g--) {
    const k = unchecked(GROUP_COUNT[g]);
    if (k >= 13 && luhn(k)) return found(i, unchecked(GROUP_END[g]));
  }
  return false;
}

/** Whether the first `count` digits in DIGITS pass the Luhn check. */
function luhn(count: u32): bool {
  let sum: u32 = 0;
  for (let k: u32 = 0; k < count; k++) {
    let d = <u32>unchecked(DIGITS[count - 1 - k]);
    if (k & 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 == 0;
}

/** ddd-dd-dddd (or with spaces), with a valid area (not 000, 666, 9xx), group (not 00) and serial (not 0000). */
export function ssn(p: usize, n: u32, i: u32): bool {
  if (i + 11 > n || isAlnum(at(p, n, <i64>i - 1)) || isAlnum(at(p, n, i + 11))) return false;
  const sep = load<u8>(p + i + 3);
  if ((sep != 0x2d && sep != 0x20) || load<u8>(p + i + 6) != sep) return false;
  for (let k: u32 = 0; k < 11; k++) {
    if (k == 3 || k == 6) continue;
    if (!isDigit(load<u8>(p + i + k))) return false;
  }
  const area: u32 = <u32>(load<u8>(p + i) - 0x30) * 100 + (load<u8>(p + i + 1) - 0x30) * 10 + (load<u8>(p + i + 2) - 0x30);
  const group: u32 = <u32>(load<u8>(p + i + 4) - 0x30) * 10 + (load<u8>(p + i + 5) - 0x30);
  const serial: u32 = <u32>(load<u8>(p + i + 7) - 0x30) * 1000 + (load<u8>(p + i + 8) - 0x30) * 100 + (load<u8>(p + i + 9) - 0x30) * 10 + (load<u8>(p + i + 10) - 0x30);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  return found(i, i + 11);
}

const IBAN = new StaticArray<u8>(40);

/** Each IBAN country's length, by its two letters (26 × 26, 0 for a code that has no IBAN). */
const IBAN_LENGTHS: usize = memory.data(26 * 26);
const COUNTRIES = "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 " +
  "ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 " +
  "LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 " +
  "SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30";
for (let k = 0; k + 4 <= COUNTRIES.length; k += 5) {
  const a = COUNTRIES.charCodeAt(k) - 0x41;
  const b = COUNTRIES.charCodeAt(k + 1) - 0x41;
  store<u8>(IBAN_LENGTHS + a * 26 + b, <u8>((COUNTRIES.charCodeAt(k + 2) - 0x30) * 10 + COUNTRIES.charCodeAt(k + 3) - 0x30));
}

/**
 * A country's two letters (either case), check digits, then letters or digits (spaces allowed
 * between groups) to that country's IBAN length, mod 97 = 1.
 */
export function iban(p: usize, n: u32, i: u32): bool {
  if (isAlnum(at(p, n, <i64>i - 1))) return false;
  const a = (at(p, n, i) | 0x20) - 0x61;
  const b = (at(p, n, i + 1) | 0x20) - 0x61;
  if (a >= 26 || b >= 26 || !isDigit(at(p, n, i + 2)) || !isDigit(at(p, n, i + 3))) return false;
  const length = <i32>load<u8>(IBAN_LENGTHS + a * 26 + b);
  if (length == 0) return false;
  let j = i;
  let count = 0;
  let end = i;
  while (j < n) {
    const c = load<u8>(p + j);
    if (isAlnum(c)) {
      if (count == length) return false;
      unchecked(IBAN[count++] = c);
      j++;
      end = j;
    } else if (c == 0x20 && count >= 4 && count < length && isAlnum(at(p, n, j + 1))) j++;
    else break;
  }
  // At the country's length it ends: a word after a space ("… 00 BIC …") is not part of it.
  if (count != length || isAlnum(at(p, n, end))) return false;
  // Move the first four characters to the end, letters become 10..35, and take it mod 97.
  let rem = 0;
  for (let k = 0; k < count; k++) {
    const c = unchecked(IBAN[(k + 4) % count]);
    if (isDigit(c)) rem = (rem * 10 + (c - 0x30)) % 97;
    else rem = (rem * 100 + ((c | 0x20) - 0x61 + 10)) % 97;
  }
  return rem == 1 && found(i, end);
}

/** a.b.c.d with each part 0–255, not part of a longer dotted or alphanumeric run. */
export function ipv4(p: usize, n: u32, i: u32): bool {
  const before = at(p, n, <i64>i - 1);
  if (isAlnum(before) || before == 0x2e) return false;
  let j = i;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (at(p, n, j) != 0x2e) return false;
      j++;
    }
    let value = 0;
    let digits = 0;
    while (digits < 3 && isDigit(at(p, n, j))) {
      value = value * 10 + (load<u8>(p + j) - 0x30);
      digits++;
      j++;
    }
    if (digits == 0 || value > 255) return false;
  }
  const after = at(p, n, j);
  if (isAlnum(after) || (after == 0x2e && isDigit(at(p, n, j + 1)))) return false;
  return found(i, j);
}

/** Hex groups separated by ':' (at most one '::', an IPv4 tail allowed), at least two colons. */
export function ipv6(p: usize, n: u32, i: u32): bool {
  const before = at(p, n, <i64>i - 1);
  if (isAlnum(before) || before == 0x3a || before == 0x2e) return false;
  // The run of hex digits, colons and dots; a trailing dot is punctuation, not address.
  let end = i;
  let lastColon: i64 = -1;
  let colons = 0;
  while (end < n) {
    const c = load<u8>(p + end);
    if (c == 0x3a) { colons++; lastColon = end; }
    else if ((cls(c) & HEX) == 0 && c != 0x2e) break;
    end++;
  }
  while (end > i && load<u8>(p + end - 1) == 0x2e) end--;
  if (colons < 2 || isAlnum(at(p, n, end))) return false;
  // An IPv4 tail after the last colon counts as two groups.
  let groupsEnd = end;
  let groups = 0;
  for (let k = <u32>(lastColon + 1); k < end; k++) {
    if (load<u8>(p + k) == 0x2e) {
      const saved = Found.end;
      if (!dotted(p, end, <u32>(lastColon + 1))) return false;
      Found.end = saved;
      groupsEnd = <u32>(lastColon + 1);
      groups = 2;
      break;
    }
  }
  let doubled = false;
  let len = 0;
  for (let k = i; k < groupsEnd; k++) {
    const c = load<u8>(p + k);
    if (c == 0x3a) {
      if (at(p, n, k + 1) == 0x3a) {
        if (doubled) return false;
        doubled = true;
        if (len > 0) groups++;
        len = 0;
        k++;
        continue;
      }
      if (len == 0 && !(k > i && load<u8>(p + k - 1) == 0x3a)) {
        // An empty group is allowed only as the start of the IPv4 tail after '::'.
        if (!(groupsEnd != end && k + 1 == groupsEnd)) return false;
      }
      if (len > 0) groups++;
      len = 0;
    } else if ((cls(c) & HEX) != 0) {
      if (++len > 4) return false;
    } else return false;
  }
  if (len > 0) groups++;
  else if (groupsEnd == end && load<u8>(p + end - 1) == 0x3a && !(end >= 2 && load<u8>(p + end - 2) == 0x3a)) return false;
  if (doubled ? groups > 7 : groups != 8) return false;
  return found(i, end);
}

/** Exactly a.b.c.d from i to end. */
function dotted(p: usize, end: u32, i: u32): bool {
  let j = i;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (j >= end || load<u8>(p + j) != 0x2e) return false;
      j++;
    }
    let value = 0;
    let digits = 0;
    while (digits < 3 && j < end && isDigit(load<u8>(p + j))) {
      value = value * 10 + (load<u8>(p + j) - 0x30);
      digits++;
      j++;
    }
    if (digits == 0 || value > 255) return false;
  }
  return j == end;
}

/** +country and 8–15 digits, or (ddd) ddd-dddd, or ddd-ddd-dddd: separators space, dash, dot, parentheses. */
export function phone(p: usize, n: u32, i: u32): bool {
  if (isAlnum(at(p, n, <i64>i - 1))) return false;
  const first = at(p, n, i);
  if (first != 0x2b && first != 0x28 && !isDigit(first)) return false;
  let j = first == 0x2b ? i + 1 : i;
  let digits = 0;
  let end = j;
  let groups = 0;
  let inGroup = false;
  while (j < n) {
    const c = load<u8>(p + j);
    if (isDigit(c)) {
      digits++;
      if (!inGroup) groups++;
      inGroup = true;
      j++;
      end = j;
    } else if ((c == 0x20 || c == 0x2d || c == 0x2e || c == 0x28 || c == 0x29) && digits < 15) {
      inGroup = false;
      j++;
    } else break;
  }
  if (isAlnum(at(p, n, end))) return false;
  if (first == 0x2b) return digits >= 8 && digits <= 15 && found(i, end);
  // Without a country code, only the North American grouping: 3, 3 and 4 digits.
  return digits == 10 && groups == 3 && found(i, end);
}
