// The free-text index beside each shard: built from the shard's blocks, remembering how far it
// got across restarts, kept caught up by the collector's worker thread, and removed with its
// shard by retention.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Store } from '../../src/store/store.js';
import { parseBatch } from '../../src/ingest/validate.js';
import type { Committed } from '../../src/store/blocks.js';
import { wordsPath, WordIndexer } from '../../src/search/words.js';
import { collector, indexWords, ndjson, post, record, tempDir } from '../helpers.js';

const write = (store: Store, id: string, records: object[]) => {
  const p = parseBatch(ndjson(records), { maxRecords: 1000, maxRecordBytes: 1 << 20 });
  store.write(id, p.rows, p.gaps);
};
const lastBlock = (store: Store) => store.list()[0]!.db.prepare('SELECT max(id) FROM blocks').pluck().get() as number;
const blocksWith = (store: Store, word: string) => store.list()[0]!.db.prepare('SELECT rowid FROM w.words WHERE words MATCH ?').pluck().all(word);

test('the indexer takes every block once, in order, and remembers where it stopped', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  write(store, 'w/1', [record({ user_agent: 'Lynx/2.9' }), record()]);
  write(store, 'w/2', [record({ user_agent: 'Konqueror/5' })]);
  const shard = store.list()[0]!;
  assert.equal(shard.wordsUpTo(), 0);
  assert.equal(shard.wordsLag(), 2);
  const first = new WordIndexer(shard.path);
  assert.equal(first.indexUntil(Infinity), false, 'all done');
  first.close();
  assert.equal(shard.wordsUpTo(), lastBlock(store));
  assert.deepEqual(blocksWith(store, 'lynx'), [1]);
  assert.deepEqual(blocksWith(store, 'konqueror'), [2]);
  write(store, 'w/3', [record({ user_agent: 'Lynx/3.0' })]);
  const again = new WordIndexer(shard.path);
  assert.equal(again.indexUntil(Infinity), false);
  again.close();
  assert.deepEqual(blocksWith(store, 'lynx'), [1, 3], 'only the new block was added');
  assert.ok(existsSync(wordsPath(shard.path)));
  store.close();
  tmp.remove();
});

test('the collector\'s worker keeps the index caught up; free text finds records before and after', async () => {
  const c = await collector();
  const res = await post(c.url, ndjson(Array.from({ length: 600 }, (_, i) => record({ request_id: `w-${i}`, user_agent: i === 599 ? 'rare-agent/1.0' : 'curl/8' }))));
  assert.equal(res.status, 200);
  const shard = c.store.list()[0]!;
  const t0 = Date.now();
  while (shard.wordsUpTo() < lastBlock(c.store)) {
    assert.ok(Date.now() - t0 < 5000, 'the worker indexed the blocks within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(await (await fetch(`${c.url}/metrics`)).text(), /^redtail_words_index_lag_blocks 0$/m);
  const found = (await (await fetch(`${c.url}/v1/logs?q=rare-agent`)).json()) as { records: { request_id: string }[] };
  assert.deepEqual(found.records.map((r) => r.request_id), ['w-599']);
  await c.stop();
});

test('retention removes a shard\'s words file with it', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  write(store, 'old/1', [record({ start_time: '2020-01-01T00:00:00Z' })]);
  assert.equal(indexWords(store, 10_000), false);
  const path = store.list()[0]!.path;
  assert.ok(existsSync(wordsPath(path)));
  assert.equal(store.prune('2021-01-01').length, 1);
  assert.ok(!existsSync(path) && !existsSync(wordsPath(path)) && !existsSync(`${wordsPath(path)}-wal`));
  store.close();
  tmp.remove();
});

test('a block\'s text handed over at commit is indexed without reading the block back, unless it is not that block\'s', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  const handed: Committed[][] = [];
  // Given their bytes, as ingest has them (a block made of strings is not handed over).
  const writeBytes = (id: string, records: object[]) => {
    const text = ndjson(records);
    const p = parseBatch(text, { maxRecords: 1000, maxRecordBytes: 1 << 20 }, Buffer.from(text));
    handed.push(store.write(id, p.rows, p.gaps).blocks);
  };
  writeBytes('h/1', [record({ user_agent: 'Lynx/2.9' })]);
  writeBytes('h/2', [record({ user_agent: 'Konqueror/5' })]);
  assert.deepEqual(handed.map((b) => b.map((c) => c.id)), [[1], [2]], 'each batch\'s blocks, once committed');
  assert.match(handed[0]![0]!.text.toString(), /Lynx/);
  const shard = store.list()[0]!;
  // The text handed over for block 1 is used as it is (here a made-up one, to see that it was);
  // block 2's claims another count, as a block of a removed shard with the same id would: read back.
  const given = new Map<number, Committed>([
    [1, { ...handed[0]![0]!, text: Buffer.from('{"marker":"handed"}') }],
    [2, { ...handed[1]![0]!, count: 7, text: Buffer.from('{"marker":"stale"}') }],
  ]);
  const ix = new WordIndexer(shard.path, given);
  assert.equal(ix.indexUntil(Infinity), false);
  ix.close();
  assert.deepEqual(blocksWith(store, 'handed'), [1]);
  assert.deepEqual(blocksWith(store, 'lynx'), []);
  assert.deepEqual(blocksWith(store, 'stale'), []);
  assert.deepEqual(blocksWith(store, 'konqueror'), [2]);
  assert.equal(given.size, 0, 'handed texts are let go once their blocks are indexed');
  store.close();
  tmp.remove();
});
