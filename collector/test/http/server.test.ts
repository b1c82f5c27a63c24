// The collector over HTTP on loopback: ingest, errors, duplicates, auth, queries across shards,
// and the real filter shipping to it with secrets that must not reach the SQLite files.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'node:test';
import { Host, runExchange } from '../../../host/src/index.js';
import { unpackBlock } from '../../src/store/codec.js';
import { collector, get, ndjson, post, record, upload } from '../helpers.js';

test('a batch is stored and acknowledged after commit; the same batch id again is a duplicate', async () => {
  const c = await collector();
  const body = ndjson([record({ request_id: 'a' }), record({ request_id: 'b' })]);
  assert.deepEqual((await post(c.url, body, { 'x-redtail-batch': 'sidecar-1/7' })).json, { batch: 'sidecar-1/7', stored: 2, duplicate: false, shard: '2026-11-27' });
  assert.deepEqual((await post(c.url, body, { 'x-redtail-batch': 'sidecar-1/7' })).json, { batch: 'sidecar-1/7', stored: 0, duplicate: true, shard: '2026-11-27' });
  const found = await get(c.url, '/v1/logs?since=2026-11-27T00:00:00Z');
  assert.deepEqual((found.json.records as { request_id: string }[]).map((r) => r.request_id), ['b', 'a']);
  await c.stop();
});

test('bad input gets a 4xx naming what is wrong, and the collector goes on working', async () => {
  const c = await collector({ limits: { maxBodyBytes: 2048, maxRecordBytes: 1024, maxRecords: 10 } });
  const bad = await post(c.url, ndjson([record(), record({ response_code: 'teapot' })]), { 'x-redtail-batch': 'x/1' });
  assert.equal(bad.status, 400);
  assert.deepEqual({ line: bad.json.line, field: bad.json.field, expected: bad.json.expected }, { line: 2, field: 'response_code', expected: 'an integer from 0 to 999' });
  assert.equal((await post(c.url, 'x'.repeat(5000))).status, 413);
  assert.equal((await post(c.url, ndjson([record()]), { 'x-redtail-batch': 'bad id with spaces' })).status, 400);
  assert.equal((await get(c.url, '/v1/logs?status=teapot')).status, 400);
  assert.match(String((await get(c.url, '/v1/logs?since=yesterday')).json.error), /"since" must be an ISO time .* or a duration ago/);
  assert.equal((await get(c.url, '/nope')).status, 404);
  assert.equal((await post(c.url, ndjson([record()]), { 'x-redtail-batch': 'x/1' })).status, 200, 'the same id, now valid, is stored');
  const all = await get(c.url, '/v1/logs');
  assert.equal((all.json.records as unknown[]).length, 1, 'nothing of the rejected batch was stored');
  await c.stop();
});

test('backpressure: past the pending-bytes bound (bytes received, not declared) producers get 429 with Retry-After, then get through again', async () => {
  const c = await collector({ limits: { maxBodyBytes: 16384, maxPendingBytes: 16384 } });
  // Two producers send 8 KiB of their batches each and stall: 16 KiB are now pending.
  const stalled = [1, 2].map((n) => upload(c.url, 8193, 8192, `stall/${n}`));
  await new Promise((r) => setTimeout(r, 100));
  const busy = await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: ndjson([record()]), headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'b/1' } });
  assert.equal(busy.status, 429);
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.match(String(((await busy.json()) as { error: string }).error), /send this one again after a pause/);
  for (const u of stalled) u.cut();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await post(c.url, ndjson([record()]), { 'x-redtail-batch': 'b/1' })).status, 200, 'room again once they are gone');
  assert.match(await (await fetch(`${c.url}/metrics`)).text(), /^redtail_batches_rejected_total\{reason="busy"\} 1$/m);
  await c.stop();
});

test('slow uploads do not lock out producers: while four connections that declared 16 MiB trickle bytes, a normal batch is accepted', async (t) => {
  const c = await collector(); // 16 MiB batches, 64 MiB pending: four declared 16 MiB bodies used to reserve it all
  const slow = [1, 2, 3, 4].map((n) => upload(c.url, 16 * 1024 * 1024, 10, `slow/${n}`));
  const trickle = setInterval(() => slow.forEach((u) => u.more(1)), 50);
  // Taken down whatever happens, so a failed assertion fails this test instead of holding the file open.
  t.after(async () => {
    clearInterval(trickle);
    for (const u of slow) u.cut();
    await c.stop();
  });
  await new Promise((r) => setTimeout(r, 200));
  const res = await post(c.url, ndjson([record({ request_id: 'not-locked-out' })]), { 'x-redtail-batch': 'normal/1' });
  assert.equal(res.status, 200, `${JSON.stringify(res.json)}; ${JSON.stringify(c.logs.filter((l) => l.level === 'error'))}`);
});

test('an upload that stalls is cut with 408 after limits.body_idle_ms, one too slow after limits.body_timeout_ms; their bytes are freed', async () => {
  const c = await collector({ limits: { maxBodyBytes: 16384, maxPendingBytes: 16384, bodyIdleMs: 300 } });
  const stalled = upload(c.url, 16384, 16000, 'stalled/1');
  const cut = await stalled.done;
  assert.equal(cut.status, 408);
  assert.equal(cut.json.code, 'stalled');
  assert.match(String(cut.json.error), /nothing arrived for 300 ms in the middle of a batch/);
  assert.equal((await post(c.url, ndjson([record()]), { 'x-redtail-batch': 'after/1' })).status, 200, 'its 16,000 bytes were given back');
  await c.stop();
  // Bytes keep coming, but too slowly for the batch to be whole in time.
  const d = await collector({ limits: { bodyIdleMs: 3_600_000, bodyTimeoutMs: 1000 } });
  const slow = upload(d.url, 16384, 10, 'slow/1');
  const trickle = setInterval(() => slow.more(1), 50);
  const tooSlow = await slow.done;
  clearInterval(trickle);
  assert.equal(tooSlow.status, 408);
  assert.equal(tooSlow.json.code, 'too_slow');
  assert.match(String(tooSlow.json.error), /must arrive whole within 1000 ms/);
  for (const x of [c, d]) assert.deepEqual(x.logs.filter((l) => l.event === 'upload_cut').length, 1);
  assert.match(await (await fetch(`${d.url}/metrics`)).text(), /^redtail_batches_rejected_total\{reason="stalled"\} 1$/m);
  await d.stop();
});

test('tokens and scopes: ingest-only tokens cannot read, read-only cannot write', async () => {
  const ingest = 'ingest-token-0123456789';
  const reader = 'reader-token-0123456789';
  const c = await collector({ tokens: [{ token: ingest, scopes: ['ingest'] }, { token: reader, scopes: ['read'] }] });
  assert.equal((await post(c.url, ndjson([record()]))).status, 401);
  assert.equal((await post(c.url, ndjson([record()]), { authorization: 'Bearer wrong-token-0000000000' })).status, 401);
  assert.equal((await post(c.url, ndjson([record()]), { authorization: `Bearer ${reader}` })).status, 403);
  assert.equal((await post(c.url, ndjson([record()]), { authorization: `Bearer ${ingest}` })).status, 200);
  assert.equal((await get(c.url, '/v1/logs', { authorization: `Bearer ${ingest}` })).status, 403);
  assert.equal((await get(c.url, '/v1/logs', { authorization: `Bearer ${reader}` })).status, 200);
  assert.equal((await get(c.url, '/healthz')).status, 200, 'health needs no token');
  await c.stop();
});

test('queries filter by every indexed column and page newest first across shard boundaries', async () => {
  const c = await collector();
  const batch: object[] = [];
  // Three days, 30 records a day, a mix of services and codes.
  for (const day of ['2026-11-25', '2026-11-26', '2026-11-27']) {
    for (let i = 0; i < 30; i++) {
      batch.push(record({
        start_time: `${day}T10:00:${String(i).padStart(2, '0')}.000Z`, request_id: `${day}-${i}`, service: i % 3 === 0 ? 'payments' : 'orders',
        response_code: i % 10 === 0 ? 503 : i % 7 === 0 ? 404 : 200, method: i % 2 ? 'POST' : 'GET', path: i % 5 === 0 ? '/admin/users' : '/api/orders',
        trace_id: i === 4 ? '4bf92f3577b34da6a3ce929d0e0e4736' : undefined, authority: 'shop',
      }));
    }
    await post(c.url, ndjson(batch.splice(0)), { 'x-redtail-batch': `s/${day}` });
  }
  const ids = async (q: string) => {
    const r = await get(c.url, `/v1/logs?${q}`);
    return { ids: (r.json.records as { request_id: string }[]).map((x) => x.request_id), next: r.json.next as string | null };
  };
  assert.equal((await ids('service=payments&limit=1000')).ids.length, 30);
  assert.deepEqual((await ids('status=5xx&since=2026-11-27T00:00:00Z')).ids, ['2026-11-27-20', '2026-11-27-10', '2026-11-27-0']);
  assert.equal((await ids('status=404')).ids.length, 3 * 4);
  assert.equal((await ids('status=400-599&service=orders')).ids.length, 3 * (2 + 3));
  assert.equal((await ids('method=post&limit=1000')).ids.length, 45);
  assert.equal((await ids('path=/admin&limit=1000')).ids.length, 18);
  assert.deepEqual((await ids('trace_id=4bf92f3577b34da6a3ce929d0e0e4736')).ids, ['2026-11-27-4', '2026-11-26-4', '2026-11-25-4']);
  assert.deepEqual((await ids('request_id=2026-11-26-7')).ids, ['2026-11-26-7']);
  assert.equal((await ids('q=admin/users&limit=1000')).ids.length, 18);
  assert.equal((await ids('since=2026-11-26T10:00:10Z&until=2026-11-26T10:00:20Z')).ids.length, 10);
  // Pages of 7 walk all 90 records newest first, across the three shards, each exactly once.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await ids(`limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.ids);
    cursor = page.next;
  } while (cursor);
  assert.equal(seen.length, 90);
  assert.equal(new Set(seen).size, 90);
  assert.deepEqual(seen.slice(0, 2), ['2026-11-27-29', '2026-11-27-28']);
  assert.deepEqual(seen.slice(28, 32), ['2026-11-27-1', '2026-11-27-0', '2026-11-26-29', '2026-11-26-28']);
  assert.equal(seen.at(-1), '2026-11-25-0');
  assert.equal((await get(c.url, '/v1/logs?cursor=garbage')).status, 400);
  await c.stop();
});

test('the real filter ships to the real collector; no planted secret reaches the SQLite files', async () => {
  const c = await collector();
  const host = new Host({ clusters: { 'redtail-collector': c.url }, onLog: () => {} });
  const plugin = host.startPlugin(await host.load(new URL('../../../../build/filter.wasm', import.meta.url).pathname), {
    configuration: JSON.stringify({ flush: { interval_ms: 20 }, capture: { request_headers: ['authorization', 'cookie', 'x-note'], body: { enabled: true } } }),
  });
  const secrets = ['Zm9vOmJhcg-sessionZ', 'alice.w@example.org', '4111111111111111', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2ln', 'hunter2-pass-word'];
  for (let i = 0; i < 5; i++) {
    await runExchange(plugin, {
      headers: { ':method': 'POST', ':path': `/pay?card=${secrets[2]}&token=${secrets[0]}`, ':authority': 'shop', 'x-request-id': `e2e-${i}`,
        authorization: `Bearer ${secrets[3]}`, cookie: `sid=${secrets[0]}`, 'x-note': `mail ${secrets[1]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: secrets[4], email: secrets[1] }),
    }, { upstream: () => ({ headers: { ':status': i === 4 ? '500' : '200' } }) });
  }
  await plugin.close();
  const found = await get(c.url, '/v1/logs?limit=10');
  assert.equal((found.json.records as unknown[]).length, 5);
  assert.equal(((await get(c.url, '/v1/logs?status=5xx')).json.records as unknown[]).length, 1);
  await c.close();
  // Every file, the log's checkpoints in their folder too.
  for (const file of (readdirSync(c.dir, { recursive: true }) as string[]).filter((f) => statSync(join(c.dir, f)).isFile())) {
    const bytes = readFileSync(join(c.dir, file));
    for (const s of secrets) assert.ok(!bytes.includes(s), `${s} found in ${file}`);
  }
  // Records are stored compressed: look inside every block too.
  for (const file of readdirSync(c.dir).filter((f) => /^redtail-\d{4}-\d\d-\d\d\.db$/.test(f))) {
    const db = new Database(join(c.dir, file), { readonly: true });
    const blocks = (db.prepare('SELECT data FROM blocks').pluck().all() as Buffer[]).map((b) => unpackBlock(b, db.pragma('user_version', { simple: true }) as number).toString('utf8'));
    db.close();
    assert.ok(blocks.join('').includes('"request_id":"e2e-0"'), 'the blocks hold the records');
    for (const s of secrets) assert.ok(!blocks.some((b) => b.includes(s)), `${s} found inside a block of ${file}`);
  }
  await c.stop();
});

test('a producer that disconnects mid-batch leaves nothing stored, and the collector goes on', async () => {
  const c = await collector();
  const port = Number(new URL(c.url).port);
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(`POST /v1/ingest HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-ndjson\r\ncontent-length: 5000\r\nx-redtail-batch: cut/1\r\n\r\n${JSON.stringify(record())}\n{"start`);
      setTimeout(() => s.destroy(), 50);
    });
    s.on('close', () => resolve());
  });
  const t0 = Date.now();
  while (!c.logs.some((l) => l.event === 'batch_abandoned')) {
    assert.ok(Date.now() - t0 < 3000, 'the abandoned batch is noted');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(((await get(c.url, '/v1/logs')).json.records as unknown[]).length, 0);
  assert.equal((await post(c.url, ndjson([record()]), { 'x-redtail-batch': 'cut/1' })).json.duplicate, false, 'the batch id was never taken');
  assert.ok(!c.logs.some((l) => l.level === 'error'));
  await c.stop();
});

test('GET /v1/gaps shows the records producers said they lost, newest first, by time range', async () => {
  const c = await collector();
  const gap = (since: string, until: string, dropped: number) => ({ gap: { dropped, since, until, source: 'orders-v1-abc', reason: 'buffer_full' } });
  await post(c.url, ndjson([record(), gap('2026-11-27T09:00:00Z', '2026-11-27T09:05:00Z', 40)]), { 'x-redtail-batch': 'g/1' });
  await post(c.url, ndjson([gap('2026-11-25T12:00:00Z', '2026-11-25T12:00:30Z', 3)]), { 'x-redtail-batch': 'g/2' });
  const all = (await get(c.url, '/v1/gaps')).json.gaps as { dropped: number; since: string; source: string; reason: string; received: string }[];
  assert.deepEqual(all.map((g) => [g.dropped, g.since]), [[40, '2026-11-27T09:00:00.000Z'], [3, '2026-11-25T12:00:00.000Z']]);
  assert.equal(all[0]!.source, 'orders-v1-abc');
  assert.equal(all[0]!.reason, 'buffer_full');
  assert.match(all[0]!.received, /^\d{4}-\d\d-\d\dT/);
  const recent = (await get(c.url, '/v1/gaps?since=2026-11-27T00:00:00Z')).json.gaps as unknown[];
  assert.equal(recent.length, 1);
  assert.equal((await get(c.url, '/v1/gaps?limit=0')).status, 400);
  await c.stop();
});

test('a full disk refuses the batch whole with a 500 the producer retries, and ingest resumes when there is room', async () => {
  const c = await collector();
  const first = await post(c.url, ndjson([record({ request_id: 'before-full' })]), { 'x-redtail-batch': 'disk/1' });
  assert.equal(first.status, 200);
  // SQLite's own ceiling on the file's size stands in for the disk filling up: the same
  // "database or disk is full" error, at the same place in a write.
  const shard = c.store.list()[0]!;
  const pages = shard.db.pragma('page_count', { simple: true }) as number;
  shard.db.pragma(`max_page_count = ${pages + 2}`);
  const big = ndjson(Array.from({ length: 400 }, (_, i) => record({ request_id: `full-${i}`, path: `/${'x'.repeat(2000)}-${i}` })));
  const refused = await post(c.url, big, { 'x-redtail-batch': 'disk/2' });
  assert.equal(refused.status, 500);
  assert.match(String(refused.json.error), /not stored, send it again/);
  assert.ok(c.logs.some((l) => l.event === 'request_failed' && /full/.test(String(l.error))), 'the log says the disk is full');
  const ids = () => get(c.url, '/v1/logs?limit=1000').then((r) => (r.json.records as { request_id: string }[]).map((x) => x.request_id));
  assert.deepEqual(await ids(), ['before-full'], 'nothing of the refused batch');
  shard.db.pragma('max_page_count = 1073741823');
  const retried = await post(c.url, big, { 'x-redtail-batch': 'disk/2' });
  assert.equal(retried.status, 200);
  assert.equal(retried.json.duplicate, false, 'the refused batch id was never taken');
  assert.equal((await ids()).length, 401);
  await c.stop();
});
