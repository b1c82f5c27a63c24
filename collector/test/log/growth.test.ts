// A shard's tree, grown by the words indexer from the same blocks: the root of every record's
// stored line as a leaf, in commit order; a words file made before the tree gets its tree from the
// first block without indexing any block's words twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { readHead, readRootAt } from '../../src/log/growth.js';
import { leafHash, LeafHashes } from '../../src/log/tree.js';
import { parseBatch } from '../../src/ingest/validate.js';
import { unpackBlock } from '../../src/store/codec.js';
import { Store } from '../../src/store/store.js';
import { wordsPath, WordIndexer } from '../../src/search/words.js';
import { ndjson, record, tempDir } from '../helpers.js';

const write = (store: Store, id: string, records: object[]) => {
  const p = parseBatch(ndjson(records), { maxRecords: 1000, maxRecordBytes: 1 << 20 });
  store.write(id, p.rows, p.gaps);
};

/** The tree's root from the shard's records, each line a leaf, by the reference construction. */
function expectedRoot(store: Store, size?: number): { size: number; root: Buffer } {
  const shard = store.list()[0]!;
  const leaves = (shard.db.prepare('SELECT data FROM blocks ORDER BY id').pluck().all() as Buffer[])
    .flatMap((d) => unpackBlock(d, shard.layout).toString('utf8').split('\n'))
    .map((line) => leafHash(Buffer.from(line)));
  return { size: leaves.length, root: new LeafHashes(leaves).root(0, size ?? leaves.length) };
}

test('the indexer grows the shard\'s tree with its words, across restarts, and an older words file gets its tree without words twice', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  write(store, 'g/1', Array.from({ length: 300 }, (_, i) => record({ request_id: `g-${i}`, user_agent: 'Lynx/2.9' })));
  const shard = store.list()[0]!;
  const first = new WordIndexer(shard.path);
  first.indexUntil(Infinity);
  first.close();
  let head = readHead(shard.db, 'w');
  assert.deepEqual([head.size, head.root], [300, expectedRoot(store).root]);
  write(store, 'g/2', [record({ request_id: 'g-300' })]);
  // A words file from before the tree: its words kept, its tree gone.
  const words = new Database(wordsPath(shard.path));
  words.exec('DROP TABLE log_tree');
  words.close();
  const again = new WordIndexer(shard.path);
  assert.equal(again.indexUntil(Infinity), false);
  again.close();
  head = readHead(shard.db, 'w');
  assert.deepEqual([head.size, head.root, head.upTo], [301, expectedRoot(store).root, 3]);
  assert.deepEqual(shard.db.prepare("SELECT rowid FROM w.words WHERE words MATCH 'lynx'").pluck().all(), [1, 2], 'each block\'s words once');
  assert.deepEqual(shard.db.prepare("SELECT rowid FROM w.words WHERE words MATCH 'orders'").pluck().all(), [1, 2, 3]);
  store.close();
  tmp.remove();
});

test('the root at each block\'s end is kept, the sizes a checkpoint can sign, and none between', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  write(store, 'r/1', Array.from({ length: 300 }, (_, i) => record({ request_id: `r-${i}` })));
  write(store, 'r/2', [record({ request_id: 'r-300' })]);
  const shard = store.list()[0]!;
  const indexer = new WordIndexer(shard.path);
  indexer.indexUntil(Infinity);
  indexer.close();
  // Blocks of 256 and 44 records, then the second batch's one.
  for (const size of [256, 300, 301]) assert.deepEqual(readRootAt(shard.db, size, 'w'), expectedRoot(store, size).root, `the root at ${size}`);
  assert.equal(readRootAt(shard.db, 299, 'w'), undefined);
  store.close();
  tmp.remove();
});
