// The free-text index of a shard: every word of its records, one FTS5 document per block, in a
// file of its own beside the shard (redtail-YYYY-MM-DD.words.db). Building it costs more than the
// rest of a write together, so it is done behind ingest, by a worker thread (words-worker.ts) on
// the other core; being another file, its writes never wait for the shard's, nor the shard's for
// them. Queries attach it read-only and read the blocks it has not reached in full.
import Database from 'better-sqlite3';
import { unpackBlock } from '../store/codec.js';
import { distinctWords } from './distinct.js';
import type { Committed } from '../store/blocks.js';
import { TreeGrowth } from '../log/growth.js';

/** The words file's tables, in the schema it is opened (main) or attached (w) as. */
export const wordsSchema = (schema: string): string => `
CREATE VIRTUAL TABLE IF NOT EXISTS ${schema}.words USING fts5(text, content='', detail='none', columnsize=0, tokenize='unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS ${schema}.meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** The words file of a shard file. */
export const wordsPath = (shardPath: string): string => shardPath.replace(/\.db$/, '.words.db');

interface Unindexed {
  id: number;
  count: number;
  min_time: number;
  max_time: number;
}

/**
 * Builds one shard's words index and its verifiable log's tree (log/growth.ts), which takes the
 * same blocks in the same order: reads its blocks, writes the words file. Blocks whose text the
 * collector handed over as it committed them (`handed`, by id) are not read back. A block that
 * cannot be read back is told to `onUnreadable` and indexed as holding no words (queries then
 * find nothing in it by free text, which they could not read anyway), so the index moves on.
 */
export class WordIndexer {
  private readonly shard: Database.Database;
  private readonly words: Database.Database;
  private readonly unindexed: Database.Statement;
  private readonly data: Database.Statement;
  private readonly indexTx: (blocks: Unindexed[]) => void;
  private readonly tree: TreeGrowth;
  private upTo: number;

  constructor(readonly shardPath: string, private readonly handed = new Map<number, Committed>(),
    private readonly onUnreadable: (block: number, err: unknown) => void = () => {}) {
    this.shard = new Database(shardPath, { readonly: true, fileMustExist: true });
    this.words = new Database(wordsPath(shardPath));
    this.words.pragma('journal_mode = WAL');
    // Losing the last slices to a crash costs only their redoing: the shard has the records.
    this.words.pragma('synchronous = OFF');
    this.words.exec(wordsSchema('main'));
    const layout = this.shard.pragma('user_version', { simple: true }) as number;
    this.unindexed = this.shard.prepare('SELECT id, count, min_time, max_time FROM blocks WHERE id > ? ORDER BY id LIMIT ?');
    this.data = this.shard.prepare('SELECT data FROM blocks WHERE id = ?').pluck();
    this.tree = new TreeGrowth(this.words);
    const insert = this.words.prepare('INSERT INTO words (rowid, text) VALUES (?, ?)');
    const setUpTo = this.words.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('words_up_to', ?)");
    this.indexTx = this.words.transaction((blocks: Unindexed[]) => {
      for (const b of blocks) {
        // Handed-over text is used only if it is this block's (a shard removed and made again
        // reuses block ids): the same count and time range.
        const h = this.handed.get(b.id);
        let text = h && h.count === b.count && h.minTime === b.min_time && h.maxTime === b.max_time ? h.text : undefined;
        try {
          text ??= unpackBlock(this.data.get(b.id) as Buffer, layout);
        } catch (err) {
          this.onUnreadable(b.id, err);
        }
        // A words file older than the tree has words for blocks the tree has yet to take.
        if (b.id > this.upTo) insert.run(b.id, text === undefined ? '' : distinctWords(text));
        if (b.id > this.tree.upTo) this.tree.append(b.id, text);
      }
      setUpTo.run(Math.max(this.upTo, blocks.at(-1)!.id));
    });
    this.upTo = (this.words.prepare("SELECT value FROM meta WHERE key = 'words_up_to'").pluck().get() as number | undefined) ?? 0;
  }

  /** Index the next blocks, a few a transaction, until `deadline` (performance.now()). True when blocks remain. */
  indexUntil(deadline: number): boolean {
    try {
      for (;;) {
        const blocks = this.unindexed.all(Math.min(this.upTo, this.tree.upTo), 8) as Unindexed[];
        if (blocks.length === 0) return false;
        try {
          this.indexTx(blocks);
        } catch (err) {
          this.tree.reload();
          throw err;
        }
        this.upTo = Math.max(this.upTo, blocks.at(-1)!.id);
        if (performance.now() >= deadline) return true;
      }
    } finally {
      // Texts of blocks indexed already (used, or handed over after the block was read back).
      for (const id of this.handed.keys()) if (id <= Math.min(this.upTo, this.tree.upTo)) this.handed.delete(id);
    }
  }

  /** Its connections, the shard's (read) and the words file's, for their page caches to be shared out (page-cache.ts). */
  connections(): Database.Database[] {
    return [this.shard, this.words];
  }

  close(): void {
    this.shard.close();
    this.words.close();
  }
}
