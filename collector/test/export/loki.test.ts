// The Loki push encoder, through a real receiver on loopback that decodes both encodings on its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StoredRecord } from '../../src/export/encoder.js';
import { type LokiOptions, lokiEncoder } from '../../src/export/loki.js';
import { record } from '../helpers.js';
import { LokiReceiver, type ReceivedStream } from './loki-receiver.js';

let loki: LokiReceiver;
before(async () => { loki = await new LokiReceiver().start(); });
after(async () => { await loki.close(); });

/** The streams the receiver decoded from one push of these records. */
async function push(records: StoredRecord[], options: LokiOptions): Promise<ReceivedStream[]> {
  const payload = lokiEncoder(options).encode(records);
  const res = await fetch(`${loki.url}${payload.path}`, { method: 'POST', headers: payload.headers, body: new Uint8Array(payload.body) });
  assert.equal(res.status, 204, await res.text());
  return loki.received.at(-1)!.streams;
}

/** Both encodings give the same streams: the JSON one, after checking the protobuf one equals it. */
async function pushBoth(records: StoredRecord[], options: Omit<LokiOptions, 'encoding'> = {}): Promise<ReceivedStream[]> {
  const json = await push(records, { ...options, encoding: 'json' });
  assert.deepEqual(await push(records, { ...options, encoding: 'protobuf' }), json);
  return json;
}

const nsOf = (iso: string) => `${BigInt(Date.parse(iso)) * 1_000_000n}`;

test('loki: records are grouped into a stream per label set (service, namespace, status class), in the order they came', async () => {
  const records = [
    record({ request_id: 'a', response_code: 200 }),
    record({ request_id: 'b', response_code: 503 }),
    record({ request_id: 'c', response_code: 204, start_time: '2026-11-27T09:59:59.000Z' }),
    record({ request_id: 'd', service: 'checkout', response_code: 201 }),
    record({ request_id: 'e', response_code: 504 }),
  ];
  const streams = await pushBoth(records);
  assert.deepEqual(streams.map((s) => s.labels), [
    { namespace: 'shop', service: 'orders', status_class: '2xx' },
    { namespace: 'shop', service: 'orders', status_class: '5xx' },
    { namespace: 'shop', service: 'checkout', status_class: '2xx' },
  ]);
  // Entries keep the store's order within a stream, even when a time goes back.
  assert.deepEqual(streams.map((s) => s.entries.map((e) => JSON.parse(e.line).request_id)), [['a', 'c'], ['b', 'e'], ['d']]);
});

test('loki: an entry is the record\'s JSON at its start_time in nanoseconds, with request, trace and span ids as structured metadata', async () => {
  const r = record({ start_time: '2026-11-27T10:00:00.123Z', request_id: 'r-9', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
  const [stream] = await pushBoth([r]);
  assert.deepEqual(stream!.entries, [{
    ns: '1795773600123000000', line: JSON.stringify(r),
    metadata: { request_id: 'r-9', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
  }]);
  assert.equal(stream!.entries[0]!.ns, nsOf(r.start_time as string));
  assert.deepEqual(JSON.parse(stream!.entries[0]!.line), r);
});

test('loki: metadata only for the fields a record has; none at all writes the JSON entry as [time, line] for a Loki without structured metadata', async () => {
  const bare = record({ request_id: undefined });
  const [stream] = await pushBoth([bare, record({ trace_id: 't1' })]);
  assert.deepEqual(stream!.entries.map((e) => e.metadata), [{}, { request_id: 'r-1', trace_id: 't1' }]);
  const body = JSON.parse(lokiEncoder({ encoding: 'json', metadata: [] }).encode([record({ trace_id: 't1' })]).body.toString());
  assert.equal(body.streams[0].values[0].length, 2);
});

test('loki: a label whose field a record lacks or leaves empty is left out; a record with none of them is still a stream (Loki refuses a stream without labels)', async () => {
  const streams = await pushBoth([
    record({ namespace: undefined }),
    record({ service: '', namespace: undefined }),
    record({ service: undefined, namespace: undefined, response_code: 0 }),
  ]);
  assert.deepEqual(streams.map((s) => s.labels), [
    { service: 'orders', status_class: '2xx' },
    { status_class: '2xx' },
    { service_name: 'unknown_service' },
  ]);
});

test('loki: labels and metadata as configured', async () => {
  const streams = await pushBoth([record({ response_code: 404, response_flags: 'NR', trace_id: 't' })],
    { labels: ['workload', 'response_code', 'response_flags'], metadata: ['trace_id', 'method', 'duration'] });
  assert.deepEqual(streams[0]!.labels, { response_code: '404', response_flags: 'NR', workload: 'orders-v1' });
  assert.deepEqual(streams[0]!.entries[0]!.metadata, { trace_id: 't', method: 'GET', duration: '3' });
});

test('loki: label values are escaped in the protobuf stream\'s label text, names sorted', async () => {
  const service = 'a"b\\c\nd}, x="y';
  const payload = lokiEncoder({ encoding: 'protobuf' }).encode([record({ service })]);
  const streams = await pushBoth([record({ service })]);
  assert.deepEqual(streams[0]!.labels, { namespace: 'shop', service, status_class: '2xx' });
  // The label text as sent, found in the uncompressed body.
  const { snappyUncompress } = await import('./snappy-block.js');
  assert.ok(snappyUncompress(payload.body).includes('{namespace="shop", service="a\\"b\\\\c\\nd}, x=\\"y", status_class="2xx"}'));
});

test('loki: odd values: unicode, line breaks, a lone surrogate, a huge record, in both encodings', async () => {
  const body = 'ü→漢字 🦀\r\n\t"quoted"\u0000\u2028'.repeat(6000);
  const records = [
    record({ service: 'zahlungsdienst-ü-漢字-🦀', request_id: 'id\nwith\nbreaks', path: '/ä?q=🦀' }),
    record({ service: 'lone-\ud800-surrogate', request_id: '\udfff' }),
    record({ request_body: body, response_body: body, request_headers: { 'x-a': '\n' } }),
  ];
  const streams = await pushBoth(records);
  assert.deepEqual(streams.map((s) => s.labels.service), ['zahlungsdienst-ü-漢字-🦀', 'lone-\ufffd-surrogate', 'orders']);
  assert.equal(streams[0]!.entries[0]!.metadata.request_id, 'id\nwith\nbreaks');
  assert.equal(streams[1]!.entries[0]!.metadata.request_id, '\ufffd');
  // Lines are the records exactly, the lone surrogates too (JSON escapes them).
  assert.deepEqual(streams.flatMap((s) => s.entries.map((e) => JSON.parse(e.line))), records);
});

test('loki: the protobuf push is snappy\'s block format with no content-encoding; JSON is plain', () => {
  const records = [record(), record()];
  const proto = lokiEncoder({ encoding: 'protobuf' }).encode(records);
  assert.deepEqual(proto.headers, { 'content-type': 'application/x-protobuf' });
  assert.equal(proto.path, '/loki/api/v1/push');
  // The block format opens with the length as a varint; the framing format with 0xff "sNaPpY".
  assert.notEqual(proto.body[0], 0xff);
  assert.ok(proto.body.length < JSON.stringify(records).length);
  const json = lokiEncoder({ encoding: 'json' }).encode(records);
  assert.deepEqual(json.headers, { 'content-type': 'application/json' });
  assert.ok(Array.isArray(JSON.parse(json.body.toString()).streams));
});

test('loki: no records, no streams', async () => {
  assert.deepEqual(await pushBoth([]), []);
});
