// Detectors for credentials, as Datadog's sensitive data scanner names them: JSON Web Tokens,
// bearer and basic credentials (and user:password@ in URLs), AWS access key ids and secret keys,
// Azure storage account keys, GitHub, GitLab, npm, Slack, Stripe, SendGrid, OpenAI and Google
// keys and tokens, and private key blocks (PEM and PGP). Each looks at the text from position i
// and, on a match, sets Found (numbers.ts) and returns true.
import { at, B64, B64URL, cls, DIGIT, isAlnum, lit4, LOWER, runOf, startsWith, startsWithLower, UPPER, word4 } from "./chars";
import { Found } from "./numbers";
import { level } from "./source";

function found(start: u32, end: u32): bool {
  Found.start = start;
  Found.end = end;
  return true;
}

@inline function b64urlBoundary(p: usize, n: u32, i: i64): bool {
  return (cls(at(p, n, i)) & B64URL) == 0;
}

const EYJ = lit4("eyJ_") & 0xffffff;

/** header.payload.signature, base64url, the header starting "eyJ" ('{"' encoded). */
export function jwt(p: usize, n: u32, i: u32): bool {
  if ((word4(p, n, i) & 0xffffff) != EYJ || !b64urlBoundary(p, n, <i64>i - 1)) return false;
  const h = runOf(p, n, i, B64URL);
  if (h - i < 10 || at(p, n, h) != 0x2e) return false;
  const b = runOf(p, n, h + 1, B64URL);
  if (b - h - 1 < 4 || at(p, n, b) != 0x2e) return false;
  const s = runOf(p, n, b + 1, B64URL);
  return found(i, s);
}

/** The credential after "Bearer " or "Basic " (the scheme word stays readable). */
export function authScheme(p: usize, n: u32, i: u32): i32 {
  if (isAlnum(at(p, n, <i64>i - 1))) return -1;
  let j: u32;
  let basic = false;
  if (startsWithLower(p, n, i, "bearer")) j = i + 6;
  else if (startsWithLower(p, n, i, "basic")) { j = i + 5; basic = true; }
  else return -1;
  if (at(p, n, j) != 0x20 && at(p, n, j) != 0x3d && at(p, n, j) != 0x3a) return -1; // "Bearer x", "bearer=x", "bearer:x"
  while (at(p, n, j) == 0x20 || at(p, n, j) == 0x3d || at(p, n, j) == 0x3a) j++;
  const start = j;
  while (j < n) {
    const c = load<u8>(p + j);
    // token68: A-Z a-z 0-9 - . _ ~ + / and trailing '='
    if ((cls(c) & (B64URL | B64)) != 0 || c == 0x2e || c == 0x7e || c == 0x3d) j++;
    else break;
  }
  if (j - start < 8) return -1;
  found(start, j);
  return basic ? 1 : 0;
}

/**
 * scheme://user:password@host (the user may be empty): the password. Only bytes no deeper than
 * the "://" end the user or the password: in u:P%40ss@db the '@' that %40 became is the
 * password's.
 */
export function urlCredentials(p: usize, n: u32, i: u32): bool {
  if (!startsWith(p, n, i, "://")) return false;
  const lvl = level(p, i);
  let j = i + 3;
  while (j < n && !(endsUser(load<u8>(p + j)) && level(p, j) <= lvl)) j++;
  if (at(p, n, j) != 0x3a) return false;
  const passStart = j + 1;
  j = passStart;
  while (j < n) {
    const c = load<u8>(p + j);
    if ((c == 0x40 || c == 0x2f || c <= 0x20) && level(p, j) <= lvl) break;
    j++;
  }
  if (j == passStart || at(p, n, j) != 0x40) return false;
  return found(passStart, j);
}

@inline function endsUser(c: u32): bool {
  return c == 0x3a || c == 0x40 || c == 0x2f || c <= 0x20;
}

const AWS_PREFIXES: usize = memory.data(40);
const AWS_NAMES = ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"];
for (let k = 0; k < 10; k++) store<u32>(AWS_PREFIXES + k * 4, lit4(AWS_NAMES[k]));

/** AWS access key ids: a known four-letter prefix and 16 upper-case letters or digits. */
export function awsAccessKey(p: usize, n: u32, i: u32): bool {
  if (i + 20 > n || isAlnum(at(p, n, i + 20))) return false;
  for (let k: u32 = 4; k < 20; k++) if ((cls(load<u8>(p + i + k)) & (UPPER | DIGIT)) == 0) return false;
  const head = load<u32>(p + i);
  for (let k = 0; k < 10; k++) if (load<u32>(AWS_PREFIXES + k * 4) == head) return found(i, i + 20);
  return false;
}

/**
 * AWS secret access keys: exactly 40 base64 characters standing alone, with upper case, lower case
 * and digits mixed (a 40-character git hash, lower-case hex, is not one).
 */
export function awsSecretKey(p: usize, n: u32, i: u32): bool {
  // Most words are not 40 characters long: two loads tell, before the walk.
  if (i + 40 > n || (cls(load<u8>(p + i + 39)) & B64) == 0 || (cls(at(p, n, i + 40)) & B64) != 0) return false;
  if ((cls(at(p, n, <i64>i - 1)) & B64) != 0) return false;
  let kinds: u8 = 0;
  for (let k: u32 = 0; k < 40; k++) {
    const c = cls(load<u8>(p + i + k));
    if ((c & B64) == 0) return false;
    kinds |= c & (UPPER | LOWER | DIGIT);
  }
  const after = at(p, n, i + 40);
  if ((cls(after) & B64) != 0 || after == 0x3d) return false;
  return kinds == (UPPER | LOWER | DIGIT) && found(i, i + 40);
}

const AIZA = lit4("AIza");

/** Google API keys: "AIza" and 35 base64url characters. */
export function googleApiKey(p: usize, n: u32, i: u32): bool {
  if (word4(p, n, i) != AIZA || !b64urlBoundary(p, n, <i64>i - 1)) return false;
  const end = runOf(p, n, i + 4, B64URL);
  return end - i == 39 && found(i, end);
}

/** GitHub tokens: ghp_ gho_ ghu_ ghs_ ghr_ and 36 or more characters, or github_pat_… */
export function githubToken(p: usize, n: u32, i: u32): bool {
  if (isAlnum(at(p, n, <i64>i - 1))) return false;
  if (startsWith(p, n, i, "github_pat_")) {
    const end = runOf(p, n, i + 11, B64URL);
    return end - i - 11 >= 22 && found(i, end);
  }
  if (!startsWith(p, n, i, "gh") || at(p, n, i + 3) != 0x5f) return false;
  const t = at(p, n, i + 2);
  if (t != 0x70 && t != 0x6f && t != 0x75 && t != 0x73 && t != 0x72) return false;
  const end = runOf(p, n, i + 4, DIGIT | UPPER | LOWER);
  return end - i - 4 >= 36 && !isAlnum(at(p, n, end)) && found(i, end);
}

/** Slack tokens: xoxb- xoxp- xoxa- xoxr- xoxs- xapp- and 10 or more characters. */
export function slackToken(p: usize, n: u32, i: u32): bool {
  if (isAlnum(at(p, n, <i64>i - 1))) return false;
  let start: u32 = 0;
  if (startsWith(p, n, i, "xox") && at(p, n, i + 4) == 0x2d) {
    const t = at(p, n, i + 3);
    if (t != 0x62 && t != 0x70 && t != 0x61 && t != 0x72 && t != 0x73) return false;
    start = i + 5;
  } else if (startsWith(p, n, i, "xapp-")) start = i + 5;
  else return false;
  let end = start;
  while (end < n && (isAlnum(load<u8>(p + end)) || load<u8>(p + end) == 0x2d)) end++;
  return end - start >= 10 && found(i, end);
}

const SK_L = lit4("sk_l");
const SK_T = lit4("sk_t");
const RK_L = lit4("rk_l");
const RK_T = lit4("rk_t");
const WHSE = lit4("whse");

/** Stripe secret and restricted keys, and webhook secrets. */
export function stripeKey(p: usize, n: u32, i: u32): bool {
  const head = word4(p, n, i);
  let from: u32;
  if ((head == SK_L || head == RK_L) && startsWith(p, n, i + 4, "ive_")) from = i + 8;
  else if ((head == SK_T || head == RK_T) && startsWith(p, n, i + 4, "est_")) from = i + 8;
  else if (head == WHSE && startsWith(p, n, i + 4, "c_")) from = i + 6;
  else return false;
  const end = runOf(p, n, from, DIGIT | UPPER | LOWER);
  return end - from >= 16 && found(i, end);
}

/**
 * -----BEGIN … PRIVATE KEY----- (or PGP's PRIVATE KEY BLOCK-----) through its END line, or the
 * end of the text if cut off.
 */
export function privateKey(p: usize, n: u32, i: u32): bool {
  if (!startsWith(p, n, i, "-----BEGIN ")) return false;
  const j = keyLabelEnd(p, n, i + 11);
  if (j < 0) return false;
  for (let k = <u32>j; k < n; k++) {
    if (startsWith(p, n, k, "-----END ")) {
      const end = keyLabelEnd(p, n, k + 9);
      if (end >= 0) return found(i, end);
    }
  }
  return found(i, n);
}

/** After BEGIN or END: where "PRIVATE KEY-----" or "PRIVATE KEY BLOCK-----" ends, within 40 bytes; -1 if not. */
function keyLabelEnd(p: usize, n: u32, j: u32): i32 {
  const limit = min(n, j + 40);
  for (; j < limit; j++) {
    if (!startsWith(p, n, j, "PRIVATE KEY")) continue;
    if (startsWith(p, n, j + 11, "-----")) return j + 16;
    if (startsWith(p, n, j + 11, " BLOCK-----")) return j + 22;
  }
  return -1;
}

/**
 * GitLab tokens: gl and a kind (glpat-, gldt-, glrt-, glptt-, gloas-, glsoat-, glcbt-…), then 20
 * or more of A-Z a-z 0-9 _ - and dots (newer tokens carry a routing part after a dot).
 */
export function gitlabToken(p: usize, n: u32, i: u32): bool {
  if (at(p, n, i + 1) != 0x6c || isAlnum(at(p, n, <i64>i - 1))) return false;
  let j = i + 2;
  while (j < n && j - i < 9 && (cls(load<u8>(p + j)) & LOWER) != 0) j++;
  if (at(p, n, j) != 0x2d || !isGitlabKind(p + i + 2, j - i - 2)) return false;
  let end = j + 1;
  while (end < n && ((cls(load<u8>(p + end)) & B64URL) != 0 || load<u8>(p + end) == 0x2e)) end++;
  return end - j - 1 >= 20 && found(i, end);
}

const GITLAB_KINDS = " pat dt rt ptt oas soat cbt ffct imt agent ft wt ";

function isGitlabKind(p: usize, n: u32): bool {
  for (let k = 0; k + <i32>n + 1 < GITLAB_KINDS.length; k++) {
    if (GITLAB_KINDS.charCodeAt(k) != 0x20 || GITLAB_KINDS.charCodeAt(k + n + 1) != 0x20) continue;
    let j: u32 = 0;
    while (j < n && <u32>GITLAB_KINDS.charCodeAt(k + 1 + j) == <u32>load<u8>(p + j)) j++;
    if (j == n) return true;
  }
  return false;
}

/** npm access tokens: npm_ and 36 letters and digits. */
export function npmToken(p: usize, n: u32, i: u32): bool {
  if (!startsWith(p, n, i, "npm_") || isAlnum(at(p, n, <i64>i - 1))) return false;
  const end = runOf(p, n, i + 4, DIGIT | UPPER | LOWER);
  return end - i - 4 >= 36 && found(i, end);
}

/** SendGrid API keys: SG. then 22 base64url characters, a dot and 43 more. */
export function sendgridKey(p: usize, n: u32, i: u32): bool {
  if (!startsWith(p, n, i, "SG.") || isAlnum(at(p, n, <i64>i - 1))) return false;
  const a = runOf(p, n, i + 3, B64URL);
  if (a - i - 3 < 16 || at(p, n, a) != 0x2e) return false;
  const b = runOf(p, n, a + 1, B64URL);
  return b - a - 1 >= 30 && found(i, b);
}

/** Google OAuth access tokens: ya29. and 20 or more base64url characters (and dots). */
export function googleOauthToken(p: usize, n: u32, i: u32): bool {
  if (!startsWith(p, n, i, "ya29.") || isAlnum(at(p, n, <i64>i - 1))) return false;
  let end = i + 5;
  while (end < n && ((cls(load<u8>(p + end)) & B64URL) != 0 || load<u8>(p + end) == 0x2e)) end++;
  return end - i - 5 >= 20 && found(i, end);
}

/**
 * OpenAI and Anthropic API keys: sk- (sk-proj-, sk-svcacct-, sk-ant-api03-…) then 32 or more of
 * A-Z a-z 0-9 _ -, mixing upper case, lower case and digits (so no kebab-case word is taken).
 */
export function openaiKey(p: usize, n: u32, i: u32): bool {
  if (at(p, n, i + 1) != 0x6b || at(p, n, i + 2) != 0x2d || isAlnum(at(p, n, <i64>i - 1))) return false;
  // Inside a run already read and refused (sk-sk-sk-…): the rest of it is refused too.
  if (i < Tried.openai) return false;
  let kinds: u8 = 0;
  let end = i + 3;
  while (end < n) {
    const c = cls(load<u8>(p + end));
    if ((c & B64URL) == 0) break;
    kinds |= c & (UPPER | LOWER | DIGIT);
    end++;
  }
  if (end - i - 3 >= 32 && kinds == (UPPER | LOWER | DIGIT)) return found(i, end);
  Tried.openai = end;
  return false;
}

/**
 * Where the runs detectors read and refused end, in the text being scanned: a later start inside
 * one is refused without reading the run again, so the scan stays linear on crafted runs.
 */
export namespace Tried {
  export let openai: u32 = 0;
  export function reset(): void {
    openai = 0;
  }
}

/**
 * Azure storage account keys: exactly 86 base64 characters and "==", standing alone, with upper
 * case, lower case and digits mixed.
 */
export function azureStorageKey(p: usize, n: u32, i: u32): bool {
  if (i + 88 > n || load<u8>(p + i + 86) != 0x3d || load<u8>(p + i + 87) != 0x3d) return false;
  if ((cls(at(p, n, <i64>i - 1)) & B64) != 0 || (cls(at(p, n, i + 88)) & B64) != 0 || at(p, n, i + 88) == 0x3d) return false;
  let kinds: u8 = 0;
  for (let k: u32 = 0; k < 86; k++) {
    const c = cls(load<u8>(p + i + k));
    if ((c & B64) == 0) return false;
    kinds |= c & (UPPER | LOWER | DIGIT);
  }
  return kinds == (UPPER | LOWER | DIGIT) && found(i, i + 88);
}
