// How far an exporter is behind: the records stored past its cursor, in every shard, and the age
// of the oldest of them (by its time). Read from the cursor as written, that is as the receiver
// accepted, and the shards as committed: so /metrics never shows a lag of 0 for records the
// receiver has not taken.
import type Database from 'better-sqlite3';
import type { Position } from './cursor.js';

export interface Lag {
  records: number;
  /** 0 when no record waits. */
  seconds: number;
}

const PAST = 'SELECT coalesce(sum(count), 0) AS records, min(min_time) AS oldest FROM blocks WHERE id >= ?';

/** Records in a shard's blocks from a position on, and the earliest time in those blocks (null: none). */
export function pastIn(db: Database.Database, p: Position): { records: number; oldest: number | null } {
  const { records, oldest } = db.prepare(PAST).get(p.block) as { records: number; oldest: number | null };
  return { records: Math.max(0, records - p.records), oldest: records > p.records ? oldest : null };
}

export function lag(shards: { day: string; db: Database.Database }[], position: (day: string) => Position, now = Date.now()): Lag {
  let records = 0;
  let oldest: number | null = null;
  for (const shard of shards) {
    const past = pastIn(shard.db, position(shard.day));
    records += past.records;
    if (past.oldest !== null && (oldest === null || past.oldest < oldest)) oldest = past.oldest;
  }
  return { records, seconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000) };
}
