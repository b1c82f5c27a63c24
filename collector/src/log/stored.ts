// A shard's records as the tree takes them: its blocks in id order, each read back from the
// stored bytes alone, for what checks the log offline (verify, prove). A block that cannot be
// read back is handed on as its error, for the caller to report.
import type Database from 'better-sqlite3';
import { unpackBlock } from '../store/codec.js';

export type StoredBlock = { id: number; text: Buffer; error?: undefined } | { id: number; text?: undefined; error: string };

/** The blocks of an open shard, oldest first, each as its records' text or why it cannot be read. */
export function* storedBlocks(db: Database.Database): Generator<StoredBlock> {
  const layout = db.pragma('user_version', { simple: true }) as number;
  for (const b of db.prepare('SELECT id, data FROM blocks ORDER BY id').iterate() as IterableIterator<{ id: number; data: Buffer }>) {
    try {
      yield { id: b.id, text: unpackBlock(b.data, layout) };
    } catch (err) {
      yield { id: b.id, error: (err as Error).message };
    }
  }
}
