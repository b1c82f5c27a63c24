// The sources file, `sources.db` in the data folder: what the collector knows of each source's
// completeness, kept across restarts. Per source its last sequence number and when it last sent;
// the runs of sequence numbers that never arrived (a late batch fills its place); and per
// identity (identity.ts) each time it fell silent, and when it came back. Records and gap
// notices stay in the shards: this file holds only what they cannot say.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const SOURCES_FILE = 'sources.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sources (
  source TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
-- Sequence numbers from_seq..to_seq of a source never arrived: seen missing when a later one
-- came (at found), after the batch before them (at after).
CREATE TABLE IF NOT EXISTS missing (
  source TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  after INTEGER NOT NULL,
  found INTEGER NOT NULL,
  PRIMARY KEY (source, from_seq)
);
-- An identity sent nothing from since (its last batch) until until (its next; null while silent).
CREATE TABLE IF NOT EXISTS silences (
  identity TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER,
  PRIMARY KEY (identity, since)
);
`;

export interface SourceRow {
  source: string;
  identity: string;
  last_seq: number;
  first_seen: number;
  last_seen: number;
}

export interface MissingRow {
  source: string;
  from_seq: number;
  to_seq: number;
  after: number;
  found: number;
}

export interface SilenceRow {
  identity: string;
  since: number;
  until: number | null;
}

export class Ledger {
  private readonly db: Database.Database;
  private readonly putSource: Database.Statement;
  private readonly putMissing: Database.Statement;
  private readonly dropMissing: Database.Statement;
  private readonly missingAt: Database.Statement;
  private readonly openSilence: Database.Statement;
  private readonly closeSilence: Database.Statement;
  /** Several changes in one transaction. */
  readonly together: <T>(f: () => T) => T;

  /** The ledger of data folder `dir`; `readonly` for a reader beside a running collector. */
  constructor(dir: string, { readonly = false }: { readonly?: boolean } = {}) {
    this.db = new Database(join(dir, SOURCES_FILE), { readonly });
    // A file of another shape fails here or in a statement: closed, so it can be moved aside.
    try {
      if (!readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        this.db.exec(SCHEMA);
      }
      const prepare = (sql: string) => (readonly ? undefined : this.db.prepare(sql)) as Database.Statement;
      this.putSource = prepare(`INSERT INTO sources (source, identity, last_seq, first_seen, last_seen) VALUES (@source, @identity, @last_seq, @first_seen, @last_seen)
        ON CONFLICT (source) DO UPDATE SET last_seq = excluded.last_seq, last_seen = excluded.last_seen`);
      this.putMissing = prepare('INSERT OR REPLACE INTO missing (source, from_seq, to_seq, after, found) VALUES (@source, @from_seq, @to_seq, @after, @found)');
      this.dropMissing = prepare('DELETE FROM missing WHERE source = ? AND from_seq = ?');
      this.missingAt = this.db.prepare('SELECT * FROM missing WHERE source = ? AND from_seq <= ? AND to_seq >= ?');
      this.openSilence = prepare('INSERT OR IGNORE INTO silences (identity, since, until) VALUES (?, ?, NULL)');
      this.closeSilence = prepare('UPDATE silences SET until = ? WHERE identity = ? AND until IS NULL');
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.together = (f) => this.db.transaction(f)();
  }

  sources(): SourceRow[] {
    return this.db.prepare('SELECT * FROM sources').all() as SourceRow[];
  }

  saveSource(row: SourceRow): void {
    this.putSource.run(row);
  }

  /** Runs of missing sequence numbers found in [from, to) (ms), or all. */
  missing({ from = 0, to = Number.MAX_SAFE_INTEGER }: { from?: number; to?: number } = {}): MissingRow[] {
    return this.db.prepare('SELECT * FROM missing WHERE found >= ? AND after < ? ORDER BY found, source, from_seq').all(from, to) as MissingRow[];
  }

  /** The run holding a source's `seq`, if it was missing. */
  missingRun(source: string, seq: number): MissingRow | undefined {
    return this.missingAt.get(source, seq, seq) as MissingRow | undefined;
  }

  addMissing(row: MissingRow): void {
    this.putMissing.run(row);
  }

  /** `seq` arrived after all: its run loses it (and is split in two when it was inside). */
  fill(run: MissingRow, seq: number): void {
    this.dropMissing.run(run.source, run.from_seq);
    if (run.from_seq < seq) this.putMissing.run({ ...run, to_seq: seq - 1 });
    if (seq < run.to_seq) this.putMissing.run({ ...run, from_seq: seq + 1 });
  }

  /** Silences overlapping [from, to) (ms), or all; an open one has until null. */
  silences({ from = 0, to = Number.MAX_SAFE_INTEGER }: { from?: number; to?: number } = {}): SilenceRow[] {
    return this.db.prepare('SELECT * FROM silences WHERE since < ? AND (until IS NULL OR until >= ?) ORDER BY since, identity').all(to, from) as SilenceRow[];
  }

  silent(identity: string, since: number): void {
    this.openSilence.run(identity, since);
  }

  back(identity: string, at: number): void {
    this.closeSilence.run(at, identity);
  }

  /** Forget what is older than `before` (ms): sources last seen, runs found, silences ended (or, still open, begun) before it. */
  forget(before: number): void {
    this.together(() => {
      this.db.prepare('DELETE FROM sources WHERE last_seen < ?').run(before);
      this.db.prepare('DELETE FROM missing WHERE found < ?').run(before);
      this.db.prepare('DELETE FROM silences WHERE coalesce(until, since) < ?').run(before);
    });
  }

  /** Throws when the file is not a whole sources file of this shape (damaged, or another database put in its place). */
  check(): void {
    const damaged = this.db.pragma('quick_check', { simple: true });
    if (damaged !== 'ok') throw new Error(`damaged: ${String(damaged)}`);
    this.db.prepare('SELECT source, identity, last_seq, first_seen, last_seen FROM sources LIMIT 1').all();
    this.db.prepare('SELECT source, from_seq, to_seq, after, found FROM missing LIMIT 1').all();
    this.db.prepare('SELECT identity, since, until FROM silences LIMIT 1').all();
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The collector's ledger in `dir`. One it cannot read (damaged, or another database in its place)
 * is moved aside, with its journal, to `sources.db.unreadable-<time>` and a new one begun: what
 * it held is lost to the figures, but ingest, the records and their proofs do not depend on it.
 */
export function openLedger(dir: string, { unreadable }: { unreadable: (error: Error, aside: string) => void }): Ledger {
  let ledger: Ledger | undefined;
  try {
    ledger = new Ledger(dir);
    ledger.check();
    return ledger;
  } catch (err) {
    ledger?.close();
    const file = join(dir, SOURCES_FILE);
    const aside = `${file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['-wal', '-shm', '']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
    unreadable(err as Error, aside);
    return new Ledger(dir);
  }
}
