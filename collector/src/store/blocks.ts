// The block writer: a batch into a shard in one transaction. Its records, each service's
// together, are cut into blocks of up to BLOCK records; each block is its records' text
// compressed (codec.ts), their times and status codes, its time range, and its terms (terms.ts).
// The blocks committed come back with their text, for the free-text index to take without
// reading them back.
import type Database from 'better-sqlite3';
import { packBlock } from './codec.js';
import { blockTerms } from './terms.js';
import type { Gap, Row } from '../ingest/validate.js';

/**
 * Records per block. Bigger blocks compress better (records of a service look alike) but make a
 * query read more to find one record: a busy sidecar's second of records, and at most that many
 * read to find one.
 */
export const BLOCK = 256;

/**
 * A block just committed, with its records' text: handed to the free-text worker (words.ts), so
 * that it need not read the block back and decompress it. Its count and time range let the
 * worker check that the text is this block's.
 */
export interface Committed {
  id: number;
  count: number;
  minTime: number;
  maxTime: number;
  text: Buffer;
}

/**
 * A batch's records with each service's together (in arrival order within it): a block then
 * holds few services, so it compresses better and a query for one service reads fewer blocks.
 * A sidecar's batch is one service already; a relay's or a mixed producer's is not.
 */
function byService(rows: Row[]): Row[] {
  const groups = new Map<string | null, Row[]>();
  for (const r of rows) {
    const g = groups.get(r.service);
    if (g) g.push(r);
    else groups.set(r.service, [r]);
  }
  if (groups.size === 1) return rows;
  const out: Row[] = []; // by hand: Array.prototype.flat costs more on this path
  for (const g of groups.values()) for (const r of g) out.push(r);
  return out;
}

/** The records of a block, a line each: their bytes put together when every one has them (no encoding again), else their text. */
function blockText(rows: Row[]): Buffer | string {
  let size = rows.length - 1;
  for (const r of rows) {
    if (r.bytes === undefined) return rows.map((row) => row.json).join('\n');
    size += r.end! - r.start!;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const r of rows) {
    if (at > 0) out[at++] = 0x0a;
    at += r.bytes!.copy(out, at, r.start, r.end);
  }
  return out;
}

export class BlockWriter {
  private readonly insertBatch: Database.Statement;
  private readonly insertBlock: Database.Statement;
  private readonly insertTerms: Database.Statement;
  private readonly insertRange: Database.Statement;
  private readonly insertGap: Database.Statement;
  /** Stored whole or not at all: the batch is acknowledged only after this commits. */
  readonly write: (batch: string, source: string, rows: Row[], gaps: Gap[], received: number) => Committed[];

  /** For a shard's database, whose blocks are compressed as its storage layout says (codec.ts). */
  constructor(db: Database.Database, private readonly layout: number) {
    this.insertBatch = db.prepare('INSERT INTO batches (batch, source, received, records) VALUES (?, ?, ?, ?)');
    this.insertBlock = db.prepare('INSERT INTO blocks (batch, min_time, max_time, count, times, codes, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertTerms = db.prepare('INSERT INTO terms (rowid, words) VALUES (?, ?)');
    this.insertRange = db.prepare('INSERT INTO ranges (id, min_time, max_time) VALUES (?, ?, ?)');
    this.insertGap = db.prepare('INSERT INTO gaps (batch, source, dropped, since, until, reason) VALUES (?, ?, ?, ?, ?, ?)');
    this.write = db.transaction((batch: string, source: string, rows: Row[], gaps: Gap[], received: number) => this.batch(batch, source, rows, gaps, received));
  }

  private batch(batch: string, source: string, rows: Row[], gaps: Gap[], received: number): Committed[] {
    const committed: Committed[] = [];
    const batchId = Number(this.insertBatch.run(batch, source, received, rows.length).lastInsertRowid);
    const grouped = byService(rows);
    for (let start = 0; start < grouped.length; start += BLOCK) {
      const chunk = grouped.slice(start, start + BLOCK);
      const times = new Float64Array(chunk.map((r) => r.time));
      let min = times[0]!;
      let max = min;
      for (const t of times) {
        if (t < min) min = t;
        if (t > max) max = t;
      }
      const text = blockText(chunk);
      const data = packBlock(text, this.layout);
      const codes = new Uint16Array(chunk.map((r) => r.status));
      const block = Number(this.insertBlock.run(batchId, min, max, chunk.length, Buffer.from(times.buffer), Buffer.from(codes.buffer), data).lastInsertRowid);
      // Text made of the records' bytes is handed on; text made of strings the worker reads back.
      if (typeof text !== 'string') committed.push({ id: block, count: chunk.length, minTime: min, maxTime: max, text });
      this.insertRange.run(block, min, max);
      this.insertTerms.run(block, blockTerms(chunk));
    }
    for (const g of gaps) this.insertGap.run(batchId, g.source, g.dropped, g.since, g.until, g.reason);
    return committed;
  }
}
