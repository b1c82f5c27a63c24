// The data folder as exporters read it: each shard day's file, opened read-only in the exporters'
// thread (WAL: readers never block the collector's writes), its blocks by id, and what lies past
// a position. Shards come and go (a new day, retention), so the folder is looked at each time.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { unpackBlock } from '../store/codec.js';
import { SHARD_FILE, shardFile } from '../store/days.js';
import { LEAST_PAGE_CACHE_BYTES } from '../store/page-cache.js';
import { Unpacked } from '../store/unpacked.js';

export interface BlockRow {
  id: number;
  count: number;
  min_time: number;
}

export class ShardReader {
  private readonly blocksAfter: Database.Statement;
  private readonly dataOf: Database.Statement;
  private readonly lastStmt: Database.Statement;
  private readonly batchStmt: Database.Statement;
  private readonly layout: number;

  /** `inode`: the file's, to tell a shard removed and made again from the one opened. */
  constructor(readonly day: string, readonly db: Database.Database, readonly inode: number) {
    this.layout = db.pragma('user_version', { simple: true }) as number;
    this.blocksAfter = db.prepare('SELECT id, count, min_time FROM blocks WHERE id >= ? ORDER BY id LIMIT ?');
    this.dataOf = db.prepare('SELECT data FROM blocks WHERE id = ?').pluck();
    this.lastStmt = db.prepare('SELECT coalesce(max(id), 0) FROM blocks').pluck();
    this.batchStmt = db.prepare('SELECT b.batch FROM blocks k JOIN batches b ON b.id = k.batch WHERE k.id = ?').pluck();
  }

  /** The name of the batch that brought block `id`; undefined when there is no such block. */
  batchOf(id: number): string | undefined {
    return this.batchStmt.get(id) as string | undefined;
  }

  /** The last block's id (0: none). */
  last(): number {
    return this.lastStmt.get() as number;
  }

  /** Up to `n` blocks from id `from` on. */
  blocks(from: number, n: number): BlockRow[] {
    return this.blocksAfter.all(from, n) as BlockRow[];
  }

  /** A block's records, a JSON line each; throws when it does not decompress. */
  records(block: BlockRow): Unpacked {
    return new Unpacked(unpackBlock(this.dataOf.get(block.id) as Buffer, this.layout), block.count);
  }

}

export class Shelf {
  private readonly open = new Map<string, ShardReader>();
  /** The days whose shard file was in the folder when last looked at, read or not (a damaged one, one being made). */
  present = new Set<string>();

  constructor(readonly dir: string) {}

  /** The shards in the folder now, oldest day first; a shard gone from the folder is let go. */
  shards(): ShardReader[] {
    const days = new Map<string, number>();
    for (const name of readdirSync(this.dir)) {
      const m = SHARD_FILE.exec(name);
      const inode = m ? statSync(join(this.dir, name), { throwIfNoEntry: false })?.ino : undefined;
      if (inode !== undefined) days.set(m![1]!, inode);
    }
    this.present = new Set(days.keys());
    for (const [day, reader] of this.open) {
      if (days.get(day) !== reader.inode) {
        reader.db.close();
        this.open.delete(day);
      }
    }
    const out: ShardReader[] = [];
    for (const [day, inode] of [...days].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let reader = this.open.get(day);
      if (reader === undefined) {
        let db: Database.Database | undefined;
        try {
          db = new Database(join(this.dir, shardFile(day)), { readonly: true, fileMustExist: true });
          // Blocks are read once each, in order: a cache would not be read again, and SQLite's own
          // default grows with every shard open (page-cache.ts).
          db.pragma(`cache_size = -${LEAST_PAGE_CACHE_BYTES / 1024}`);
          reader = new ShardReader(day, db, inode);
        } catch {
          db?.close();
          continue; // a shard being made this instant, or one the collector could not open either: looked at again next time
        }
        this.open.set(day, reader);
      }
      out.push(reader);
    }
    return out;
  }

  close(): void {
    for (const r of this.open.values()) r.db.close();
    this.open.clear();
  }
}
