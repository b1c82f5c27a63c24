// Queries over the shards: filters by the indexed columns, a time range (ISO or relative, like
// "15m"), free text, newest first, and an opaque cursor for the next page that stays correct
// across shard boundaries (records are ordered by time, then shard, then id).
import type { Shard } from './shard.js';
import type { Store } from './store.js';

export interface Filters {
  service?: string;
  namespace?: string;
  workload?: string;
  /** "5xx", "404", or a range "400-499". */
  status?: string;
  method?: string;
  authority?: string;
  /** A path prefix. */
  path?: string;
  requestId?: string;
  traceId?: string;
  /** Free text, matched anywhere in the record. */
  text?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export class QueryError extends Error {
  constructor(readonly field: string, readonly expected: string, readonly got: string) {
    super(`"${field}" must be ${expected}, got ${JSON.stringify(got)}`);
  }
}

export const MAX_LIMIT = 1000;

/** An ISO time or a duration back from now (30s, 15m, 2h, 7d) → ms since the epoch. */
export function parseTime(value: string, field: string, now = Date.now()): number {
  const rel = /^(\d+)(s|m|h|d)$/.exec(value);
  if (rel) return now - Number(rel[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const ms = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new QueryError(field, 'an ISO time (2026-11-27T10:00:00Z) or a duration ago (15m, 2h, 7d)', value);
  return ms;
}

export function parseStatus(value: string): [number, number] {
  let m = /^([1-5])xx$/i.exec(value);
  if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  m = /^(\d{1,3})-(\d{1,3})$/.exec(value);
  if (m && Number(m[1]) <= Number(m[2])) return [Number(m[1]), Number(m[2])];
  if (/^\d{1,3}$/.test(value)) return [Number(value), Number(value)];
  throw new QueryError('status', 'a code (404), a class (5xx) or a range (400-499)', value);
}

interface Cursor {
  t: number;
  s: string;
  i: number;
}

function readCursor(value: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString()) as Cursor;
    if (Number.isFinite(c.t) && typeof c.s === 'string' && Number.isInteger(c.i)) return c;
  } catch {
    // fall through
  }
  throw new QueryError('cursor', 'a cursor from a previous answer ("next")', value);
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`); // for LIKE patterns

export interface QueryResult {
  records: Record<string, unknown>[];
  next: string | null;
}

export function query(store: Store, f: Filters, now = Date.now()): QueryResult {
  const limit = f.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new QueryError('limit', `an integer from 1 to ${MAX_LIMIT}`, String(f.limit));
  const since = f.since !== undefined ? parseTime(f.since, 'since', now) : 0;
  const until = f.until !== undefined ? parseTime(f.until, 'until', now) : Number.MAX_SAFE_INTEGER;
  const cursor = f.cursor !== undefined ? readCursor(f.cursor) : undefined;
  const where: string[] = ['time >= ?', 'time < ?'];
  const params: unknown[] = [since, until];
  const eq = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  eq('service', f.service);
  eq('namespace', f.namespace);
  eq('workload', f.workload);
  eq('method', f.method?.toUpperCase());
  eq('authority', f.authority);
  eq('request_id', f.requestId);
  eq('trace_id', f.traceId);
  if (f.status !== undefined) {
    const [lo, hi] = parseStatus(f.status);
    where.push('status BETWEEN ? AND ?');
    params.push(lo, hi);
  }
  if (f.path !== undefined) {
    where.push("path LIKE ? ESCAPE '\\'");
    params.push(`${likeEscape(f.path)}%`);
  }

  // Each shard gives its newest `limit` rows after the cursor; the merge keeps the newest overall.
  const rows: { time: number; shard: string; id: number; record: string }[] = [];
  for (const shard of store.shardsFor(since, until)) {
    rows.push(...page(shard, where, params, cursor, limit, f.text));
  }
  rows.sort((a, b) => b.time - a.time || (a.shard < b.shard ? 1 : a.shard > b.shard ? -1 : 0) || b.id - a.id);
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  const next = kept.length === limit && last ? Buffer.from(JSON.stringify({ t: last.time, s: last.shard, i: last.id })).toString('base64url') : null;
  return { records: kept.map((r) => JSON.parse(r.record) as Record<string, unknown>), next };
}

/**
 * A shard's newest `limit` matches after the cursor. Free text is matched in the records
 * themselves (they are compressed in blocks), so candidates are read in chunks until enough
 * match or the shard has no more.
 */
function page(shard: Shard, where: string[], params: unknown[], cursor: Cursor | undefined, limit: number, text: string | undefined) {
  const clauses = [...where];
  const values = [...params];
  if (cursor) {
    // After the cursor in (time desc, shard desc, id desc) order.
    if (shard.day > cursor.s) {
      clauses.push('time < ?');
      values.push(cursor.t);
    } else if (shard.day === cursor.s) {
      clauses.push('(time < ? OR (time = ? AND id < ?))');
      values.push(cursor.t, cursor.t, cursor.i);
    } else {
      clauses.push('time <= ?');
      values.push(cursor.t);
    }
  }
  const base = `SELECT id, time, block, slot FROM records WHERE ${clauses.join(' AND ')}`;
  const first = shard.statement(`${base} ORDER BY time DESC, id DESC LIMIT ?`);
  const more = shard.statement(`${base} AND (time < ? OR (time = ? AND id < ?)) ORDER BY time DESC, id DESC LIMIT ?`);
  const chunk = text === undefined ? limit : Math.max(limit, 500);
  const found: { time: number; shard: string; id: number; record: string }[] = [];
  let last: { id: number; time: number } | undefined;
  for (;;) {
    const candidates = (last === undefined ? first.all(...values, chunk) : more.all(...values, last.time, last.time, last.id, chunk)) as
      { id: number; time: number; block: number; slot: number }[];
    const records = shard.records(candidates);
    candidates.forEach((c, i) => {
      if (found.length < limit && (text === undefined || records[i]!.includes(text))) found.push({ time: c.time, shard: shard.day, id: c.id, record: records[i]! });
    });
    if (found.length >= limit || candidates.length < chunk) return found;
    last = candidates.at(-1);
  }
}
