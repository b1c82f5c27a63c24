// The store: a folder of SQLite shards, one per UTC day, named redtail-YYYY-MM-DD.db.
// A batch goes whole into the shard of its first record's day (one file, so one atomic
// transaction), and each shard knows the time range it holds, so a query over a time range opens
// exactly the shards that can answer it, including the odd batch that crossed midnight. A batch
// id is looked for in every shard (an index lookup each), so a retry is recognised wherever the
// first copy went.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SHARD_FILE, shardDay } from './days.js';
import type { Committed } from './blocks.js';
import { DEFAULT_PAGE_CACHE_BYTES, PageCaches, threadShare } from './page-cache.js';
import { BlockCache, DEFAULT_CACHED_BLOCKS, DEFAULT_QUERY_CACHE_BYTES, Shard } from './shard.js';
import { Unreadable } from './unreadable.js';
import type { Gap, Row } from '../ingest/validate.js';

export { dayOf, retentionStart } from './days.js';

/** What a producer is told of its batch. */
export interface WriteResult {
  batch: string;
  stored: number;
  duplicate: boolean;
  shard: string;
}

/** A batch written: the answer, and the blocks committed with their text, in the shard file `file`. */
export interface Written extends WriteResult {
  file: string;
  blocks: Committed[];
}

/** A batch whose day's shard cannot be opened: the producer is told to send it again later. */
export class ShardUnopenable extends Error {
  readonly code = 'shard_unopenable';
}

export class Store {
  private readonly shards = new Map<string, Shard>();
  private readonly blocks: BlockCache;
  private readonly pages: PageCaches;
  private anonymous = 0;
  /** Blocks and records found unreadable when read back: reported, counted, skipped. */
  readonly unreadable = new Unreadable();
  /**
   * Shard files that could not be opened (a damaged file, another program's): by day, why. They
   * are left as they are, out of every answer, and a batch for their day is refused to be sent
   * again, so one bad file never stops the collector nor loses what is sent for it.
   */
  readonly unopenable = new Map<string, { file: string; error: string }>();

  /**
   * `cachedBlocks`, `queryCacheBytes`: blocks kept decompressed for the next queries, across
   * shards, and their bytes (0: none, each query reads every block it needs). `pageCacheBytes`:
   * SQLite's page cache for all shards, this thread's and the words worker's together (page-cache.ts).
   */
  constructor(readonly dir: string, { cachedBlocks = DEFAULT_CACHED_BLOCKS, queryCacheBytes = DEFAULT_QUERY_CACHE_BYTES, pageCacheBytes = DEFAULT_PAGE_CACHE_BYTES }:
    { cachedBlocks?: number; queryCacheBytes?: number; pageCacheBytes?: number } = {}) {
    this.blocks = new BlockCache({ blocks: cachedBlocks, bytes: queryCacheBytes });
    this.pages = new PageCaches(threadShare(pageCacheBytes));
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const m = SHARD_FILE.exec(name);
      if (!m) continue;
      try {
        this.open(m[1]!);
      } catch (err) {
        this.unopenable.set(m[1]!, { file: join(dir, name), error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  private open(day: string): Shard {
    let shard = this.shards.get(day);
    if (shard === undefined) {
      const bad = this.unopenable.get(day);
      if (bad) throw new ShardUnopenable(`the shard for ${day} (${bad.file}) could not be opened (${bad.error}): batches for that day wait until it is repaired or moved away, and the collector restarted`);
      shard = new Shard(day, join(this.dir, `redtail-${day}.db`), this.blocks);
      this.shards.set(day, shard);
      this.pages.add(shard.db, ['main', 'w']);
    }
    return shard;
  }

  /** Store a validated batch, unless its id was stored before. */
  write(batch: string | undefined, rows: Row[], gaps: Gap[], received = Date.now()): Written {
    const first = rows[0]?.time ?? gaps[0]?.since ?? received;
    const shard = this.open(shardDay(first));
    const id = batch ?? `anonymous/${received}-${++this.anonymous}`;
    if (batch !== undefined) {
      // Any shard: a batch id is its producer's promise that this is the same batch, whatever it holds.
      const seen = this.list().reverse().find((s) => s.hasBatch(batch));
      if (seen) return { batch: id, stored: 0, duplicate: true, shard: seen.day, file: seen.path, blocks: [] };
    }
    const source = id.includes('/') ? id.slice(0, id.lastIndexOf('/')) : id;
    const blocks = shard.write(id, source, rows, gaps, received);
    return { batch: id, stored: rows.length, duplicate: false, shard: shard.day, file: shard.path, blocks };
  }

  /** The shards that may hold records in [since, until), newest first. */
  shardsFor(since: number, until: number): Shard[] {
    return [...this.shards.values()]
      .filter((s) => s.min !== null && s.max !== null && s.max >= since && s.min < until)
      .sort((a, b) => (a.day < b.day ? 1 : -1));
  }

  list(): Shard[] {
    return [...this.shards.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  /**
   * Retention: remove the shards of days before `keepFrom` (YYYY-MM-DD) whose records are all
   * older than it too. With dryRun, only say what would go.
   */
  prune(keepFrom: string, { dryRun = false }: { dryRun?: boolean } = {}): { day: string; file: string; bytes: number; records: number }[] {
    const cutoff = Date.parse(`${keepFrom}T00:00:00Z`);
    const removed = [];
    for (const shard of this.list()) {
      if (shard.day >= keepFrom || (shard.max !== null && shard.max >= cutoff)) continue;
      const files = shard.files();
      removed.push({ day: shard.day, file: shard.path, bytes: shard.bytes(), records: shard.count() });
      if (dryRun) continue;
      this.pages.remove(shard.db);
      shard.close();
      this.shards.delete(shard.day);
      this.blocks.forget(shard.day);
      for (const f of files) rmSync(f, { force: true });
    }
    return removed;
  }

  close(): void {
    for (const s of this.shards.values()) {
      this.pages.remove(s.db);
      s.close();
    }
    this.shards.clear();
  }
}
