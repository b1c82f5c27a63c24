// Taking the next batch from a shard: from a position, its records in block order, those passing
// the exporter's filter kept, until the batch holds as many records or bytes as it may. Each
// record kept comes with the position just past it, so that a batch whose request is too large
// can be cut anywhere and the cursor still says exactly what went.
import { fieldsMatch, type Predicate } from '../query/filters.js';
import type { Position } from './cursor.js';
import type { StoredRecord } from './encoder.js';
import type { ShardReader } from './shelf.js';

export interface Taken {
  records: StoredRecord[];
  /** The position just past each record. */
  after: Position[];
  /** Just past every record looked at (kept or not): where the cursor goes once all were delivered. */
  end: Position;
  /** Stopped for a limit (more records wait), rather than for reaching the shard's last record. */
  full: boolean;
}

/** A block or record that cannot be read is skipped (the store counts it when a query meets it): told here, to log. */
export type Skipped = (what: { day: string; block: number; record?: number; error: string }) => void;

/** Blocks read from the database at once. */
const BLOCKS_AT_ONCE = 8;

export function take(shard: ShardReader, from: Position, filter: Predicate, limits: { records: number; bytes: number }, skipped: Skipped): Taken {
  const taken: Taken = { records: [], after: [], end: from, full: false };
  let bytes = 0;
  let next = from;
  for (;;) {
    const blocks = shard.blocks(next.block, BLOCKS_AT_ONCE);
    if (blocks.length === 0) return taken;
    for (const block of blocks) {
      // Ids are dense: a block missing would be a damaged file; the position moves on regardless.
      const first = block.id === next.block ? next.records : 0;
      let lines;
      try {
        lines = first < block.count ? shard.records(block) : undefined;
      } catch (err) {
        skipped({ day: shard.day, block: block.id, error: (err as Error).message });
      }
      for (let i = first; lines && i < Math.min(block.count, lines.count); i++) {
        if (taken.records.length >= limits.records || bytes >= limits.bytes) {
          taken.full = true;
          return taken;
        }
        const line = lines.line(i);
        let record: StoredRecord | undefined;
        try {
          record = JSON.parse(line) as StoredRecord;
        } catch (err) {
          skipped({ day: shard.day, block: block.id, record: i, error: (err as Error).message });
        }
        // A block's last record done is the next block's start: one way to write each position.
        taken.end = i + 1 === block.count ? { block: block.id + 1, records: 0 } : { block: block.id, records: i + 1 };
        if (record === undefined || !fieldsMatch(filter, (f) => record[f])) continue;
        taken.records.push(record);
        taken.after.push(taken.end);
        bytes += line.length + 1;
      }
      taken.end = next = { block: block.id + 1, records: 0 };
    }
  }
}
