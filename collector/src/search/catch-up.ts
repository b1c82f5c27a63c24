// Keeping every shard's words index in a data folder caught up (words.ts), newest shard first.
// It looks at the folder on its own, so it needs nothing from the collector but the folder; the
// collector runs it in a worker thread (words-worker.ts) and hands it each batch's blocks as they
// commit, with their text, so that it need not read them back; tests and benches run it in process.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Committed } from '../store/blocks.js';
import { SHARD_FILE } from '../store/days.js';
import { DEFAULT_PAGE_CACHE_BYTES, PageCaches, threadShare } from '../store/page-cache.js';
import { WordIndexer } from './words.js';

/** Handed-over blocks kept per shard, at most, and their bytes: past either, blocks are read back. */
const HANDED = 256;
export const HANDED_BYTES = 16 * 1024 * 1024;

export class WordsCatchUp {
  private readonly indexers = new Map<string, WordIndexer>();
  /** Handed-over blocks by shard file, then block id. */
  private readonly handed = new Map<string, Map<number, Committed>>();
  private readonly pages: PageCaches;

  /**
   * `onUnreadable` is told of each block that cannot be read back, by shard day. `pageCacheBytes`:
   * SQLite's page cache for all shards, the collector's thread's and this one's together (page-cache.ts).
   */
  constructor(readonly dir: string, private readonly onUnreadable: (shard: string, block: number, err: unknown) => void = () => {},
    { pageCacheBytes = DEFAULT_PAGE_CACHE_BYTES }: { pageCacheBytes?: number } = {}) {
    this.pages = new PageCaches(threadShare(pageCacheBytes));
  }

  /** Blocks just committed to the shard file at `path`, with their text. */
  hand(path: string, blocks: Committed[]): void {
    const handed = this.handedTo(basename(path));
    let bytes = this.handedBytes(handed);
    for (const b of blocks) {
      if (handed.size >= HANDED || bytes + b.text.length > HANDED_BYTES) break;
      handed.set(b.id, b);
      bytes += b.text.length;
    }
  }

  /** Bytes of the text handed over and not indexed yet, for a shard file's blocks (or every shard's). */
  handedBytes(handed?: Map<number, Committed>): number {
    let bytes = 0;
    for (const blocks of handed ? [handed] : this.handed.values()) for (const b of blocks.values()) bytes += b.text.length;
    return bytes;
  }

  /** Index until `deadline` (performance.now()); true when blocks remain. */
  indexUntil(deadline: number): boolean {
    const files = readdirSync(this.dir).filter((f) => SHARD_FILE.test(f)).sort().reverse();
    // A shard removed by retention: let go of it.
    for (const [file, ix] of this.indexers) {
      if (!existsSync(join(this.dir, file))) {
        this.release(ix);
        this.indexers.delete(file);
        this.handed.delete(file);
      }
    }
    for (const file of files) {
      let ix = this.indexers.get(file);
      if (ix === undefined) {
        try {
          // The shard's day is in its name: redtail-YYYY-MM-DD.db.
          ix = new WordIndexer(join(this.dir, file), this.handedTo(file), (block, err) => this.onUnreadable(file.slice(8, 18), block, err));
        } catch {
          continue; // a shard being created this instant: next round
        }
        this.indexers.set(file, ix);
        for (const db of ix.connections()) this.pages.add(db);
      }
      if (performance.now() >= deadline || ix.indexUntil(deadline)) return true;
    }
    return false;
  }

  close(): void {
    for (const ix of this.indexers.values()) this.release(ix);
    this.indexers.clear();
  }

  /** Page caches in this thread's share, per connection: for a test to see the bound held. */
  pageCacheBytes(): number[] {
    return [...this.indexers.values()].flatMap((ix) => ix.connections().map((db) => -(db.pragma('cache_size', { simple: true }) as number) * 1024));
  }

  /** Close a shard's indexer, its page caches given back to the others. */
  private release(ix: WordIndexer): void {
    for (const db of ix.connections()) this.pages.remove(db);
    ix.close();
  }

  private handedTo(file: string): Map<number, Committed> {
    let blocks = this.handed.get(file);
    if (blocks === undefined) this.handed.set(file, (blocks = new Map()));
    return blocks;
  }
}
