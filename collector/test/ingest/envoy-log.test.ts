// Envoy's own JSON access log, as a producer other than the filter ships it (Fluent Bit or Vector
// tailing a sidecar's stdout): the fields of Istio's default JSON format (EnvoyJSONLogFormatIstio
// in istio/istio pilot/pkg/networking/core/accesslog.go, used with accessLogEncoding: JSON), with
// Envoy writing null for a value it does not have and numbers for the numeric operators, keys in
// the order Envoy's formatter prints them. A null in a field redtail knows is the same as the
// field left out, and stored so; fields redtail does not know are kept as they are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { readLines, readMessage } from '../../src/ingest/reader.js';
import { parseBatch } from '../../src/ingest/validate.js';
import { collector, get, post } from '../helpers.js';

const now = Date.now();
const at = (ms: number) => new Date(now - ms).toISOString();

/** Three lines as a sidecar's Envoy writes them with Istio's default JSON format. */
const ISTIO_LINES = [
  // Inbound, served by the app: no X-Forwarded-For, no transport failure, no termination details.
  `{"authority":"productpage:9080","bytes_received":0,"bytes_sent":5293,"connection_termination_details":null,"downstream_local_address":"10.244.0.11:9080","downstream_remote_address":"10.244.0.12:36794","duration":26,"method":"GET","path":"/productpage","protocol":"HTTP/1.1","request_id":"fa7b3b3e-9c1d-9a8e-b7a5-3d2f1c0e4b6a","requested_server_name":"outbound_.9080_._.productpage.default.svc.cluster.local","response_code":200,"response_code_details":"via_upstream","response_flags":"-","route_name":"default","start_time":"${at(3000)}","upstream_cluster":"inbound|9080||","upstream_host":"10.244.0.11:9080","upstream_local_address":"127.0.0.6:46401","upstream_service_time":"24","upstream_transport_failure_reason":null,"user_agent":"curl/7.81.0","x_forwarded_for":null}`,
  // Outbound, refused before any upstream: most values missing.
  `{"authority":"reviews:9080","bytes_received":0,"bytes_sent":19,"connection_termination_details":null,"downstream_local_address":"10.96.36.101:9080","downstream_remote_address":"10.244.0.11:51970","duration":0,"method":"GET","path":"/reviews/0","protocol":"HTTP/1.1","request_id":"0b2c8e3a-1f4d-9b7e-a6c5-2e1d0f9a8b7c","requested_server_name":null,"response_code":503,"response_code_details":"no_healthy_upstream","response_flags":"UH","route_name":"default","start_time":"${at(2000)}","upstream_cluster":"outbound|9080||reviews.default.svc.cluster.local","upstream_host":null,"upstream_local_address":null,"upstream_service_time":null,"upstream_transport_failure_reason":null,"user_agent":"Mozilla/5.0","x_forwarded_for":null}`,
  // A customised format (meshConfig accessLogFormat) adding operators redtail does not know.
  `{"authority":"ratings:9080","bytes_received":0,"bytes_sent":48,"connection_termination_details":null,"downstream_local_address":"10.244.0.14:9080","downstream_remote_address":"10.244.0.13:44306","duration":3,"grpc_status":null,"method":"GET","path":"/ratings/0","protocol":"HTTP/1.1","request_duration":1,"request_id":"7d3e2f1a-0b9c-8d7e-6f5a-4b3c2d1e0f9a","requested_server_name":"outbound_.9080_._.ratings.default.svc.cluster.local","response_code":200,"response_code_details":"via_upstream","response_duration":3,"response_flags":"-","route_name":null,"start_time":"${at(1000)}","upstream_cluster":"inbound|9080||","upstream_host":"10.244.0.14:9080","upstream_local_address":"127.0.0.6:50321","upstream_request_attempt_count":1,"upstream_service_time":"2","upstream_transport_failure_reason":null,"user_agent":"Envoy/HC","x_forwarded_for":"203.0.113.7"}`,
];

/** What each line is stored as: the same record without its known fields that were null. */
const KNOWN = ['authority', 'bytes_received', 'bytes_sent', 'connection_termination_details', 'downstream_local_address', 'downstream_remote_address',
  'duration', 'method', 'path', 'protocol', 'request_id', 'requested_server_name', 'response_code_details', 'response_flags', 'route_name',
  'upstream_cluster', 'upstream_host', 'upstream_local_address', 'upstream_service_time', 'upstream_transport_failure_reason', 'user_agent', 'x_forwarded_for'];
const stored = (line: string) => Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).filter(([k, v]) => !(v === null && KNOWN.includes(k))));

test('lines of Envoy\'s JSON access log in Istio\'s default format are taken, over HTTP and WebSocket; null is stored as absent, unknown fields as they are', async (t) => {
  const c = await collector();
  t.after(() => c.stop());
  const ndjson = `${ISTIO_LINES.join('\n')}\n`;
  const res = await post(c.url, ndjson, { 'x-redtail-batch': 'fluent-bit/1' });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.stored, 3);
  const records = (await get(c.url, '/v1/logs')).json.records as Record<string, unknown>[];
  assert.deepEqual(records, ISTIO_LINES.map(stored).reverse());
  assert.equal(records[0]!.grpc_status, null, 'a field redtail does not know keeps its null');
  assert.equal(records[0]!.upstream_request_attempt_count, 1);
  assert.ok(!('x_forwarded_for' in records[1]!) && !('upstream_host' in records[1]!), 'null known fields are absent');
  // Filters treat a null as absent too, and find the rest.
  assert.deepEqual(((await get(c.url, '/v1/logs?status=5xx')).json.records as { request_id: string }[]).map((r) => r.request_id), ['0b2c8e3a-1f4d-9b7e-a6c5-2e1d0f9a8b7c']);
  const found = await get(c.url, '/v1/logs?q=203.0.113.7');
  // The collector's own log says why, should a block have been skipped as unreadable.
  assert.equal((found.json.records as unknown[]).length, 1, JSON.stringify({ answer: found.json, logs: c.logs }));

  const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/stream`);
  await new Promise((r) => ws.once('open', r));
  ws.send(`{"batch":"vector/1","records":[${ISTIO_LINES.join(',')}]}`);
  const answer = JSON.parse(String(await new Promise((r) => ws.once('message', r)))) as Record<string, unknown>;
  assert.deepEqual(answer, { ack: 'vector/1', stored: 3, duplicate: false });
  ws.close();
});

test('a null in every optional field is absent, in the fast reader and the general way alike; a null start_time or response_code is still refused', () => {
  const limits = { maxRecords: 10, maxRecordBytes: 65536 };
  const fields = ['method', 'path', 'service', 'request_id', 'trace_id', 'bytes_sent', 'duration', 'request_headers', 'redactions', 'request_body'];
  const text = `${fields.map((f, i) => `{"start_time":"${at(i)}","response_code":200,"${f}":null,"other":null}`).join('\n')}\n`;
  const general = parseBatch(text, limits);
  const fast = readLines(Buffer.from(text), limits)!;
  for (const read of [general, fast]) {
    assert.deepEqual(read.rows.map((r) => JSON.parse(r.json) as Record<string, unknown>), fields.map((_, i) => ({ start_time: at(i), response_code: 200, other: null })));
    assert.ok(read.rows.every((r) => r.service === null && r.method === null && r.requestId === null));
  }
  const message = readMessage(Buffer.from(`{"batch":"n/1","records":[${text.trim().split('\n').join(',')}]}`), limits)!.records();
  assert.equal(message.rows.length, fields.length);
  assert.throws(() => parseBatch(`{"start_time":null,"response_code":200}`, limits), /"start_time" must be an ISO 8601 time/);
  assert.throws(() => parseBatch(`{"start_time":"${at(0)}","response_code":null}`, limits), /"response_code" must be an integer/);
});
