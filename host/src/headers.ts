// A header map as Envoy keeps one: ordered entries, keys lower-cased on the way in, repeated
// keys allowed, `get` answering the first value. Values are byte strings (see pairs.ts).
// The encoded form is cached because a filter may ask for all pairs more than once per request.
import { encodePairs, type Pair, textToBytes, bytesToText } from './pairs.js';

export type HeadersInit = HeaderMap | readonly Pair[] | Record<string, string | readonly string[]>;

export class HeaderMap {
  private entries: Pair[];
  private encoded: Buffer | undefined;

  constructor(entries: Pair[] = []) {
    this.entries = entries;
  }

  /** From ordinary JavaScript text (values are UTF-8 encoded). Keys are lower-cased. */
  static from(init: HeadersInit | undefined): HeaderMap {
    if (init === undefined) return new HeaderMap();
    if (init instanceof HeaderMap) return init;
    const entries: Pair[] = [];
    const add = (k: string, v: string) => entries.push([textToBytes(k).toLowerCase(), textToBytes(v)]);
    if (Array.isArray(init)) for (const [k, v] of init as readonly Pair[]) add(k, v);
    else {
      for (const [k, v] of Object.entries(init as Record<string, string | readonly string[]>)) {
        if (typeof v === 'string') add(k, v);
        else for (const one of v) add(k, one);
      }
    }
    return new HeaderMap(entries);
  }

  /** From Node's rawHeaders (alternating names and values, already byte strings). */
  static fromRaw(raw: readonly string[]): HeaderMap {
    const entries: Pair[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) entries.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
    return new HeaderMap(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Envoy's header map "byte size": the sum of key and value lengths. */
  get byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries) n += k.length + v.length;
    return n;
  }

  pairs(): readonly Pair[] {
    return this.entries;
  }

  encode(): Buffer {
    return (this.encoded ??= encodePairs(this.entries));
  }

  /** The first value for key (a byte string), as Envoy answers proxy_get_header_map_value. */
  get(key: string): string | undefined {
    const k = key.toLowerCase();
    for (const [ek, ev] of this.entries) if (ek === k) return ev;
    return undefined;
  }

  /** The first value as text (UTF-8 decoded). */
  text(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : bytesToText(v);
  }

  all(key: string): string[] {
    const k = key.toLowerCase();
    return this.entries.filter(([ek]) => ek === k).map(([, v]) => v);
  }

  add(key: string, value: string): void {
    this.entries.push([key.toLowerCase(), value]);
    this.encoded = undefined;
  }

  /** Envoy's setCopy: every existing value of key is removed, then the new one is added. */
  replace(key: string, value: string): void {
    this.remove(key);
    this.add(key, value);
  }

  remove(key: string): void {
    const k = key.toLowerCase();
    this.entries = this.entries.filter(([ek]) => ek !== k);
    this.encoded = undefined;
  }

  setAll(pairs: readonly Pair[]): void {
    this.entries = pairs.map(([k, v]) => [k.toLowerCase(), v]);
    this.encoded = undefined;
  }

  /** A plain object of text values (repeated keys joined with ", "), for tests and printing. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.entries) {
      const t = bytesToText(v);
      out[k] = k in out ? `${out[k]}, ${t}` : t;
    }
    return out;
  }
}
