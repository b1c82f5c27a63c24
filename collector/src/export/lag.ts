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

/**
 * Each shard's records counted block by block from its first: a block never changes once
 * committed, so each is read once, and the records past any position are a subtraction, however
 * far behind an exporter is (summing the blocks' wide rows at each scrape would read the shard).
 */
export class BlockCounts {
  /** By connection (a shard made again is another connection): records in blocks 1..i at [i]. */
  private readonly upTo = new WeakMap<Database.Database, number[]>();

  /** Records in a shard's blocks from a position on, and the earliest time in those blocks (null: none). */
  past(db: Database.Database, p: Position): { records: number; oldest: number | null } {
    const sums = this.caughtUp(db);
    const last = sums.length - 1;
    const before = sums[Math.min(last, Math.max(0, p.block - 1))]!;
    const records = Math.max(0, sums[last]! - before - p.records);
    if (records === 0) return { records, oldest: null };
    return { records, oldest: db.prepare('SELECT min(min_time) FROM ranges WHERE id >= ?').pluck().get(p.block) as number | null };
  }

  private caughtUp(db: Database.Database): number[] {
    let sums = this.upTo.get(db);
    if (sums === undefined) this.upTo.set(db, (sums = [0]));
    const added = db.prepare('SELECT id, count FROM blocks WHERE id > ? ORDER BY id').all(sums.length - 1) as { id: number; count: number }[];
    for (const b of added) {
      // Ids are dense (shard.ts); if that ever failed, counting from here on would be wrong: start again.
      if (b.id !== sums.length) {
        this.upTo.delete(db);
        return this.caughtUp(db);
      }
      sums.push(sums.at(-1)! + b.count);
    }
    return sums;
  }
}

export function lag(counts: BlockCounts, shards: { day: string; db: Database.Database }[], position: (day: string) => Position, now = Date.now()): Lag {
  let records = 0;
  let oldest: number | null = null;
  for (const shard of shards) {
    const past = counts.past(shard.db, position(shard.day));
    records += past.records;
    if (past.oldest !== null && (oldest === null || past.oldest < oldest)) oldest = past.oldest;
  }
  return { records, seconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000) };
}
