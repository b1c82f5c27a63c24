// Queries over the shards: filters on the record's fields, a time range (ISO or relative, like
// "15m"), free text, newest first, and an opaque cursor for the next page that stays correct
// across shard boundaries. Records are ordered by time, then shard, block and place in the block.
//
// Each shard narrows to candidate blocks by their time ranges and the full-text indexes (terms of
// field values, status codes, words), reads them newest first, checks every record exactly, and
// stops once no remaining block can hold a record newer than the page's oldest (`candidates`
// below: by end time, or by block id with the latest end time up to each id).
import { FILTERED } from '../record/schema.js';
import type { Block, Shard } from '../store/shard.js';
import { serviceStatus, statusTerm, term } from '../store/terms.js';
import type { Store } from '../store/store.js';
import type { Unpacked } from '../store/unpacked.js';
import type { Unreadable } from '../store/unreadable.js';
import { fieldsMatch, type Filters, parseStatus, type Predicate, predicate, QueryError, sought, textMatches } from './filters.js';

export const MAX_LIMIT = 1000;

/** An ISO time or a duration back from now (30s, 15m, 2h, 7d) → ms since the epoch. */
export function parseTime(value: string, field: string, now = Date.now()): number {
  const rel = /^(\d+)(s|m|h|d)$/.exec(value);
  if (rel) return now - Number(rel[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const ms = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new QueryError(field, 'an ISO time (2026-11-27T10:00:00Z) or a duration ago (15m, 2h, 7d)', value);
  return ms;
}

/** Where a record is, in query order: newer time first, then later shard, block and slot. */
interface Key {
  t: number;
  s: string;
  b: number;
  i: number;
}

/** > 0 when a comes before b in the answer (newest first). */
function order(a: Key, b: Key): number {
  return a.t - b.t || (a.s < b.s ? -1 : a.s > b.s ? 1 : 0) || a.b - b.b || a.i - b.i;
}

/** A cursor from a previous answer, as `valid` expects it; a QueryError for anything else. */
function readCursor<T>(value: string, valid: (c: T) => boolean): T {
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString()) as T;
    if (typeof c === 'object' && c !== null && valid(c)) return c;
  } catch {
    // fall through
  }
  throw new QueryError('cursor', 'a cursor from a previous answer ("next")', value);
}

export interface QueryResult {
  records: Record<string, unknown>[];
  next: string | null;
}

/** What one record must be, checked on the record itself. */
interface Match {
  since: number;
  until: number;
  /** What the record's fields and text must pass, as for the live tail (filters.ts). */
  predicate: Predicate;
  /** The status codes sought, checked on a block's codes before its records are read. */
  status?: [number, number];
  /** Quoted values a matching line must contain, tried before parsing it. */
  quick: string[];
  /** What every matching record holds (the free text, or the first quoted value), in UTF-8: a block's bytes are searched for it first. */
  needle?: Buffer;
  /** The expression on the blocks' terms that narrows them, or undefined for all. */
  fts?: string;
  /** The expression on the blocks' words (free text), or undefined. */
  words?: string;
}

/** Words as the index's tokenizer cuts them: runs of letters and digits. */
const words = (s: string) => s.split(/[^\p{L}\p{N}]+/u).filter(Boolean);

function plan(f: Filters, since: number, until: number): Match {
  const m: Match = { since, until, predicate: predicate(f), quick: [] };
  const fts: string[] = [];
  const wordTerms: string[] = [];
  // Only values no JSON writer would escape can be looked for as text.
  const quick = (value: string) => {
    if (/^[\w .:/@+-]*$/.test(value)) m.quick.push(JSON.stringify(value));
  };
  // Each field's filter narrows the blocks as the field is indexed (record/schema.ts).
  for (const field of FILTERED) {
    const given = f[field.filter.param];
    if (given === undefined) continue;
    const index = field.index;
    if (typeof index === 'object') {
      const value = sought(field.filter.match, given);
      fts.push(`"${term(index.term, value)}"`);
      quick(value);
    } else if (index === 'words') {
      quick(given);
      // Whole words, as the record's text holds them unless JSON escapes something in the value
      // (then no words: the blocks are read).
      if (JSON.stringify(given) === `"${given}"`) for (const word of words(given)) wordTerms.push(`"${word}"`);
    } else if (index === 'status') {
      const [lo, hi] = parseStatus(given);
      m.status = [lo, hi];
      // With a service, the terms of that service answering each code; else the codes alone.
      const code = (c: number) => (f.service !== undefined ? serviceStatus(f.service, c) : statusTerm(c));
      if (hi - lo < 100) fts.push(`(${Array.from({ length: hi - lo + 1 }, (_, k) => `"${code(lo + k)}"`).join(' OR ')})`);
    } else if (index === 'path') {
      const w = words(given);
      // The last word of a prefix may be cut short.
      w.forEach((word, k) => fts.push(k === w.length - 1 && !/[^\p{L}\p{N}]$/u.test(given) ? `"${word}"*` : `"${word}"`));
    }
  }
  if (fts.length) m.fts = fts.join(' AND ');
  if (f.text !== undefined && f.text !== '') {
    // Words as the index holds them (whole, case-folded); the last may be cut short, so it is a
    // prefix, left out when other words narrow and it is short: FTS5 merges every word the prefix
    // starts ("77"* is thousands: numbers, hex ids) for little narrowing. The text itself is
    // checked on every record either way.
    const w = words(f.text);
    w.forEach((word, k) => {
      if (k < w.length - 1) wordTerms.push(`"${word}"`);
      else if (k === 0 || [...word].length >= 3) wordTerms.push(`"${word}"*`);
    });
  }
  if (wordTerms.length) m.words = wordTerms.join(' AND ');
  const needle = m.predicate.text ?? m.quick[0];
  if (needle !== undefined) m.needle = Buffer.from(needle, 'utf8');
  return m;
}

/** The record if it matches; throws when it cannot be read (not JSON, not an object). */
function matches(line: string, m: Match): Record<string, unknown> | undefined {
  for (const q of m.quick) if (!line.includes(q)) return undefined;
  if (!textMatches(m.predicate, line)) return undefined;
  const r = JSON.parse(line) as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('the record is not a JSON object');
  return fieldsMatch(m.predicate, (field) => r[field]) ? r : undefined;
}

type Found = Key & { record: Record<string, unknown> };

/** Keep the `limit` first records in answer order, in a sorted array. */
function keep(found: Found[], item: Found, limit: number): void {
  let lo = 0;
  let hi = found.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order(found[mid]!, item) > 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= limit) return;
  found.splice(lo, 0, item);
  if (found.length > limit) found.pop();
}

export function query(store: Store, f: Filters, now = Date.now()): QueryResult {
  const limit = f.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new QueryError('limit', `an integer from 1 to ${MAX_LIMIT}`, String(f.limit));
  const since = f.since !== undefined ? parseTime(f.since, 'since', now) : 0;
  const until = f.until !== undefined ? parseTime(f.until, 'until', now) : Number.MAX_SAFE_INTEGER;
  const cursor = f.cursor !== undefined ? readCursor<Key>(f.cursor, (c) => Number.isFinite(c.t) && typeof c.s === 'string' && Number.isInteger(c.b) && Number.isInteger(c.i)) : undefined;
  const m = plan(f, since, until);
  const found: Found[] = [];
  for (const shard of store.shardsFor(since, until)) {
    if (cursor && shard.day > cursor.s && (shard.min ?? Infinity) > cursor.t) continue;
    search(shard, m, cursor, limit, found, store.unreadable);
  }
  const last = found.length === limit ? found.at(-1) : undefined;
  const next = last ? Buffer.from(JSON.stringify({ t: last.t, s: last.s, b: last.b, i: last.i })).toString('base64url') : null;
  return { records: found.map((r) => r.record), next };
}

interface Candidate {
  id: number;
  min_time: number;
  max_time: number;
}

/**
 * A shard's candidate blocks, in an order with a bound: `stop(block, oldest)` is true when no
 * block from that one on can hold a record as new as `oldest` (ms). Without an index expression,
 * every block in the time range, latest end first. With one, the index's blocks newest id first,
 * streamed: materialising every block a common word is in costs more than reading the few a page
 * needs; the blocks the words index has not reached come first (they are the newest).
 */
function candidates(shard: Shard, m: Match, upper: number): { rows: Iterable<Candidate>; stop(c: Candidate, oldest: number): boolean } {
  const inRange = 'max_time >= ? AND min_time < ?';
  if (!m.fts && !m.words) {
    return {
      rows: shard.statement(`SELECT id, min_time, max_time FROM ranges WHERE ${inRange} ORDER BY max_time DESC, id DESC`).iterate(m.since, upper) as Iterable<Candidate>,
      stop: (c, oldest) => c.max_time < oldest,
    };
  }
  // Streamed without a time condition: a block out of the range is skipped by the reader (search),
  // while the bound still stops the stream once every block left is older than the range.
  const newest = shard.newestBefore();
  // The terms' expression, on each candidate of the words' (an FTS5 lookup by rowid), or streamed itself.
  const terms = m.fts ? ' AND EXISTS (SELECT 1 FROM terms WHERE terms MATCH ? AND terms.rowid = r.id)' : '';
  const termsParams = m.fts ? [m.fts] : [];
  const rows = function* (): Iterable<Candidate> {
    if (m.words) {
      const upTo = shard.wordsUpTo();
      yield* shard.statement(`SELECT id, min_time, max_time FROM ranges r WHERE id > ?${terms} ORDER BY id DESC`)
        .iterate(upTo, ...termsParams) as Iterable<Candidate>;
      yield* shard.statement(`SELECT r.id, r.min_time, r.max_time FROM w.words JOIN ranges r ON r.id = w.words.rowid
        WHERE words MATCH ? AND w.words.rowid <= ?${terms} ORDER BY w.words.rowid DESC`)
        .iterate(m.words, upTo, ...termsParams) as Iterable<Candidate>;
    } else {
      yield* shard.statement(`SELECT r.id, r.min_time, r.max_time FROM terms JOIN ranges r ON r.id = terms.rowid
        WHERE terms MATCH ? ORDER BY terms.rowid DESC`).iterate(m.fts) as Iterable<Candidate>;
    }
  };
  return { rows: rows(), stop: (c, oldest) => newest(c.id) < oldest };
}

/**
 * One shard's records into `found`, newest first, after the cursor. A block or record that cannot
 * be read is reported and skipped: the answer is every readable record.
 */
function search(shard: Shard, m: Match, cursor: Key | undefined, limit: number, found: Found[], unreadable: Unreadable): void {
  const upper = cursor ? Math.min(m.until, cursor.t + 1) : m.until;
  const { rows, stop } = candidates(shard, m, upper);
  for (const row of rows) {
    // No block from here on can hold a record newer than the page's oldest, or in the range.
    if ((found.length === limit && stop(row, found.at(-1)!.t)) || stop(row, m.since)) return;
    if (row.max_time < m.since || row.min_time >= upper) continue;
    let block: Block;
    try {
      block = shard.block(row.id);
    } catch (err) {
      unreadable.block(shard.day, row.id, err);
      continue;
    }
    // The records that hold the needle (ascending), found when the first record passes the
    // cheap checks; from then on the loop goes from one of them to the next.
    let holding: number[] | undefined;
    let h = 0;
    for (let i = block.times.length - 1; i >= 0; i--) {
      const key: Key = { t: block.times[i]!, s: shard.day, b: row.id, i };
      if (key.t < m.since || key.t >= m.until) continue;
      if (cursor && order(key, cursor) >= 0) continue;
      if (found.length === limit && order(key, found.at(-1)!) <= 0) continue;
      if (m.status && (block.codes[i]! < m.status[0] || block.codes[i]! > m.status[1])) continue;
      let records: Unpacked;
      try {
        records = block.records();
      } catch (err) {
        unreadable.block(shard.day, row.id, err);
        break;
      }
      if (m.needle) {
        if (holding === undefined) h = (holding = records.holding(m.needle)).length - 1;
        while (h >= 0 && holding[h]! > i) h--;
        if (h < 0) break;
        if (holding[h] !== i) {
          i = holding[h]! + 1; // the loop's i-- makes it the next record holding the needle
          continue;
        }
      }
      let record: Record<string, unknown> | undefined;
      try {
        record = matches(records.line(i), m);
      } catch (err) {
        unreadable.record(shard.day, row.id, i, err);
        continue;
      }
      if (record) keep(found, { ...key, record }, limit);
    }
  }
}

export interface GapNotice {
  source: string;
  dropped: number;
  since: string;
  until: string;
  reason: string;
  /** When the batch that told of it arrived. */
  received: string;
}

/** A page of gap notices, and the cursor of the next (null at the end). */
export interface GapPage {
  gaps: GapNotice[];
  next: string | null;
}

/** Where a gap notice is, in answer order: later `since` first, then later shard, then later row. */
interface GapKey {
  t: number;
  s: string;
  id: number;
}

/**
 * The records producers said they lost (the filter's gap notices: its buffer overflowed while
 * the collector was away), overlapping a time range, newest first, a page at a time: what an
 * auditor needs to know the trail is incomplete, and where.
 */
export function gaps(store: Store, f: Pick<Filters, 'since' | 'until' | 'limit' | 'cursor'>, now = Date.now()): GapPage {
  const limit = f.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new QueryError('limit', `an integer from 1 to ${MAX_LIMIT}`, String(f.limit));
  const since = f.since !== undefined ? parseTime(f.since, 'since', now) : 0;
  const until = f.until !== undefined ? parseTime(f.until, 'until', now) : Number.MAX_SAFE_INTEGER;
  const cursor = f.cursor !== undefined ? readCursor<GapKey>(f.cursor, (c) => Number.isFinite(c.t) && typeof c.s === 'string' && Number.isInteger(c.id)) : undefined;
  const sql = `SELECT g.id, g.source, g.dropped, g.since, g.until, g.reason, b.received FROM gaps g JOIN batches b ON b.id = g.batch
    WHERE g.until >= ? AND g.since < ? AND (g.since < ? OR (g.since = ? AND g.id < ?)) ORDER BY g.since DESC, g.id DESC LIMIT ?`;
  type Found = { id: number; day: string; source: string; dropped: number; since: number; until: number; reason: string; received: number };
  // Every shard: a notice lives in the shard of its batch, which need not hold its time range.
  const rows = store.list().flatMap((s) => {
    // After the cursor: an older notice, or one as old in an earlier shard, or earlier in its shard.
    const t = cursor?.t ?? Number.MAX_SAFE_INTEGER;
    const below = cursor === undefined || s.day < cursor.s ? Number.MAX_SAFE_INTEGER : s.day === cursor.s ? cursor.id : 0;
    // One more than a page: whether there is a next page is known without asking again.
    return (s.statement(sql).all(since, until, t, t, below, limit + 1) as Omit<Found, 'day'>[]).map((g) => ({ ...g, day: s.day }));
  });
  rows.sort((a, b) => b.since - a.since || (a.day < b.day ? 1 : a.day > b.day ? -1 : 0) || b.id - a.id);
  const page = rows.slice(0, limit);
  const last = page.length === limit && rows.length > limit ? page.at(-1) : undefined;
  const next = last ? Buffer.from(JSON.stringify({ t: last.since, s: last.day, id: last.id })).toString('base64url') : null;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    gaps: page.map((g) => ({ source: g.source, dropped: g.dropped, since: iso(g.since), until: iso(g.until), reason: g.reason, received: iso(g.received) })),
    next,
  };
}
