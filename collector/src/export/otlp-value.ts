// A record's JSON values as OTLP AnyValues, and the parts of its text fields that OpenTelemetry's
// conventions name apart (an address's host and port, a protocol's version).
import type { AnyValue } from './otlp-model.js';

const INT64 = 2 ** 63;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string protobuf can carry: a lone UTF-16 surrogate (JSON may escape one) is not UTF-8, and a receiver refuses the request for it. */
const wellFormed = (s: string): string => (s.isWellFormed() ? s : s.replace(LONE_SURROGATE, '\ufffd'));

/** Any JSON value: integers that fit an int64 as intValue, other numbers as doubleValue, null as the empty value. */
export function anyValue(v: unknown): AnyValue {
  if (typeof v === 'string') return { stringValue: wellFormed(v) };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -INT64 && v < INT64) return { intValue: decimal(v) };
    // A JSON number past a double's range parses as Infinity, which JSON cannot write: its name, in both encodings.
    return Number.isFinite(v) ? { doubleValue: v } : { stringValue: String(v) };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (v !== null && typeof v === 'object') {
    const values = [];
    for (const key in v) values.push({ key: wellFormed(key), value: anyValue((v as Record<string, unknown>)[key]) });
    return { kvlistValue: { values } };
  }
  return {};
}

export const text = (v: unknown): AnyValue | undefined => (typeof v === 'string' && v !== '' ? { stringValue: wellFormed(v) } : undefined);

export const int = (v: unknown): AnyValue | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= -INT64 && v < INT64 ? { intValue: decimal(v) } : undefined);

/** An integer's digits: a safe one as it is, a larger one through BigInt (String(1e21) would be "1e+21"). */
const decimal = (v: number): string => (Number.isSafeInteger(v) ? String(v) : BigInt(v).toString());

/** `host:port`, `[v6]:port` or a bare host (a name, an address, a socket path). */
export function hostPort(v: unknown): { host: string; port?: number } | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const m = /^\[([^\]]*)\](?::(\d{1,5}))?$/.exec(v) ?? /^([^:]*):(\d{1,5})$/.exec(v);
  if (!m) return { host: v };
  const port = m[2] === undefined ? undefined : Number(m[2]);
  return { host: m[1] ?? '', port: port !== undefined && port <= 65535 ? port : undefined };
}

export const host = (v: unknown): AnyValue | undefined => text(hostPort(v)?.host);
export const port = (v: unknown): AnyValue | undefined => int(hostPort(v)?.port);

/** `HTTP/1.1` → `1.1`; a protocol not written that way has no version to give. */
export const protocolVersion = (v: unknown): AnyValue | undefined => text(typeof v === 'string' ? /^HTTP\/(\d(?:\.\d)?)$/i.exec(v)?.[1] : undefined);

/** The path before `?` and the query after it (without the `?`). */
export const urlPath = (v: unknown): AnyValue | undefined => text(typeof v === 'string' ? v.split('?', 1)[0] : undefined);
export const urlQuery = (v: unknown): AnyValue | undefined => text(typeof v === 'string' && v.includes('?') ? v.slice(v.indexOf('?') + 1) : undefined);

/** A header object's values as OpenTelemetry writes headers: each an array of strings. */
export function headers(v: unknown): [string, AnyValue][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
  return Object.entries(v).flatMap(([name, value]) => {
    const values = (Array.isArray(value) ? value : [value]).filter((x): x is string => typeof x === 'string');
    return values.length === 0 ? [] : [[wellFormed(name.toLowerCase()), { arrayValue: { values: values.map((s) => ({ stringValue: wellFormed(s) })) } }]];
  });
}
