// Writing values into the record with their secrets replaced: the scan (detect.ts) finds spans,
// this writes the original bytes between them, JSON-escaped, and a replacement for each span:
// [RULE] (mask), [RULE:...1111] (partial) or [RULE:key_id:16 hex digits] (hmac). Encoded text is
// scanned decoded and redacted in the original (percent.ts). Values with a structure of their
// own (a URL, a query or form, cookies, an Authorization header) keep their shape: names and
// schemes stay, secret values go. It also counts what fired, per record.
import { ByteWriter } from "../bytes";
import { REDACTIONS } from "../capture/fields";
import { writeEscaped } from "./escape";
import { detect, Scanning, Spans } from "./detect";
import { HmacSha256 } from "./hmac";
import { KeyList, SecretNames } from "./names";
import { Source, Syntax } from "./source";
import { Decode, Decoded, needsDecoding } from "./percent";
import { Mode, Rule, RULE_NAMES, TALLIES, TRUNCATED } from "./rules";

const HEXD = "0123456789abcdef";

/** What a text is, which says how it is decoded and read (pairs.ts: Syntax). */
export enum As {
  /** A header value or a property: scanned as it is. */
  Value,
  /** A text body: percent-decoded. */
  Text,
  /** A URL's path. */
  Path,
  /** A query parameter's or form field's value: '+' is a space too. */
  QueryValue,
  /** A JSON body: JSON's own escapes decoded too. */
  Json,
}

/** What the scan read: the original bytes, or their decoded copy (whose offsets map back through `Decoded.origin`). */
enum Scanned {
  Original,
  Decoded,
}

/** A Cookie header's name=value pairs, or a Set-Cookie's one pair followed by its attributes. */
enum Cookies {
  Pairs,
  PairThenAttributes,
}

export class Redactor {
  modes: StaticArray<u8> = new StaticArray<u8>(0);
  counts: StaticArray<u32> = new StaticArray<u32>(TALLIES);
  fired: u32 = 0;
  private hmac: HmacSha256 | null = null;
  private keyId: string = "";
  private spans: Spans = new Spans();
  private decoded: Decoded = new Decoded();
  private scratch: ByteWriter = new ByteWriter(128);
  private mac: usize = heap.alloc(32);
  private names: ArrayBuffer[] = [];

  constructor(modes: u8[], hmacKey: string, keyId: string, readonly secretNames: SecretNames, private cookiesKept: KeyList) {
    const m = new StaticArray<u8>(modes.length);
    for (let i = 0; i < modes.length; i++) m[i] = modes[i];
    this.modes = m;
    this.hmac = hmacKey.length > 0 ? new HmacSha256(String.UTF8.encode(hmacKey)) : null;
    this.keyId = keyId;
    for (let i = 0; i < RULE_NAMES.length; i++) this.names.push(String.UTF8.encode(RULE_NAMES[i]));
    this.names.push(String.UTF8.encode("TRUNCATED"));
  }

  /** Give back what it holds outside the collected heap, and its lists': the redactor is not used again. */
  free(): void {
    this.scratch.free();
    heap.free(this.mac);
    this.decoded.free();
    if (this.hmac !== null) this.hmac!.free();
    this.secretNames.free();
    this.cookiesKept.free();
  }

  /** Start a new record's tally. */
  reset(): void {
    if (this.fired == 0) return;
    for (let i = 0; i < TALLIES; i++) unchecked(this.counts[i] = 0);
    this.fired = 0;
  }

  /**
   * Begin writing a value that will be kept and written again in later records (a connection's
   * addresses, a token's claims): what it redacts is set apart (`keptSince`), to be counted in
   * every record it is written into (`add`).
   */
  keepFrom(): StaticArray<u32> {
    const mark = new StaticArray<u32>(TALLIES + 1);
    for (let i = 0; i < TALLIES; i++) unchecked(mark[i] = this.counts[i]);
    unchecked(mark[TALLIES] = this.fired);
    return mark;
  }

  /** The redactions made since `keepFrom` gave `mark`, as pairs of rule and count, taken out of this record's tally. */
  keptSince(mark: StaticArray<u32>): StaticArray<u32> {
    const pairs: u32[] = [];
    for (let i = 0; i < TALLIES; i++) {
      const n = unchecked(this.counts[i]) - unchecked(mark[i]);
      if (n == 0) continue;
      pairs.push(i);
      pairs.push(n);
      unchecked(this.counts[i] = mark[i]);
    }
    this.fired = unchecked(mark[TALLIES]);
    return StaticArray.fromArray<u32>(pairs);
  }

  /** Count redactions made before (pairs of rule and count) into this record's tally. */
  add(pairs: StaticArray<u32>): void {
    for (let i = 0; i < pairs.length; i += 2) {
      unchecked(this.counts[pairs[i]] += pairs[i + 1]);
      this.fired += pairs[i + 1];
    }
  }

  /** Text of a kind: scanned (decoded first when it holds anything encoded) and written redacted. */
  text(w: ByteWriter, p: usize, n: u32, kind: As): void {
    const how: u8 = kind == As.QueryValue ? Decode.Plus : kind == As.Json ? Decode.JsonEscapes : 0;
    Source.syntax = kind == As.Path ? Syntax.Path : kind == As.Json ? Syntax.Json : Syntax.Text;
    if (kind != As.Value && n > 0 && needsDecoding(p, n, how)) {
      const d = this.decoded;
      d.decode(p, n, how);
      Source.original = p;
      Source.origin = d.origin;
      detect(d.ptr, d.len, this.modes, this.spans, this.secretNames, Scanning.Wide);
      Source.origin = null;
      this.writeSpans(w, p, n, d.ptr, Scanned.Decoded);
    } else {
      Source.origin = null;
      detect(p, n, this.modes, this.spans, this.secretNames, Scanning.Wide);
      this.writeSpans(w, p, n, p, Scanned.Original);
    }
  }

  /** A request target or a URL header: the path scanned (decoded), then each query parameter by name and value. */
  url(w: ByteWriter, p: usize, n: u32): void {
    let q: u32 = 0;
    while (q < n && load<u8>(p + q) != 0x3f) q++;
    this.text(w, p, q, As.Path);
    if (q >= n) return;
    w.byte(0x3f);
    this.query(w, p + q + 1, n - q - 1);
  }

  /** name=value&name=value (a query, a form body): values of secret names replaced whole, the rest scanned. */
  query(w: ByteWriter, p: usize, n: u32): void {
    let s: u32 = 0;
    while (s <= n) {
      let e = s;
      while (e < n && load<u8>(p + e) != 0x26) e++;
      let eq = s;
      while (eq < e && load<u8>(p + eq) != 0x3d) eq++;
      this.text(w, p + s, eq - s, As.QueryValue);
      if (eq < e) {
        w.byte(0x3d);
        if (this.isSecretName(p + s, eq - s, Decode.Plus)) this.whole(w, Rule.SECRET_PARAM, p + eq + 1, e - eq - 1);
        else this.text(w, p + eq + 1, e - eq - 1, As.QueryValue);
      }
      if (e >= n) break;
      w.byte(0x26);
      s = e + 1;
    }
  }

  /**
   * A Cookie header (name=value; name=value): names stay; values go, but for cookies named in
   * redact.cookies_kept, which are scanned.
   */
  cookie(w: ByteWriter, p: usize, n: u32): void {
    this.cookies(w, p, n, Cookies.Pairs);
  }

  /** A Set-Cookie header: its pair as a cookie's, then its attributes (Path, Expires…) as they are, scanned. */
  setCookie(w: ByteWriter, p: usize, n: u32): void {
    this.cookies(w, p, n, Cookies.PairThenAttributes);
  }

  private cookies(w: ByteWriter, p: usize, n: u32, form: Cookies): void {
    let s: u32 = 0;
    while (s < n) {
      let e = s;
      while (e < n && load<u8>(p + e) != 0x3b) e++;
      let a = s;
      while (a < e && load<u8>(p + a) == 0x20) a++;
      let eq = a;
      while (eq < e && load<u8>(p + eq) != 0x3d) eq++;
      writeEscaped(w, p + s, a - s);
      if (eq >= e) this.whole(w, Rule.SECRET_HEADER, p + a, e - a);
      else {
        this.text(w, p + a, eq - a, As.Value);
        w.byte(0x3d);
        if (this.cookiesKept.has(p + a, eq - a)) this.text(w, p + eq + 1, e - eq - 1, As.Value);
        else this.whole(w, Rule.SECRET_PARAM, p + eq + 1, e - eq - 1);
      }
      if (e >= n) return;
      w.byte(0x3b);
      if (form == Cookies.PairThenAttributes) {
        this.text(w, p + e + 1, n - e - 1, As.Value);
        return;
      }
      s = e + 1;
    }
  }

  /** Authorization and Proxy-Authorization: the scheme stays (Bearer, Basic, Digest…), the credentials go. */
  authorization(w: ByteWriter, p: usize, n: u32): void {
    let s: u32 = 0;
    while (s < n && isSchemeByte(load<u8>(p + s))) s++;
    if (s == 0 || s >= n || load<u8>(p + s) != 0x20) {
      this.whole(w, Rule.SECRET_HEADER, p, n);
      return;
    }
    writeEscaped(w, p, s + 1);
    const rule = isWord(p, s, "bearer") ? Rule.BEARER_TOKEN : isWord(p, s, "basic") ? Rule.BASIC_AUTH : Rule.SECRET_HEADER;
    let v = s + 1;
    while (v < n && load<u8>(p + v) == 0x20) v++;
    writeEscaped(w, p + s + 1, v - s - 1);
    this.whole(w, rule, p + v, n - v);
  }

  private isSecretName(p: usize, n: u32, how: u8): bool {
    const names = this.secretNames;
    if (needsDecoding(p, n, how)) {
      const d = this.decoded;
      d.decode(p, n, how);
      return names.hinted(d.ptr, d.len) && names.has(d.ptr, d.len);
    }
    return names.hinted(p, n) && names.has(p, n);
  }

  /** A value that is secret as a whole (a denied header or parameter): only its replacement is written. */
  whole(w: ByteWriter, rule: i32, p: usize, n: u32): void {
    if (n == 0) return;
    this.replacement(w, rule, p, n);
  }

  /** The n bytes at orig with the spans found in `scanned` replaced; spans in a decoded copy are mapped back to the original. */
  private writeSpans(w: ByteWriter, orig: usize, n: u32, scanned: usize, what: Scanned): void {
    const spans = this.spans;
    const decoded = what == Scanned.Decoded;
    let from: u32 = 0;
    for (let s = 0; s < spans.count; s++) {
      const ds = unchecked(spans.start[s]);
      const de = unchecked(spans.end[s]);
      const os = decoded ? unchecked(this.decoded.origin[ds]) : ds;
      const oe = decoded ? unchecked(this.decoded.origin[de]) : de;
      writeEscaped(w, orig + from, os - from);
      const rule = unchecked(spans.rule[s]);
      const quoted = (rule >> 8) - 1;
      if (quoted >= 0) this.quote(w, quoted);
      this.replacement(w, rule & 0xff, scanned + ds, de - ds);
      if (quoted >= 0) this.quote(w, quoted);
      from = oe;
    }
    writeEscaped(w, orig + from, n - from);
  }

  /** A quote after `run` backslashes, as a JSON string of the record holds it. */
  private quote(w: ByteWriter, run: i32): void {
    const s = this.scratch;
    s.clear();
    for (let i = 0; i < run; i++) s.byte(0x5c);
    s.byte(0x22);
    writeEscaped(w, s.ptr, s.len);
  }

  /** A value was cut at its field's bound (capture/bounds.ts): tallied with the redactions, as TRUNCATED. */
  truncated(): void {
    unchecked(this.counts[TRUNCATED]++);
    this.fired++;
  }

  /** The replacement for a match of rule over n bytes at p. */
  private replacement(w: ByteWriter, rule: i32, p: usize, n: u32): void {
    unchecked(this.counts[rule]++);
    this.fired++;
    w.byte(0x5b);
    w.buf(unchecked(this.names[rule]));
    const mode = unchecked(this.modes[rule]);
    if (mode == Mode.Hmac && this.hmac !== null) {
      w.byte(0x3a);
      w.ascii(this.keyId);
      w.byte(0x3a);
      const norm = this.normalized(rule, p, n);
      this.hmac!.mac(norm.ptr, norm.len, this.mac);
      for (let i: u32 = 0; i < 8; i++) {
        const b = load<u8>(this.mac + i);
        w.byte(HEXD.charCodeAt(b >> 4));
        w.byte(HEXD.charCodeAt(b & 15));
      }
    } else if (mode == Mode.Partial) {
      this.partial(w, rule, p, n);
    }
    w.byte(0x5d);
  }

  /** What an HMAC is taken over: emails lower-cased, numbers as their digits, the rest as found. */
  private normalized(rule: i32, p: usize, n: u32): ByteWriter {
    const s = this.scratch;
    s.clear();
    const digitsOnly = rule == Rule.CREDIT_CARD || rule == Rule.US_SSN || rule == Rule.PHONE_NUMBER;
    for (let i: u32 = 0; i < n; i++) {
      let c = load<u8>(p + i);
      if (digitsOnly && (c < 0x30 || c > 0x39)) continue;
      if ((rule == Rule.EMAIL_ADDRESS || rule == Rule.IBAN_CODE) && c >= 0x41 && c <= 0x5a) c += 32;
      if (rule == Rule.IBAN_CODE && c == 0x20) continue;
      s.byte(c);
    }
    return s;
  }

  private partial(w: ByteWriter, rule: i32, p: usize, n: u32): void {
    w.byte(0x3a);
    if (rule == Rule.EMAIL_ADDRESS) {
      let a: u32 = 0;
      while (a < n && load<u8>(p + a) != 0x40) a++;
      w.ascii("...");
      writeEscaped(w, p + a, n - a);
    } else if (rule == Rule.IP_ADDRESS) {
      // The network, not the host: the first two parts of an IPv4, the first group of an IPv6.
      let dots = 0;
      let i: u32 = 0;
      const v6 = isV6(p, n);
      while (i < n) {
        const c = load<u8>(p + i);
        if (c == (v6 ? 0x3a : 0x2e) && ++dots == (v6 ? 1 : 2)) break;
        i++;
      }
      writeEscaped(w, p, i);
      w.ascii(v6 ? ":..." : ".x.x");
    } else {
      // The last digits (four, two for a phone number), and an IBAN's country code.
      if (rule == Rule.IBAN_CODE) {
        writeEscaped(w, p, 2);
      }
      const keep: u32 = rule == Rule.PHONE_NUMBER ? 2 : 4;
      let start = n;
      let kept: u32 = 0;
      while (start > 0 && kept < keep) {
        start--;
        const c = load<u8>(p + start);
        if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) kept++;
      }
      w.ascii("...");
      for (let i = start; i < n; i++) {
        const c = load<u8>(p + i);
        if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) w.byte(c);
      }
    }
  }

  /** The redactions summary: "redactions":{"RULE":count,…}, or nothing when none fired. */
  summary(w: ByteWriter): void {
    if (this.fired == 0) return;
    w.buf(REDACTIONS);
    let first = true;
    for (let i = 0; i < TALLIES; i++) {
      const c = unchecked(this.counts[i]);
      if (c == 0) continue;
      if (!first) w.byte(0x2c);
      first = false;
      w.byte(0x22);
      w.buf(unchecked(this.names[i]));
      w.byte(0x22);
      w.byte(0x3a);
      w.dec(c);
    }
    w.byte(0x7d);
  }
}

function isV6(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 0x3a) return true;
  return false;
}

/** A token68 scheme's bytes (RFC 9110): letters, digits and - . _ ~ + / and !#$%&'*^`| */
@inline function isSchemeByte(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 26) || c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e || c == 0x2b || c == 0x21 ||
    (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x5e || c == 0x60 || c == 0x7c;
}

/** Whether n bytes at p are the lower-case ASCII word, in any case. */
function isWord(p: usize, n: u32, word: string): bool {
  if (n != <u32>word.length) return false;
  for (let i: u32 = 0; i < n; i++) if ((load<u8>(p + i) | 0x20) != <u8>word.charCodeAt(i)) return false;
  return true;
}
