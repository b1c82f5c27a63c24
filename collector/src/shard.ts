// One SQLite file of records: the indexed columns people filter by, the records themselves
// (compressed in blocks), the batches they came in (so a batch sent again is recognised) and the
// gap notices. A batch is written in one transaction: stored whole or not at all, and
// acknowledged only after it commits.
//
// Records are kept as received, JSON, deflated together in blocks of up to 64 (one block never
// spans batches): records of a service look alike, so a block compresses about 15:1, where one
// record alone barely compresses. A row of `records` says which block and which line.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { Gap, Row } from './validate.js';

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
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  status INTEGER NOT NULL,
  service TEXT,
  namespace TEXT,
  workload TEXT,
  method TEXT,
  authority TEXT,
  path TEXT,
  request_id TEXT,
  trace_id TEXT,
  batch INTEGER NOT NULL,
  block INTEGER NOT NULL,
  slot INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS records_time ON records(time);
CREATE INDEX IF NOT EXISTS records_service ON records(service, time);
CREATE INDEX IF NOT EXISTS records_namespace ON records(namespace, time);
CREATE INDEX IF NOT EXISTS records_workload ON records(workload, time);
CREATE INDEX IF NOT EXISTS records_status ON records(status, time);
CREATE INDEX IF NOT EXISTS records_authority ON records(authority, time);
CREATE INDEX IF NOT EXISTS records_request ON records(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_trace ON records(trace_id) WHERE trace_id IS NOT NULL;
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

/** The storage layout this code reads and writes (PRAGMA user_version). */
const LAYOUT = 1;
const BLOCK = 64;

export class Shard {
  readonly db: Database.Database;
  /** The earliest and latest record time in the shard (ms), or null when it has none. */
  min: number | null = null;
  max: number | null = null;
  private readonly hasBatchStmt: Database.Statement;
  private readonly writeTx: (batch: string, source: string, rows: Row[], gaps: Gap[], received: number) => void;
  private readonly queries = new Map<string, Database.Statement>();
  private readonly blockStmt: Database.Statement;

  constructor(readonly day: string, readonly path: string) {
    this.db = new Database(path);
    // WAL: readers never block the writer. synchronous=NORMAL: a commit survives the process
    // being killed (kill -9), though not the machine losing power; FULL would cost an fsync a batch.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const layout = this.db.pragma('user_version', { simple: true }) as number;
    if (layout !== 0 && layout !== LAYOUT) {
      throw new Error(`shard ${path} has storage layout ${layout}; this collector reads layout ${LAYOUT}: use the redtail version that wrote it`);
    }
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${LAYOUT}`);
    this.hasBatchStmt = this.db.prepare('SELECT 1 FROM batches WHERE batch = ?').pluck();
    const insertBatch = this.db.prepare('INSERT INTO batches (batch, source, received, records) VALUES (?, ?, ?, ?)');
    const insertBlock = this.db.prepare('INSERT INTO blocks (data) VALUES (?)');
    const insertRecord = this.db.prepare(`INSERT INTO records (time, status, service, namespace, workload, method, authority, path, request_id, trace_id, batch, block, slot)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.blockStmt = this.db.prepare('SELECT data FROM blocks WHERE id = ?').pluck();
    const insertGap = this.db.prepare('INSERT INTO gaps (batch, source, dropped, since, until, reason) VALUES (?, ?, ?, ?, ?, ?)');
    this.writeTx = this.db.transaction((batch: string, source: string, rows: Row[], gaps: Gap[], received: number) => {
      const batchId = Number(insertBatch.run(batch, source, received, rows.length).lastInsertRowid);
      for (let start = 0; start < rows.length; start += BLOCK) {
        const chunk = rows.slice(start, start + BLOCK);
        const block = Number(insertBlock.run(deflateRawSync(chunk.map((r) => r.json).join('\n'))).lastInsertRowid);
        chunk.forEach((r, slot) => {
          insertRecord.run(r.time, r.status, r.service, r.namespace, r.workload, r.method, r.authority, r.path, r.requestId, r.traceId, batchId, block, slot);
        });
      }
      for (const g of gaps) insertGap.run(batchId, g.source, g.dropped, g.since, g.until, g.reason);
    });
    const range = this.db.prepare('SELECT min(time) AS min, max(time) AS max FROM records').get() as { min: number | null; max: number | null };
    this.min = range.min;
    this.max = range.max;
  }

  hasBatch(batch: string): boolean {
    return this.hasBatchStmt.get(batch) !== undefined;
  }

  write(batch: string, source: string, rows: Row[], gaps: Gap[], received: number): void {
    this.writeTx(batch, source, rows, gaps, received);
    for (const r of rows) {
      if (this.min === null || r.time < this.min) this.min = r.time;
      if (this.max === null || r.time > this.max) this.max = r.time;
    }
  }

  /** The records (JSON text) at these places, each block inflated once. */
  records(places: readonly { block: number; slot: number }[]): string[] {
    const blocks = new Map<number, string[]>();
    return places.map(({ block, slot }) => {
      let lines = blocks.get(block);
      if (lines === undefined) {
        const data = this.blockStmt.get(block) as Buffer | undefined;
        lines = data ? inflateRawSync(data).toString('utf8').split('\n') : [];
        blocks.set(block, lines);
      }
      return lines[slot] ?? '{}';
    });
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
