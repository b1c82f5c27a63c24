// The OTLP encoder through a real loopback receiver that decodes each encoding on its own: every
// field of the schema mapped as docs/export.md says, odd values carried whole, both encodings equal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FIELDS } from '../../src/record/schema.js';
import type { StoredRecord } from '../../src/export/encoder.js';
import { ConfigError } from '../../src/config-error.js';
import { checkOtlpOptions, otlpEncoder, otlpRejected } from '../../src/export/otlp.js';
import { type Json, logRecordsOf, OtlpReceiver, type ReceivedRecord } from './otlp-receiver.js';

const OBSERVED = Date.UTC(2026, 10, 27, 10, 0, 5);
const now = () => OBSERVED;

/** A record with every field of the schema, as the filter writes them. */
const FULL: StoredRecord = {
  start_time: '2026-11-27T10:00:00.123Z', method: 'POST', path: '/api/orders/[REDACTED]?email=[EMAIL_ADDRESS]&page=2', protocol: 'HTTP/2',
  response_code: 503, response_flags: 'UF,URX', response_code_details: 'upstream_reset_before_response_started{connection_failure}',
  bytes_received: 1234, bytes_sent: 91, duration: 17, upstream_service_time: '15', x_forwarded_for: '203.0.113.7, 10.0.0.2',
  user_agent: 'curl/8.5.0', request_id: '6f1c2b0e-6d3a-4b71-9d55-0d6e1f1a2b3c', authority: 'shop.example:8443',
  upstream_host: '10.1.2.3:8080', upstream_cluster: 'outbound|8080||orders.shop.svc.cluster.local', upstream_local_address: '10.1.2.4:40000',
  downstream_local_address: '10.1.2.4:8443', downstream_remote_address: '10.0.0.2:51234', requested_server_name: 'shop.example',
  route_name: 'default', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', service: 'orders', namespace: 'shop',
  workload: 'orders-v1', node: 'orders-v1-5d8f7-abcde', connection_termination_details: 'reset', upstream_transport_failure_reason: 'delayed connect error: 111',
  request_body: '{"email":"[EMAIL_ADDRESS]"}', response_body: 'upstream connect error', source_principal: 'spiffe://cluster.local/ns/shop/sa/web',
  jwt_issuer: 'https://issuer.example', jwt_subject: 'user-42', jwt_client_id: 'web', unverified_jwt_issuer: 'https://other.example',
  unverified_jwt_subject: 'someone', unverified_jwt_client_id: 'cli',
  request_headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, response_headers: { 'content-type': 'text/plain' },
  redactions: { EMAIL_ADDRESS: 2, TRUNCATED: 1 },
};

/** Only what a record must have. */
const MINIMAL: StoredRecord = { start_time: '2026-11-27T10:00:01.000Z', response_code: 200 };

const str = (s: string) => ({ stringValue: s });
const int = (n: number | string) => ({ intValue: String(n) });

/** What the receiver must decode for FULL, written out by hand from docs/export.md. */
const FULL_ATTRIBUTES: Json = {
  'http.request.method': str('POST'), 'url.path': str('/api/orders/[REDACTED]'), 'url.query': str('email=[EMAIL_ADDRESS]&page=2'),
  'url.scheme': str('https'), 'http.response.status_code': int(503), 'error.type': str('503'),
  'client.address': str('203.0.113.7'), 'server.address': str('shop.example'), 'server.port': int(8443),
  'network.peer.address': str('10.0.0.2'), 'network.peer.port': int(51234), 'network.local.address': str('10.1.2.4'), 'network.local.port': int(8443),
  'network.protocol.name': str('http'), 'network.protocol.version': str('2'), 'user_agent.original': str('curl/8.5.0'),
  'http.request.body.size': int(1234), 'http.response.body.size': int(91),
  'http.request.header.content-type': { arrayValue: { values: [str('application/json')] } },
  'http.request.header.x-forwarded-proto': { arrayValue: { values: [str('https')] } },
  'http.response.header.content-type': { arrayValue: { values: [str('text/plain')] } },
  'redtail.request_id': str('6f1c2b0e-6d3a-4b71-9d55-0d6e1f1a2b3c'), 'redtail.response_flags': str('UF,URX'),
  'redtail.response_code_details': str('upstream_reset_before_response_started{connection_failure}'), 'redtail.upstream_service_time': str('15'),
  'redtail.x_forwarded_for': str('203.0.113.7, 10.0.0.2'), 'redtail.upstream_host': str('10.1.2.3:8080'),
  'redtail.upstream_cluster': str('outbound|8080||orders.shop.svc.cluster.local'), 'redtail.upstream_local_address': str('10.1.2.4:40000'),
  'redtail.requested_server_name': str('shop.example'), 'redtail.route_name': str('default'),
  'redtail.connection_termination_details': str('reset'), 'redtail.upstream_transport_failure_reason': str('delayed connect error: 111'),
  'redtail.source_principal': str('spiffe://cluster.local/ns/shop/sa/web'), 'redtail.jwt_issuer': str('https://issuer.example'),
  'redtail.jwt_subject': str('user-42'), 'redtail.jwt_client_id': str('web'), 'redtail.unverified_jwt_issuer': str('https://other.example'),
  'redtail.unverified_jwt_subject': str('someone'), 'redtail.unverified_jwt_client_id': str('cli'), 'redtail.duration': int(17),
  'redtail.redactions': { kvlistValue: { values: [{ key: 'EMAIL_ADDRESS', value: int(2) }, { key: 'TRUNCATED', value: int(1) }] } },
};

const attributes = (kvs: unknown): Json => Object.fromEntries(((kvs ?? []) as { key: string; value: unknown }[]).map((kv) => [kv.key, kv.value]));

/** The record back from a body's kvlist (values as JSON would have them). */
function fromAnyValue(v: Json): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (((v.arrayValue as Json).values ?? []) as Json[]).map(fromAnyValue);
  if ('kvlistValue' in v) return Object.fromEntries((((v.kvlistValue as Json).values ?? []) as { key: string; value: Json }[]).map((kv) => [kv.key, fromAnyValue(kv.value)]));
  return null;
}

let receiver: OtlpReceiver;
before(async () => { receiver = await new OtlpReceiver().start(); });
after(() => receiver.close());

/** Both encodings of the same records through the receiver; the two decoded requests, asserted equal. */
async function roundTrip(records: StoredRecord[]): Promise<{ request: Json; records: ReceivedRecord[]; json: Buffer }> {
  const decoded: Json[] = [];
  let json: Buffer = Buffer.alloc(0);
  for (const encoding of ['json', 'protobuf'] as const) {
    const payload = otlpEncoder({ encoding, now }).encode(records);
    if (encoding === 'json') json = payload.body;
    const before = receiver.received.length;
    const res = await fetch(`${receiver.url}${payload.path}`, { method: 'POST', headers: payload.headers, body: new Uint8Array(payload.body) });
    assert.equal(res.status, 200, await res.text());
    assert.equal(receiver.received.length, before + 1);
    const got = receiver.received.at(-1)!;
    assert.equal(got.encoding, encoding);
    decoded.push(got.request);
  }
  assert.deepEqual(decoded[1], decoded[0], 'protobuf and JSON decode to the same request');
  const request = decoded[0]!;
  return { request, records: logRecordsOf(request), json };
}

describe('otlp encoder', () => {
  test('every field of the schema: the resource, the log record, the attributes, the body', async () => {
    for (const f of FIELDS) assert.ok(f.name in FULL, `the full record lacks the schema's field ${f.name}`);
    const { records: [got] } = await roundTrip([FULL]);
    assert.ok(got);
    assert.deepEqual(attributes(got.resource.attributes), {
      'service.name': str('orders'), 'service.namespace': str('shop'), 'k8s.namespace.name': str('shop'),
      'k8s.pod.name': str('orders-v1-5d8f7-abcde'), 'redtail.workload': str('orders-v1'),
    });
    assert.deepEqual(got.scope, { name: 'redtail', version: '0.1.0' });
    assert.equal(got.record.timeUnixNano, '1795773600123000000');
    assert.equal(got.record.observedTimeUnixNano, `${OBSERVED}000000`);
    assert.equal(got.record.severityNumber, 17);
    assert.equal(got.record.severityText, 'ERROR');
    assert.equal(got.record.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(got.record.spanId, '00f067aa0ba902b7');
    assert.deepEqual(attributes(got.record.attributes), FULL_ATTRIBUTES);
    assert.deepEqual(fromAnyValue(got.record.body as Json), FULL, 'the body is the record, whole');
  });

  test('a record with only the required fields: no attribute made up', async () => {
    const { records: [got] } = await roundTrip([MINIMAL]);
    assert.ok(got);
    assert.deepEqual(attributes(got.resource.attributes), { 'service.name': str('unknown_service') });
    assert.deepEqual(attributes(got.record.attributes), { 'http.response.status_code': int(200) });
    assert.equal(got.record.severityText, 'INFO');
    assert.equal(got.record.traceId, undefined);
    assert.equal(got.record.spanId, undefined);
    assert.deepEqual(fromAnyValue(got.record.body as Json), MINIMAL);
  });

  test('severity from the status class; no response (0): INFO, no status code, the flags as error.type', async () => {
    const codes = [0, 101, 200, 302, 399, 400, 404, 499, 500, 504, 599, 600, 999];
    const { records } = await roundTrip(codes.map((response_code) => ({ ...MINIMAL, response_code, response_flags: 'DC' })));
    assert.deepEqual(records.map((r) => [r.record.severityNumber, r.record.severityText]), codes.map((c) =>
      (c >= 500 && c <= 599 ? [17, 'ERROR'] : c >= 400 && c <= 499 ? [13, 'WARN'] : [9, 'INFO'])));
    const zero = attributes(records[0]!.record.attributes);
    assert.equal(zero['http.response.status_code'], undefined);
    assert.deepEqual(zero['error.type'], str('DC'));
    assert.equal(attributes(records[2]!.record.attributes)['error.type'], undefined);
    assert.deepEqual(records.map((r) => attributes(r.record.attributes)['error.type']), codes.map((c) =>
      (c === 0 ? str('DC') : c >= 500 && c <= 599 ? str(String(c)) : undefined)));
  });

  test('trace and span ids: hex in JSON, bytes in protobuf; B3 64-bit ids padded; bad ones left out', async () => {
    const cases: [unknown, unknown, string | undefined, string | undefined][] = [
      ['4BF92F3577B34DA6A3CE929D0E0E4736', '00F067AA0BA902B7', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'],
      ['a3ce929d0e0e4736', 'b7ad6b7169203331', '0000000000000000a3ce929d0e0e4736', 'b7ad6b7169203331'],
      ['00000000000000000000000000000000', '0000000000000000', undefined, undefined],
      ['4bf92f3577b34da6a3ce929d0e0e473g', 'zz', undefined, undefined],
      ['4bf92f3577b34da6a3ce929d0e0e47', '00f067aa0ba902b7ff', undefined, undefined],
      [42, { id: 1 }, undefined, undefined],
      ['', null, undefined, undefined],
    ];
    const { records, json } = await roundTrip(cases.map(([trace_id, span_id]) => ({ ...MINIMAL, trace_id, span_id })));
    assert.deepEqual(records.map((r) => [r.record.traceId, r.record.spanId]), cases.map(([, , t, s]) => [t, s]));
    assert.match(json.toString(), /"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"/);
    // The bad id is still in the body, as written.
    assert.equal((fromAnyValue(records[3]!.record.body as Json) as Json).trace_id, '4bf92f3577b34da6a3ce929d0e0e473g');
  });

  test('the JSON encoding: 64-bit integers as strings, the severity as a number, lowerCamelCase', async () => {
    const { json } = await roundTrip([FULL]);
    const text = json.toString();
    assert.match(text, /"timeUnixNano":"1795773600123000000"/);
    assert.match(text, /"observedTimeUnixNano":"\d+"/);
    assert.match(text, /"severityNumber":17,/);
    assert.match(text, /"intValue":"1234"/);
    assert.doesNotMatch(text, /"intValue":\d/);
    assert.doesNotMatch(text, /_unix_nano|severity_number|log_records|resource_logs/);
  });

  test('odd values: unicode, lone surrogates, huge and fractional numbers, nested and unknown fields', async () => {
    const odd: StoredRecord = {
      ...MINIMAL, path: '/ünï/🦀?q=日本語&x=\u0000', user_agent: 'مرحبا \u202e evil', service: 'søk', namespace: '名前',
      bytes_sent: 2 ** 53 + 2, bytes_received: -1, duration: 1e21, extra: { nested: [1, 'two', true, null, { deep: 1.5 }] },
      note: 'lone \ud800 surrogate', 'key\udc00': 'v', empty: '', nothing: null, infinite: JSON.parse('1e400'), tiny: -0.000001,
    };
    const { records: [got] } = await roundTrip([odd]);
    assert.ok(got);
    const attrs = attributes(got.record.attributes);
    assert.deepEqual(attrs['url.path'], str('/ünï/🦀'));
    assert.deepEqual(attrs['url.query'], str('q=日本語&x=\u0000'));
    assert.deepEqual(attrs['user_agent.original'], str('مرحبا \u202e evil'));
    assert.deepEqual(attrs['http.response.body.size'], int('9007199254740994'));
    assert.deepEqual(attrs['http.request.body.size'], int(-1));
    assert.deepEqual(attrs['redtail.duration'], { doubleValue: 1e21 }, 'a number past int64 is a double');
    assert.deepEqual(attributes(got.resource.attributes)['service.name'], str('søk'));
    const body = attributes((got.record.body as { kvlistValue: Json }).kvlistValue.values);
    assert.deepEqual(body.duration, { doubleValue: 1e21 });
    assert.deepEqual(body.bytes_sent, int('9007199254740994'));
    assert.deepEqual(body.note, str('lone \ufffd surrogate'));
    assert.deepEqual(body['key\ufffd'], str('v'));
    assert.deepEqual(body.empty, str(''));
    assert.deepEqual(body.nothing, {});
    assert.deepEqual(body.infinite, str('Infinity'));
    assert.deepEqual(body.tiny, { doubleValue: -0.000001 });
    assert.deepEqual(fromAnyValue(body.extra as Json), { nested: [1, 'two', true, null, { deep: 1.5 }] });
  });

  test('addresses: IPv6 with ports, a socket path, a bare host, a forwarded chain', async () => {
    const { records } = await roundTrip([
      { ...MINIMAL, authority: '[2001:db8::1]:8443', downstream_remote_address: '[::1]:40000', downstream_local_address: '/var/run/envoy.sock' },
      { ...MINIMAL, authority: 'shop', downstream_remote_address: '10.0.0.9:1', x_forwarded_for: '  ' },
      { ...MINIMAL, authority: 'shop:99999', protocol: 'h2c' },
    ]);
    const [v6, bare, odd] = records.map((r) => attributes(r.record.attributes));
    assert.deepEqual([v6!['server.address'], v6!['server.port'], v6!['client.address'], v6!['client.port'], v6!['network.local.address'], v6!['network.local.port']],
      [str('2001:db8::1'), int(8443), str('::1'), int(40000), str('/var/run/envoy.sock'), undefined]);
    assert.deepEqual([bare!['server.address'], bare!['server.port'], bare!['client.address'], bare!['client.port']], [str('shop'), undefined, str('10.0.0.9'), int(1)]);
    assert.deepEqual([odd!['server.address'], odd!['server.port'], odd!['network.protocol.name'], odd!['network.protocol.version']], [str('shop'), undefined, undefined, undefined]);
  });

  test('one ResourceLogs per resource, in order of appearance; records in the order given', async () => {
    const a = { service: 'a', namespace: 'x', node: 'a-1' };
    const b = { service: 'b', namespace: 'x', node: 'b-1' };
    const given = [a, b, a, { ...a, node: 'a-2' }, b].map((id, i) => ({ ...MINIMAL, ...id, request_id: `r${i}` }));
    const { request, records } = await roundTrip(given);
    const resources = (request.resourceLogs as Json[]).map((rl) => attributes((rl.resource as Json).attributes));
    assert.deepEqual(resources.map((r) => [r['service.name'], r['k8s.pod.name']]), [[str('a'), str('a-1')], [str('b'), str('b-1')], [str('a'), str('a-2')]]);
    assert.ok((request.resourceLogs as Json[]).every((rl) => (rl.scopeLogs as Json[]).length === 1));
    assert.deepEqual(records.map((r) => attributes(r.record.attributes)['redtail.request_id']), ['r0', 'r2', 'r1', 'r4', 'r3'].map(str));
  });

  test('a start time that does not parse, or before 1970: no timeUnixNano (OpenTelemetry\'s "unknown"), the record still sent', async () => {
    const { records } = await roundTrip([{ ...MINIMAL, start_time: 'yesterday' }, { ...MINIMAL, start_time: '1969-12-31T23:59:59.000Z' }, { ...MINIMAL, start_time: 7 }]);
    assert.deepEqual(records.map((r) => r.record.timeUnixNano), [undefined, undefined, undefined]);
    assert.deepEqual(records.map((r) => r.record.observedTimeUnixNano), Array(3).fill(`${OBSERVED}000000`));
  });

  test('no records: an empty request, still valid in both encodings', async () => {
    const { request } = await roundTrip([]);
    assert.deepEqual(request, {});
  });

  test('gzip: the same request, compressed, with content-encoding', async () => {
    for (const encoding of ['json', 'protobuf'] as const) {
      const plain = otlpEncoder({ encoding, now }).encode([FULL]);
      const gz = otlpEncoder({ encoding, now, compression: 'gzip' }).encode([FULL]);
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.ok(gz.body.length < plain.body.length);
      assert.equal(plain.headers['content-encoding'], undefined);
      for (const p of [plain, gz]) {
        const res = await fetch(`${receiver.url}${p.path}`, { method: 'POST', headers: p.headers, body: new Uint8Array(p.body) });
        assert.equal(res.status, 200);
      }
      assert.deepEqual(receiver.received.at(-1)!.request, receiver.received.at(-2)!.request);
    }
  });

  test('options an exporter\'s config gets wrong are refused, naming the field', () => {
    assert.throws(() => otlpEncoder({ encoding: 'xml' as 'json' }), /"otlp.encoding" must be "json" or "protobuf", got "xml"/);
    assert.throws(() => checkOtlpOptions({ encoding: 'json', compression: 'br' }, { field: 'exporters[1]' }),
      (e: Error) => e instanceof ConfigError && /"exporters\[1\].compression" must be "gzip" or "none", got "br"/.test(e.message));
    assert.throws(() => checkOtlpOptions({}, { field: 'exporters[0]' }), /"exporters\[0\].encoding" must be "json" or "protobuf", got undefined/);
    assert.throws(() => checkOtlpOptions('json'), /"otlp" must be an object/);
    assert.deepEqual(checkOtlpOptions({ encoding: 'protobuf' }), { encoding: 'protobuf', compression: undefined });
  });
});

test('a partial success, in either encoding, says how many records the receiver rejected and why; any other answer says nothing', () => {
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));
  assert.deepEqual(otlpRejected(json({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'too old' } }), 'application/json'), { records: 3, message: 'too old' });
  assert.deepEqual(otlpRejected(json({ partialSuccess: { rejectedLogRecords: 2 } }), 'application/json; charset=utf-8'), { records: 2, message: '' });
  assert.deepEqual(otlpRejected(json({ partialSuccess: { errorMessage: 'deprecated field' } }), 'application/json'), { records: 0, message: 'deprecated field' });
  // ExportLogsServiceResponse { partial_success (1) { rejected_log_records (1): 3, error_message (2): "too old" } }, written by hand.
  const message = Buffer.from('too old');
  const inner = Buffer.concat([Buffer.from([0x08, 0x03, 0x12, message.length]), message]);
  assert.deepEqual(otlpRejected(Buffer.concat([Buffer.from([0x0a, inner.length]), inner]), 'application/x-protobuf'), { records: 3, message: 'too old' });
  assert.equal(otlpRejected(Buffer.alloc(0), 'application/x-protobuf'), undefined);
  assert.equal(otlpRejected(json({}), 'application/json'), undefined);
  assert.equal(otlpRejected(json({ partialSuccess: {} }), 'application/json'), undefined);
  assert.equal(otlpRejected(Buffer.from('<html>ok</html>'), 'text/html'), undefined);
  assert.equal(otlpRejected(Buffer.from('{"partialSucc'), 'application/json'), undefined);
});
