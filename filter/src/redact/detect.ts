// The single-pass scan: one walk over the bytes, trying at each position only the detectors that
// can start with that byte, recording the spans to redact in order, never overlapping. No regular
// expressions: every detector is a small hand-written matcher (numbers.ts, secrets.ts, email.ts).
import { B64, cls, HEX, isDigit, LOWER, UPPER } from "./chars";
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

/** In JSON text, the value of a key on the deny-list (e.g. "password": "hunter2"). */
export class KeyList {
  constructor(public names: ArrayBuffer[]) {}

  has(p: usize, n: u32): bool {
    for (let k = 0; k < this.names.length; k++) {
      const name = this.names[k];
      if (<u32>name.byteLength != n) continue;
      const q = changetype<usize>(name);
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
 */
export function detect(p: usize, n: u32, modes: StaticArray<u8>, spans: Spans, jsonKeys: KeyList | null): void {
  spans.count = 0;
  let i: u32 = 0;
  let floor: u32 = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    const k = cls(c);
    let rule: i32 = -1;
    if (c == 0x40) {
      if (unchecked(modes[Rule.EMAIL_ADDRESS]) != Mode.Off && email(p, n, i, floor)) rule = Rule.EMAIL_ADDRESS;
    } else if (isDigit(c)) {
      if (unchecked(modes[Rule.CREDIT_CARD]) != Mode.Off && card(p, n, i)) rule = Rule.CREDIT_CARD;
      else if (unchecked(modes[Rule.US_SSN]) != Mode.Off && ssn(p, n, i)) rule = Rule.US_SSN;
      else if (unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && (ipv4(p, n, i) || ipv6(p, n, i))) rule = Rule.IP_ADDRESS;
      else if (unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off && phone(p, n, i)) rule = Rule.PHONE_NUMBER;
    } else if (c == 0x2b || c == 0x28) {
      if (unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off && phone(p, n, i)) rule = Rule.PHONE_NUMBER;
    } else if (c == 0x2d) {
      if (privateKey(p, n, i)) rule = Rule.PRIVATE_KEY;
    } else if (c == 0x3a) {
      if (urlCredentials(p, n, i)) rule = Rule.BASIC_AUTH;
      else if (unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) rule = Rule.IP_ADDRESS;
    } else if (c == 0x22 && jsonKeys !== null) {
      if (jsonSecretValue(p, n, i, jsonKeys)) rule = Rule.SECRET_PARAM;
    }
    if (rule < 0 && (k & (UPPER | LOWER)) != 0) {
      if (c == 0x65 && jwt(p, n, i)) rule = Rule.JWT;
      else if (c == 0x41 && awsAccessKey(p, n, i)) rule = Rule.AWS_ACCESS_KEY;
      else if (c == 0x41 && googleApiKey(p, n, i)) rule = Rule.GOOGLE_API_KEY;
      else if (c == 0x67 && githubToken(p, n, i)) rule = Rule.GITHUB_TOKEN;
      else if (c == 0x78 && slackToken(p, n, i)) rule = Rule.SLACK_TOKEN;
      else if ((c == 0x73 || c == 0x72 || c == 0x77) && stripeKey(p, n, i)) rule = Rule.STRIPE_KEY;
      else if (c == 0x62 || c == 0x42) {
        const scheme = authScheme(p, n, i);
        if (scheme >= 0) rule = scheme == 1 ? Rule.BASIC_AUTH : Rule.BEARER_TOKEN;
      }
      if (rule < 0 && (k & UPPER) != 0 && unchecked(modes[Rule.IBAN_CODE]) != Mode.Off && iban(p, n, i)) rule = Rule.IBAN_CODE;
      if (rule < 0 && (k & HEX) != 0 && unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) rule = Rule.IP_ADDRESS;
    }
    if (rule < 0 && (k & B64) != 0 && awsSecretKey(p, n, i)) rule = Rule.AWS_SECRET_KEY;
    if (rule >= 0 && Found.end > Found.start) {
      spans.push(Found.start, Found.end, rule);
      i = Found.end;
      floor = i;
      continue;
    }
    i++;
  }
}
