// The test receiver itself: it must refuse what Loki refuses (or the encoder's tests could not
// fail), and do what the exporter's tests tell it (answer a status, be slow, be down).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { LokiReceiver, parseLabels } from './loki-receiver.js';
import { snappyUncompress } from './snappy-block.js';

let loki: LokiReceiver;
before(async () => { loki = await new LokiReceiver().start(); });
after(async () => { await loki.close(); });

const send = (body: Buffer | string, type = 'application/json', headers: Record<string, string> = {}) =>
  fetch(`${loki.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': type, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
const json = (streams: unknown) => JSON.stringify({ streams });

/** A PushRequest written field by field: one stream, one entry. */
function proto(labels: string, line: string | Buffer, metadata: [string, string][] = []): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(labels);
  w.uint32((2 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 0).int64(1_795_773_600).uint32((2 << 3) | 0).int32(5).ldelim();
  if (typeof line === 'string') w.uint32((2 << 3) | 2).string(line);
  else w.uint32((2 << 3) | 2).bytes(line);
  for (const [name, value] of metadata) w.uint32((3 << 3) | 2).fork().uint32((1 << 3) | 2).string(name).uint32((2 << 3) | 2).string(value).ldelim();
  w.ldelim().ldelim();
  return compressSync(Buffer.from(w.finish()));
}

test('loki receiver: decodes a well-formed push in each encoding', async () => {
  assert.equal((await send(json([{ stream: { a: 'b' }, values: [['5', 'x'], ['6', 'y', { k: 'v' }]] }]))).status, 204);
  assert.equal((await send(proto('{a="b\\"c"}', 'x', [['k', 'v']]), 'application/x-protobuf')).status, 204);
  assert.deepEqual(loki.received.slice(-2).map((p) => [p.encoding, p.streams]), [
    ['json', [{ labels: { a: 'b' }, entries: [{ ns: '5', line: 'x', metadata: {} }, { ns: '6', line: 'y', metadata: { k: 'v' } }] }]],
    ['protobuf', [{ labels: { a: 'b"c' }, entries: [{ ns: '1795773600000000005', line: 'x', metadata: { k: 'v' } }] }]],
  ]);
});

test('loki receiver: refuses with 400 what Loki refuses', async () => {
  const bad: [string, Buffer | string, string?][] = [
    ['not JSON', '{'],
    ['no labels', json([{ stream: {}, values: [['1', 'x']] }])],
    ['an empty label value', json([{ stream: { a: '' }, values: [['1', 'x']] }])],
    ['a label name Loki refuses', json([{ stream: { 'a-b': 'c' }, values: [['1', 'x']] }])],
    ['a time as a number', json([{ stream: { a: 'b' }, values: [[1, 'x']] }])],
    ['a time in milliseconds as ISO', json([{ stream: { a: 'b' }, values: [['2026-11-27T10:00:00Z', 'x']] }])],
    ['metadata of numbers', json([{ stream: { a: 'b' }, values: [['1', 'x', { k: 1 }]] }])],
    ['protobuf not snappy', Buffer.from('\x0a\x00'), 'application/x-protobuf'],
    ['protobuf, snappy framing format', Buffer.concat([Buffer.from('ff060000734e61507059', 'hex'), proto('{a="b"}', 'x')]), 'application/x-protobuf'],
    ['labels unquoted', proto('{a=b}', 'x'), 'application/x-protobuf'],
    ['a line break in a label value', proto('{a="b\nc"}', 'x'), 'application/x-protobuf'],
    ['a surrogate escape', proto('{a="\\ud800"}', 'x'), 'application/x-protobuf'],
    ['no labels in protobuf', proto('{}', 'x'), 'application/x-protobuf'],
    ['a line not UTF-8', proto('{a="b"}', Buffer.from([0xed, 0xa0, 0x80])), 'application/x-protobuf'],
  ];
  for (const [why, body, type] of bad) assert.equal((await send(body, type)).status, 400, why);
  assert.equal((await send(json([]), 'text/plain')).status, 415);
  assert.equal((await send(json([]), 'application/json', { 'content-encoding': 'gzip' })).status, 415);
  assert.equal((await fetch(`${loki.url}/loki/api/v1/push`)).status, 405);
});

test('loki receiver: answers as told, for the requests told', async () => {
  loki.answer(429, { 'retry-after': '3' }, { times: 1 });
  loki.answer(400, {}, { times: 1 });
  const ok = json([{ stream: { a: 'b' }, values: [['1', 'x']] }]);
  const first = await send(ok);
  assert.deepEqual([first.status, first.headers.get('retry-after')], [429, '3']);
  assert.equal((await send(ok)).status, 400);
  assert.equal((await send(ok)).status, 204);
  loki.answer(503, { 'retry-after': '1' });
  assert.deepEqual([(await send(ok)).status, (await send(ok)).status], [503, 503]);
  loki.answer(204);
  assert.equal((await send(ok)).status, 204);
  assert.deepEqual(loki.answered.slice(-6), [429, 400, 204, 503, 503, 204]);
});

test('loki receiver: slow (held until released), then down (connections refused) and up on the same port', async () => {
  const ok = json([{ stream: { a: 'b' }, values: [['1', 'held']] }]);
  const release = loki.hold();
  const answered = loki.answered.length;
  const response = send(ok);
  await loki.until((l) => l.pending === 1);
  assert.equal(loki.answered.length, answered);
  release();
  assert.equal((await response).status, 204);
  assert.equal(loki.pending, 0);

  // A client that gives up while held: its push is still taken on release, as by a slow Loki.
  const gaveUp = loki.hold();
  const abort = new AbortController();
  const abandoned = fetch(`${loki.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ok, signal: abort.signal });
  await loki.until((l) => l.pending === 1);
  abort.abort();
  await assert.rejects(abandoned);
  const taken = loki.received.length;
  gaveUp();
  await loki.until((l) => l.received.length === taken + 1);

  const url = loki.url;
  await loki.down();
  // A kept-alive connection may fail first as closed; a new one is refused.
  await send(ok).catch(() => undefined);
  await assert.rejects(send(ok), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED');
  await loki.up();
  assert.equal(loki.url, url);
  assert.equal((await send(ok)).status, 204);
});

test('loki receiver: its snappy decoder reads what the snappy library writes (literals, short and long copies, runs)', () => {
  const samples = [
    Buffer.alloc(0), Buffer.from('a'), randomBytes(70_000), Buffer.alloc(100_000, 7),
    Buffer.from('the quick brown fox '.repeat(5000)), Buffer.concat([randomBytes(40_000), randomBytes(3000).fill(1), Buffer.from('x'.repeat(70_000))]),
  ];
  for (const s of samples) assert.ok(snappyUncompress(compressSync(s)).equals(s));
  assert.throws(() => snappyUncompress(compressSync(randomBytes(100)).subarray(0, 50)), /snappy/);
});

test('loki receiver: label text read as Go reads it', () => {
  assert.deepEqual(parseLabels('{}'), {});
  assert.deepEqual(parseLabels('{a="x", b_2="y\\\\\\"\\n\\t\\u00e9"}'), { a: 'x', b_2: 'y\\"\n\té' });
  for (const t of ['{a="x"', '{a="x",a="y"}', '{1a="x"}', '{a="\\q"}', '{a="x"} ', '{a=\'x\'}']) assert.throws(() => parseLabels(t), /loki push/, t);
});
