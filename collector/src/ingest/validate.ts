// Validation of what producers send: each line of a batch must be a record (or a gap notice) of
// the shape the filter writes. A bad line rejects the whole batch with an error that names the
// line, the field and what was expected, so the producer can be fixed; nothing is half-stored.
import { BatchError, show } from './batch-error.js';
export { BatchError } from './batch-error.js';
import { DEFAULT_MAX_DEPTH, tooDeep } from './depth.js';
import { storedText } from './record-text.js';
import { arrayItems, type Items } from './records.js';
import { inFilterForm, readTime, type TimeBounds, timeBounds, type TimeLimits } from './times.js';
import { FIELDS, type JsonType, KEPT } from '../record/schema.js';

export interface Row {
  /** start_time in ms since the epoch. */
  time: number;
  service: string | null;
  namespace: string | null;
  workload: string | null;
  status: number;
  method: string | null;
  authority: string | null;
  path: string | null;
  requestId: string | null;
  traceId: string | null;
  /** The record as stored: one line of JSON, as received unless it had to be written again (record-text.ts). */
  json: string;
  /** Its bytes, bytes[start, end), when they are at hand (reader.ts, records.ts): the block is made of them. */
  bytes?: Buffer;
  start?: number;
  end?: number;
}

/**
 * A kept field's value on a row (and response_code's), by the field's name: for the terms and
 * the tail's filters. Read through a function per field: `row[name]` is a slow lookup on every row.
 */
const ROW_VALUES: Record<string, (r: Row) => string | number | null> = {
  service: (r) => r.service, namespace: (r) => r.namespace, workload: (r) => r.workload, method: (r) => r.method,
  authority: (r) => r.authority, path: (r) => r.path, request_id: (r) => r.requestId, trace_id: (r) => r.traceId,
  response_code: (r) => r.status,
};
for (const name of KEPT) if (!ROW_VALUES[name]) throw new Error(`record/schema.ts keeps "${name}" on rows, and Row has no such value: add it to Row and ROW_VALUES`);

/** The reader of a kept field's value on rows. */
export const rowReader = (name: string): ((r: Row) => string | number | null) => ROW_VALUES[name]!;

/** A kept field's value on a row; undefined for a field rows do not keep. */
export const rowValue = (r: Row, name: string): string | number | null | undefined => ROW_VALUES[name]?.(r);

export interface Gap {
  dropped: number;
  since: number;
  until: number;
  source: string;
  reason: string;
}

export interface Limits extends TimeLimits {
  /** The longest record line, in bytes. */
  maxRecordBytes: number;
  /** The most records in one batch. */
  maxRecords: number;
  /** How deep a record may nest, the record itself the first level (depth.ts); DEFAULT_MAX_DEPTH when not given. */
  maxDepth?: number;
}

/** A batch's limits, with the times its records may have (fixed when the batch is read). */
export type Rules = Limits & { times: TimeBounds };
export const rulesOf = (limits: Limits, now = Date.now()): Rules => ({ ...limits, times: timeBounds(limits, now) });

/** Refuse a value nested deeper than the limit, naming the field; before anything writes it out. */
function checkDepth(value: unknown, line: number, limits: Limits): void {
  const max = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const field = tooDeep(value, max);
  if (field !== undefined) {
    throw new BatchError(line, field, `nested at most ${max} levels deep, the record being the first (the collector's limits.max_depth)`, 'deeper');
  }
}

const OF_TYPE = (type: JsonType) => FIELDS.filter((f) => f.type === type && !f.required);
/** Optional string fields and their length limits (record/schema.ts). */
const STRINGS: Record<string, number> = Object.fromEntries(OF_TYPE('string').map((f) => [f.name, f.max!]));
const INTEGERS = OF_TYPE('integer').map((f) => f.name);
const OBJECTS = OF_TYPE('object').map((f) => f.name);
// Once, as plain arrays: these are checked for every record, and indexed loops cost far less
// than iterating [field, max] pairs.
const STRING_FIELDS = Object.keys(STRINGS);
const STRING_MAX = Object.values(STRINGS);
/** Every optional field redtail knows: null in one is taken as absent. */
const OPTIONAL = [...STRING_FIELDS, ...INTEGERS, ...OBJECTS];

/**
 * Check one parsed line (`text` as received); a record becomes a Row, a gap notice a Gap. The
 * row's json is `text` itself when it can be stored as it came, so callers keep its bytes only then.
 */
export function validateLine(value: unknown, text: string, line: number, rules: Rules): Row | Gap {
  checkDepth(value, line, rules);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BatchError(line, '', 'a JSON object', show(value));
  const v = value as Record<string, unknown>;
  if ('gap' in v) {
    const g = v.gap as Record<string, unknown> | null;
    if (typeof g !== 'object' || g === null) throw new BatchError(line, 'gap', 'an object', show(g));
    if (!Number.isSafeInteger(g.dropped) || (g.dropped as number) < 0) throw new BatchError(line, 'gap.dropped', 'a non-negative integer below 2^53', show(g.dropped));
    return {
      dropped: g.dropped as number, since: readTime(g.since, line, 'gap.since', rules.times), until: readTime(g.until, line, 'gap.until', rules.times),
      source: typeof g.source === 'string' ? g.source.slice(0, 256) : '', reason: typeof g.reason === 'string' ? g.reason.slice(0, 256) : '',
    };
  }
  const t = readTime(v.start_time, line, 'start_time', rules.times);
  // Stored in the filter's form, UTC, whatever form it came in.
  let rewrite = false;
  if (!inFilterForm(v.start_time)) {
    v.start_time = new Date(t).toISOString();
    rewrite = true;
  }
  const status = v.response_code;
  if (!Number.isInteger(status) || (status as number) < 0 || (status as number) > 999) {
    throw new BatchError(line, 'response_code', 'an integer from 0 to 999', show(status));
  }
  // Envoy's JSON access log writes null for a value it does not have: the same as the field left
  // out, and stored so (a record's text says nothing of fields it lacks).
  for (let i = 0; i < OPTIONAL.length; i++) {
    if (v[OPTIONAL[i]!] === null) {
      delete v[OPTIONAL[i]!];
      rewrite = true;
    }
  }
  for (let i = 0; i < STRING_FIELDS.length; i++) {
    const s = v[STRING_FIELDS[i]!];
    if (s !== undefined && (typeof s !== 'string' || s.length > STRING_MAX[i]!)) {
      throw new BatchError(line, STRING_FIELDS[i]!, `a string of at most ${STRING_MAX[i]} characters`, show(s));
    }
  }
  for (let i = 0; i < INTEGERS.length; i++) {
    const n = v[INTEGERS[i]!];
    if (n !== undefined && (!Number.isSafeInteger(n) || (n as number) < 0)) throw new BatchError(line, INTEGERS[i]!, 'a non-negative integer', show(n));
  }
  for (let i = 0; i < OBJECTS.length; i++) {
    const o = v[OBJECTS[i]!];
    if (o !== undefined && (typeof o !== 'object' || o === null || Array.isArray(o))) throw new BatchError(line, OBJECTS[i]!, 'an object', show(o));
  }
  // Every string field was checked above: each is a string or absent.
  return {
    time: t, service: (v.service as string | undefined) ?? null, namespace: (v.namespace as string | undefined) ?? null,
    workload: (v.workload as string | undefined) ?? null, status: status as number, method: (v.method as string | undefined) ?? null,
    authority: (v.authority as string | undefined) ?? null, path: (v.path as string | undefined) ?? null,
    requestId: (v.request_id as string | undefined) ?? null, traceId: (v.trace_id as string | undefined) ?? null, json: storedText(text, value, { rewrite }),
  };
}

/** More than max bytes as UTF-8? A character is at most 3 bytes (4 for a pair), so short text needs no count. */
export const tooLong = (text: string, max: number): boolean => text.length * 3 > max && Buffer.byteLength(text) > max;

/**
 * Parse a batch: NDJSON (what the filter sends) or a JSON array. Empty lines are skipped. Any
 * error rejects the whole batch. Given the body's bytes and all of it ASCII (offsets in the text
 * are then byte offsets), each record keeps a view of its bytes, as records.ts does.
 */
export function parseBatch(body: string, limits: Limits, bytes?: Buffer): { rows: Row[]; gaps: Gap[] } {
  const rules = rulesOf(limits);
  const rows: Row[] = [];
  const gaps: Gap[] = [];
  const trimmed = body.trimStart();
  if (trimmed.startsWith('[')) {
    let items: Items | undefined;
    try {
      items = arrayItems(body);
    } catch (err) {
      throw new BatchError(1, '', 'a JSON array of records (or NDJSON)', (err as Error).message);
    }
    if (items === undefined) throw new BatchError(1, '', 'a JSON array of records');
    return parseRecords(items.values, limits, items.texts);
  }
  const lines = body.split('\n');
  const ascii = bytes !== undefined && bytes.length === body.length ? bytes : undefined;
  let count = 0;
  let offset = 0; // where line i starts
  for (let i = 0; i < lines.length; offset += lines[i]!.length + 1, i++) {
    const text = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (text.trim() === '') continue;
    if (++count > limits.maxRecords) throw new BatchError(i + 1, '', `at most ${limits.maxRecords} records in a batch`);
    if (tooLong(text, limits.maxRecordBytes)) throw new BatchError(i + 1, '', `a record of at most ${limits.maxRecordBytes} bytes`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new BatchError(i + 1, '', 'one JSON object per line', (err as Error).message);
    }
    const r = validateLine(value, text, i + 1, rules);
    if ('json' in r) {
      if (ascii && r.json === text) {
        r.bytes = ascii;
        r.start = offset;
        r.end = offset + text.length;
      }
      rows.push(r);
    } else gaps.push(r);
  }
  return { rows, gaps };
}

/** Records already parsed (a JSON array, a WebSocket message's "records"), with their texts when known (records.ts). */
export function parseRecords(items: unknown[], limits: Limits, texts?: string[], raws?: Buffer[]): { rows: Row[]; gaps: Gap[] } {
  const rules = rulesOf(limits);
  const rows: Row[] = [];
  const gaps: Gap[] = [];
  if (items.length > limits.maxRecords) throw new BatchError(items.length, '', `at most ${limits.maxRecords} records in a batch`);
  items.forEach((item, i) => {
    // Without its text, a record is written out to be measured: not before its depth is known to be safe.
    if (texts?.[i] === undefined) checkDepth(item, i + 1, limits);
    const json = texts?.[i] ?? JSON.stringify(item);
    if (tooLong(json, limits.maxRecordBytes)) throw new BatchError(i + 1, '', `a record of at most ${limits.maxRecordBytes} bytes`);
    const r = validateLine(item, json, i + 1, rules);
    if ('json' in r) {
      if (raws && r.json === json) {
        r.bytes = raws[i];
        r.start = 0;
        r.end = raws[i]!.length;
      }
      rows.push(r);
    } else gaps.push(r);
  });
  return { rows, gaps };
}
