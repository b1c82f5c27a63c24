// A header map as Envoy keeps one: ordered entries, keys lower-cased, repeated keys allowed,
// `get` answering the first value. Values are byte strings (see pairs.ts).
//
// It is held in whichever form it arrived in and converted lazily, because the conversion is
// most of what a header map costs here: Node hands over strings (rawHeaders, keys not yet
// lower-cased), a module reads the proxy-wasm pairs encoding. Reading a value for a module
// is done on the encoded bytes, with no strings made.
import { decodePairs, flatten, type Pair, textToBytes, bytesToText } from './pairs.js';

export type HeadersInit = HeaderMap | readonly Pair[] | Record<string, string | readonly string[]>;

export class HeaderMap {
  /** Flat [key0, value0, key1, value1, …]; keys lower-cased once `lowered`. */
  private raw: string[] | undefined;
  private lowered: boolean;
  /** The pairs encoding (keys lower-cased), once made. */
  private encoded: Buffer | undefined;
  /** Per entry in `encoded`: key offset, key length, value length; for lookups by bytes. */
  private index: Uint32Array | undefined;

  private constructor(raw: string[] | undefined, lowered: boolean, encoded: Buffer | undefined) {
    this.raw = raw;
    this.lowered = lowered;
    this.encoded = encoded;
  }

  /** From Node's rawHeaders (alternating names and values, byte strings). The array is kept, not copied. */
  static fromRaw(raw: string[]): HeaderMap {
    return new HeaderMap(raw, false, undefined);
  }

  /** From the proxy-wasm pairs encoding, as bytes on the wire would give it (keys must be lower-case). */
  static fromEncoded(encoded: Buffer): HeaderMap {
    return new HeaderMap(undefined, true, encoded);
  }

  static fromPairs(pairs: readonly Pair[]): HeaderMap {
    return new HeaderMap(flatten(pairs), false, undefined);
  }

  /** From ordinary JavaScript text (values are UTF-8 encoded). */
  static from(init: HeadersInit | undefined): HeaderMap {
    if (init instanceof HeaderMap) return init;
    const raw: string[] = [];
    const add = (k: string, v: string) => raw.push(textToBytes(k), textToBytes(v));
    if (init === undefined) {
      // empty
    } else if (Array.isArray(init)) {
      for (const [k, v] of init as readonly Pair[]) add(k, v);
    } else {
      for (const [k, v] of Object.entries(init as Record<string, string | readonly string[]>)) {
        if (typeof v === 'string') add(k, v);
        else for (const one of v) add(k, one);
      }
    }
    return new HeaderMap(raw, false, undefined);
  }

  /** The strings, keys lower-cased. */
  private strings(): string[] {
    if (this.raw === undefined) this.raw = flatten(decodePairs(this.encoded!) ?? []);
    if (!this.lowered) {
      const raw = this.raw;
      for (let i = 0; i < raw.length; i += 2) raw[i] = raw[i]!.toLowerCase();
      this.lowered = true;
    }
    return this.raw;
  }

  private changed(): void {
    this.encoded = undefined;
    this.index = undefined;
  }

  get size(): number {
    if (this.raw !== undefined) return this.raw.length >> 1;
    return this.encoded!.length === 0 ? 0 : this.encoded!.readUInt32LE(0);
  }

  /** Envoy's header map "byte size": the sum of key and value lengths. */
  get byteSize(): number {
    if (this.raw === undefined) return this.encoded!.length === 0 ? 0 : this.encoded!.length - 4 - 10 * this.size;
    let n = 0;
    for (const s of this.raw) n += s.length;
    return n;
  }

  /** The entries as [key0, value0, key1, value1, …], keys lower-cased: the map's own array, read only. */
  flat(): readonly string[] {
    return this.strings();
  }

  pairs(): Pair[] {
    const raw = this.strings();
    const out: Pair[] = [];
    for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
    return out;
  }

  /** The pairs encoding, keys lower-cased; made once until the map changes. */
  encode(): Buffer {
    if (this.encoded !== undefined) return this.encoded;
    const out = Buffer.allocUnsafe(this.encodedSize());
    this.encodeInto(out, 0);
    return (this.encoded = out);
  }

  /** How many bytes encode() gives. */
  encodedSize(): number {
    if (this.encoded !== undefined) return this.encoded.length;
    const raw = this.strings();
    if (raw.length === 0) return 0; // an empty map is no bytes, as cpp-host hands it over
    let size = 4 + 5 * raw.length;
    for (let i = 0; i < raw.length; i++) size += raw[i]!.length;
    return size;
  }

  /**
   * The pairs encoding written at `at` in out (encodedSize() bytes there), without keeping it:
   * a module reading the map once takes it straight into its memory, with no copy made first.
   */
  encodeInto(out: Buffer, at: number): void {
    if (this.encoded !== undefined) {
      this.encoded.copy(out, at);
      return;
    }
    const raw = this.strings();
    const n = raw.length >> 1;
    if (n === 0) return;
    putU32(out, at, n);
    for (let i = 0; i < raw.length; i++) putU32(out, at + 4 + 4 * i, raw[i]!.length);
    // The data section is each key and value followed by NUL: one string, one native copy
    // (byte strings, so latin1 writes each code unit as its byte).
    const data = at + 4 + 8 * n;
    out[data + out.write(raw.join('\0'), data, 'latin1')] = 0;
  }

  /**
   * Where the first value for a key stands in encode(): [offset, length], or undefined. The key
   * is given as bytes (from guest memory) and matched case-insensitively, as Envoy lower-cases it.
   */
  findEncoded(key: Uint8Array, keyStart: number, keyLength: number): [number, number] | undefined {
    const enc = this.encode();
    const index = (this.index ??= indexOf(enc));
    for (let e = 0; e < index.length; e += 3) {
      if (index[e + 1] !== keyLength) continue;
      const at = index[e]!;
      let j = 0;
      for (; j < keyLength; j++) {
        let c = key[keyStart + j]!;
        if (c >= 65 && c <= 90) c += 32;
        if (enc[at + j] !== c) break;
      }
      if (j === keyLength) return [at + keyLength + 1, index[e + 2]!];
    }
    return undefined;
  }

  /** The first value for key (a byte string), as Envoy answers proxy_get_header_map_value. */
  get(key: string): string | undefined {
    const k = key.toLowerCase();
    const raw = this.strings();
    for (let i = 0; i < raw.length; i += 2) if (raw[i] === k) return raw[i + 1];
    return undefined;
  }

  /** The first value as text (UTF-8 decoded). */
  text(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : bytesToText(v);
  }

  all(key: string): string[] {
    const k = key.toLowerCase();
    const raw = this.strings();
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i] === k) out.push(raw[i + 1]!);
    return out;
  }

  add(key: string, value: string): void {
    this.strings().push(key.toLowerCase(), value);
    this.changed();
  }

  /** Envoy's setCopy: every existing value of key is removed, then the new one is added. */
  replace(key: string, value: string): void {
    this.remove(key);
    this.add(key, value);
  }

  remove(key: string): void {
    const k = key.toLowerCase();
    const raw = this.strings();
    const kept: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i] !== k) kept.push(raw[i]!, raw[i + 1]!);
    this.raw = kept;
    this.changed();
  }

  setAll(pairs: readonly Pair[]): void {
    this.raw = flatten(pairs);
    this.lowered = false;
    this.strings();
    this.changed();
  }

  /** A plain object of text values (repeated keys joined with ", "), for tests and printing. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.pairs()) {
      const t = bytesToText(v);
      out[k] = k in out ? `${out[k]}, ${t}` : t;
    }
    return out;
  }
}

/** A u32 little-endian, stored bytewise: cheaper than Buffer's checked writeUInt32LE in this loop. */
function putU32(out: Buffer, at: number, v: number): void {
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
}

/** Key offsets and lengths of a pairs encoding. */
function indexOf(enc: Buffer): Uint32Array {
  const n = enc.length === 0 ? 0 : enc.readUInt32LE(0);
  const index = new Uint32Array(3 * n);
  let at = 4 + 8 * n;
  for (let i = 0; i < n; i++) {
    const kLen = enc.readUInt32LE(4 + 8 * i);
    const vLen = enc.readUInt32LE(8 + 8 * i);
    index[3 * i] = at;
    index[3 * i + 1] = kLen;
    index[3 * i + 2] = vLen;
    at += kLen + vLen + 2;
  }
  return index;
}
