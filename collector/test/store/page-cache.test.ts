// SQLite's page caches stay within their budget of bytes however many shards are open, in the
// collector's thread (the store) and in the words worker's (catch-up), read from SQLite itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Database from 'better-sqlite3';
import { WordsCatchUp } from '../../src/search/catch-up.js';
import { DEFAULT_PAGE_CACHE_BYTES, threadShare } from '../../src/store/page-cache.js';
import { Store } from '../../src/store/store.js';
import { parseBatch } from '../../src/ingest/validate.js';
import { MiB, ndjson, record, tempDir } from '../helpers.js';

/** Days of shards: a month of retention holds this many and more. */
const DAYS = 12;

const cacheBytes = (db: Database.Database, schema = 'main'): number => {
  const size = db.pragma(`${schema}.cache_size`, { simple: true }) as number;
  // Negative: KiB; positive: pages.
  return size < 0 ? -size * 1024 : size * (db.pragma(`${schema}.page_size`, { simple: true }) as number);
};

/** A store with a shard for each of DAYS days. */
function storeOfDays(dir: string, options: { pageCacheBytes?: number } = {}): Store {
  const store = new Store(dir, options);
  for (let d = 1; d <= DAYS; d++) {
    const day = `2026-11-${String(d).padStart(2, '0')}`;
    const batch = parseBatch(ndjson([record({ start_time: `${day}T10:00:00Z`, request_id: `r-${d}` })]), { maxRecordBytes: 65536, maxRecords: 10 });
    store.write(`src/${d}`, batch.rows, batch.gaps);
  }
  return store;
}

const storeCaches = (store: Store): number[] => store.list().flatMap((s) => [cacheBytes(s.db), cacheBytes(s.db, 'w')]);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test(`the page caches of ${DAYS} days of shards stay within the budget, in the collector's thread and the words worker's`, () => {
  const tmp = tempDir();
  const store = storeOfDays(tmp.dir);
  const words = new WordsCatchUp(store.dir);
  try {
    while (words.indexUntil(performance.now() + 1000));
    const share = threadShare(DEFAULT_PAGE_CACHE_BYTES);
    const held = storeCaches(store);
    assert.equal(held.length, 2 * DAYS);
    assert.ok(sum(held) <= share, `the store's caches, ${(sum(held) / MiB).toFixed(1)} MiB, within its share ${share / MiB} MiB`);
    const indexing = words.pageCacheBytes();
    assert.equal(indexing.length, 2 * DAYS);
    assert.ok(sum(indexing) <= share, `the words worker's caches, ${(sum(indexing) / MiB).toFixed(1)} MiB, within its share ${share / MiB} MiB`);
  } finally {
    words.close();
    store.close();
    tmp.remove();
  }
});

test('a shard removed by retention gives its share to the others; a configured budget is used', () => {
  const tmp = tempDir();
  const budget = 8 * MiB;
  const store = storeOfDays(tmp.dir, { pageCacheBytes: budget });
  try {
    const before = storeCaches(store);
    assert.ok(sum(before) <= threadShare(budget));
    store.prune('2026-11-07');
    const after = storeCaches(store);
    assert.equal(after.length, 2 * (DAYS - 6));
    assert.ok(after[0]! > before[0]!, 'each shard left may cache more');
    assert.ok(sum(after) <= threadShare(budget));
  } finally {
    store.close();
    tmp.remove();
  }
});
