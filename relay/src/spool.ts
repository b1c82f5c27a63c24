// The relay's spool: every batch a sidecar hands over is committed here before the sidecar is
// told it was delivered, and leaves only when the collector acknowledges it. One SQLite file,
// written with synchronous=FULL, so an acknowledged batch survives the relay being killed and
// the machine losing power. Batches are sent on in the order they arrived (seq).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface Spooled {
  seq: number;
  batch: string;
  /** The records as one JSON array, ready to go into a WebSocket message. */
  records: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS spool (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  batch TEXT NOT NULL UNIQUE,
  records TEXT NOT NULL,
  received INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
  batch TEXT NOT NULL,
  records TEXT NOT NULL,
  error TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

export class Spool {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly after: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly rejectTx: (batch: string, error: string) => boolean;
  /** UTF-8 bytes of records waiting (kept here, not summed per request). */
  bytes: number;
  batches: number;
  rejectedCount: number;

  constructor(dir: string, readonly maxBytes: number) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'relay-spool.db');
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    // FULL: the sidecar drops its copy once we answer, so our copy must outlive a power loss.
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO spool (batch, records, received) VALUES (?, ?, ?)');
    this.after = this.db.prepare('SELECT seq, batch, records FROM spool WHERE seq > ? ORDER BY seq LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM spool WHERE batch = ? RETURNING length(CAST(records AS BLOB)) AS size');
    const moveRejected = this.db.prepare('INSERT INTO rejected (batch, records, error, at) SELECT batch, records, ?, ? FROM spool WHERE batch = ?');
    this.rejectTx = this.db.transaction((batch: string, error: string) => moveRejected.run(error, Date.now(), batch).changes > 0 && this.take(batch));
    const totals = this.db.prepare('SELECT count(*) AS n, coalesce(sum(length(CAST(records AS BLOB))), 0) AS size FROM spool').get() as { n: number; size: number };
    this.batches = totals.n;
    this.bytes = totals.size;
    this.rejectedCount = this.db.prepare('SELECT count(*) FROM rejected').pluck().get() as number;
  }

  /**
   * Keep a batch until the collector has it. 'duplicate' when a batch of that id is already
   * waiting (a sidecar's retry), 'full' when it would take the spool past its bound.
   */
  add(batch: string, records: string): 'added' | 'duplicate' | 'full' {
    const size = Buffer.byteLength(records);
    if (this.bytes + size > this.maxBytes) return 'full';
    if (this.insert.run(batch, records, Date.now()).changes === 0) return 'duplicate';
    this.bytes += size;
    this.batches++;
    return 'added';
  }

  /** Up to n batches after seq, oldest first. */
  next(seq: number, n: number): Spooled[] {
    return this.after.all(seq, n) as Spooled[];
  }

  /** The collector has the batch: forget it. */
  take(batch: string): boolean {
    const row = this.remove.get(batch) as { size: number } | undefined;
    if (row === undefined) return false;
    this.bytes -= row.size;
    this.batches--;
    return true;
  }

  /** The collector refused the batch for good: keep it aside, with why, for an operator to look at. */
  reject(batch: string, error: string): void {
    if (this.rejectTx(batch, error)) this.rejectedCount++;
  }

  close(): void {
    this.db.close();
  }
}
