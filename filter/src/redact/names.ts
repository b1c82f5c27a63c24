// Which names are secret: a query parameter, form field, JSON key, cookie or header whose name,
// split into words (camelCase, kebab-case, snake_case, user[password], x.y), holds a secret
// word, unless a word after it only describes the secret (token_type, password_policy). Names
// the configuration adds (redact.query_params, redact.headers) are secret as they are written.
// The words are in the lists below; the scan's prefilter (candidates.ts) looks for them by a
// pair of letters each holds, so every word here must hold a pair of HINT_GROUPS.

/**
 * Secret wherever they stand in a word, so compounds written in one word are caught too
 * (accesstoken, csrftoken, sessionid, phpsessid, apikey).
 */
export const STEMS = "passw passphrase passcode secret token credential apikey privatekey privkey session sessid cookie csrf xsrf " +
  "signature cardnum jwt";
/** Secret as whole words; and a word ending in "pass" (dbpass, userpass) but for those ORDINARY lists. */
export const WORDS = "pass pwd pw auth authn authz authorization authorisation sig sid sess cvv cvc cvn pin otp totp hotp ssn cred " +
  "creds mnemonic";
/** Words holding a stem, or ending in "pass", that are not secret. */
const ORDINARY_WORDS = "tokenizer tokenizers tokenize tokenized tokenization secretary secretaries secretariat bypass compass " +
  "encompass overpass underpass surpass trespass";
/** Words that, after a secret word, say the value describes it rather than holds it. */
const DESCRIPTORS = "type types kind format expires expiry expiration exp expired ttl lifetime timeout length len count size max " +
  "min url uri endpoint path version algorithm alg method methods scheme policy required enabled strength hint provider issuer at " +
  "name label field arn date consent figs";
/**
 * Words secret only alone or after a word that qualifies them: "key" alone or after these
 * (api_key, privateKey, AccountKey, x-functions-key; not sort_key, monkey or key_id)…
 */
const KEY_QUALIFIERS = "api private priv secret access signing sign encryption enc client master account shared auth license licence " +
  "subscription storage app application consumer session ssh gpg pgp rsa hmac sas service root admin webhook write deploy recovery " +
  "function functions x";
/** …"code" alone (OAuth's authorization code) or after these (not zip_code or status_code)… */
const CODE_QUALIFIERS = "auth authorization verification verify otp security access recovery backup mfa sms confirmation confirm " +
  "reset login device activation one pin unlock";
/** …"tokens" alone or after these (max_tokens and total_tokens count)… */
const TOKENS_QUALIFIERS = "access refresh api auth id bearer session oauth";
/** …and, never alone, a card's number, a code's or OAuth's verifier, a seed phrase, a security answer, a SAML response. */
const CARD_QUALIFIERS = "card";
const VERIFIER_QUALIFIERS = "code oauth";
const PHRASE_QUALIFIERS = "seed recovery secret mnemonic backup wallet pass";
const ANSWER_QUALIFIERS = "security secret";
const RESPONSE_QUALIFIERS = "saml";

/**
 * Pairs of letters at least one of which every secret word above holds (ss: pass, session, ssn;
 * ok: token, cookie; ke: key; hr: phrase; ml: saml…), in groups of first letters and the letters
 * that may follow them ("or:kd" is ok, od, rk, rd). The scan's prefilter (candidates.ts) and
 * `hinted` look for these; a configured name's first two bytes are looked for too.
 */
export const HINT_GROUPS: string[] = ["s:sriw", "ip:giw", "ch:rv", "or:kd", "k:e", "al:u", "tj:pw", "m:nl"];

// What each word is, as bits: a word may be several (auth is secret and qualifies key and code).
const SECRET: u32 = 1, DESCRIPTOR: u32 = 2, ORDINARY: u32 = 4, ALONE: u32 = 8, KEYISH: u32 = 16, ID: u32 = 32, ACCESS: u32 = 1 << 30;
// A word secret after a qualifying word has a bit, and its qualifiers the next bit up.
const KEY: u32 = 1 << 6, CODE: u32 = 1 << 8, TOKENS: u32 = 1 << 10, NUMBER: u32 = 1 << 12, VERIFIER: u32 = 1 << 14,
  PHRASE: u32 = 1 << 16, ANSWER: u32 = 1 << 18, RESPONSE: u32 = 1 << 20;
const QUALIFIED: u32 = KEY | CODE | TOKENS | NUMBER | VERIFIER | PHRASE | ANSWER | RESPONSE;

/** The words, by a hash of their bytes: open addressing over 512 slots of offset, length and kinds. */
const SLOTS: u32 = 512;
const SLOT_AT: usize = heap.alloc(SLOTS * 4);
const SLOT_LEN: usize = heap.alloc(SLOTS);
const SLOT_KINDS: usize = heap.alloc(SLOTS * 4);
const BYTES: usize = heap.alloc(2048);
let bytesUsed: u32 = 0;
memory.fill(SLOT_LEN, 0, SLOTS);

@inline function hashOf(p: usize, n: u32): u32 {
  let h = n;
  for (let i: u32 = 0; i < n; i++) h = h * 31 + load<u8>(p + i);
  return h & (SLOTS - 1);
}

/** Each space-separated word of `text` gets the kinds `kinds` (added to those it has). */
function define(text: string, kinds: u32): void {
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) != 0x20) continue;
    const n = <u32>(i - from);
    if (n > 0) {
      const p = BYTES + bytesUsed;
      for (let k: u32 = 0; k < n; k++) store<u8>(p + k, <u8>text.charCodeAt(from + k));
      let h = hashOf(p, n);
      while (true) {
        const len = <u32>load<u8>(SLOT_LEN + h);
        if (len == 0) {
          store<u32>(SLOT_AT + h * 4, <u32>(p - BYTES));
          store<u8>(SLOT_LEN + h, <u8>n);
          store<u32>(SLOT_KINDS + h * 4, kinds);
          bytesUsed += n;
          break;
        }
        if (len == n && memory.compare(BYTES + load<u32>(SLOT_AT + h * 4), p, n) == 0) {
          store<u32>(SLOT_KINDS + h * 4, load<u32>(SLOT_KINDS + h * 4) | kinds);
          break;
        }
        h = (h + 1) & (SLOTS - 1);
      }
    }
    from = i + 1;
  }
}
define(WORDS, SECRET);
define(ORDINARY_WORDS, ORDINARY);
define(DESCRIPTORS, DESCRIPTOR);
define("key keys", KEY | ALONE | KEYISH);
define("apikey privatekey privkey", KEYISH);
define("id", ID);
define("access", ACCESS);
define(KEY_QUALIFIERS, KEY << 1);
define("code codes", CODE | ALONE);
define(CODE_QUALIFIERS, CODE << 1);
define("tokens", TOKENS | ALONE);
define(TOKENS_QUALIFIERS, TOKENS << 1);
define("number num no nr", NUMBER);
define(CARD_QUALIFIERS, NUMBER << 1);
define("verifier", VERIFIER);
define(VERIFIER_QUALIFIERS, VERIFIER << 1);
define("phrase", PHRASE);
define(PHRASE_QUALIFIERS, PHRASE << 1);
define("answer answers", ANSWER);
define(ANSWER_QUALIFIERS, ANSWER << 1);
define("response", RESPONSE);
define(RESPONSE_QUALIFIERS, RESPONSE << 1);

/** The kinds of the lower-cased word at p (n bytes), or 0 for a word not listed. */
function kindsOf(p: usize, n: u32): u32 {
  let h = hashOf(p, n);
  while (true) {
    const len = <u32>load<u8>(SLOT_LEN + h);
    if (len == 0) return 0;
    if (len == n && memory.compare(BYTES + load<u32>(SLOT_AT + h * 4), p, n) == 0) return load<u32>(SLOT_KINDS + h * 4);
    h = (h + 1) & (SLOTS - 1);
  }
}

/**
 * The stems, each found from a pair of letters it holds (its anchor): at most one stem starts
 * with a given anchor offset per pair, so a word is searched only where one of the pairs is.
 */
const STEM_BYTES: usize = heap.alloc(256);
/** Per stem: its offset in STEM_BYTES, length, anchor pair (pairBit) and the anchor's offset in the stem. */
const STEM_AT = new StaticArray<u32>(32);
const STEM_LEN = new StaticArray<u32>(32);
const STEM_ANCHOR = new StaticArray<u32>(32);
const STEM_OFFSET = new StaticArray<u32>(32);
/** 1024 bits: the anchors of the stems. */
const ANCHORS: usize = heap.alloc(128);
let stemCount = 0;
memory.fill(ANCHORS, 0, 128);
{
  let from = 0;
  let at: u32 = 0;
  for (let i = 0; i <= STEMS.length; i++) {
    if (i < STEMS.length && STEMS.charCodeAt(i) != 0x20) continue;
    const n = <u32>(i - from);
    for (let k: u32 = 0; k < n; k++) store<u8>(STEM_BYTES + at + k, <u8>STEMS.charCodeAt(from + k));
    // The anchor: the stem's first pair that is a hint.
    let offset: u32 = 0;
    while (offset + 1 < n && !isHint(load<u8>(STEM_BYTES + at + offset), load<u8>(STEM_BYTES + at + offset + 1))) offset++;
    const anchor = pairBit(load<u8>(STEM_BYTES + at + offset), load<u8>(STEM_BYTES + at + offset + 1));
    STEM_AT[stemCount] = at;
    STEM_LEN[stemCount] = n;
    STEM_ANCHOR[stemCount] = anchor;
    STEM_OFFSET[stemCount] = offset;
    store<u8>(ANCHORS + (anchor >> 3), load<u8>(ANCHORS + (anchor >> 3)) | (<u8>1 << <u8>(anchor & 7)));
    stemCount++;
    at += n;
    from = i + 1;
  }
}

/** Whether the lower-case pair (a, b) is one of HINT_GROUPS'. */
function isHint(a: u32, b: u32): bool {
  for (let g = 0; g < HINT_GROUPS.length; g++) {
    const group = HINT_GROUPS[g];
    const colon = group.indexOf(":");
    let first = false;
    for (let k = 0; k < colon; k++) if (<u32>group.charCodeAt(k) == a) first = true;
    if (!first) continue;
    for (let k = colon + 1; k < group.length; k++) if (<u32>group.charCodeAt(k) == b) return true;
  }
  return false;
}

/** The longest name looked at, in bytes: a longer run is judged by its last bytes. */
export const NAME_MAX: u32 = 128;
/** Names whose answers are kept: how many, and up to how long. */
const SEEN_SLOTS: u32 = 256;
const SEEN_MAX: u32 = 30;
const SEEN_SLOT: u32 = SEEN_MAX + 2;

/** Lower-cased words of the name being judged: their bytes, and where each starts and ends. */
const LOWER: usize = memory.data(<i32>NAME_MAX);
const BOUNDS = new StaticArray<u32>(<i32>NAME_MAX * 2 + 2);

/** A pair of bytes (lower-cased) as a bit among 1024, for the scalar prefilter. */
@inline function pairBit(a: u32, b: u32): u32 {
  return (((a | 0x20) & 31) << 5) | ((b | 0x20) & 31);
}

/**
 * Names on a list, matched whole and case-insensitively (the configuration's). Held in one
 * unmanaged block grouped by length.
 */
export class KeyList {
  private start: usize = heap.alloc((NAME_MAX + 1) * 8);
  private data: usize = 0;
  readonly size: i32;

  constructor(names: ArrayBuffer[]) {
    this.size = names.length;
    let total = 0;
    for (let i = 0; i < names.length; i++) total += names[i].byteLength;
    this.data = heap.alloc(max(total, 1));
    let at: u32 = 0;
    for (let len: u32 = 0; len <= NAME_MAX; len++) {
      store<u32>(this.start + len * 8, at);
      let count: u32 = 0;
      for (let i = 0; i < names.length; i++) {
        if (<u32>names[i].byteLength != len) continue;
        const p = changetype<usize>(names[i]);
        for (let k: u32 = 0; k < len; k++) store<u8>(this.data + at + k, lower(load<u8>(p + k)));
        at += len;
        count++;
      }
      store<u32>(this.start + len * 8 + 4, count);
    }
  }

  free(): void {
    heap.free(this.start);
    heap.free(this.data);
  }

  has(p: usize, n: u32): bool {
    if (n > NAME_MAX || n == 0) return false;
    const count = load<u32>(this.start + n * 8 + 4);
    let q = this.data + load<u32>(this.start + n * 8);
    for (let k: u32 = 0; k < count; k++, q += n) {
      let j: u32 = 0;
      while (j < n && lower(load<u8>(p + j)) == load<u8>(q + j)) j++;
      if (j == n) return true;
    }
    return false;
  }
}

@inline function lower(c: u32): u8 {
  return <u8>(c >= 0x41 && c <= 0x5a ? c + 32 : c);
}

/** The secret names of one configuration: the word rule, and the names it adds. */
export class SecretNames {
  listed: KeyList = new KeyList([]);
  /** The configured names' first bytes, and the bytes that may follow them, for the prefilters. */
  listedFirst: string = "";
  listedNext: string = "";
  /** 1024 bits, one per lower-cased pair of bytes a secret name may hold (pairBit). */
  private pairs: usize = heap.alloc(128);
  /** The answers for the names seen last (`has`). */
  private seen: usize = heap.alloc(SEEN_SLOTS * SEEN_SLOT);

  constructor(configured: string[]) {
    const names: ArrayBuffer[] = [];
    memory.fill(this.pairs, 0, 128);
    memory.fill(this.seen, 0, SEEN_SLOTS * SEEN_SLOT);
    for (let g = 0; g < HINT_GROUPS.length; g++) {
      const group = HINT_GROUPS[g];
      const colon = group.indexOf(":");
      this.setPairs(group.substring(0, colon), group.substring(colon + 1));
    }
    for (let i = 0; i < configured.length; i++) {
      names.push(String.UTF8.encode(configured[i]));
      this.listedFirst += configured[i].charAt(0);
      // A one-letter name is followed by whatever ends it: a quote, '=', ':', a space.
      this.listedNext += configured[i].length > 1 ? configured[i].charAt(1) : "\"'=: \\%&]";
    }
    this.setPairs(this.listedFirst, this.listedNext);
    this.listed.free();
    this.listed = new KeyList(names);
  }

  free(): void {
    this.listed.free();
    heap.free(this.pairs);
    heap.free(this.seen);
  }

  /**
   * The pairs a secret name may hold, in at most eight groups (candidates.ts: hintGroups): the
   * built-in ones, and the configured names' (for which two built-in groups are joined).
   */
  groups(): string[] {
    if (this.listedFirst.length == 0) return HINT_GROUPS;
    const out = HINT_GROUPS.slice(0, HINT_GROUPS.length - 3);
    out.push("ia:gu");
    out.push(HINT_GROUPS[HINT_GROUPS.length - 1]);
    out.push(this.listedFirst + ":" + this.listedNext);
    return out;
  }

  private setPairs(firsts: string, nexts: string): void {
    for (let a = 0; a < firsts.length; a++) {
      for (let b = 0; b < nexts.length; b++) {
        const bit = pairBit(firsts.charCodeAt(a), nexts.charCodeAt(b));
        store<u8>(this.pairs + (bit >> 3), load<u8>(this.pairs + (bit >> 3)) | (<u8>1 << <u8>(bit & 7)));
      }
    }
  }

  /**
   * Is the name of n bytes at p secret (by its words, or listed)? The same names come with every
   * request (a service's query parameters and JSON keys): the answer for each of the last names
   * up to SEEN_MAX bytes is kept, in a slot picked by a hash of its bytes, with the bytes.
   */
  has(p: usize, n: u32): bool {
    if (n == 0) return false;
    // A longer name is judged by its first and its last NAME_MAX bytes.
    if (n > NAME_MAX) return secretByWords(p, NAME_MAX) || secretByWords(p + n - NAME_MAX, NAME_MAX);
    if (n > SEEN_MAX) return this.listed.has(p, n) || secretByWords(p, n);
    let h: u32 = 2166136261;
    for (let i: u32 = 0; i < n; i++) h = (h ^ load<u8>(p + i)) * 16777619;
    const slot = this.seen + <usize>(h & (SEEN_SLOTS - 1)) * SEEN_SLOT;
    // A slot: its name's length (0: empty), whether it is secret, and its bytes.
    if (load<u8>(slot) == n && memory.compare(slot + 2, p, n) == 0) return load<u8>(slot + 1) != 0;
    const secret = this.listed.has(p, n) || secretByWords(p, n);
    store<u8>(slot, <u8>n);
    store<u8>(slot + 1, secret ? 1 : 0);
    memory.copy(slot + 2, p, n);
    return secret;
  }

  /** Whether the name may be secret: it holds a hint pair (most names do not), or is one byte long. */
  hinted(p: usize, n: u32): bool {
    if (n < 2) return true;
    for (let i: u32 = 0; i + 1 < n; i++) {
      const bit = pairBit(load<u8>(p + i), load<u8>(p + i + 1));
      if ((load<u8>(this.pairs + (bit >> 3)) & (1 << (bit & 7))) != 0) return true;
    }
    return false;
  }
}

/** Lower-case the name into LOWER and cut it into words; returns how many. */
function split(p: usize, n: u32): i32 {
  let count = 0;
  let inWord = false;
  let prevKind: u32 = 0; // 1 lower, 2 upper, 3 digit
  for (let i: u32 = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    store<u8>(LOWER + i, lower(c));
    const kind: u32 = c >= 0x61 && c <= 0x7a ? 1 : c >= 0x41 && c <= 0x5a ? 2 : c >= 0x30 && c <= 0x39 ? 3 : 0;
    let boundary = false;
    if (kind == 0) {
      if (inWord) { unchecked(BOUNDS[count * 2 + 1] = i); count++; inWord = false; }
      prevKind = 0;
      continue;
    }
    if (inWord) {
      // userPassword | APIKey (before the K) | cvv2
      const next = i + 1 < n ? <u32>load<u8>(p + i + 1) : 0;
      if (kind == 2 && prevKind == 1) boundary = true;
      else if (kind == 2 && prevKind == 2 && next >= 0x61 && next <= 0x7a) boundary = true;
      else if ((kind == 3) != (prevKind == 3)) boundary = true;
      if (boundary) { unchecked(BOUNDS[count * 2 + 1] = i); count++; inWord = false; }
    }
    if (!inWord) { unchecked(BOUNDS[count * 2] = i); inWord = true; }
    prevKind = kind;
  }
  if (inWord) { unchecked(BOUNDS[count * 2 + 1] = n); count++; }
  return count;
}

/** Whether the lower-cased word at LOWER[s, e) holds a stem: looked for only where its anchor pairs are. */
function holdsStem(s: u32, e: u32): bool {
  for (let i = s; i + 1 < e; i++) {
    const pair = pairBit(load<u8>(LOWER + i), load<u8>(LOWER + i + 1));
    if ((load<u8>(ANCHORS + (pair >> 3)) & (1 << (pair & 7))) == 0) continue;
    for (let k = 0; k < stemCount; k++) {
      if (unchecked(STEM_ANCHOR[k]) != pair) continue;
      const offset = unchecked(STEM_OFFSET[k]);
      const n = unchecked(STEM_LEN[k]);
      if (i < s + offset || i - offset + n > e) continue;
      if (memory.compare(LOWER + i - offset, STEM_BYTES + unchecked(STEM_AT[k]), n) == 0) return true;
    }
  }
  return false;
}

/** The word rule (see the file's head), on n bytes at p (at most NAME_MAX). */
export function secretByWords(p: usize, n: u32): bool {
  const count = split(p, n);
  let secret = false;
  let before: u32 = 0;
  let twoBefore: u32 = 0;
  for (let w = 0; w < count; w++) {
    const s = unchecked(BOUNDS[w * 2]);
    const e = unchecked(BOUNDS[w * 2 + 1]);
    const kinds = kindsOf(LOWER + s, e - s);
    const qualified = kinds & QUALIFIED;
    let hit = false;
    if (qualified != 0) hit = (count == 1 && (kinds & ALONE) != 0) || (before & (qualified << 1)) != 0;
    else if ((kinds & ORDINARY) == 0) hit = (kinds & SECRET) != 0 || holdsStem(s, e) || endsInPass(s, e);
    if (hit) secret = true;
    // Descriptors, and an id after a key (key_id, signing_key_id; not AWS's AccessKeyId), describe a secret.
    else if (secret && ((kinds & DESCRIPTOR) != 0 || ((kinds & ID) != 0 && (before & KEYISH) != 0 && (twoBefore & ACCESS) == 0))) secret = false;
    twoBefore = before;
    before = kinds;
  }
  return secret;
}

/** dbpass, userpass, rootpass: a word ending in "pass" (those that are ordinary words are listed). */
function endsInPass(s: u32, e: u32): bool {
  return e - s > 4 && load<u32>(LOWER + e - 4) == 0x73736170; // "pass"
}
