// Live tail over a real WebSocket: filters, delivery after commit, drops for a slow reader, and
// the collector's memory (a child process's) bounded by bytes however slow its subscribers are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { bearerProtocols } from '../../src/http/auth.js';
import { collector, collectorProcess, get, MiB, ndjson, post, record, residentMemory } from '../helpers.js';

function subscribe(url: string, query: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<{ ws: WebSocket; messages: unknown[] }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/tail?${query}`, protocols, { headers });
  const messages: unknown[] = [];
  ws.on('message', (data) => { for (const line of String(data).split('\n')) messages.push(JSON.parse(line)); });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** The client stops reading: its socket fills, then the server's, then the subscriber's queue. */
const stall = (ws: WebSocket) => (ws as unknown as { _socket: { pause(): void } })._socket.pause();
const unstall = (ws: WebSocket) => (ws as unknown as { _socket: { resume(): void } })._socket.resume();

const until = async (cond: () => boolean, ms = 2000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('a subscriber gets each matching record as soon as its batch commits, and only those', async () => {
  const c = await collector();
  const errors = await subscribe(c.url, 'service=orders&status=5xx');
  const everything = await subscribe(c.url, '');
  const t0 = Date.now();
  await post(c.url, ndjson([
    record({ service: 'orders', response_code: 503, request_id: 'hit' }),
    record({ service: 'orders', response_code: 200, request_id: 'ok' }),
    record({ service: 'payments', response_code: 500, request_id: 'other-service' }),
  ]), { 'x-redtail-batch': 't/1' });
  await until(() => errors.messages.length >= 1 && everything.messages.length >= 3);
  assert.ok(Date.now() - t0 < 1000);
  assert.deepEqual(errors.messages.map((m) => (m as { request_id: string }).request_id), ['hit']);
  assert.deepEqual(everything.messages.map((m) => (m as { request_id: string }).request_id), ['hit', 'ok', 'other-service']);
  await post(c.url, ndjson([record({ service: 'orders', response_code: 503, request_id: 'hit' })]), { 'x-redtail-batch': 't/1' });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(errors.messages.length, 1, 'a duplicate batch is not sent again');
  errors.ws.close();
  everything.ws.close();
  await c.stop();
});

test('bad filters and missing tokens are refused before the upgrade; the token is taken from a header or a subprotocol, never the address', async () => {
  const token = 'read-token-0123456789ab';
  const c = await collector({ tokens: [{ token, scopes: ['read'] }] });
  await assert.rejects(subscribe(c.url, ''), /HTTP 401/);
  await assert.rejects(subscribe(c.url, 'status=teapot', { authorization: `Bearer ${token}` }), /HTTP 400/);
  await assert.rejects(subscribe(c.url, `service=orders&token=${token}`), /HTTP 401/, 'a token in the address is refused: proxies log addresses');
  const viaHeader = await subscribe(c.url, 'service=orders', { authorization: `Bearer ${token}` });
  viaHeader.ws.close();
  // A browser cannot set headers on a WebSocket: it offers the token as a subprotocol, answered with "redtail".
  const viaProtocol = await subscribe(c.url, 'service=orders', {}, bearerProtocols(token));
  assert.equal(viaProtocol.ws.protocol, 'redtail');
  viaProtocol.ws.close();
  await assert.rejects(subscribe(c.url, '', {}, bearerProtocols('not-the-token-0123456789')), /HTTP 401/);
  const logged = c.logs.find((l) => l.event === 'tail_subscribed')!;
  assert.equal(logged.filters, 'service=orders');
  assert.ok(!JSON.stringify(c.logs).includes(token), 'no token in the logs');
  await c.stop();
});

/** The status and error of an upgrade refused (or 101 when it was not). */
async function refusal(url: string, query: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<{ status: number; error?: string }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/tail?${query}`, protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => { ws.close(); resolve({ status: 101 }); });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, error: (JSON.parse(body) as { error: string }).error }));
    });
    ws.once('error', reject);
  });
}

test('a token in the address is refused even beside a valid one; a token subprotocol needs "redtail"; each refusal says how to send a token', async () => {
  const token = 'read-token-0123456789ab';
  const c = await collector({ tokens: [{ token, scopes: ['read'] }] });
  const withProtocol = await refusal(c.url, 'token=x', {}, bearerProtocols(token));
  assert.equal(withProtocol.status, 401, 'a valid subprotocol does not excuse ?token=');
  assert.match(withProtocol.error!, /address/);
  assert.equal((await get(c.url, `/v1/logs?token=${token}`, { authorization: `Bearer ${token}` })).status, 401, 'nor does a valid header');
  const alone = await refusal(c.url, '', {}, [bearerProtocols(token)[1]!]);
  assert.equal(alone.status, 401, 'without "redtail" the client would fail the handshake: refused, saying why');
  assert.match(alone.error!, /"redtail"/);
  const none = await refusal(c.url, '');
  assert.equal(none.status, 401);
  assert.match(none.error!, /authorization: Bearer/);
  assert.match(none.error!, /subprotocol/, 'a tail is told of the subprotocol too: a browser cannot send the header');
  for (const bad of ['1e3', '0x10', '%205', '', '-1', '1001']) {
    assert.equal((await refusal(c.url, `backfill=${bad}`, { authorization: `Bearer ${token}` })).status, 400, `backfill=${bad}`);
  }
  assert.equal((await refusal(c.url, 'backfill=007', { authorization: `Bearer ${token}` })).status, 101);
  await c.stop();
});

test('backfill=N starts with the latest N stored records, oldest first, then streams: under steady ingest no record is missed or sent twice', async () => {
  const c = await collector();
  let seq = 0;
  const batch = () => {
    const n = seq++;
    return post(c.url, ndjson([record({ request_id: `seq-${n}`, start_time: new Date(Date.parse('2026-11-27T10:00:00Z') + n).toISOString() })]), { 'x-redtail-batch': `steady/${n}` });
  };
  for (let i = 0; i < 30; i++) await batch();
  // Batches keep committing while tails open, so some land as each tail subscribes.
  let ingesting = true;
  const producer = (async () => { while (ingesting) await batch(); })();
  const tails = [];
  for (let i = 0; i < 8; i++) tails.push(await subscribe(c.url, 'backfill=10'));
  ingesting = false;
  await producer;
  const last = seq - 1;
  for (const t of tails) {
    await until(() => (t.messages.at(-1) as { request_id?: string } | undefined)?.request_id === `seq-${last}`);
    const marker = t.messages.findIndex((m) => typeof (m as { backfilled?: number }).backfilled === 'number');
    assert.deepEqual(t.messages[marker], { backfilled: 10 });
    const ids = t.messages.filter((_, k) => k !== marker).map((m) => Number((m as { request_id: string }).request_id.slice(4)));
    const first = ids[0]!;
    assert.deepEqual(ids, Array.from({ length: last - first + 1 }, (_, k) => first + k), 'every record once, in order, from the backfill on');
    assert.ok(first >= 20, 'the backfill is the latest records');
    t.ws.close();
  }
  await assert.rejects(subscribe(c.url, 'backfill=1001'), /HTTP 400/);
  await c.stop();
});

test('a backfill sends at most half of limits.tail_queue_bytes, its newest records, and says how many it left out', async () => {
  const c = await collector({ limits: { tailQueueBytes: 64 * 1024 } });
  const pad = 'x'.repeat(8000);
  await post(c.url, ndjson(Array.from({ length: 20 }, (_, i) => record({ request_id: `big-${i}`, start_time: new Date(Date.parse('2026-11-27T10:00:00Z') + i).toISOString(), request_body: pad }))));
  const t = await subscribe(c.url, 'backfill=20');
  await until(() => t.messages.some((m) => typeof (m as { backfilled?: number }).backfilled === 'number'));
  const marker = t.messages.at(-1) as { backfilled: number; left_out: number };
  const sent = t.messages.slice(0, -1).map((m) => (m as { request_id: string }).request_id);
  assert.equal(marker.backfilled + marker.left_out, 20);
  assert.ok(marker.left_out > 0 && sent.length * 8000 <= 32 * 1024, `${sent.length} records of 8 kB in half of 64 KiB`);
  assert.deepEqual(sent, Array.from({ length: marker.backfilled }, (_, k) => `big-${20 - marker.backfilled + k}`), 'the newest, oldest first');
  t.ws.close();
  await c.stop();
});

test('a slow subscriber loses the oldest records, is told how many, and ingest never waits', async () => {
  const c = await collector({ limits: { maxRecordBytes: 65536, tailQueue: 50 } });
  const slow = await subscribe(c.url, '');
  // The client stops reading: its socket fills, then the server's buffer, then its queue of 50.
  (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  const pad = 'x'.repeat(8000);
  const t0 = Date.now();
  for (let b = 0; b < 10; b++) {
    const res = await post(c.url, ndjson(Array.from({ length: 100 }, (_, i) => record({ request_id: `b${b}-${i}`, request_body: pad }))), { 'x-redtail-batch': `slow/${b}` });
    assert.equal(res.status, 200);
  }
  assert.ok(Date.now() - t0 < 3000, `ingest went on at its pace (${Date.now() - t0} ms for 8 MB)`);
  assert.ok(c.tail.drops > 0, 'records were dropped for the slow subscriber');
  (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await until(() => slow.messages.some((m) => (m as { request_id?: string }).request_id === 'b9-99'), 5000);
  const notices = slow.messages.filter((m) => 'dropped' in (m as object)) as { dropped: number }[];
  assert.ok(notices.length >= 1, 'told about the drop');
  const received = slow.messages.length - notices.length;
  assert.equal(received + notices.reduce((n, m) => n + m.dropped, 0), 1000, 'what it got plus what it was told it lost is everything');
  slow.ws.close();
  await c.stop();
});

// Memory is measured as the child's peak resident size grows while the attack runs, after the
// same traffic has run without it: ingest alone (SQLite, the free-text worker, the allocator)
// grows to a plateau first, and only what the attack holds shows above it.
const pad = 'x'.repeat(200_000);
/** 1 MB NDJSON batches of five 200 KB records. */
const bigRecords = (b: number) => ndjson(Array.from({ length: 5 }, (_, i) => record({ request_id: `b${b}-${i}`, request_body: pad })));
const common = Array.from({ length: 900 }, (_, i) => record({ service: 'common', request_id: `c-${i}`, path: `/${'p'.repeat(1000)}` }));
/** 1 MB JSON array batches: one small record of service "rare", and 900 of another service. */
const rareInArray = (b: number) => JSON.stringify([...common, record({ service: 'rare', request_id: `rare-${b}` })]);

async function ingest(url: string, from: number, to: number, body: (b: number) => string, type = 'application/x-ndjson'): Promise<void> {
  for (let b = from; b < to; b++) assert.equal((await post(url, body(b), { 'content-type': type, 'x-redtail-batch': `m/${b}` })).status, 200);
}

test('a tail that never reads holds at most limits.tail_queue_bytes: the collector\'s memory stays bounded while 150 MB of records go by', async (t) => {
  const c = await collectorProcess(); // 4 MiB a subscriber by default
  t.after(() => c.stop());
  await ingest(c.url, 0, 150, bigRecords);
  const stalled = await subscribe(c.url, '');
  stall(stalled.ws);
  const before = residentMemory(c.child.pid!).peak;
  await ingest(c.url, 150, 300, bigRecords);
  const grown = residentMemory(c.child.pid!).peak - before;
  t.diagnostic(`peak resident memory grew by ${(grown / MiB).toFixed(1)} MiB`);
  assert.ok(grown < 64 * MiB, `the collector grew by ${(grown / MiB).toFixed(0)} MiB for one stalled tail (its bound: 4 MiB)`);
  unstall(stalled.ws);
  await until(() => stalled.messages.some((m) => (m as { request_id?: string }).request_id === 'b299-4'), 20_000);
  const notices = stalled.messages.filter((m) => 'dropped' in (m as object)) as { dropped: number }[];
  assert.ok(notices.length > 0);
  assert.equal(stalled.messages.length - notices.length + notices.reduce((n, m) => n + m.dropped, 0), 750, 'what it got plus what it was told it lost is everything');
  stalled.ws.close();
});

test('a record queued for a tail does not keep its batch in memory (a record cut out of a JSON array is a slice of the batch\'s text)', async (t) => {
  const c = await collectorProcess();
  t.after(() => c.stop());
  await ingest(c.url, 0, 150, rareInArray, 'application/json');
  const stalled = await subscribe(c.url, 'service=rare');
  stall(stalled.ws);
  // Big records fill the sockets' buffers; the small ones after them wait in the queue.
  await ingest(c.url, 150, 170, (b) => ndjson(Array.from({ length: 5 }, (_, i) => record({ service: 'rare', request_id: `fill-${b}-${i}`, request_body: pad }))));
  const before = residentMemory(c.child.pid!).peak;
  await ingest(c.url, 170, 320, rareInArray, 'application/json');
  const grown = residentMemory(c.child.pid!).peak - before;
  t.diagnostic(`peak resident memory grew by ${(grown / MiB).toFixed(1)} MiB`);
  assert.ok(grown < 64 * MiB, `the collector grew by ${(grown / MiB).toFixed(0)} MiB holding 150 small records for a stalled tail`);
  unstall(stalled.ws);
  await until(() => stalled.messages.some((m) => (m as { request_id?: string }).request_id === 'rare-319'), 20_000);
  const small = stalled.messages.map((m) => (m as { request_id?: string }).request_id).filter((id) => id?.startsWith('rare-'));
  assert.deepEqual(small, Array.from({ length: 150 }, (_, b) => `rare-${b + 170}`), 'every small record arrived (the big ones before them were dropped to make room)');
  stalled.ws.close();
});

test('past limits.tail_subscribers a new tail is refused with 503 saying what to do; a closed one makes room', async () => {
  const c = await collector({ limits: { tailSubscribers: 2 } });
  const first = await subscribe(c.url, '');
  const second = await subscribe(c.url, 'service=orders');
  await assert.rejects(subscribe(c.url, ''), /HTTP 503/);
  assert.ok(c.logs.some((l) => l.event === 'tail_refused'));
  first.ws.close();
  await until(() => c.tail.size === 1);
  const third = await subscribe(c.url, '');
  assert.match(await (await fetch(`${c.url}/metrics`)).text(), /^redtail_tail_refused_total 1$/m);
  second.ws.close();
  third.ws.close();
  await c.stop();
});
