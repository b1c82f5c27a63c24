// Who called: the claims of the caller's bearer JWT (issuer, subject, client), read before
// anything is redacted. Claims Envoy's jwt_authn filter verified (its dynamic metadata, where it
// runs before redtail with payload_in_metadata set, as Istio's RequestAuthentication does) are
// written as jwt_*; claims read from the token itself, unchecked, as unverified_jwt_*, so that
// nobody takes them for verified. Never the token. A client sends the same token with many
// requests: the claims read from one are kept, by the token's payload. (The mTLS peer's
// identity, per connection, is read with the connection's other values in connection.ts.)
import { getProperty, Ret } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter, bytesOf, Pairs } from "../bytes";
import { As, Redactor } from "../redact/redactor";
import { fit } from "./bounds";
import { JWT, UNVERIFIED_JWT } from "./fields";

const P_JWT_AUTHN = bytesOf("metadata\0filter_metadata\0envoy.filters.http.jwt_authn");

/** The claims written, in the order of their fields (fields.ts: JWT, UNVERIFIED_JWT). */
const CLAIMS = ["iss", "sub", "azp", "client_id"];
const claimNames = CLAIMS.map<ArrayBuffer>((c) => bytesOf(c));
/** A claim longer than this is not written (nor read further). */
const CLAIM_MAX: u32 = 1024;
/** A token whose payload is longer than this is not read. */
const PAYLOAD_MAX: u32 = 16384;
/** Tokens whose claims are kept, by their payload's hash: one in each slot, the latest. */
const TOKENS_KEPT = 256;

/** A token's claims as written (redacted), and what that redacted. */
class Claims {
  payload: ArrayBuffer = new ArrayBuffer(0);
  json: ArrayBuffer = new ArrayBuffer(0);
  redactions: StaticArray<u32> = new StaticArray<u32>(0);
}

export class Caller {
  private outer: Pairs = new Pairs();
  private inner: Pairs = new Pairs();
  private payload: ByteWriter = new ByteWriter(512);
  private value: ByteWriter = new ByteWriter(128);
  /** Where each claim's value is in the payload (start, end), or -1. */
  private at: StaticArray<i32> = new StaticArray<i32>(8);
  private kept: StaticArray<Claims | null> = new StaticArray<Claims | null>(TOKENS_KEPT);
  private scratch: ByteWriter = new ByteWriter(256);

  constructor(private redactor: Redactor) {}

  free(): void {
    this.payload.free();
    this.value.free();
    this.scratch.free();
  }

  /** The caller's claims, for a request whose Authorization header (n bytes at p) holds a bearer JWT. */
  write(w: ByteWriter, p: usize, n: u32): void {
    const token = bearerJwt(p, n);
    if (token < 0 || this.verified(w)) return;
    // header.payload.signature: the payload, base64url.
    let a = <u32>token;
    while (a < n && load<u8>(p + a) != 0x2e) a++;
    let b = a + 1;
    while (b < n && load<u8>(p + b) != 0x2e) b++;
    if (b >= n || b - a - 1 > PAYLOAD_MAX * 4 / 3) return;
    const payload = p + a + 1;
    const size = b - a - 1;
    const slot = hashOf(payload, size) & (TOKENS_KEPT - 1);
    let c = unchecked(this.kept[slot]);
    if (c === null || <u32>c.payload.byteLength != size || memory.compare(changetype<usize>(c.payload), payload, size) != 0) {
      c = this.read(payload, size);
      unchecked(this.kept[slot] = c);
    }
    w.buf(c.json);
    this.redactor.add(c.redactions);
  }

  /** A token's unverified claims, written (redacted) apart, with their tally. */
  private read(payload: usize, size: u32): Claims {
    const c = new Claims();
    c.payload = new ArrayBuffer(size);
    memory.copy(changetype<usize>(c.payload), payload, size);
    const s = this.scratch;
    s.clear();
    const mark = this.redactor.keepFrom();
    if (base64url(payload, size, this.payload) && this.find(this.payload.ptr, this.payload.len)) this.writeClaims(s, UNVERIFIED_JWT, this.payload.ptr);
    c.redactions = this.redactor.keptSince(mark);
    c.json = s.toBuffer();
    return c;
  }

  /** Claims from jwt_authn's metadata: {payload key: {claim: value}}; whether any was written. */
  private verified(w: ByteWriter): bool {
    if (!getProperty(P_JWT_AUTHN)) return false;
    let wrote = false;
    if (this.outer.parse(Ret.ptr, Ret.len)) {
      for (let i: u32 = 0; i < this.outer.count && !wrote; i++) {
        const inner = this.inner;
        if (!inner.parse(this.outer.valPtr(i), this.outer.valLen(i))) continue;
        for (let c = 0; c < CLAIMS.length; c++) {
          if (c == 3 && lookup(inner, claimNames[2]) >= 0) break; // azp, else client_id
          const k = lookup(inner, claimNames[c]);
          if (k < 0) continue;
          this.field(w, JWT[c], inner.valPtr(k), inner.valLen(k));
          wrote = true;
        }
      }
      this.inner.reset();
      this.outer.reset();
    }
    Ret.free();
    return wrote;
  }

  /** The top-level string claims of the payload's JSON object, into `at`; false if it is not one. */
  private find(p: usize, n: u32): bool {
    for (let c = 0; c < 8; c++) unchecked(this.at[c] = -1);
    let i = skipSpace(p, n, 0);
    if (i >= n || load<u8>(p + i) != 0x7b) return false;
    i++;
    while (true) {
      i = skipSpace(p, n, i);
      if (i >= n || load<u8>(p + i) != 0x22) return false;
      const keyEnd = stringEnd(p, n, i + 1);
      if (keyEnd >= n) return false;
      const key = i + 1;
      const keyLen = keyEnd - key;
      i = skipSpace(p, n, keyEnd + 1);
      if (i >= n || load<u8>(p + i) != 0x3a) return false;
      i = skipSpace(p, n, i + 1);
      if (i >= n) return false;
      const start = i;
      i = valueEnd(p, n, i);
      if (i > n) return false;
      if (load<u8>(p + start) == 0x22 && i - start - 2 <= CLAIM_MAX) {
        for (let c = 0; c < CLAIMS.length; c++) {
          if (unchecked(this.at[c * 2]) < 0 && same(p + key, keyLen, claimNames[c])) {
            unchecked(this.at[c * 2] = <i32>(start + 1));
            unchecked(this.at[c * 2 + 1] = <i32>(i - 1));
          }
        }
      }
      i = skipSpace(p, n, i);
      if (i >= n) return false;
      const c = load<u8>(p + i);
      if (c == 0x7d) return true;
      if (c != 0x2c) return false;
      i++;
    }
  }

  private writeClaims(w: ByteWriter, fields: ArrayBuffer[], base: usize): void {
    for (let c = 0; c < CLAIMS.length; c++) {
      if (c == 3 && unchecked(this.at[4]) >= 0) break; // azp, else client_id
      const s = unchecked(this.at[c * 2]);
      if (s < 0) continue;
      const v = this.value;
      v.clear();
      if (!unescape(base + s, <u32>(unchecked(this.at[c * 2 + 1]) - s), v)) continue;
      this.field(w, fields[c], v.ptr, v.len);
    }
  }

  private field(w: ByteWriter, name: ArrayBuffer, p: usize, n: u32): void {
    w.buf(name);
    const start = w.len;
    this.redactor.text(w, p, n, As.Value);
    fit(w, this.redactor, name, start);
    w.byte(0x22);
  }
}

/** FNV-1a, for finding a token's kept claims. */
function hashOf(p: usize, n: u32): u32 {
  let h: u32 = 2166136261;
  for (let i: u32 = 0; i < n; i++) h = (h ^ load<u8>(p + i)) * 16777619;
  return h;
}

/** Where a bearer JWT starts in an Authorization value ("Bearer eyJ…"), or -1. */
function bearerJwt(p: usize, n: u32): i32 {
  if (n < 10) return -1;
  const scheme = "bearer ";
  for (let i = 0; i < 7; i++) if ((load<u8>(p + i) | (i < 6 ? 0x20 : 0)) != <u8>scheme.charCodeAt(i)) return -1;
  let i: u32 = 7;
  while (i < n && load<u8>(p + i) == 0x20) i++;
  return i + 3 <= n && load<u8>(p + i) == 0x65 && load<u8>(p + i + 1) == 0x79 && load<u8>(p + i + 2) == 0x4a ? <i32>i : -1;
}

/** The entry of a map whose key is name and whose value is short enough to be a claim, or -1. */
function lookup(map: Pairs, name: ArrayBuffer): i32 {
  for (let k: u32 = 0; k < map.count; k++) {
    if (same(map.keyPtr(k), map.keyLen(k), name) && map.valLen(k) <= CLAIM_MAX) return <i32>k;
  }
  return -1;
}

function same(p: usize, n: u32, name: ArrayBuffer): bool {
  return n == <u32>name.byteLength && memory.compare(p, changetype<usize>(name), n) == 0;
}

function skipSpace(p: usize, n: u32, i: u32): u32 {
  while (i < n) {
    const c = load<u8>(p + i);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    i++;
  }
  return i;
}

/** The closing quote of the string whose text starts at i, or n. */
function stringEnd(p: usize, n: u32, i: u32): u32 {
  while (i < n) {
    const c = load<u8>(p + i);
    if (c == 0x22) return i;
    i += c == 0x5c ? 2 : 1;
  }
  return n;
}

/** Just past the JSON value at i (a string, number, literal, array or object); past n when it does not end. */
function valueEnd(p: usize, n: u32, i: u32): u32 {
  const c = load<u8>(p + i);
  if (c == 0x22) return stringEnd(p, n, i + 1) + 1;
  if (c != 0x7b && c != 0x5b) {
    while (i < n) {
      const d = load<u8>(p + i);
      if (d == 0x2c || d == 0x7d || d == 0x5d || d <= 0x20) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < n) {
    const d = load<u8>(p + i);
    if (d == 0x22) i = stringEnd(p, n, i + 1);
    else if (d == 0x7b || d == 0x5b) depth++;
    else if ((d == 0x7d || d == 0x5d) && --depth == 0) return i + 1;
    i++;
  }
  return n + 1;
}

const B64: usize = memory.data(256);
for (let c = 0; c < 256; c++) store<u8>(B64 + c, 0xff);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
for (let k = 0; k < 64; k++) store<u8>(B64 + ALPHABET.charCodeAt(k), <u8>k);

/** base64url (no padding) into out; false on a byte outside the alphabet. */
function base64url(p: usize, n: u32, out: ByteWriter): bool {
  out.clear();
  out.ensure(n);
  let acc: u32 = 0;
  let bits: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const v = <u32>load<u8>(B64 + load<u8>(p + i));
    if (v == 0xff) {
      if (load<u8>(p + i) == 0x3d) break; // padding, though JWTs have none
      return false;
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      store<u8>(out.ptr + out.len++, <u8>(acc >> bits));
    }
  }
  return true;
}

/** A JSON string's text (without quotes) as its UTF-8 bytes; false if an escape is not JSON's. */
function unescape(p: usize, n: u32, out: ByteWriter): bool {
  let i: u32 = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    if (c != 0x5c) {
      out.byte(c);
      i++;
      continue;
    }
    if (i + 1 >= n) return false;
    const e = <u32>load<u8>(p + i + 1);
    i += 2;
    if (e == 0x22 || e == 0x5c || e == 0x2f) out.byte(e);
    else if (e == 0x6e) out.byte(0x0a);
    else if (e == 0x72) out.byte(0x0d);
    else if (e == 0x74) out.byte(0x09);
    else if (e == 0x62) out.byte(0x08);
    else if (e == 0x66) out.byte(0x0c);
    else if (e == 0x75) {
      let cp = hex4(p, n, i);
      if (cp < 0) return false;
      i += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= n && load<u8>(p + i) == 0x5c && load<u8>(p + i + 1) == 0x75) {
        const low = hex4(p, n, i + 2);
        if (low >= 0xdc00 && low < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i += 6;
        }
      }
      utf8(out, <u32>cp);
    } else return false;
  }
  return true;
}

function hex4(p: usize, n: u32, i: u32): i32 {
  if (i + 4 > n) return -1;
  let v = 0;
  for (let k: u32 = 0; k < 4; k++) {
    const c = <i32>load<u8>(p + i + k);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x61 + 10 : -1;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** A code point as UTF-8 (a lone surrogate as U+FFFD). */
function utf8(out: ByteWriter, cp: u32): void {
  if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
  if (cp < 0x80) out.byte(cp);
  else if (cp < 0x800) { out.byte(0xc0 | (cp >> 6)); out.byte(0x80 | (cp & 63)); }
  else if (cp < 0x10000) { out.byte(0xe0 | (cp >> 12)); out.byte(0x80 | ((cp >> 6) & 63)); out.byte(0x80 | (cp & 63)); }
  else { out.byte(0xf0 | (cp >> 18)); out.byte(0x80 | ((cp >> 12) & 63)); out.byte(0x80 | ((cp >> 6) & 63)); out.byte(0x80 | (cp & 63)); }
}
