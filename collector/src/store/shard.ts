// One SQLite file of records, kept in blocks (blocks.ts writes them): up to BLOCK records of one
// batch, as received (JSON, one a line), compressed together as the shard's storage layout says
// (codec.ts), with their time range, each record's time and status code (so a query skips
// records without decompressing or parsing them), and one full-text document of the block's
// terms. No row per record: the indexes are per block, so a record costs its compressed bytes
// plus a few bytes of index, and a batch is a handful of inserts.
//
// A query narrows by time (the blocks' ranges) and by two full-text indexes of blocks, then reads
// those blocks and checks each record exactly. `terms` (field values, status codes, paths) is
// written with each block. `words` (every word of the records, for free text) is built behind
// ingest in a file of its own (words.ts), attached here as `w`; a query reads the blocks it has
// not reached in full. A batch is written in one transaction: stored whole or not at all,
// acknowledged only after it commits.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BlockWriter, type Committed } from './blocks.js';
import { CURRENT_LAYOUT, LAYOUTS, unpackBlock } from './codec.js';
import { NewestUpTo } from './newest.js';
import { Unpacked } from './unpacked.js';
import type { Gap, Row } from '../ingest/validate.js';
import { wordsPath, wordsSchema } from '../search/words.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  batch TEXT NOT NULL UNIQUE,
  source TEXT,
  received INTEGER NOT NULL,
  records INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL,
  min_time INTEGER NOT NULL,
  max_time INTEGER NOT NULL,
  count INTEGER NOT NULL,
  times BLOB NOT NULL,
  codes BLOB NOT NULL,
  data BLOB NOT NULL
);
-- Each block's time range again, in rows of a few bytes: a query sorts and skips candidates
-- here without touching the wide rows above.
CREATE TABLE IF NOT EXISTS ranges (
  id INTEGER PRIMARY KEY,
  min_time INTEGER NOT NULL,
  max_time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ranges_time ON ranges(max_time);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5(words, content='', detail='none', columnsize=0, tokenize='unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS gaps (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL,
  source TEXT,
  dropped INTEGER NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER NOT NULL,
  reason TEXT
);
`;

/** Blocks a store keeps decompressed, unless told otherwise. */
export const DEFAULT_CACHED_BLOCKS = 64;

/** Bytes of decompressed blocks a store keeps, unless told otherwise: records with bodies make blocks of megabytes. */
export const DEFAULT_QUERY_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * The blocks read last, decompressed, for all shards of a store: following pages and repeated
 * queries read the same blocks, and decompressing is most of a query's time. Bounded by blocks
 * and by their decompressed bytes (the records decoded from them add as much again at most).
 */
export class BlockCache {
  private readonly entries = new Map<string, Unpacked>();
  private held = 0;
  private readonly blocks: number;
  private readonly most: number;

  /** At most `blocks` blocks and `bytes` of them; 0 keeps none. */
  constructor({ blocks = DEFAULT_CACHED_BLOCKS, bytes = DEFAULT_QUERY_CACHE_BYTES }: { blocks?: number; bytes?: number } = {}) {
    this.blocks = blocks;
    this.most = bytes;
  }

  get(key: string, load: () => Unpacked): Unpacked {
    let records = this.entries.get(key);
    if (records === undefined) records = load();
    else this.drop(key);
    // A block larger than the whole bound is not kept.
    if (records.size > this.most) return records;
    this.entries.set(key, records); // most recent last
    this.held += records.size;
    while (this.entries.size > this.blocks || this.held > this.most) this.drop(this.entries.keys().next().value!);
    return records;
  }

  /** Decompressed bytes held. */
  bytes(): number {
    return this.held;
  }

  /** Drop a removed shard's blocks: a shard made later for the same day reuses their ids. */
  forget(day: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${day}:`)) this.drop(key);
  }

  private drop(key: string): void {
    this.held -= this.entries.get(key)?.size ?? 0;
    this.entries.delete(key);
  }
}

export interface Block {
  id: number;
  times: Float64Array;
  codes: Uint16Array;
  /** The records, decompressed on first use. */
  records(): Unpacked;
}

export class Shard {
  readonly db: Database.Database;
  /** The storage layout (codec.ts): how its blocks are compressed. */
  readonly layout: number;
  /** The earliest and latest record time in the shard (ms), or null when it has none. */
  min: number | null = null;
  max: number | null = null;
  private readonly hasBatchStmt: Database.Statement;
  private readonly blocks: BlockWriter;
  private readonly queries = new Map<string, Database.Statement>();
  private readonly blockStmt: Database.Statement;
  private readonly columnsStmt: Database.Statement;
  private readonly wordsUpToStmt: Database.Statement;
  private readonly lastBlockStmt: Database.Statement;
  private readonly rangesFromStmt: Database.Statement;
  /** The latest record time up to each block (made on first use, caught up on each). */
  private readonly newest = new NewestUpTo();

  constructor(readonly day: string, readonly path: string, private readonly cache = new BlockCache()) {
    this.db = new Database(path);
    // WAL: readers never block the writer. synchronous=NORMAL: a commit survives the process
    // being killed (kill -9), though not the machine losing power; FULL would cost an fsync a batch.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // The storage layout (PRAGMA user_version): 0 for a new file, which gets the current one.
    const found = this.db.pragma('user_version', { simple: true }) as number;
    if (found !== 0 && !LAYOUTS.includes(found)) {
      throw new Error(`shard ${path} has storage layout ${found}; this collector reads layouts ${LAYOUTS.join(' and ')}: use the redtail version that wrote it`);
    }
    const layout = (this.layout = found || CURRENT_LAYOUT);
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${layout}`);
    this.hasBatchStmt = this.db.prepare('SELECT 1 FROM batches WHERE batch = ?').pluck();
    this.blockStmt = this.db.prepare('SELECT data FROM blocks WHERE id = ?').pluck();
    this.columnsStmt = this.db.prepare('SELECT count, times, codes FROM blocks WHERE id = ?');
    this.blocks = new BlockWriter(this.db, layout);
    this.db.prepare('ATTACH DATABASE ? AS w').run(wordsPath(path));
    this.db.pragma('w.journal_mode = WAL');
    this.db.exec(wordsSchema('w'));
    this.wordsUpToStmt = this.db.prepare("SELECT value FROM w.meta WHERE key = 'words_up_to'").pluck();
    this.lastBlockStmt = this.db.prepare('SELECT max(id) FROM ranges').pluck();
    this.rangesFromStmt = this.db.prepare('SELECT max_time FROM ranges WHERE id > ? AND id <= ? ORDER BY id').pluck();
    const range = this.db.prepare('SELECT min(min_time) AS min, max(max_time) AS max FROM ranges').get() as { min: number | null; max: number | null };
    this.min = range.min;
    this.max = range.max;
  }

  hasBatch(batch: string): boolean {
    return this.hasBatchStmt.get(batch) !== undefined;
  }

  /** Store a batch in one transaction; the blocks committed, with their text. */
  write(batch: string, source: string, rows: Row[], gaps: Gap[], received: number): Committed[] {
    const committed = this.blocks.write(batch, source, rows, gaps, received);
    for (const r of rows) {
      if (this.min === null || r.time < this.min) this.min = r.time;
      if (this.max === null || r.time > this.max) this.max = r.time;
    }
    return committed;
  }

  /** Blocks up to this id are in the words index (built behind ingest, so it may lag). */
  wordsUpTo(): number {
    return (this.wordsUpToStmt.get() as number | undefined) ?? 0;
  }

  /**
   * A function telling, for a block id, the latest record time in that block and every block
   * before it: a query reading candidate blocks newest id first stops when no block left can
   * hold a record it would keep. Caught up from the file at each call (another process may have
   * written); blocks are numbered from 1 without gaps (rows are only appended, and a rolled-back
   * write leaves no id used).
   */
  newestBefore(): (id: number) => number {
    const last = (this.lastBlockStmt.get() as number | null) ?? 0;
    const known = this.newest.known;
    const ends = last > known ? (this.rangesFromStmt.all(known, last) as number[]) : [];
    // Ids are dense (rows are only ever appended), so the k-th after the last known is that id; if
    // that ever failed, blocks past the last known would get no bound (read, never skipped).
    if (ends.length > 0 && ends.length === last - known) this.newest.add(ends);
    return this.newest.reader((from, to) => this.rangesFromStmt.all(from, to) as number[]);
  }

  /** Blocks written and not in the words index yet. */
  wordsLag(): number {
    return ((this.lastBlockStmt.get() as number | null) ?? 0) - this.wordsUpTo();
  }

  /**
   * A block as a query reads it: times and codes at once, records when asked. Throws when the
   * block cannot be read (its columns disagree; its records, when asked, do not decompress).
   */
  block(id: number): Block {
    const row = this.columnsStmt.get(id) as { count: number; times: Buffer; codes: Buffer } | undefined;
    if (row === undefined) throw new Error(`block ${id} is listed in the ranges but missing`);
    const { count, times, codes } = row;
    if (!(times instanceof Buffer) || !(codes instanceof Buffer) || times.length !== count * 8 || codes.length !== count * 2) {
      throw new Error(`block ${id} holds ${count} records but its times and status codes do not match that count`);
    }
    let records: Unpacked | undefined;
    // Copied out: typed arrays need their own aligned buffers.
    const copy = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    return {
      id,
      times: new Float64Array(copy(times)),
      codes: new Uint16Array(copy(codes)),
      records: () => (records ??= this.unpack(id, count)),
    };
  }

  private unpack(id: number, count: number): Unpacked {
    return this.cache.get(`${this.day}:${id}`, () => new Unpacked(unpackBlock(this.blockStmt.get(id) as Buffer, this.layout), count));
  }

  /** Every file the shard has on disk: the shard and its words index, each with WAL and shared memory. */
  files(): string[] {
    return [this.path, wordsPath(this.path)].flatMap((f) => [f, `${f}-wal`, `${f}-shm`]);
  }

  /** Bytes of those files that exist now. */
  bytes(): number {
    return this.files().reduce((n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
  }

  /** How many records the shard holds. */
  count(): number {
    return this.db.prepare('SELECT coalesce(sum(count), 0) FROM blocks').pluck().get() as number;
  }

  /** A statement prepared once per shard and shape of query. */
  statement(sql: string): Database.Statement {
    let s = this.queries.get(sql);
    if (s === undefined) this.queries.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  close(): void {
    this.db.close();
  }
}
