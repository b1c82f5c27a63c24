// SQLite's page caches, shared out by bytes. The SQLite in better-sqlite3 keeps up to 16 MB of
// pages for each database a connection has open, and the collector keeps every shard open (its
// records and its words, in its own thread and in the words worker's): left alone, the caches
// grow with the days stored. A thread's budget is split evenly among the databases open in it,
// and shared out again as shards come and go.
import type Database from 'better-sqlite3';

/** The page cache of all shards together, both threads (the collector's, the words worker's), unless configured. */
export const DEFAULT_PAGE_CACHE_BYTES = 32 * 1024 * 1024;

/** The least a database is given whatever the budget: a B-tree's path from root to leaf, and a few more pages. */
export const LEAST_PAGE_CACHE_BYTES = 64 * 1024;

/** One thread's share of the budget: the collector's and the words worker's each hold half. */
export const threadShare = (bytes: number): number => Math.floor(bytes / 2);

/** A connection's databases: its main one and those attached (by schema name). */
interface Open {
  db: Database.Database;
  schemas: string[];
}

export class PageCaches {
  private readonly open: Open[] = [];

  /** `bytes`: the budget of the connections added, all their databases together. */
  constructor(private readonly bytes: number) {}

  /** A connection now open, with the schema names of its databases (`main`, and those attached). */
  add(db: Database.Database, schemas: string[] = ['main']): void {
    this.open.push({ db, schemas });
    this.share();
  }

  /** A connection about to close: the others get its share. */
  remove(db: Database.Database): void {
    const at = this.open.findIndex((o) => o.db === db);
    if (at < 0) return;
    this.open.splice(at, 1);
    if (this.open.length > 0) this.share();
  }

  /** Bytes each database may cache now. */
  each(): number {
    const databases = this.open.reduce((n, o) => n + o.schemas.length, 0);
    return Math.max(LEAST_PAGE_CACHE_BYTES, Math.floor(this.bytes / Math.max(1, databases)));
  }

  // A negative cache_size is KiB; lowering it lets go of the pages past it at once.
  private share(): void {
    const kib = Math.floor(this.each() / 1024);
    for (const { db, schemas } of this.open) for (const s of schemas) db.pragma(`${s}.cache_size = -${kib}`);
  }
}
