// Nothing read back from storage can take the collector down: records that came with line breaks
// between their tokens are stored as one line each (over HTTP and WebSocket), and blocks or
// records that cannot be read back (bad compressed bytes, a line that is not JSON, columns that
// disagree, a record split over lines by an older collector) are reported and skipped by queries
// and the free-text index. Each with `redtail serve` as a child process, queried, restarted and
// queried again.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { Store } from '../../src/store/store.js';
import { Unpacked } from '../../src/store/unpacked.js';
import type { Row } from '../../src/ingest/validate.js';
import { exited, get, post, record, spawnRedtail, tempDir, WIDE_SKEW_MS } from '../helpers.js';

const running = new Set<ChildProcess>();
// A failed assertion must not leave a collector running (the test file would never end).
after(() => { for (const child of running) child.kill('SIGKILL'); });

async function serve(data: string): Promise<Awaited<ReturnType<typeof spawnRedtail>>> {
  // Records of fixed dates: a retention and a clock skew of ten years keep them within the bounds.
  const config = join(data, 'config.json');
  writeFileSync(config, JSON.stringify({ limits: { max_clock_skew_ms: WIDE_SKEW_MS } }));
  const c = await spawnRedtail(['serve', '--port', '0', '--data', data, '--config', config], { REDTAIL_RETENTION_DAYS: '3650' });
  running.add(c.child);
  c.child.once('exit', () => running.delete(c.child));
  return c;
}

async function stop(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  assert.equal(await done, 0, 'the collector stopped cleanly: it was still running');
}

/** Every record the collector answers, newest first, by request id. */
async function ids(url: string, query = ''): Promise<unknown[]> {
  const res = await get(url, `/v1/logs?limit=1000${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return (res.json.records as Record<string, unknown>[]).map((r) => r.request_id);
}

/** One WebSocket message, its answer. */
async function streamed(url: string, message: string): Promise<Record<string, unknown>> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(message);
  const answer = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
  ws.close();
  return JSON.parse(answer) as Record<string, unknown>;
}

test('a record with line breaks, tabs or CRs between its tokens is stored as one line, over HTTP and WebSocket; queries answer, after a restart too', async () => {
  const tmp = tempDir();
  let c = await serve(tmp.dir);
  const text = (id: string, service: string) => JSON.stringify(record({ request_id: id, service }));
  const broken = (id: string, service: string, space: string) => text(id, service).replace(/,"/g, `,${space}"`).replace('{', `{${space}`);
  // A JSON array body (the brief's poison), an NDJSON body (CR and tab: LF ends an NDJSON line), a WebSocket message.
  assert.equal((await post(c.url, `[${broken('array-nl', 'nl', '\n')},\n${broken('array-crlf', 'nl', '\r\n')}]`, { 'x-redtail-batch': 'ws/1' })).status, 200);
  assert.equal((await post(c.url, `${broken('ndjson-tab', 'tab', '\t')}\n${broken('ndjson-cr', 'tab', '\r')}\n`, { 'x-redtail-batch': 'ws/2' })).status, 200);
  assert.equal((await streamed(c.url, `{"batch":"ws/3","records":[${broken('stream-nl', 'nl', '\n')},\n${text('stream-plain', 'nl')}]}`)).ack, 'ws/3');
  // The page's first load is a query: it is answered, and each record is whole.
  const all = ['stream-plain', 'stream-nl', 'ndjson-cr', 'ndjson-tab', 'array-crlf', 'array-nl'];
  assert.deepEqual(new Set(await ids(c.url)), new Set(all));
  assert.deepEqual(await ids(c.url, '&service=nl&q=nl'), await ids(c.url, '&service=nl'));
  await stop(c.child);
  c = await serve(tmp.dir);
  assert.deepEqual(new Set(await ids(c.url)), new Set(all), 'answered again after a restart');
  await stop(c.child);
  // As stored: one line a record, no tab or CR left.
  const store = new Store(tmp.dir);
  const shard = store.list()[0]!;
  for (const id of shard.db.prepare('SELECT id FROM blocks').pluck().all() as number[]) {
    const block = shard.block(id);
    const records = block.records();
    for (let i = 0; i < block.times.length; i++) assert.doesNotMatch(records.line(i), /[\t\r\n]/);
    assert.equal(records.count, block.times.length);
  }
  store.close();
  tmp.remove();
});

test('blocks and records that cannot be read back are reported and skipped, by queries and the free-text index, after a restart too', async () => {
  const tmp = tempDir();
  // Storage as a damaged disk or an older collector left it, written below the validation.
  const store = new Store(tmp.dir);
  const row = (id: string, time: number, json = JSON.stringify(record({ request_id: id, start_time: new Date(time).toISOString() }))): Row => ({
    time, service: 'orders', namespace: 'shop', workload: 'orders-v1', status: 200, method: 'GET', authority: 'shop', path: '/api/orders',
    requestId: id, traceId: null, json,
  });
  const t0 = Date.parse('2026-11-27T10:00:00.000Z');
  store.write('good/1', [row('good-1', t0), row('good-2', t0 + 1)], []);
  // An older collector's poison: one record over two lines, beside a plain one.
  store.write('split/1', [row('split-1', t0 + 2, JSON.stringify(record({ request_id: 'split-1', service: 'orders' })).replace(',"service"', ',\n"service"')), row('split-2', t0 + 3)], []);
  // A record that is not JSON, one that is not an object, and a good one, in one block.
  store.write('bad-json/1', [row('bad-1', t0 + 4, '{"request_id":"bad-1",'), row('bad-2', t0 + 5, '[1,2]'), row('good-3', t0 + 6)], []);
  store.write('lz4/1', [row('lz4-1', t0 + 7)], []);
  store.write('columns/1', [row('columns-1', t0 + 8)], []);
  store.write('good/2', [row('good-4', t0 + 9)], []);
  const shard = store.list()[0]!;
  const blockOf = (batch: string) => shard.db.prepare('SELECT b.id FROM blocks b JOIN batches a ON a.id = b.batch WHERE a.batch = ?').pluck().get(batch) as number;
  const lz4 = blockOf('lz4/1');
  const columns = blockOf('columns/1');
  shard.db.prepare('UPDATE blocks SET data = ? WHERE id = ?').run(Buffer.from('not lz4 at all, not even close'), lz4);
  shard.db.prepare('UPDATE blocks SET times = ? WHERE id = ?').run(Buffer.alloc(5), columns);
  store.close();
  // The words index has not reached these blocks yet: the collector's worker reads them back.
  const words = new Database(shard.path.replace(/\.db$/, '.words.db'));
  words.exec('DELETE FROM meta');
  words.close();

  let c = await serve(tmp.dir);
  const readable = ['good-4', 'good-3', 'split-2', 'split-1', 'good-2', 'good-1'];
  assert.deepEqual(await ids(c.url), readable, 'every readable record, the split one mended');
  assert.deepEqual(await ids(c.url, '&q=good'), ['good-4', 'good-3', 'good-2', 'good-1'], 'free text too');
  const metrics = await (await fetch(`${c.url}/metrics`)).text();
  assert.match(metrics, /^redtail_unreadable_blocks_total 2$/m);
  assert.match(metrics, /^redtail_unreadable_records_total 2$/m);
  const events = c.stderr.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : []));
  assert.deepEqual(events.filter((e) => e.event === 'block_unreadable').map((e) => e.block).sort(), [lz4, columns].sort());
  assert.deepEqual(events.filter((e) => e.event === 'record_unreadable').map((e) => e.record).sort(), [0, 1]);
  // The free-text index moved past the unreadable blocks (a query does not read them in full again).
  const lag = async () => Number(/^redtail_words_index_lag_blocks (\d+)$/m.exec(await (await fetch(`${c.url}/metrics`)).text())![1]);
  for (let t = 0; (await lag()) > 0; t++) {
    assert.ok(t < 200, 'the free-text index caught up');
    await new Promise((r) => setTimeout(r, 25));
  }
  await stop(c.child);
  c = await serve(tmp.dir);
  assert.deepEqual(await ids(c.url), readable, 'the same after a restart');
  await stop(c.child);
  tmp.remove();
});

test('a block\'s lines that do not add up to its records are mended only when that gives its count', () => {
  const a = JSON.stringify(record({ request_id: 'a' }));
  const b = JSON.stringify(record({ request_id: 'b' }));
  const split = a.replace(',"path"', ',\n"path"').replace(',"method"', ',\r\n"method"');
  const mended = new Unpacked(Buffer.from(`${b}\n${split}\n${b}`), 3);
  assert.equal(mended.count, 3);
  assert.equal(mended.line(1), split);
  assert.deepEqual(mended.holding(Buffer.from('"a"')), [1]);
  const garbled = new Unpacked(Buffer.from(`${b}\n{"x":\n${b}`), 2);
  assert.equal(garbled.count, 3, 'left as it is when it cannot be mended');
  assert.throws(() => new Unpacked(Buffer.from(b), 1).line(1), /hold 1 records, not a record 1/);
});
