// A shard's records as the tree takes them: its blocks in id order, each read back from the
// stored bytes alone, for what checks the log offline (verify, prove). A block that cannot be
// read back is handed on as its error, for the caller to report.
import type Database from 'better-sqlite3';
import { unpackBlock } from '../store/codec.js';

type Row = { id: number; data: Buffer };
export type StoredBlock<R extends Row = Row> = { id: number; row: R; text: Buffer; error?: undefined } | { id: number; row: R; text?: undefined; error: string };

/**
 * The blocks of an open shard, oldest first, each as its records' text or why it cannot be read.
 * `rows` selects them, in id order, with any columns more a caller checks (verify: the index's).
 */
export function* storedBlocks<R extends Row = Row>(db: Database.Database, rows = 'SELECT id, data FROM blocks ORDER BY id'): Generator<StoredBlock<R>> {
  const layout = db.pragma('user_version', { simple: true }) as number;
  for (const row of db.prepare(rows).iterate() as IterableIterator<R>) {
    try {
      yield { id: row.id, row, text: unpackBlock(row.data, layout) };
    } catch (err) {
      yield { id: row.id, row, error: (err as Error).message };
    }
  }
}
