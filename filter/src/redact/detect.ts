// The single-pass scan: one walk over the bytes, trying only where a detector could start
// (candidates.ts), recording the spans to redact in order, never overlapping. No regular
// expressions: every detector is a small hand-written matcher (numbers.ts, secrets.ts, email.ts,
// pairs.ts).
import { AT, candidates, Carry, carryReset, chunk, COLON, PLUS_SLASH } from "./candidates";
import { at, B64, cls, HEX, isAlnum, isDigit, LOWER, startClass, UPPER } from "./chars";
import { email } from "./email";
import { SecretNames } from "./names";
import { card, Found, iban, ipv4, ipv6, phone, ssn } from "./numbers";
import { secretPair } from "./pairs";
import { Mode, Rule } from "./rules";
import { authScheme, awsAccessKey, awsSecretKey, azureStorageKey, githubToken, gitlabToken, googleApiKey, googleOauthToken, jwt, npmToken,
  openaiKey, privateKey, sendgridKey, slackToken, stripeKey, Tried, urlCredentials } from "./secrets";

export class Spans {
  start: StaticArray<u32> = new StaticArray<u32>(64);
  end: StaticArray<u32> = new StaticArray<u32>(64);
  /** The rule (low byte) and, above it, Found.quoted + 1 (0: not quoted). */
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

/** How `detect` reads a text: 16 bytes at a time with candidate masks, or one byte at a time (to check the first against). */
export enum Scanning {
  Wide,
  Bytewise,
}

/**
 * Find what to redact in n bytes at p, with the rules whose mode is not Off, and the values of
 * secret names (pairs.ts; `names` says which are secret).
 *
 * Every detector starts at the start of a word (a letter or digit after something that is not)
 * or at one of a few symbols (@ + ( - : = /). The scan looks at 16 bytes at a time (wasm SIMD)
 * and makes a bit mask of the positions where a detector could match; the detectors run only
 * there. Most word starts cannot start anything (see `candidates`), so on ordinary text the
 * detectors run every few dozen bytes instead of every few. `Scanning.Bytewise` tries every word
 * start and symbol one byte at a time instead: the tests check that both find the same. `how`
 * has no default: an enum default is passed through a trampoline, which keeps the bytewise path
 * in the filter's build and costs every scan a call.
 */
export function detect(p: usize, n: u32, modes: StaticArray<u8>, spans: Spans, names: SecretNames, how: Scanning): void {
  spans.count = 0;
  Tried.reset();
  // Nothing a detector finds is shorter than three bytes but IPv6's "::", and a request is full
  // of shorter values (query parameters, methods, status codes).
  if (n < 2 || (n < 3 && unchecked(modes[Rule.IP_ADDRESS]) == Mode.Off)) return;
  Scan.next = 0;
  if (how == Scanning.Bytewise) {
    bytewise(p, n, modes, spans, names);
    return;
  }
  // IP addresses and phone numbers start at any hex letter, digit, ':' '+' or '(': with either
  // rule on, every word start and symbol is a candidate.
  const everyWord = unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off || unchecked(modes[Rule.PHONE_NUMBER]) != Mode.Off;
  // A request is full of values under nine bytes (a method, a parameter's name, a scheme, a
  // length): there, only rules that need an '@', '=' or ':' can match (an email, a URL's
  // credentials, a secret name's value; the shortest number any other rule takes is an SSN's
  // nine digits), unless IP addresses or phone numbers are looked for. Such a value without
  // one of them is done.
  if (n < 9 && !everyWord && !hasSymbol(p, n)) return;
  const symbols = AT | (everyWord ? COLON | PLUS_SLASH : 0);
  carryReset();
  // A chunk's candidates are tried once the next chunk is known: an AWS secret key (40 base64
  // characters) can start in a chunk only if the whole next one is base64, and only then are
  // the wider candidates (every word start, '+' '/') needed.
  let narrow: u32 = 0;
  let wide: u32 = 0;
  for (let base: u32 = 0; base < n; base += 16) {
    const left = n - base;
    let nextNarrow = candidates(chunk(p + base, left), everyWord, symbols);
    let nextWide = Carry.wide;
    if (left < 16) {
      const inside = (<u32>1 << left) - 1;
      nextNarrow &= inside;
      nextWide &= inside;
    }
    if (base > 0) tryEach(p, n, base - 16, left >= 16 && Carry.base64 ? wide : narrow, modes, spans, names);
    narrow = nextNarrow;
    wide = nextWide;
  }
  // The last chunk: the text ends too soon after it for a 40-character key to start there.
  if (n > 0) tryEach(p, n, (n - 1) & ~15, narrow, modes, spans, names);
}

function hasSymbol(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 0x40 || c == 0x3d || c == 0x3a) return true;
  }
  return false;
}

/** The detectors at each candidate of the chunk at base, in order, except inside what matched before. */
@inline function tryEach(p: usize, n: u32, base: u32, mask: u32, modes: StaticArray<u8>, spans: Spans, names: SecretNames): void {
  while (mask != 0) {
    const i = base + ctz(mask);
    mask &= mask - 1;
    if (i >= Scan.next) tryOne(p, n, i, <u32>load<u8>(p + i), modes, spans, names);
  }
}

/** Every word start and symbol, a byte at a time. */
function bytewise(p: usize, n: u32, modes: StaticArray<u8>, spans: Spans, names: SecretNames): void {
  let i: u32 = 0;
  let prevAlnum = false;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    const s = startClass(c);
    const alnum = s == 1;
    if ((alnum ? !prevAlnum : s != 0) && tryOne(p, n, i, c, modes, spans, names)) {
      i = Scan.next;
      prevAlnum = i > 0 && isAlnum(load<u8>(p + i - 1));
      continue;
    }
    prevAlnum = alnum;
    i++;
  }
}

/**
 * Where the scan is: the end of the last match, where the next may start (and how far back an
 * email's local part may reach).
 */
namespace Scan {
  export let next: u32 = 0;
}

/** The detectors at i; on a match, its span is recorded and the scan moves past it. */
@inline function tryOne(p: usize, n: u32, i: u32, c: u32, modes: StaticArray<u8>, spans: Spans, names: SecretNames): bool {
  const rule = c == 0x3d || c == 0x3a ? trySeparator(p, n, i, c, modes, names) : tryAt(p, n, i, Scan.next, c, modes);
  if (rule < 0 || Found.end <= Found.start) return false;
  spans.push(Found.start, Found.end, rule | ((Found.quoted + 1) << 8));
  Found.quoted = -1;
  Scan.next = Found.end;
  return true;
}

/** At '=' or ':': a secret name's value, or (':') a URL's password or an IPv6 address. */
@noinline function trySeparator(p: usize, n: u32, i: u32, c: u32, modes: StaticArray<u8>, names: SecretNames): i32 {
  // "scheme://" is not a name and its value.
  const url = c == 0x3a && at(p, n, i + 1) == 0x2f && at(p, n, i + 2) == 0x2f;
  if (!url && secretPair(p, n, i, names)) return Rule.SECRET_PARAM;
  if (c == 0x3d) return -1;
  if (urlCredentials(p, n, i)) return Rule.BASIC_AUTH;
  if (unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) return Rule.IP_ADDRESS;
  return -1;
}

/** The detectors that can start at i with byte c (not a separator: trySeparator has those): the rule that matched (Found says where), or -1. */
@noinline function tryAt(p: usize, n: u32, i: u32, floor: u32, c: u32, modes: StaticArray<u8>): i32 {
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
  } else if (c != 0x2f) {
    // A letter.
    if (c == 0x65 && jwt(p, n, i)) return Rule.JWT;
    if (c == 0x41 && awsAccessKey(p, n, i)) return Rule.AWS_ACCESS_KEY;
    if (c == 0x41 && googleApiKey(p, n, i)) return Rule.GOOGLE_API_KEY;
    if (c == 0x67 && githubToken(p, n, i)) return Rule.GITHUB_TOKEN;
    if (c == 0x67 && gitlabToken(p, n, i)) return Rule.GITLAB_TOKEN;
    if (c == 0x78 && slackToken(p, n, i)) return Rule.SLACK_TOKEN;
    if ((c == 0x73 || c == 0x72 || c == 0x77) && stripeKey(p, n, i)) return Rule.STRIPE_KEY;
    if (c == 0x73 && openaiKey(p, n, i)) return Rule.OPENAI_KEY;
    if (c == 0x6e && npmToken(p, n, i)) return Rule.NPM_TOKEN;
    if (c == 0x79 && googleOauthToken(p, n, i)) return Rule.GOOGLE_OAUTH_TOKEN;
    if (c == 0x53 && sendgridKey(p, n, i)) return Rule.SENDGRID_KEY;
    if (c == 0x62 || c == 0x42) {
      const scheme = authScheme(p, n, i);
      if (scheme >= 0) return scheme == 1 ? Rule.BASIC_AUTH : Rule.BEARER_TOKEN;
    }
    if ((k & (UPPER | LOWER)) != 0 && isDigit(at(p, n, i + 2)) && unchecked(modes[Rule.IBAN_CODE]) != Mode.Off && iban(p, n, i)) return Rule.IBAN_CODE;
    if ((k & HEX) != 0 && unchecked(modes[Rule.IP_ADDRESS]) != Mode.Off && ipv6(p, n, i)) return Rule.IP_ADDRESS;
  }
  if ((k & B64) != 0) {
    if (awsSecretKey(p, n, i)) return Rule.AWS_SECRET_KEY;
    if (azureStorageKey(p, n, i)) return Rule.AZURE_STORAGE_KEY;
  }
  return -1;
}
