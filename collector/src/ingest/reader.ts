// Reading a batch through build/reader.wasm (collector/wasm/reader.ts): one pass over its bytes
// checks the JSON, cuts out the records and finds their indexed fields, so a plainly valid
// record becomes a row with no JSON.parse and no string of the whole batch. Records it cannot
// vouch for (non-ASCII, escapes, a field out of shape, a gap notice) are parsed and checked here
// as validate.ts does, and any batch it does not expect at all is handed back (undefined)
// for the general way, which also words every error.
import { DEFAULT_MAX_DEPTH } from './depth.js';
import { instantiate } from '../wasm.js';
import { bounded } from './times.js';
import { BatchError, type Gap, type Limits, type Row, rulesOf, tooLong, validateLine } from './validate.js';
import { FIELDS, type JsonType, KEPT } from '../record/schema.js';

interface Reader {
  layout(entry: number, start: number, end: number, fast: number, status: number, line: number, kept: number, time: number, keptCount: number, dictionary: number, words: number): boolean;
  defineKey(len: number, kind: number, max: number, slot: number): void;
  prepare(len: number, max: number): number;
  table(): number;
  batchFrom(): number;
  batchTo(): number;
  readMessage(len: number, depth: number): number;
  readLines(len: number, depth: number): number;
  /** How the module marks a kept value the collector has a string for already, or none. */
  ABSENT: WebAssembly.Global;
  SAME: WebAssembly.Global;
  KNOWN: WebAssembly.Global;
}

/** What the module checks a known key's value for: its JSON type (record/schema.ts), or a gap notice. */
const KIND: Record<JsonType | 'gap', number> = { string: 1, integer: 2, object: 3, time: 4, status: 5, gap: 6 };

/**
 * The module's table, laid out here and handed to it at load: an entry of i32 slots per record,
 * the record's start and end (byte offsets), whether it is fast, its status code, its line, then
 * each kept field's value (from, to) in the order of KEPT, then start_time in ms (an f64, so at
 * an even slot).
 */
const AT = { start: 0, end: 1, fast: 2, status: 3, line: 4, kept: 6 };
const TIME_AT = AT.kept + 2 * KEPT.length;
const ENTRY = TIME_AT + 2;
/** Each kept field's slot, by name. */
const SLOT = Object.fromEntries(KEPT.map((name, k) => [name, k])) as Record<string, number>;
/**
 * The kept fields whose values the module keeps a dictionary of (the first ones: those with
 * terms, which take few values in a batch), and how many values each.
 */
const DICTIONARY = KEPT.findIndex((name) => typeof FIELDS.find((f) => f.name === name)!.index !== 'object');
const WORDS = 16;

function load() {
  const reader = instantiate<Reader>('reader');
  if (!reader.layout(ENTRY, AT.start, AT.end, AT.fast, AT.status, AT.line, AT.kept, TIME_AT, KEPT.length, DICTIONARY, WORDS)) {
    throw new Error(`build/reader.wasm has no room for a table of ${KEPT.length} kept fields (record/schema.ts): raise its limits`);
  }
  const define = (name: string, kind: number, max = 0, slot = -1) => {
    const at = reader.prepare(name.length, 0);
    new Uint8Array(reader.memory.buffer).set(Buffer.from(name, 'latin1'), at);
    reader.defineKey(name.length, kind, max, slot);
  };
  for (const f of FIELDS) define(f.name, KIND[f.type], f.max ?? 0, SLOT[f.name] ?? -1);
  define('gap', KIND.gap);
  return reader;
}

const reader = load();
const ABSENT = reader.ABSENT.value as number;
const SAME = reader.SAME.value as number;
const KNOWN = reader.KNOWN.value as number;

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
  const kept = (k: number) => AT.kept + 2 * k;
  const rows: Row[] = [];
  const gaps: Gap[] = [];
  // Each kept field's value (or, for the ids, where it is) in the record before, reused when
  // the module found the same bytes; for the first DICTIONARY fields, the batch's first WORDS
  // values, kept by the module's rule (collector/wasm/reader.ts, sameAsBefore).
  const last: (string | null)[] = KEPT.map(() => null);
  const known: string[][] = KEPT.slice(0, DICTIONARY).map(() => []);
  const text = (k: number, e: number) => {
    const from = table[e + kept(k)]!;
    if (from === SAME) return last[k]!;
    if (from <= KNOWN) return known[k]![KNOWN - from]!;
    if (from === ABSENT) return (last[k] = null);
    const value = bytes.toString('latin1', from, table[e + kept(k) + 1]);
    if (k < DICTIONARY && known[k]!.length < WORDS) known[k]!.push(value);
    return (last[k] = value);
  };
  const ids: [number, number, number, number] = [-1, -1, -1, -1];
  const span = (k: number, e: number, at: number) => {
    const from = table[e + kept(k)]!;
    if (from === SAME) return;
    ids[at] = from;
    ids[at + 1] = table[e + kept(k) + 1]!;
  };
  for (let i = 0; i < count; i++) {
    const e = i * ENTRY;
    const start = table[e + AT.start]!;
    const end = table[e + AT.end]!;
    const line = table[e + AT.line]!;
    // In order, every record: the record after may reuse them.
    const service = text(SLOT.service!, e);
    const namespace = text(SLOT.namespace!, e);
    const workload = text(SLOT.workload!, e);
    const method = text(SLOT.method!, e);
    const authority = text(SLOT.authority!, e);
    const path = text(SLOT.path!, e);
    span(SLOT.request_id!, e, 0);
    span(SLOT.trace_id!, e, 2);
    if (table[e + AT.fast] === 1) {
      if (end - start > limits.maxRecordBytes) throw new BatchError(line, '', `a record of at most ${limits.maxRecordBytes} bytes`);
      const time = times[(e + TIME_AT) / 2]!;
      // Out of bounds: the error shows the time as it came (read again, as this is rare).
      if (time < rules.times.earliest || time > rules.times.latest) bounded(time, startTime(bytes, start, end), line, 'start_time', rules.times);
      rows.push(new ReadRow(time, table[e + AT.status]!, service, namespace, workload, method, authority, path, bytes, start, end, ids[0], ids[1], ids[2], ids[3]));
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
