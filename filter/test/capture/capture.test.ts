// The record: Istio's access-log field names from headers and Envoy properties, trace ids,
// identity, captured headers and bodies, and records for local replies and resets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statSync } from 'node:fs';
import { Duration, HeaderMap, type PropertyMap } from '../../../host/src/index.js';
import { GET, startFilter } from '../harness.js';

const T0 = 1_795_823_999_123_000_000n; // 2026-11-27T23:59:59.123Z
const envoyProperties = {
  source: { address: '10.1.0.7:51234' },
  destination: { address: '10.1.0.9:8080' },
  upstream: { address: '10.1.0.9:8081', local_address: '127.0.0.6:40211' },
  cluster_name: 'inbound|8080||',
  route_name: 'default',
  connection: { requested_server_name: 'outbound_.8080_._.orders.shop.svc.cluster.local' },
  request: { protocol: 'HTTP/2', duration: new Duration(7_000_000n) },
  response: { flags: 0, code_details: 'via_upstream' },
};

test('a record has Istio\'s access-log fields, from headers and Envoy properties', async () => {
  const f = await startFilter({ capture: { request_headers: ['content-type'], response_headers: ['content-type', 'content-length'] } }, {
    properties: { node: { metadata: { NAMESPACE: 'shop', WORKLOAD_NAME: 'orders-v1', NAME: 'orders-v1-7d9f-x2x', LABELS: { app: 'orders-app', 'service.istio.io/canonical-name': 'orders' } } } },
  });
  await f.send({
    headers: {
      ':method': 'POST', ':path': '/api/orders?page=2', ':authority': 'orders.shop:8080', ':scheme': 'http',
      'user-agent': 'curl/8.5.0', 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'req-1', 'content-type': 'application/json',
    },
    body: '{"item":42}',
  }, {
    properties: envoyProperties,
    upstream: () => ({ headers: { ':status': '201', 'content-type': 'application/json', 'content-length': '9', 'x-envoy-upstream-service-time': '5' }, body: '{"id":99}' }),
  });
  const [r] = await f.records(1);
  const { start_time, duration, ...rest } = r!;
  assert.match(String(start_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(String(start_time)) - Date.now()) < 5000);
  assert.equal(typeof duration, 'number');
  assert.deepEqual(rest, {
    method: 'POST', path: '/api/orders?page=2', protocol: 'HTTP/2', response_code: 201, response_flags: '-',
    response_code_details: 'via_upstream', bytes_received: 11, bytes_sent: 9, upstream_service_time: '5',
    x_forwarded_for: '203.0.113.7', user_agent: 'curl/8.5.0', request_id: 'req-1', authority: 'orders.shop:8080',
    upstream_host: '10.1.0.9:8081', upstream_cluster: 'inbound|8080||',
    downstream_local_address: '10.1.0.9:8080', downstream_remote_address: '10.1.0.7:51234',
    requested_server_name: 'outbound_.8080_._.orders.shop.svc.cluster.local', route_name: 'default',
    service: 'orders', namespace: 'shop', workload: 'orders-v1', node: 'orders-v1-7d9f-x2x',
    request_headers: { 'content-type': 'application/json' },
    response_headers: { 'content-type': 'application/json', 'content-length': '9' },
  });
  await f.stop();
});

test('start_time is the request\'s start by the proxy\'s clock, in ISO 8601 UTC with milliseconds', async () => {
  const f = await startFilter({}, { host: { now: () => T0 } });
  await f.send({ headers: GET });
  const [r] = await f.records(1);
  assert.equal(r!.start_time, '2026-11-27T23:59:59.123Z');
  assert.equal(r!.duration, 0);
  await f.stop();
});

test('start_time is right across seconds and days, the clock going back included', async () => {
  let now = T0;
  const f = await startFilter({}, { host: { now: () => now } });
  const at: [bigint, string][] = [
    [T0 + 877_000_000n, '2026-11-28T00:00:00.000Z'],
    [T0 - 123_000_001n, '2026-11-27T23:59:58.999Z'],
    [T0 + 1_753_999_999n, '2026-11-28T00:00:00.876Z'],
    [T0 + 86_400_000_000_000n * 400n, '2028-01-01T23:59:59.123Z'],
    [0n, '1970-01-01T00:00:00.000Z'],
  ];
  for (const [t, iso] of at) {
    now = t;
    await f.send({ headers: { ...GET, 'x-request-id': iso } });
  }
  const records = await f.records(at.length);
  for (const [, iso] of at) assert.equal(records.find((r) => r.request_id === iso)!.start_time, iso);
  await f.stop();
});

test('trace ids from traceparent, else B3 headers, else the single b3 header; lower-case hex', async () => {
  const f = await startFilter({});
  await f.send({ headers: { ...GET, 'x-request-id': 'w3c', traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01' } });
  await f.send({ headers: { ...GET, 'x-request-id': 'b3m', 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1' } });
  await f.send({ headers: { ...GET, 'x-request-id': 'b3s', b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90' } });
  await f.send({ headers: { ...GET, 'x-request-id': 'bad', traceparent: '00-not-hex-at-all-01' } });
  const records = await f.records(4);
  const by = (id: string) => records.find((r) => r.request_id === id)!;
  assert.deepEqual([by('w3c').trace_id, by('w3c').span_id], ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7']);
  assert.deepEqual([by('b3m').trace_id, by('b3m').span_id], ['80f198ee56343ba864fe8b2a57d3eff7', 'e457b5a2e4d86bd1']);
  assert.deepEqual([by('b3s').trace_id, by('b3s').span_id], ['80f198ee56343ba864fe8b2a57d3eff7', 'e457b5a2e4d86bd1']);
  assert.equal(by('bad').trace_id, undefined);
  await f.stop();
});

test('a trace or span id with one byte that is not hex anywhere in it is no id', async () => {
  const f = await startFilter({});
  const good = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  // Next to the hex digits: G g ` @ / : [ { and a byte from 0x80; at the start, middle and end of each id.
  const cases: string[] = [];
  for (const bad of ['G', 'g', '`', '@', '/', ':', '[', '{', '\u00e9']) {
    for (const at of [3, 18, 34, 36, 44, 51]) cases.push(good.slice(0, at) + bad + good.slice(at + 1));
  }
  for (const [i, traceparent] of cases.entries()) await f.send({ headers: { ...GET, 'x-request-id': `c${i}`, traceparent } });
  await f.send({ headers: { ...GET, 'x-request-id': 'upper', traceparent: good.toUpperCase() } });
  const records = await f.records(cases.length + 1);
  for (const r of records) {
    if (r.request_id === 'upper') assert.deepEqual([r.trace_id, r.span_id], ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7']);
    else assert.deepEqual([r.trace_id, r.span_id], [undefined, undefined], String(r.request_id));
  }
  await f.stop();
});

test('identity: the configuration wins over node metadata; app label and workload are fallbacks', async () => {
  const node = (labels: PropertyMap): PropertyMap => ({ node: { metadata: { NAMESPACE: 'ns1', WORKLOAD_NAME: 'wl1', NAME: 'pod1', LABELS: labels } } });
  const cases: [object, PropertyMap, object][] = [
    [{}, node({ app: 'by-app' }), { service: 'by-app', namespace: 'ns1', workload: 'wl1', node: 'pod1' }],
    [{}, node({}), { service: 'wl1', namespace: 'ns1', workload: 'wl1', node: 'pod1' }],
    [{ identity: { service: 'payments', namespace: 'prod' } }, node({ app: 'x' }), { service: 'payments', namespace: 'prod', workload: 'wl1', node: 'pod1' }],
    [{ identity: { service: 'vm-svc', node: 'vm-17' } }, {}, { service: 'vm-svc', node: 'vm-17' }],
  ];
  for (const [config, properties, expected] of cases) {
    const f = await startFilter(config, { properties });
    await f.send({ headers: GET });
    const [r] = await f.records(1);
    const got = Object.fromEntries(['service', 'namespace', 'workload', 'node'].filter((k) => k in r!).map((k) => [k, r![k]]));
    assert.deepEqual(got, expected);
    await f.stop();
  }
});

test('local replies and resets are recorded, with Envoy\'s response flags as short codes', async () => {
  const f = await startFilter({});
  const UF = 0x20;
  const URX = 0x8000;
  const DC = 0x4000;
  const NR = 0x100;
  await f.send({ headers: { ...GET, 'x-request-id': 'no-route' } }, {
    properties: { response: { flags: NR, code_details: 'route_not_found' } },
    upstream: () => ({ headers: { ':status': '404' } }),
  });
  await f.send({ headers: { ...GET, 'x-request-id': 'upstream-down' } }, {
    properties: { response: { flags: UF | URX, code_details: 'upstream_reset_before_response_started{connection_failure}' },
      upstream: { transport_failure_reason: 'delayed connect error: 111' } },
    upstream: () => ({ headers: { ':status': '503' }, body: 'no healthy upstream' }),
  });
  await f.send({ headers: { ...GET, 'x-request-id': 'client-gone' } }, {
    resetAfter: 'request-headers',
    properties: { response: { flags: DC, code_details: 'downstream_remote_disconnect' }, connection: { termination_details: 'client closed' } },
  });
  const records = await f.records(3);
  const by = (id: string) => records.find((r) => r.request_id === id)!;
  assert.deepEqual([by('no-route').response_code, by('no-route').response_flags, by('no-route').response_code_details], [404, 'NR', 'route_not_found']);
  assert.deepEqual([by('upstream-down').response_code, by('upstream-down').response_flags], [503, 'UF,URX']);
  assert.equal(by('upstream-down').upstream_transport_failure_reason, 'delayed connect error: 111');
  assert.deepEqual([by('client-gone').response_code, by('client-gone').response_flags], [0, 'DC']);
  assert.equal(by('client-gone').connection_termination_details, 'client closed');
  await f.stop();
});

test('sampling keeps every error, samples successes by request id, the same way on every sidecar', async () => {
  const a = await startFilter({ sampling: { success_rate: 0.5 } });
  const b = await startFilter({ sampling: { success_rate: 0.5 } });
  const N = 200;
  for (const f of [a, b]) {
    for (let i = 0; i < N; i++) {
      const status = i % 10 === 0 ? '500' : '200';
      await f.send({ headers: { ...GET, 'x-request-id': `id-${i}` } }, { upstream: () => ({ headers: { ':status': status } }) });
    }
    await f.send({ headers: { ...GET, 'x-request-id': 'last-404' } }, { upstream: () => ({ headers: { ':status': '404' } }) });
  }
  await a.records(1);
  await new Promise((r) => setTimeout(r, 100));
  const keptA = a.collector.records().map((r) => r.request_id).sort();
  const keptB = b.collector.records().map((r) => r.request_id).sort();
  assert.deepEqual(keptA, keptB, 'two sidecars keep the same requests');
  for (let i = 0; i < N; i += 10) assert.ok(keptA.includes(`id-${i}`), `the 5xx id-${i} is kept`);
  assert.ok(keptA.includes('last-404'));
  const successes = keptA.filter((id) => Number(String(id).slice(3)) % 10 !== 0 && id !== 'last-404').length;
  assert.ok(successes > 0.35 * 180 && successes < 0.65 * 180, `about half of 180 successes kept, got ${successes}`);
  assert.match(a.host.metrics.prometheus(), new RegExp(`^redtail_records_sampled_out ${180 - successes}$`, 'm'));
  await a.stop();
  await b.stop();
});

test('body excerpts: only when enabled, only listed content types, cut at max_bytes before the word the limit cuts', async () => {
  const f = await startFilter({ capture: { body: { enabled: true, max_bytes: 8, content_types: ['text/plain'] } } });
  await f.send({ headers: { ...GET, ':method': 'POST', 'x-request-id': 'txt', 'content-type': 'text/plain; charset=utf-8' }, body: ['ab c', 'd efghi'] });
  await f.send({ headers: { ...GET, ':method': 'POST', 'x-request-id': 'bin', 'content-type': 'application/octet-stream' }, body: 'raw-bytes' });
  const records = await f.records(2);
  assert.equal(records.find((r) => r.request_id === 'txt')!.request_body, 'ab cd ');
  assert.equal(records.find((r) => r.request_id === 'txt')!.bytes_received, 11);
  assert.equal(records.find((r) => r.request_id === 'bin')!.request_body, undefined);
  await f.stop();
  const off = await startFilter({});
  await off.send({ headers: { ...GET, ':method': 'POST', 'content-type': 'application/json' }, body: '{"a":1}' });
  assert.equal((await off.records(1))[0]!.request_body, undefined, 'off by default');
  await off.stop();
});

test('values of a connection are read once per connection.id and still redacted in every record', async () => {
  const f = await startFilter({ redact: { rules: { IP_ADDRESS: 'mask' } } }, { host: { profileCalls: true } });
  const on = (id: bigint, remote: string) => ({ connection: { id, requested_server_name: 'mail bob@example.com' }, source: { address: remote }, request: { protocol: 'HTTP/2' } });
  for (let i = 0; i < 3; i++) await f.send({ headers: { ...GET, 'x-request-id': `a${i}` } }, { properties: on(1n, '10.0.0.1:1111') });
  await f.send({ headers: { ...GET, 'x-request-id': 'b0' } }, { properties: on(2n, '10.0.0.2:2222') });
  const records = await f.records(4);
  for (const r of records) {
    assert.equal(r.downstream_remote_address, '[IP_ADDRESS]:' + (String(r.request_id).startsWith('a') ? '1111' : '2222'));
    assert.equal(r.requested_server_name, 'mail [EMAIL_ADDRESS]');
    assert.deepEqual(r.redactions, { EMAIL_ADDRESS: 1, IP_ADDRESS: 1 }, 'counted in every record, cached or not');
  }
  const reads = f.host.callStats!.get('proxy_get_property')!.calls;
  // At configure, 5 reads of node metadata for the identity. Per request: connection.id, response
  // flags and details, upstream host, cluster, route (6); plus the 5 connection values (protocol,
  // addresses, server name, peer certificate's URI SAN) on the first request of each of the 2
  // connections.
  assert.equal(reads, 5 + 4 * 6 + 2 * 5);
  await f.stop();
});

test('a value repeated from request to request is written and counted as the first time, and a changed one afresh', async () => {
  const f = await startFilter({ capture: { request_headers: ['x-note'] } });
  const headers = (i: number, agent: string, note: string) => ({ ...GET, 'x-request-id': `r${i}`, 'user-agent': agent, 'x-note': note });
  const sent: [string, string][] = [['bot bob@example.com', 'mail alice@example.org'], ['bot bob@example.com', 'mail alice@example.org'],
    ['curl/8.5.0', 'mail alice@example.org'], ['bot bob@example.com', 'plain'], ['bot bob@example.com', 'plain']];
  for (let i = 0; i < sent.length; i++) await f.send({ headers: headers(i, ...sent[i]!) });
  const records = await f.records(sent.length);
  const by = (i: number) => records.find((r) => r.request_id === `r${i}`)!;
  for (const i of [0, 1, 3, 4]) assert.equal(by(i).user_agent, 'bot [EMAIL_ADDRESS]', `record ${i}`);
  assert.equal(by(2).user_agent, 'curl/8.5.0');
  for (const i of [0, 1, 2]) assert.equal((by(i).request_headers as Record<string, string>)['x-note'], 'mail [EMAIL_ADDRESS]', `record ${i}`);
  for (const i of [3, 4]) assert.equal((by(i).request_headers as Record<string, string>)['x-note'], 'plain');
  assert.deepEqual(by(0).redactions, { EMAIL_ADDRESS: 2 });
  assert.deepEqual(by(1).redactions, { EMAIL_ADDRESS: 2 }, 'counted again when repeated');
  assert.deepEqual(by(2).redactions, { EMAIL_ADDRESS: 1 });
  assert.deepEqual(by(4).redactions, { EMAIL_ADDRESS: 1 });
  await f.stop();
});

test('build/filter.wasm stays under 100 KiB', () => {
  assert.ok(statSync(new URL('../../../../build/filter.wasm', import.meta.url)).size < 100 * 1024);
});

test('allow-listed header names match in any case, and only as written otherwise (x-a^b is not x-a~b)', async () => {
  const long = 'x-' + 'long'.repeat(30); // 122 bytes: names up to 128 are allowed
  const f = await startFilter({ capture: { request_headers: ['x-a^b', 'x-long-header-name', 'user-agent', long] } });
  await f.send({ headers: HeaderMap.fromPairs([...Object.entries(GET), ['x-request-id', 'tilde'], ['x-a~b', 'no'], ['X-Long-Header-NAME', 'yes']] as [string, string][]) });
  await f.send({ headers: HeaderMap.fromPairs([...Object.entries(GET), ['x-request-id', 'caret'], ['X-A^B', 'yes'], ['User-Agent', 'curl/8'], [long.toUpperCase(), 'long']] as [string, string][]) });
  const records = await f.records(2);
  const by = (id: string) => records.find((r) => r.request_id === id) as { request_headers?: Record<string, string>; user_agent?: string };
  assert.deepEqual(by('tilde').request_headers, { 'x-long-header-name': 'yes' });
  assert.deepEqual(by('caret').request_headers, { 'x-a^b': 'yes', 'user-agent': 'curl/8', [long]: 'long' });
  assert.equal(by('caret').user_agent, 'curl/8', 'a name both read for the record and allow-listed goes to both');
  await f.stop();
});

test('each stream keeps its own state while others come and go, even one open across 1,100 later streams', async () => {
  const f = await startFilter({ flush: { max_records: 10000 } });
  const headers = (id: string) => HeaderMap.fromPairs([...Object.entries(GET), ['x-request-id', id]] as [string, string][]);
  const response = HeaderMap.fromPairs([[':status', '200']]);
  // The long one: its context id's slot is taken again 1,024 streams later.
  const long = f.plugin.newStream();
  long.onRequestHeaders(headers('long'), false);
  long.onRequestBody(new Uint8Array(7), true);
  // Pairs of interleaved streams, each with a body of its own size.
  for (let i = 0; i < 550; i++) {
    const a = f.plugin.newStream();
    const b = f.plugin.newStream();
    a.onRequestHeaders(headers(`a${i}`), false);
    b.onRequestHeaders(headers(`b${i}`), false);
    b.onRequestBody(new Uint8Array(i % 50), true);
    a.onRequestBody(new Uint8Array(100 + (i % 50)), true);
    b.onResponseHeaders(response, true);
    a.onResponseHeaders(response, true);
    b.finish();
    a.finish();
  }
  long.onResponseHeaders(response, true);
  long.finish();
  const records = await f.records(1101, 10000);
  const sizes = new Map(records.map((r) => [r.request_id, r.bytes_received]));
  assert.equal(sizes.get('long'), 7);
  for (let i = 0; i < 550; i++) {
    assert.equal(sizes.get(`a${i}`), 100 + (i % 50));
    assert.equal(sizes.get(`b${i}`), i % 50);
  }
  await f.stop();
});
