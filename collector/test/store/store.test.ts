// The store on real SQLite files: shards per day, atomic batches, duplicates, reopening.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, inflateRawSync } from 'node:zlib';
import { test } from 'node:test';
import { uncompressSync } from 'lz4-napi';
import Database from 'better-sqlite3';
import { query } from '../../src/query/query.js';
import { base36, statusTerm, term, Terms } from '../../src/store/terms.js';
import { Store, type WriteResult } from '../../src/store/store.js';
import { parseBatch } from '../../src/ingest/validate.js';
import { indexWords, ndjson, record, tempDir } from '../helpers.js';

const limits = { maxRecordBytes: 65536, maxRecords: 10000 };
const rows = (...records: object[]) => parseBatch(ndjson(records), limits);

test('a batch goes whole into the shard of its first record\'s day; a repeated batch id is not stored again', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  const b = rows(record({ start_time: '2026-11-27T23:59:59.900Z' }), record({ start_time: '2026-11-28T00:00:00.100Z' }));
  // What the producer is told (the rest of a write is for the collector: the blocks committed, and where).
  const told = ({ batch, stored, duplicate, shard }: WriteResult) => ({ batch, stored, duplicate, shard });
  assert.deepEqual(told(store.write('src-a/1', b.rows, b.gaps)), { batch: 'src-a/1', stored: 2, duplicate: false, shard: '2026-11-27' });
  assert.deepEqual(told(store.write('src-a/1', b.rows, b.gaps)), { batch: 'src-a/1', stored: 0, duplicate: true, shard: '2026-11-27' });
  assert.ok(existsSync(join(tmp.dir, 'redtail-2026-11-27.db')));
  assert.ok(!existsSync(join(tmp.dir, 'redtail-2026-11-28.db')), 'one file per batch: one transaction');
  const [shard] = store.list();
  assert.equal(shard!.min, Date.parse('2026-11-27T23:59:59.900Z'));
  assert.equal(shard!.max, Date.parse('2026-11-28T00:00:00.100Z'));
  assert.deepEqual(store.shardsFor(Date.parse('2026-11-28T00:00:00Z'), Date.parse('2026-11-29T00:00:00Z')).map((s) => s.day), ['2026-11-27'],
    'a query for the 28th still finds the record that crossed midnight');
  store.close();
  tmp.remove();
});

test('a failing batch leaves nothing behind (atomic), and reopening the folder finds every shard', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  const good = rows(record({ start_time: '2026-11-26T10:00:00Z' }), record({ start_time: '2026-11-26T10:00:01Z' }));
  store.write('s/1', good.rows, good.gaps);
  const bad = rows(record({ start_time: '2026-11-26T11:00:00Z' }), record({ start_time: '2026-11-26T11:00:01Z' }));
  // NOT NULL: the gap's insert fails inside the transaction, after the batch's records went in.
  bad.gaps.push({ dropped: null as unknown as number, since: 0, until: 0, source: 's', reason: '' });
  assert.throws(() => store.write('s/2', bad.rows, bad.gaps));
  store.close();
  const db = new Database(join(tmp.dir, 'redtail-2026-11-26.db'), { readonly: true });
  assert.equal(db.prepare('SELECT sum(count) FROM blocks').pluck().get(), 2, 'none of the failed batch');
  assert.equal((db.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }).n, 1);
  db.close();
  const again = new Store(tmp.dir);
  assert.deepEqual(again.list().map((s) => s.day), ['2026-11-26']);
  const retry = rows(record({ start_time: '2026-11-26T11:00:00Z' }));
  assert.equal(again.write('s/2', retry.rows, retry.gaps).duplicate, false, 'the failed batch can be sent again');
  assert.equal(again.write('s/1', good.rows, good.gaps).duplicate, true, 'batch ids survive a restart');
  again.close();
  tmp.remove();
});

test('a shard made again for a pruned day never answers with the old one\'s cached blocks', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  const old = rows(record({ start_time: '2020-01-01T00:00:00Z', request_id: 'before-prune' }));
  store.write('old/1', old.rows, old.gaps);
  assert.deepEqual(query(store, {}).records.map((r) => r.request_id), ['before-prune']); // now cached
  store.prune('2021-01-01');
  const late = rows(record({ start_time: '2020-01-01T00:00:01Z', request_id: 'late-arrival' }));
  store.write('late/1', late.rows, late.gaps);
  assert.deepEqual(query(store, {}).records.map((r) => r.request_id), ['late-arrival']);
  store.close();
  tmp.remove();
});

test('a store told to keep no block decompressed answers every page as one that keeps them', () => {
  const tmp = tempDir();
  const many = rows(...Array.from({ length: 600 }, (_, i) => record({ start_time: new Date(Date.parse('2026-11-27T10:00:00Z') + i).toISOString(), request_id: `k-${i}` })));
  const keeping = new Store(tmp.dir);
  keeping.write('k/1', many.rows, many.gaps);
  const pages = (store: Store) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = query(store, { limit: 100, cursor });
      ids.push(...page.records.map((r) => String(r.request_id)));
      cursor = page.next ?? undefined;
    } while (cursor);
    return ids;
  };
  const kept = pages(keeping);
  keeping.close();
  const none = new Store(tmp.dir, { cachedBlocks: 0 });
  assert.deepEqual(pages(none), kept);
  assert.equal(kept.length, 600);
  none.close();
  tmp.remove();
});

test('shards of earlier layouts (deflated, brotli blocks) are still read, appended to as they were, and word-indexed', () => {
  const tmp = tempDir();
  // Files as earlier versions left them: layouts 2 and 3 (the schema is made on open either way).
  for (const [day, layout] of [['2026-11-26', 2], ['2026-11-27', 3]] as const) {
    const old = new Database(join(tmp.dir, `redtail-${day}.db`));
    old.pragma(`user_version = ${layout}`);
    old.close();
  }
  const store = new Store(tmp.dir);
  for (const [day, id] of [['26', 'deflated-one'], ['27', 'brotli-one'], ['28', 'lz4-one']]) {
    const r = rows(record({ start_time: `2026-11-${day}T10:00:00Z`, request_id: id, path: `/kept/in/${id}` }));
    store.write(`${id}/1`, r.rows, r.gaps);
  }
  assert.deepEqual(store.list().map((s) => [s.day, s.layout]), [['2026-11-26', 2], ['2026-11-27', 3], ['2026-11-28', 4]]);
  const data = (day: string) => {
    const db = new Database(join(tmp.dir, `redtail-${day}.db`), { readonly: true });
    const blob = db.prepare('SELECT data FROM blocks').pluck().get() as Buffer;
    db.close();
    return blob;
  };
  assert.match(inflateRawSync(data('2026-11-26')).toString(), /deflated-one/);
  assert.match(brotliDecompressSync(data('2026-11-27')).toString(), /brotli-one/);
  assert.match(uncompressSync(data('2026-11-28')).toString(), /lz4-one/);
  while (indexWords(store, 1000));
  assert.deepEqual(query(store, { text: 'kept' }, Date.parse('2026-11-29T00:00:00Z')).records.map((r) => r.request_id), ['lz4-one', 'brotli-one', 'deflated-one']);
  store.close();
  tmp.remove();
});

test('terms are spelled as the previous layout spelled them (base 36 by hand equals toString(36))', () => {
  let x = 1;
  for (let i = 0; i < 100_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    assert.equal(base36(x), x.toString(36));
  }
  for (const n of [0, 1, 35, 36, 0xfffffff, 0xffffffff]) assert.equal(base36(n), n.toString(36));
});

test('a block\'s terms written as bytes spell each term as queries do', () => {
  const out = new Terms();
  const expected: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const value = i % 7 === 0 ? `caf\u00e9-${i}` : `6f1c2a9e-3b7d-4f1e-9c0a-${String(i * 7919).padStart(12, '0')}`;
    const field = 'snwmartk'[i % 8]!;
    out.term(field, value);
    expected.push(term(field, value));
    if (i % 100 === 0) {
      out.ascii(statusTerm(i % 600));
      expected.push(statusTerm(i % 600));
    }
  }
  assert.equal(out.text(), expected.map((t) => `${t} `).join(''));
});
