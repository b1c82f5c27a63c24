// The single-pass scan: one walk over the bytes, trying at each position only the detectors that
// can start with that byte, recording the spans to redact in order, never overlapping. No regular
// expressions: every detector is a small hand-written matcher (numbers.ts, secrets.ts, email.ts).
import { B64, cls, HEX, isAlnum, isDigit, startClass, UPPER } from "./chars";
import { email } from "./email";
import { card, Found, iban, ipv4, ipv6, phone, ssn } from "./numbers";
import { Mode, Rule } from "./rules";
import { authScheme, awsAccessKey, awsSecretKey, githubToken, googleApiKey, jwt, privateKey, slackToken, stripeKey, urlCredentials } from "./secrets";

export class Spans {
  start: StaticArray<u32> = new StaticArray<u32>(64);
  end: StaticArray<u32> = new StaticArray<u32>(64);
  rule: StaticArray<i32> = new StaticArray<i32>(64);
  count: i32 = 0;

  push(start: u32, end: u32, rule: i32): void {
    if (this.count == this.start.length) {
      const cap = this.count * 2;
      const s = new StaticArray<u32>(cap);
      const e = new StaticArray<u32>(cap);
      const r = new StaticArray<i32>(cap);
      for (let i = 0; i < this.count; i++) { s[i] = this.start[i]; e[i] = this.end[i]; r[i] = this.rule[i]; }
      this.start = s;
      this.end = e;
      this.rule = r;
    }
    unchecked(this.start[this.count] = start);
    unchecked(this.end[this.count] = end);
    unchecked(this.rule[this.count] = rule);
    this.count++;
  }
}

/**
 * Names on a deny-list (query parameters, JSON keys), matched case-insensitively. Held in one
 * unmanaged block grouped by length, so the many names that cannot match are never looked at:
 * a JSON body asks this for every string in it.
 */
export class KeyList {
  /** Per length 0..64: the offset of its first name in `data`, and how many there are. */
  private start: usize = heap.alloc(65 * 8);
  private data: usize = 0;

  constructor(names: ArrayBuffer[]) {
    let total = 0;
    for (let i = 0; i < names.length; i++) total += names[i].byteLength;
    this.data = heap.alloc(max(total, 1));
    let at: u32 = 0;
    for (let len = 0; len <= 64; len++) {
      store<u32>(this.start + len * 8, at);
      let count: u32 = 0;
      for (let i = 0; i < names.length; i++) {
        if (names[i].byteLength != len) continue;
        memory.copy(this.data + at, changetype<usize>(names[i]), len);
        at += len;
        count++;
      }
      store<u32>(this.start + len * 8 + 4, count);
    }
  }

  has(p: usize, n: u32): bool {
    if (n > 64) return false;
    const count = load<u32>(this.start + n * 8 + 4);
    let q = this.data + load<u32>(this.start + n * 8);
    for (let k: u32 = 0; k < count; k++, q += n) {
      let j: u32 = 0;
      for (; j < n; j++) {
        let c = load<u8>(p + j);
        if (c >= 0x41 && c <= 0x5a) c += 32;
        if (c != load<u8>(q + j)) break;
      }
      if (j == n) return true;
    }
    return false;
  }
}

function jsonSecretValue(p: usize, n: u32, i: u32, keys: KeyList): bool {
  // "key" <spaces> : <spaces> value
  let j = i + 1;
  while (j < n && load<u8>(p + j) != 0x22) {
    if (load<u8>(p + j) == 0x5c) j++;
    j++;
  }
  if (j >= n || !keys.has(p + i + 1, j - i - 1)) return false;
  j++;
  while (j < n && load<u8>(p + j) == 0x20) j++;
  if (j >= n || load<u8>(p + j) != 0x3a) return false;
  j++;
  while (j < n && load<u8>(p + j) == 0x20) j++;
  if (j >= n) return false;
  if (load<u8>(p + j) == 0x22) {
    const start = j + 1;
    j = start;
    while (j < n && load<u8>(p + j) != 0x22) {
      if (load<u8>(p + j) == 0x5c) j++;
      j++;
    }
    if (j > n) j = n;
    Found.start = start;
    Found.end = j;
    return j > start;
  }
  // A bare value (number, true): to the next delimiter.
  const start = j;
  while (j < n) {
    const c = load<u8>(p + j);
    if (c == 0x2c || c == 0x7d || c == 0x5d || c == 0x20 || c == 0x0a) break;
    j++;
  }
  Found.start = start;
  Found.end = j;
  return j > start;
}

/**
 * Find what to redact in n bytes at p, with the rules whose mode is not Off. With jsonKeys, the
 * values of JSON keys on that list are found too.
 *
 * Every detector starts at the start of a word (a letter or digit after something that is not)
 * or at one of a few symbols (@ + ( - : "), so the loop skips everything else with two table
 * lookups, and only calls the detectors where one could match.
 */
export function detect(p: usize, n: u32, modes: StaticArray<u8>, spans: Spans, jsonKeys: KeyList | null): void {
  spans.count = 0;
  let i: u32 = 0;
  let floor: u32 = 0;
  let prevAlnum = false;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    const s = startClass(c);
    const alnum = s == 1;
    if (alnum ? prevAlnum : s == 0) {
      prevAlnum = alnum;
      i++;
      continue;
    }
    const rule = tryAt(p, n, i, floor, c, modes, jsonKeys);
    if (rule >= 0 && Found.end > Found.start) {
      spans.push(Found.start, Found.end, rule);
      i = Found.end;
      floor = i;
      prevAlnum = i > 0 && isAlnum(load<u8>(p + i - 1));
      continue;
    }
    prevAlnum = alnum;
    i++;
  }
}

/** The detectors that can start at i with byte c: the rule that matched (Found says where), or -1. */
@noinline function tryAt(p: usize, n: u32, i: u32, floor: u32, c: u32, modes: StaticArray<u8>, jsonKeys: KeyList | null): i32 {
  const k = cls(c);
  if (c == 0x40) {
    if (unchecked(modes[Rule.EMAIL_ADDRESS]) != Mode.Off && email(p, n, i, floor)) return Rule.EMAIL_ADDRESS;
    return -1;
  }
  if (isDigit(c)) {
    if (unchecked(modes[Rule.CREDIT_CARD]) != Mode.Off && card(p, n, i)) return Rule.CREDIT_CARD;
    if (unchecked(modes[Rule.US_SSN]) != Mode.Off && ssn(p, n, i)) return Rule.US_SSN;
    if (unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && (ipv4(p, n, i) || ipv6(p, n, i))) return Rule.IP_ADDRESS;
    if (unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off && phone(p, n, i)) return Rule.PHONE_NUMBER;
  } else if (c == 0x2b || c == 0x28) {
    if (unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off && phone(p, n, i)) return Rule.PHONE_NUMBER;
  } else if (c == 0x2d) {
    return privateKey(p, n, i) ? Rule.PRIVATE_KEY : -1;
  } else if (c == 0x3a) {
    if (urlCredentials(p, n, i)) return Rule.BASIC_AUTH;
    if (unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) return Rule.IP_ADDRESS;
    return -1;
  } else if (c == 0x22) {
    return jsonKeys !== null && jsonSecretValue(p, n, i, jsonKeys) ? Rule.SECRET_PARAM : -1;
  } else if (c != 0x2f) {
    // A letter.
    if (c == 0x65 && jwt(p, n, i)) return Rule.JWT;
    if (c == 0x41 && awsAccessKey(p, n, i)) return Rule.AWS_ACCESS_KEY;
    if (c == 0x41 && googleApiKey(p, n, i)) return Rule.GOOGLE_API_KEY;
    if (c == 0x67 && githubToken(p, n, i)) return Rule.GITHUB_TOKEN;
    if (c == 0x78 && slackToken(p, n, i)) return Rule.SLACK_TOKEN;
    if ((c == 0x73 || c == 0x72 || c == 0x77) && stripeKey(p, n, i)) return Rule.STRIPE_KEY;
    if (c == 0x62 || c == 0x42) {
      const scheme = authScheme(p, n, i);
      if (scheme >= 0) return scheme == 1 ? Rule.BASIC_AUTH : Rule.BEARER_TOKEN;
    }
    if ((k & UPPER) != 0 && unchecked(modes[Rule.IBAN_CODE]) != Mode.Off && iban(p, n, i)) return Rule.IBAN_CODE;
    if ((k & HEX) != 0 && unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) return Rule.IP_ADDRESS;
  }
  if ((k & B64) != 0 && awsSecretKey(p, n, i)) return Rule.AWS_SECRET_KEY;
  return -1;
}
