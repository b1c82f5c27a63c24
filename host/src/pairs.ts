// The proxy-wasm map encoding, used for header maps, http_call headers and map properties:
// u32 count, then (u32 key length, u32 value length) per pair, then each key and value
// followed by a NUL. All integers little-endian. Keys and values travel as raw bytes; here
// they are held as "byte strings" (latin1, one char per byte), the form Node's HTTP gives.
import { LIMITS } from './abi.js';

export type Pair = [key: string, value: string];

export function pairsSize(pairs: readonly Pair[]): number {
  let size = 4;
  for (const [k, v] of pairs) size += 8 + k.length + v.length + 2;
  return size;
}

/** Encode pairs; an empty map is zero bytes, as cpp-host hands it over. */
export function encodePairs(pairs: readonly Pair[]): Buffer {
  if (pairs.length === 0) return Buffer.alloc(0);
  const out = Buffer.allocUnsafe(pairsSize(pairs));
  out.writeUInt32LE(pairs.length, 0);
  let sizes = 4;
  let data = 4 + 8 * pairs.length;
  for (const [k, v] of pairs) {
    out.writeUInt32LE(k.length, sizes);
    out.writeUInt32LE(v.length, sizes + 4);
    sizes += 8;
    data += out.write(k, data, 'latin1');
    out[data++] = 0;
    data += out.write(v, data, 'latin1');
    out[data++] = 0;
  }
  return out;
}

/**
 * Decode pairs a module handed over. Like cpp-host, a map that is malformed, over 1 MiB or
 * over 1024 pairs is read as empty (undefined here, so callers can say why).
 */
export function decodePairs(bytes: Uint8Array): Pair[] | undefined {
  if (bytes.length === 0 || (bytes.length === 1 && bytes[0] === 0)) return [];
  if (bytes.length < 4 || bytes.length > LIMITS.pairsMaxBytes) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = buf.readUInt32LE(0);
  if (count > LIMITS.pairsMaxCount || 4 + 8 * count > buf.length) return undefined;
  const pairs: Pair[] = [];
  let data = 4 + 8 * count;
  for (let i = 0; i < count; i++) {
    const kLen = buf.readUInt32LE(4 + 8 * i);
    const vLen = buf.readUInt32LE(8 + 8 * i);
    if (data + kLen + 1 + vLen + 1 > buf.length) return undefined;
    const key = buf.toString('latin1', data, data + kLen);
    data += kLen;
    if (buf[data++] !== 0) return undefined;
    const value = buf.toString('latin1', data, data + vLen);
    data += vLen;
    if (buf[data++] !== 0) return undefined;
    pairs.push([key, value]);
  }
  return pairs;
}

/** Turn UTF-8 text into a byte string (for callers holding ordinary JavaScript text). */
export function textToBytes(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

export function bytesToText(bytes: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8');
}

/** [[k0, v0], [k1, v1], …] as [k0, v0, k1, v1, …]: a loop, as Array.prototype.flat is many times slower at it. */
export function flatten(pairs: readonly Pair[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i++) out.push(pairs[i]![0], pairs[i]![1]);
  return out;
}
