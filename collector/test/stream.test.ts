// WebSocket ingest on GET /v1/stream: acks after commit, errors that name the problem, duplicates,
// and malformed frames closing the socket without disturbing other producers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { collector, get, record } from './helpers.js';

function connect(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; replies: Record<string, unknown>[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream`, { headers });
  const replies: Record<string, unknown>[] = [];
  ws.on('message', (d) => replies.push(JSON.parse(String(d))));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, replies, closed }));
    ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

const until = async (cond: () => boolean) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 3000) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('each batch message is acknowledged after commit, in order; a repeat is a duplicate', async () => {
  const c = await collector();
  const p = await connect(c.url);
  for (let i = 1; i <= 5; i++) p.ws.send(JSON.stringify({ batch: `relay-1/${i}`, records: [record({ request_id: `w${i}` })] }));
  p.ws.send(JSON.stringify({ batch: 'relay-1/3', records: [record({ request_id: 'w3' })] }));
  await until(() => p.replies.length === 6);
  assert.deepEqual(p.replies.map((r) => r.ack), ['relay-1/1', 'relay-1/2', 'relay-1/3', 'relay-1/4', 'relay-1/5', 'relay-1/3']);
  assert.equal(p.replies[5]!.duplicate, true);
  assert.equal(((await get(c.url, '/v1/logs')).json.records as unknown[]).length, 5);
  p.ws.close();
  await c.stop();
});

test('a bad batch gets an error naming it; a malformed frame closes only that socket', async () => {
  const c = await collector({ tokens: [{ token: 'ingest-token-0123456789', scopes: ['ingest'] }] });
  await assert.rejects(connect(c.url), /HTTP 401/);
  const auth = { authorization: 'Bearer ingest-token-0123456789' };
  const good = await connect(c.url, auth);
  const bad = await connect(c.url, auth);
  bad.ws.send(JSON.stringify({ batch: 'b/1', records: [record(), record({ response_code: 'x' })] }));
  await until(() => bad.replies.length === 1);
  assert.deepEqual({ batch: bad.replies[0]!.batch, line: bad.replies[0]!.line, field: bad.replies[0]!.field }, { batch: 'b/1', line: 2, field: 'response_code' });
  bad.ws.send('not json at all');
  assert.equal((await bad.closed).code, 1007);
  good.ws.send(JSON.stringify({ batch: 'g/1', records: [record()] }));
  await until(() => good.replies.length === 1);
  assert.equal(good.replies[0]!.ack, 'g/1', 'the other producer is undisturbed');
  const shapeless = await connect(c.url, auth);
  shapeless.ws.send(JSON.stringify({ records: [] }));
  assert.equal((await shapeless.closed).code, 1008);
  good.ws.close();
  await c.stop();
});

test('stopping the collector closes producers\' sockets with 1001 instead of waiting on them', async () => {
  const c = await collector();
  const p = await connect(c.url);
  p.ws.send(JSON.stringify({ batch: 'relay-1/1', records: [record()] }));
  await until(() => p.replies.length === 1);
  const t0 = Date.now();
  await c.stop();
  assert.ok(Date.now() - t0 < 1500, 'closed without waiting for the producer to leave');
  assert.equal((await p.closed).code, 1001);
});

test('a message mixing plain records with non-ASCII, escaped and invalid UTF-8 ones stores each as it says', async () => {
  const c = await collector();
  const p = await connect(c.url);
  const records = [
    record({ request_id: 'plain', path: '/a' }),
    record({ request_id: 'wide', path: '/caf\u00e9', user_agent: '\u6771\u4eac' }),
    record({ request_id: 'escaped', user_agent: 'line\r\nbreak "quoted" \\ back' }),
  ];
  p.ws.send(JSON.stringify({ batch: 'mix/1', records }));
  // A binary frame whose record holds a byte that is not UTF-8: read as U+FFFD, as a text decoder does.
  const bad = Buffer.from(JSON.stringify({ batch: 'mix/2', records: [record({ request_id: 'invalid', user_agent: 'x#y' })] }));
  bad[bad.indexOf('x#y') + 1] = 0xff;
  p.ws.send(bad, { binary: true });
  await until(() => p.replies.length === 2);
  assert.deepEqual(p.replies.map((r) => r.stored), [3, 1]);
  const found = (await get(c.url, '/v1/logs')).json.records as Record<string, string>[];
  const byId = Object.fromEntries(found.map((r) => [r.request_id, r]));
  assert.equal(byId.plain!.path, '/a');
  assert.equal(byId.wide!.path, '/caf\u00e9');
  assert.equal(byId.wide!.user_agent, '\u6771\u4eac');
  assert.equal(byId.escaped!.user_agent, 'line\r\nbreak "quoted" \\ back');
  assert.equal(byId.invalid!.user_agent, 'x\ufffdy');
  // Each is found by its fields and its text.
  assert.equal(((await get(c.url, '/v1/logs?request_id=wide')).json.records as unknown[]).length, 1);
  assert.equal(((await get(c.url, `/v1/logs?q=${encodeURIComponent('\u6771\u4eac')}`)).json.records as unknown[]).length, 1);
  assert.equal(((await get(c.url, '/v1/logs?q=quoted')).json.records as unknown[]).length, 1);
  p.ws.close();
  await c.stop();
});

test('a record nested past limits.max_depth is refused up front, naming its line and field, over HTTP and WebSocket: never an internal error to retry', async () => {
  const c = await collector();
  // 60,000 deep with an escape: writing it back out (JSON.stringify) would overflow the stack.
  const deep = (id: string) => `${JSON.stringify(record({ request_id: id })).slice(0, -1)},"x":${'['.repeat(60_000)}"\\n"${']'.repeat(60_000)}}`;
  const http = await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: `${JSON.stringify(record())}\n${deep('h')}\n` });
  assert.equal(http.status, 400);
  assert.deepEqual(pick(await http.json() as Record<string, unknown>, 'line', 'field'), { line: 2, field: 'x' });
  const array = await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: `[${deep('a')}]` });
  assert.equal(array.status, 400);
  const p = await connect(c.url);
  p.ws.send(`{"batch":"deep/1","records":[${JSON.stringify(record())},${deep('w')}]}`);
  // Just past the limit, in the fast reader's range: the same error.
  const nested = (n: number) => `${'{"a":'.repeat(n - 1)}1${'}'.repeat(n - 1)}`;
  p.ws.send(`{"batch":"deep/2","records":[${JSON.stringify(record({ extra: JSON.parse(nested(32)) }))},${JSON.stringify(record({ extra: JSON.parse(nested(33)) }))}]}`);
  await until(() => p.replies.length === 2);
  assert.deepEqual(p.replies.map((r) => pick(r, 'batch', 'line', 'field', 'retry')), [
    { batch: 'deep/1', line: 2, field: 'x', retry: undefined }, { batch: 'deep/2', line: 2, field: 'extra', retry: undefined },
  ]);
  assert.match(String(p.replies[0]!.message), /nested at most 32 levels deep/);
  assert.equal(((await get(c.url, '/v1/logs')).json.records as unknown[]).length, 0);
  assert.ok(!c.logs.some((l) => l.level === 'error'), 'no internal error');
  p.ws.close();
  await c.stop();
});

const pick = (o: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
