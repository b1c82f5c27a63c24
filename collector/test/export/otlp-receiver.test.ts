// The loopback OTLP receiver the exporter's tests rely on: it answers as it is told, refuses what an
// OpenTelemetry Collector refuses, goes down and comes back on its port, and decodes what it takes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { otlpEncoder } from '../../src/export/otlp.js';
import { decodeProtobuf, OtlpReceiver } from './otlp-receiver.js';

const RECORD = { start_time: '2026-11-27T10:00:00.000Z', response_code: 200, service: 'orders', request_id: 'r-1' };

let receiver: OtlpReceiver;
before(async () => { receiver = await new OtlpReceiver().start(); });
after(() => receiver.close());

function post(body: Buffer | string, headers: Record<string, string>, path = '/v1/logs'): Promise<Response> {
  return fetch(`${receiver.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

function payload(encoding: 'json' | 'protobuf') {
  return otlpEncoder({ encoding }).encode([RECORD]);
}

test('accepts both encodings, gzipped or not, and answers as an OTLP receiver does', async () => {
  const before = receiver.received.length;
  for (const encoding of ['json', 'protobuf'] as const) {
    const p = payload(encoding);
    const res = await post(p.body, p.headers);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), p.headers['content-type']);
    assert.equal(await res.text(), encoding === 'json' ? '{}' : '');
    const gz = await post(gzipSync(p.body), { ...p.headers, 'content-encoding': 'gzip' });
    assert.equal(gz.status, 200);
  }
  assert.deepEqual(receiver.received.slice(before).map((r) => r.encoding), ['json', 'json', 'protobuf', 'protobuf']);
  const records = receiver.records().slice(-4);
  assert.ok(records.every((r) => r.scope.name === 'redtail' && (r.record.attributes as { key: string }[]).some((a) => a.key === 'redtail.request_id')));
});

test('refuses what a Collector refuses: another path, another content type, a body it cannot decode', async () => {
  const before = receiver.received.length;
  const p = payload('json');
  assert.equal((await post(p.body, p.headers, '/v1/traces')).status, 404);
  assert.equal((await post(p.body, { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post('{"resourceLogs": 7}', { 'content-type': 'application/json' })).status, 400);
  assert.equal((await post('not json', { 'content-type': 'application/json' })).status, 400);
  const bad = await post(Buffer.from([0x0a, 0x05, 0x01]), { 'content-type': 'application/x-protobuf' });
  assert.equal(bad.status, 400);
  assert.equal(receiver.received.length, before, 'nothing refused is kept');
  assert.deepEqual(receiver.answered.slice(-5), [404, 415, 400, 400, 400]);
});

test('answers as told: a standing answer, counted ones before it, with their headers', async () => {
  const p = payload('protobuf');
  const before = receiver.received.length;
  receiver.answer(503, { 'retry-after': '2' });
  receiver.answer(400, {}, { times: 1 });
  assert.equal((await post(p.body, p.headers)).status, 400);
  const standing = await post(p.body, p.headers);
  assert.equal(standing.status, 503);
  assert.equal(standing.headers.get('retry-after'), '2');
  assert.equal((await post(p.body, p.headers)).status, 503);
  receiver.answer(429, { 'retry-after': '1' }, { times: 2 });
  assert.equal((await post(p.body, p.headers)).status, 429);
  assert.equal((await post(p.body, p.headers)).status, 429);
  assert.equal((await post(p.body, p.headers)).status, 503);
  receiver.answer(200);
  assert.equal((await post(p.body, p.headers)).status, 200);
  assert.equal(receiver.received.length, before + 1, 'only the accepted request is kept');
});

test('down refuses connections; up listens again on the same port', async () => {
  const url = receiver.url;
  const p = payload('json');
  await receiver.down();
  await assert.rejects(post(p.body, p.headers));
  await receiver.up();
  assert.equal(receiver.url, url);
  assert.equal((await post(p.body, p.headers)).status, 200);
});

test('hold keeps answers waiting until released; until resolves once its condition holds', async () => {
  const p = payload('json');
  const before = receiver.records().length;
  const release = receiver.hold();
  const answers = [post(p.body, p.headers), post(p.body, p.headers)];
  await receiver.until(() => receiver.pending === 2);
  assert.equal(receiver.records().length, before, 'nothing taken while held');
  const arrived = receiver.until((r) => r.records().length === before + 2);
  release();
  await arrived;
  assert.deepEqual((await Promise.all(answers)).map((r) => r.status), [200, 200]);
  assert.equal(receiver.pending, 0);
});

test('close ends a held request', async () => {
  const held = await new OtlpReceiver().start();
  held.hold();
  const p = payload('json');
  const pending = fetch(`${held.url}/v1/logs`, { method: 'POST', headers: p.headers, body: new Uint8Array(p.body) });
  await held.until((r) => r.pending === 1);
  await held.close();
  await assert.rejects(pending);
});

test('the protobuf reader skips fields it does not know and refuses a truncated message', () => {
  // Field 99 (varint 7), then resource_logs (field 1) holding an empty message.
  assert.deepEqual(decodeProtobuf(Buffer.from([0x98, 0x06, 0x07, 0x0a, 0x00])), { resourceLogs: [{}] });
  assert.throws(() => decodeProtobuf(Buffer.from([0x0a, 0x05, 0x0a])), /truncated/);
});
