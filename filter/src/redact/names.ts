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
export const stems = list("passw passphrase passcode secret token credential apikey privatekey session sessid cookie csrf xsrf signature cardnum jwt");
/** Secret as whole words. */
export const words = list("pass pwd pw auth authn authz authorization authorisation sig sid sess cvv cvc cvn pin otp totp hotp ssn cred creds verifier");
/** "key" is secret alone or after one of these (api_key, privateKey, AccountKey); not sort_key, monkey or key_id. */
const keyQualifiers = list("api private secret access signing sign encryption enc client master account shared auth license licence " +
  "subscription storage app application consumer session ssh gpg pgp rsa hmac sas service root admin webhook write x");
/** "code" is secret alone (OAuth's authorization code) or after one of these; not zip_code or status_code. */
const codeQualifiers = list("auth authorization verification verify otp security access recovery backup mfa sms confirmation confirm " +
  "reset login device activation one pin");
/** A card number by name: card_number, cardNo. */
const cardNumbers = list("number num no nr");
/** Counted, not held: max_tokens, total_tokens are numbers; tokens and refresh_tokens are secret. */
const tokensQualifiers = list("access refresh api auth id bearer session oauth");
/** Words that, after a secret word, say the value describes it rather than holds it. */
const descriptors = list("type types kind format expires expiry expiration exp expired ttl lifetime timeout length len count size max " +
  "min url uri endpoint path version algorithm alg method methods scheme policy required enabled strength hint provider issuer at " +
  "name label field");
const KEY = String.UTF8.encode("key");
const CODE = String.UTF8.encode("code");
const CARD = String.UTF8.encode("card");
const TOKENS = String.UTF8.encode("tokens");

/**
 * Pairs of letters at least one of which every secret word above holds (ss: pass, session, ssn;
 * ok: token, cookie; ke: key…), in groups of first letters and the letters that may follow
 * them ("or:kd" is ok, od, rk, rd). The scan's prefilter (candidates.ts) and `has` look for
 * these; a configured name's first two bytes are looked for too.
 */
export const HINT_GROUPS: string[] = ["s:sri", "p:wi", "c:rv", "or:kd", "k:e", "ia:gfu", "tj:pw"];

/** Words separated by spaces, each as its bytes. */
function list(text: string): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) != 0x20) continue;
    if (i > from) out.push(String.UTF8.encode(text.substring(from, i)));
    from = i + 1;
  }
  return out;
}

/** The longest name looked at, in bytes: a longer run is judged by its last bytes. */
export const NAME_MAX: u32 = 128;

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

  constructor(configured: string[]) {
    const names: ArrayBuffer[] = [];
    memory.fill(this.pairs, 0, 128);
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
    this.listed = new KeyList(names);
  }

  /** The pairs a secret name may hold, in groups (candidates.ts: hintGroups): the built-in ones, and the configured names'. */
  groups(): string[] {
    const out = HINT_GROUPS.slice(0);
    if (this.listedFirst.length > 0) out.push(this.listedFirst + ":" + this.listedNext);
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

  /** Is the name of n bytes at p secret (by its words, or listed)? */
  has(p: usize, n: u32): bool {
    if (n == 0) return false;
    if (n > NAME_MAX) {
      p += n - NAME_MAX;
      n = NAME_MAX;
    }
    return this.listed.has(p, n) || secretByWords(p, n);
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

/** Is the lower-cased word at LOWER[s, e) equal to b? */
@inline function isWord(s: u32, e: u32, b: ArrayBuffer): bool {
  const m = <u32>b.byteLength;
  if (e - s != m) return false;
  return memory.compare(LOWER + s, changetype<usize>(b), m) == 0;
}

function inList(s: u32, e: u32, list: ArrayBuffer[]): bool {
  for (let i = 0; i < list.length; i++) if (isWord(s, e, unchecked(list[i]))) return true;
  return false;
}

function holdsStem(s: u32, e: u32): bool {
  for (let k = 0; k < stems.length; k++) {
    const stem = unchecked(stems[k]);
    const m = <u32>stem.byteLength;
    if (e - s < m) continue;
    const first = load<u8>(changetype<usize>(stem));
    for (let i = s; i + m <= e; i++) {
      if (load<u8>(LOWER + i) == first && memory.compare(LOWER + i, changetype<usize>(stem), m) == 0) return true;
    }
  }
  return false;
}

/** The word rule (see the file's head), on n bytes at p (at most NAME_MAX). */
export function secretByWords(p: usize, n: u32): bool {
  const count = split(p, n);
  let secret = false;
  for (let w = 0; w < count; w++) {
    const s = unchecked(BOUNDS[w * 2]);
    const e = unchecked(BOUNDS[w * 2 + 1]);
    const prev = w > 0;
    const ps = prev ? unchecked(BOUNDS[w * 2 - 2]) : 0;
    const pe = prev ? unchecked(BOUNDS[w * 2 - 1]) : 0;
    let hit = false;
    if (isWord(s, e, TOKENS)) hit = count == 1 || (prev && inList(ps, pe, tokensQualifiers));
    else if (isWord(s, e, KEY)) hit = count == 1 || (prev && inList(ps, pe, keyQualifiers));
    else if (isWord(s, e, CODE)) hit = count == 1 || (prev && inList(ps, pe, codeQualifiers));
    else if (prev && isWord(ps, pe, CARD) && inList(s, e, cardNumbers)) hit = true;
    else hit = inList(s, e, words) || holdsStem(s, e);
    if (hit) secret = true;
    else if (secret && inList(s, e, descriptors)) secret = false;
  }
  return secret;
}
