// One direction's header map as the record reads it: read with one host call, and searched in
// one pass for the headers the record's own fields need and the allow-listed ones
// (capture.request_headers, capture.response_headers), which go into request_headers and
// response_headers, each written as what its name says it holds.
import { release } from "../../../proxy-wasm-as/handed";
import { getHeaderPairs, Ret } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter, bytesOf, eqLower, KeySet, Pairs } from "../bytes";
import { SecretNames } from "../redact/names";
import { As, Redactor } from "../redact/redactor";
import { Rule } from "../redact/rules";
import { Repeats } from "./repeats";

/** How an allow-listed header's value is written. */
namespace HeaderKind {
  /** Scanned by every rule (read as a URL when it holds one). */
  export const Scanned: u8 = 0;
  /** Denied, or named like a secret: replaced whole. */
  export const Denied: u8 = 1;
  /** A URL: its query parameters are redacted by name, as the path's are. */
  export const Url: u8 = 2;
  /** Its scheme kept, its credentials replaced. */
  export const Authorization: u8 = 3;
  /** Cookie names kept, their values replaced. */
  export const Cookie: u8 = 4;
  /** The cookie's name and attributes kept, its value replaced. */
  export const SetCookie: u8 = 5;
}

const URL_HEADERS = [bytesOf("referer"), bytesOf("location"), bytesOf("content-location"), bytesOf("origin")];
const AUTHORIZATION_HEADERS = [bytesOf("authorization"), bytesOf("proxy-authorization")];
const COOKIE = bytesOf("cookie");
const SET_COOKIE = bytesOf("set-cookie");

export class Headers {
  readonly pairs: Pairs = new Pairs();
  /** The record's own keys first (their index is their slot), then the allow-listed names. */
  private keys: KeySet;
  /** Where the allow-listed names start among the keys. */
  private from: i32;
  /** Per allow-listed header, `"name":"` ready to write. */
  private labels: ArrayBuffer[];
  /** Per allow-listed header, decided once: how its value is written (HeaderKind). */
  private kinds: StaticArray<u8>;
  /** Per allow-listed header, its last value as scanned: most come again on the next request. */
  private repeats: Repeats;
  private ptr: usize = 0;

  /**
   * `own` are the headers the record's fields read, `names` the allow-listed ones, written under
   * `field`; `denied` and the secret names are replaced whole.
   */
  constructor(private map: u32, private field: ArrayBuffer, own: string[], names: string[], denied: ArrayBuffer[], secretNames: SecretNames) {
    const captured: ArrayBuffer[] = [];
    const labels: ArrayBuffer[] = [];
    for (let i = 0; i < names.length; i++) {
      captured.push(bytesOf(names[i]));
      labels.push(bytesOf("\"" + names[i] + "\":\""));
    }
    const keys: ArrayBuffer[] = [];
    for (let i = 0; i < own.length; i++) keys.push(bytesOf(own[i]));
    for (let i = 0; i < captured.length; i++) keys.push(captured[i]);
    this.keys = new KeySet(keys);
    this.from = own.length;
    this.labels = labels;
    this.kinds = kindsOf(captured, denied, secretNames);
    this.repeats = new Repeats(names.length);
  }

  /** Give back what it holds outside the collected heap: it is not used again. */
  free(): void {
    this.repeats.free();
  }

  /** Read the map (one host call) and find the keys in it. */
  read(): void {
    this.ptr = getHeaderPairs(this.map) ? Ret.ptr : 0;
    if (!this.pairs.parse(this.ptr, Ret.len)) this.pairs.reset();
    this.keys.pick(this.pairs);
  }

  /** Give the map back to the host's allocator. */
  release(): void {
    if (this.ptr != 0) release(this.ptr);
    this.ptr = 0;
    this.pairs.reset();
  }

  /** The entry of the record's own key in slot k, or -1 when the map does not hold it. */
  @inline at(k: i32): i32 {
    return unchecked(this.keys.found[k]);
  }

  /** ,"request_headers":{"name":"value",…} for the allow-listed names present, each written as its kind says. */
  write(w: ByteWriter, r: Redactor): void {
    const pairs = this.pairs;
    const labels = this.labels;
    const found = this.keys.found;
    let opened = false;
    for (let k = 0; k < labels.length; k++) {
      const i = unchecked(found[this.from + k]);
      if (i < 0) continue;
      if (!opened) w.buf(this.field);
      else w.byte(0x2c);
      opened = true;
      w.buf(unchecked(labels[k]));
      const kind = unchecked(this.kinds[k]);
      const p = pairs.valPtr(i);
      const n = pairs.valLen(i);
      if (kind == HeaderKind.Denied) r.whole(w, Rule.SECRET_HEADER, p, n);
      else if (kind == HeaderKind.Url) r.url(w, p, n);
      else if (kind == HeaderKind.Authorization) r.authorization(w, p, n);
      else if (kind == HeaderKind.Cookie) r.cookie(w, p, n);
      else if (kind == HeaderKind.SetCookie) r.setCookie(w, p, n);
      else if (holdsUrl(p, n)) r.url(w, p, n);
      else this.repeats.text(w, r, k, p, n);
      w.byte(0x22);
    }
    if (opened) w.byte(0x7d);
  }
}

function kindsOf(names: ArrayBuffer[], denied: ArrayBuffer[], secretNames: SecretNames): StaticArray<u8> {
  const out = new StaticArray<u8>(names.length);
  for (let k = 0; k < names.length; k++) {
    const name = names[k];
    const p = changetype<usize>(name);
    const n = <u32>name.byteLength;
    let isDenied = secretNames.has(p, n);
    for (let i = 0; i < denied.length; i++) if (eqLower(p, n, denied[i])) isDenied = true;
    let kind = HeaderKind.Scanned;
    if (isOneOf(name, AUTHORIZATION_HEADERS)) kind = HeaderKind.Authorization;
    else if (eqLower(p, n, COOKIE)) kind = HeaderKind.Cookie;
    else if (eqLower(p, n, SET_COOKIE)) kind = HeaderKind.SetCookie;
    else if (isDenied) kind = HeaderKind.Denied;
    else if (isOneOf(name, URL_HEADERS)) kind = HeaderKind.Url;
    out[k] = kind;
  }
  return out;
}

/** A value that is a request target or a URL (x-envoy-original-path, x-original-uri…): read as one, decoded. */
function holdsUrl(p: usize, n: u32): bool {
  if (n == 0) return false;
  const c = load<u8>(p);
  return c == 0x2f || (n > 8 && (load<u32>(p) | 0x20202020) == 0x70747468 && (load<u8>(p + 4) == 0x3a || load<u8>(p + 5) == 0x3a)); // "/", "http:", "https:"
}

function isOneOf(name: ArrayBuffer, list: ArrayBuffer[]): bool {
  for (let i = 0; i < list.length; i++) if (eqLower(changetype<usize>(name), name.byteLength, list[i])) return true;
  return false;
}
