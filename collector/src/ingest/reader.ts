// Reading a batch through build/reader.wasm (collector/wasm/reader.ts): one pass over its bytes
// checks the JSON, cuts out the records and finds their indexed fields, so a plainly valid
// record becomes a row with no JSON.parse and no string of the whole batch. Records it cannot
// vouch for (non-ASCII, escapes, a field out of shape, a gap notice) are parsed and checked here
// as validate.ts always has, and any batch it does not expect at all is handed back (undefined)
// for the general way, which also words every error.
import { DEFAULT_MAX_DEPTH } from './depth.js';
import { instantiate } from '../wasm.js';
import { bounded } from './times.js';
import { BatchError, type Gap, INTEGERS, type Limits, OBJECTS, type Row, rulesOf, STRINGS, tooLong, validateLine } from './validate.js';

interface Reader {
  defineKey(len: number, kind: number, max: number, slot: number): void;
  prepare(len: number, max: number): number;
  table(): number;
  batchFrom(): number;
  batchTo(): number;
  readMessage(len: number, depth: number): number;
  readLines(len: number, depth: number): number;
}

/** The fields a row keeps, in the order of the module's slots. */
const KEPT = ['service', 'namespace', 'workload', 'method', 'authority', 'path', 'request_id', 'trace_id'] as const;
const KIND = { string: 1, integer: 2, object: 3, time: 4, status: 5, gap: 6 };
const ENTRY = 24;
/** The fields whose values the module keeps a dictionary of, and how many each. */
const DICTIONARY = 5;
const WORDS = 16;

function load() {
  const reader = instantiate<Reader>('reader');
  const define = (name: string, kind: number, max = 0, slot = -1) => {
    const at = reader.prepare(name.length, 0);
    new Uint8Array(reader.memory.buffer).set(Buffer.from(name, 'latin1'), at);
    reader.defineKey(name.length, kind, max, slot);
  };
  for (const [name, max] of Object.entries(STRINGS)) define(name, KIND.string, max, KEPT.indexOf(name as (typeof KEPT)[number]));
  for (const name of INTEGERS) define(name, KIND.integer);
  for (const name of OBJECTS) define(name, KIND.object);
  define('start_time', KIND.time);
  define('response_code', KIND.status);
  define('gap', KIND.gap);
  return reader;
}

const reader = load();

/**
 * A row read from its bytes, bytes[start, end). Its text and its request and trace ids are made
 * when first asked for: a write needs neither (the block is made of the bytes; ids have no
 * terms), only the tail and a block of mixed rows do.
 */
class ReadRow implements Row {
  private text: string | undefined;
  private rid: string | null | undefined;
  private tid: string | null | undefined;
  constructor(
    readonly time: number, readonly status: number, readonly service: string | null, readonly namespace: string | null,
    readonly workload: string | null, readonly method: string | null, readonly authority: string | null, readonly path: string | null,
    readonly bytes: Buffer, readonly start: number, readonly end: number,
    private readonly ridFrom: number, private readonly ridTo: number, private readonly tidFrom: number, private readonly tidTo: number,
  ) {}

  get json(): string {
    return (this.text ??= this.bytes.toString('latin1', this.start, this.end));
  }

  get requestId(): string | null {
    if (this.rid === undefined) this.rid = this.ridFrom < 0 ? null : this.bytes.toString('latin1', this.ridFrom, this.ridTo);
    return this.rid;
  }

  get traceId(): string | null {
    if (this.tid === undefined) this.tid = this.tidFrom < 0 ? null : this.bytes.toString('latin1', this.tidFrom, this.tidTo);
    return this.tid;
  }
}

type Read = { rows: Row[]; gaps: Gap[] };

/** The records the module read into its table (`count` of them) as rows and gaps. */
function rowsOf(bytes: Buffer, count: number, limits: Limits): Read {
  const rules = rulesOf(limits);
  const table = new Int32Array(reader.memory.buffer, reader.table(), count * ENTRY);
  const times = new Float64Array(reader.memory.buffer, reader.table(), (count * ENTRY) / 2);
  const rows: Row[] = [];
  const gaps: Gap[] = [];
  // Each kept field's value (or, for the ids, where it is) in the record before, reused when
  // the module found the same bytes; for the first DICTIONARY fields, the batch's first WORDS
  // values, kept by the module's rule (collector/wasm/reader.ts, sameAsBefore).
  const last: (string | null)[] = KEPT.map(() => null);
  const known: string[][] = KEPT.slice(0, DICTIONARY).map(() => []);
  const text = (k: number, e: number) => {
    const from = table[e + 6 + 2 * k]!;
    if (from === -2) return last[k]!;
    if (from <= -16) return known[k]![-16 - from]!;
    if (from < 0) return (last[k] = null);
    const value = bytes.toString('latin1', from, table[e + 7 + 2 * k]);
    if (k < DICTIONARY && known[k]!.length < WORDS) known[k]!.push(value);
    return (last[k] = value);
  };
  const ids: [number, number, number, number] = [-1, -1, -1, -1];
  const span = (k: number, e: number, at: number) => {
    const from = table[e + 6 + 2 * k]!;
    if (from === -2) return;
    ids[at] = from;
    ids[at + 1] = table[e + 7 + 2 * k]!;
  };
  for (let i = 0; i < count; i++) {
    const e = i * ENTRY;
    const start = table[e]!;
    const end = table[e + 1]!;
    const line = table[e + 4]!;
    // In order, every record: the record after may reuse them.
    const service = text(0, e);
    const namespace = text(1, e);
    const workload = text(2, e);
    const method = text(3, e);
    const authority = text(4, e);
    const path = text(5, e);
    span(6, e, 0);
    span(7, e, 2);
    if (table[e + 2] === 1) {
      if (end - start > limits.maxRecordBytes) throw new BatchError(line, '', `a record of at most ${limits.maxRecordBytes} bytes`);
      const time = times[e / 2 + 11]!;
      // Out of bounds: the error shows the time as it came (read again, as this is rare).
      if (time < rules.times.earliest || time > rules.times.latest) bounded(time, startTime(bytes, start, end), line, 'start_time', rules.times);
      rows.push(new ReadRow(time, table[e + 3]!, service, namespace, workload, method, authority, path, bytes, start, end, ids[0], ids[1], ids[2], ids[3]));
      continue;
    }
    // The general way for this record: parsed, checked, and stored as record-text.ts says.
    const json = bytes.toString('utf8', start, end);
    if (tooLong(json, limits.maxRecordBytes)) throw new BatchError(line, '', `a record of at most ${limits.maxRecordBytes} bytes`);
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new BatchError(line, '', 'one JSON object per record', (err as Error).message);
    }
    const r = validateLine(value, json, line, rules);
    if ('json' in r) rows.push(r);
    else gaps.push(r);
  }
  return { rows, gaps };
}

/** A fast record's start_time as it came. */
const startTime = (bytes: Buffer, start: number, end: number): unknown => (JSON.parse(bytes.toString('latin1', start, end)) as { start_time: unknown }).start_time;

/** The batch in the module's memory; false when it cannot hold it (the general way then reads it). */
function copyIn(bytes: Buffer, limits: Limits): boolean {
  const at = reader.prepare(bytes.length, limits.maxRecords);
  if (at === 0) return false;
  new Uint8Array(reader.memory.buffer, at, bytes.length).set(bytes);
  return true;
}

/**
 * A WebSocket message {"batch": …, "records": [...]}: its batch id, and its records to be made
 * into rows at once (before another batch is read); undefined for the general way.
 */
export function readMessage(bytes: Buffer, limits: Limits): { batch: string; records(): Read } | undefined {
  if (!copyIn(bytes, limits)) return undefined;
  const count = reader.readMessage(bytes.length, limits.maxDepth ?? DEFAULT_MAX_DEPTH);
  if (count < 0 || reader.batchFrom() < 0) return undefined;
  return { batch: bytes.toString('utf8', reader.batchFrom(), reader.batchTo()), records: () => rowsOf(bytes, count, limits) };
}

/** An NDJSON batch: its records, or undefined for the general way. */
export function readLines(bytes: Buffer, limits: Limits): Read | undefined {
  if (!copyIn(bytes, limits)) return undefined;
  const count = reader.readLines(bytes.length, limits.maxDepth ?? DEFAULT_MAX_DEPTH);
  return count < 0 ? undefined : rowsOf(bytes, count, limits);
}
