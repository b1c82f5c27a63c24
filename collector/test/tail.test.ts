// Live tail over a real WebSocket: filters, delivery after commit, and drops for a slow reader.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { collector, ndjson, post, record } from './helpers.js';

function subscribe(url: string, query: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: unknown[] }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/tail?${query}`, { headers });
  const messages: unknown[] = [];
  ws.on('message', (data) => { for (const line of String(data).split('\n')) messages.push(JSON.parse(line)); });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

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

test('bad filters and missing tokens are refused before the upgrade; a token in the address is never logged', async () => {
  const c = await collector({ tokens: [{ token: 'read-token-0123456789ab', scopes: ['read'] }] });
  await assert.rejects(subscribe(c.url, ''), /HTTP 401/);
  await assert.rejects(subscribe(c.url, 'status=teapot&token=read-token-0123456789ab'), /HTTP 400/);
  const ok = await subscribe(c.url, 'service=orders&token=read-token-0123456789ab');
  ok.ws.close();
  const logged = c.logs.find((l) => l.event === 'tail_subscribed')!;
  assert.equal(logged.filters, 'service=orders', 'the token given in the address stays out of the logs');
  assert.ok(!JSON.stringify(c.logs).includes('read-token-0123456789ab'));
  const viaHeader = await subscribe(c.url, '', { authorization: 'Bearer read-token-0123456789ab' });
  viaHeader.ws.close();
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
