// Envoy's attributes, as proxy_get_property sees them: a tree walked by NUL-separated path
// segments, whose leaves are encoded the way Envoy serializes CEL values:
// strings and bytes raw; int64, uint64 and double as 8 bytes little-endian; bool as 1 byte;
// timestamps and durations as int64 nanoseconds; maps and lists in the pairs encoding.
import { Status } from './abi.js';
import type { GuestMemory } from './memory.js';
import { encodePairs, type Pair } from './pairs.js';

/** A duration, in nanoseconds (request.duration, upstream durations). */
export class Duration {
  constructor(readonly ns: bigint) {}
  static ms(ms: number): Duration {
    return new Duration(BigInt(Math.round(ms * 1e6)));
  }
}
/** A point in time, in nanoseconds since the Unix epoch (request.time). */
export class Timestamp {
  constructor(readonly ns: bigint) {}
}
/** A floating-point value; plain integers are int64. */
export class Double {
  constructor(readonly value: number) {}
}

export type PropertyValue =
  | string
  | Uint8Array
  | boolean
  | number
  | bigint
  | Date
  | Duration
  | Timestamp
  | Double
  | PropertyMap
  | readonly PropertyValue[]
  | (() => PropertyValue | undefined);
export interface PropertyMap {
  [key: string]: PropertyValue | undefined;
}

const utf8 = new TextEncoder();

function int64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt.asIntN(64, value), true);
  return out;
}

export function encodeProperty(value: PropertyValue): Uint8Array | Status {
  if (typeof value === 'function') {
    const v = value();
    return v === undefined ? Status.NotFound : encodeProperty(v);
  }
  if (typeof value === 'string') return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'boolean') return Uint8Array.of(value ? 1 : 0);
  if (typeof value === 'bigint') return int64(value);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return int64(BigInt(value));
    value = new Double(value);
  }
  if (value instanceof Double) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, value.value, true);
    return out;
  }
  if (value instanceof Date) return int64(BigInt(value.getTime()) * 1_000_000n);
  if (value instanceof Duration || value instanceof Timestamp) return int64(value.ns);
  const pairs: Pair[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const enc = encodeProperty(item as PropertyValue);
      if (typeof enc === 'number') return Status.SerializationFailure;
      pairs.push([Buffer.from(enc).toString('latin1'), '']);
    }
  } else {
    for (const [k, item] of Object.entries(value as PropertyMap)) {
      if (item === undefined) continue;
      const enc = encodeProperty(item);
      if (typeof enc === 'number') continue;
      pairs.push([Buffer.from(k, 'utf8').toString('latin1'), Buffer.from(enc).toString('latin1')]);
    }
  }
  return encodePairs(pairs);
}

/** A property path as the module sends it (segments joined by NUL) split into its segments. */
export function pathSegments(path: string): string[] {
  const segments = path.split('\0');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

/**
 * Look a path up in layers of properties, first layer first. The first segment picks the
 * top-level attribute (request, response, source, node, plugin_name, …); the rest walk into
 * maps by key and into lists by index, as Envoy's getProperty does.
 */
export function lookupProperty(layers: readonly (PropertyMap | undefined)[], segments: readonly string[]): PropertyValue | undefined {
  const top = segments[0];
  if (top === undefined || top === '') return undefined;
  let value: PropertyValue | undefined;
  for (let l = 0; l < layers.length && value === undefined; l++) {
    const layer = layers[l];
    if (layer !== undefined) value = own(layer, top);
  }
  return walkProperty(value, segments, 1);
}

/**
 * A map's own entry: never what it inherits. A module may ask for "valueOf" or
 * "request\0constructor"; Envoy has no such attribute, and neither has a map here.
 */
export function own<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  const value = map[key];
  // What a map inherits from Object.prototype is a function or its __proto__: only then ask.
  if (value !== undefined && (typeof value === 'function' || key === '__proto__') && !Object.hasOwn(map, key)) return undefined;
  return value;
}

/** A map (a plain object) as opposed to a leaf value that is an object (bytes, time, duration, double). */
function isMap(value: object): value is PropertyMap {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** From `value`, found at segments[from - 1], the value at the end of the path: into maps by key, into lists by index. */
export function walkProperty(value: PropertyValue | undefined, segments: readonly string[], from: number): PropertyValue | undefined {
  for (let s = from; s < segments.length; s++) {
    if (typeof value === 'function') value = value();
    if (value === undefined || value === null || typeof value !== 'object') return undefined;
    const segment = segments[s]!;
    if (Array.isArray(value)) {
      const index = Number(segment);
      value = Number.isInteger(index) ? (value as readonly PropertyValue[])[index] : undefined;
    } else if (isMap(value)) value = own(value, segment);
    else return undefined; // a leaf has no fields
  }
  return value;
}

const TRUE = Uint8Array.of(1);
const FALSE = Uint8Array.of(0);

/** Hand a property's value to the module, written straight into its memory. */
export function writeProperty(mem: GuestMemory, value: PropertyValue, ptrOut: number, sizeOut: number): Status {
  if (typeof value === 'function') {
    const v = value();
    return v === undefined ? Status.NotFound : writeProperty(mem, v, ptrOut, sizeOut);
  }
  if (typeof value === 'string') mem.handOverText(value, ptrOut, sizeOut);
  else if (typeof value === 'number') mem.handOver8(value, !Number.isInteger(value), ptrOut, sizeOut);
  else if (typeof value === 'bigint') mem.handOver8(value, false, ptrOut, sizeOut);
  else if (typeof value === 'boolean') mem.handOver(value ? TRUE : FALSE, ptrOut, sizeOut);
  else if (value instanceof Uint8Array) mem.handOver(value, ptrOut, sizeOut);
  else if (value instanceof Duration || value instanceof Timestamp) mem.handOver8(value.ns, false, ptrOut, sizeOut);
  else if (value instanceof Double) mem.handOver8(value.value, true, ptrOut, sizeOut);
  else if (value instanceof Date) mem.handOver8(BigInt(value.getTime()) * 1_000_000n, false, ptrOut, sizeOut);
  else {
    const encoded = encodeProperty(value);
    if (typeof encoded === 'number') return encoded;
    mem.handOver(encoded, ptrOut, sizeOut);
  }
  return Status.Ok;
}
