// What queries go by, checked against the records it stands for. A query finds a record through
// its block's row (its count, its time range, each record's time and status code), the block's
// row in `ranges` (the time range queries narrow by, and the shard's own range) and its terms
// (each status code among them); a block missing from these, or out of step with its records, is
// hidden from queries, tails' history and reports though its records verify. Checked with the
// block's text already decoded for its leaves, so a block is decoded once.
import type Database from 'better-sqlite3';
import { filterTime } from '../ingest/times.js';
import { statusTerm } from '../store/terms.js';

/** A block's row as verify reads it, with its row in `ranges` (null when it has none). */
export interface BlockRow {
  id: number;
  data: Buffer;
  count: number;
  min_time: number;
  max_time: number;
  times: Buffer;
  codes: Buffer;
  range_min: number | null;
  range_max: number | null;
}

/** Every block with its index columns and its `ranges` row, in the order of the tree. */
export const BLOCK_ROWS = `SELECT b.id, b.data, b.count, b.min_time, b.max_time, b.times, b.codes, r.min_time AS range_min, r.max_time AS range_max
  FROM blocks b LEFT JOIN ranges r ON r.id = b.id ORDER BY b.id`;

const START = Buffer.from('"start_time":"');
const CODE = Buffer.from('"response_code":');
/** The length of a start_time as stored (the filter's form, which ingest writes every time in). */
const TIME_LENGTH = 24;

/** A time as an error shows it. */
const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** The blocks the terms index finds for a status code, looked up once per code and shard. */
export class StatusTerms {
  private readonly found = new Map<number, Set<number>>();
  private readonly lookup: Database.Statement;

  constructor(db: Database.Database) {
    this.lookup = db.prepare('SELECT rowid FROM terms WHERE terms MATCH ?').pluck();
  }

  has(code: number, block: number): boolean {
    let blocks = this.found.get(code);
    if (blocks === undefined) this.found.set(code, (blocks = new Set(this.lookup.all(`"${statusTerm(code)}"`) as number[])));
    return blocks.has(block);
  }
}

/** A record's time and status code as its text says, found without parsing it (the first such keys); NaN when not found. */
function quickTimeAndCode(text: Buffer, start: number, end: number): [number, number] {
  // The filter writes start_time first: looked for there before anywhere else.
  const first = text.compare(START, 0, START.length, start + 1, start + 1 + START.length) === 0;
  const s = first ? start + 1 : text.indexOf(START, start);
  const c = s < 0 ? -1 : text.indexOf(CODE, s + START.length + TIME_LENGTH);
  if (s >= 0 && s + START.length + TIME_LENGTH <= end && c >= 0 && c < end) {
    const time = filterTime(text.toString('latin1', s + START.length, s + START.length + TIME_LENGTH));
    let code = 0;
    let i = c + CODE.length;
    for (; i < end && text[i]! >= 0x30 && text[i]! <= 0x39; i++) code = code * 10 + text[i]! - 0x30;
    if (!Number.isNaN(time) && i > c + CODE.length) return [time, code];
  }
  return [NaN, NaN];
}

/** A record's time and status code, its text parsed (odd spacing, or a nested field of the same name first). */
function parsedTimeAndCode(text: Buffer, start: number, end: number): [number, number] {
  try {
    const r = JSON.parse(text.toString('utf8', start, end)) as { start_time?: unknown; response_code?: unknown };
    return [typeof r.start_time === 'string' ? Date.parse(r.start_time) : NaN, typeof r.response_code === 'number' ? r.response_code : NaN];
  } catch {
    return [NaN, NaN];
  }
}

/**
 * What is wrong with a block's index, given its records' text (a record a line) and how many
 * there are; undefined when queries find each of its records as it is.
 */
export function blockIndexFault(row: BlockRow, text: Buffer, records: number, terms: StatusTerms): string | undefined {
  const hidden = `block ${row.id} is hidden from queries`;
  if (row.range_min === null) return `${hidden}: it has no row in the ranges table`;
  if (row.count !== records || !(row.times instanceof Buffer) || !(row.codes instanceof Buffer) || row.times.length !== records * 8 || row.codes.length !== records * 2) {
    return `${hidden}: it holds ${records} records; its row says ${row.count}, with ${row.times?.length / 8} times and ${row.codes?.length / 2} status codes`;
  }
  const times = new Float64Array(row.times.buffer.slice(row.times.byteOffset, row.times.byteOffset + row.times.length));
  const codes = new Uint16Array(row.codes.buffer.slice(row.codes.byteOffset, row.codes.byteOffset + row.codes.length));
  let min = Infinity;
  let max = -Infinity;
  let start = 0;
  for (let i = 0; i < records; i++) {
    const newline = text.indexOf(0x0a, start);
    const end = newline < 0 ? text.length : newline;
    let [time, code] = quickTimeAndCode(text, start, end);
    if (time !== times[i] || code !== codes[i]) [time, code] = parsedTimeAndCode(text, start, end);
    if (time !== times[i] || code !== codes[i]) {
      return `${hidden}: its record ${i + 1} has the time ${iso(time)} and status ${code}, its columns say ${iso(times[i]!)} and ${codes[i]}`;
    }
    if (time < min) min = time;
    if (time > max) max = time;
    start = end + 1;
  }
  if (row.min_time !== min || row.max_time !== max || row.range_min !== min || row.range_max !== max) {
    return `${hidden}: its records' times run from ${iso(min)} to ${iso(max)}, its row says ${iso(row.min_time)} to ${iso(row.max_time)} and its ranges row ${iso(row.range_min)} to ${iso(row.range_max!)}`;
  }
  for (const code of new Set(codes)) {
    if (!terms.has(code, row.id)) return `${hidden}: the terms index does not find it by its status ${code}`;
  }
  return undefined;
}
