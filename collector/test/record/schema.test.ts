// The record's schema (record/schema.ts) against the real filter: every field the filter writes,
// with every capture option on, is in the schema with the JSON type the filter gives it, so the
// two cannot drift apart. And the schema the collector serves is the one it checks records by.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Duration } from '../../../host/src/index.js';
import { startFilter } from '../../../filter/test/harness.js';
import { FIELD, FIELDS, type Field, KEPT } from '../../src/record/schema.js';
import { collector, get, ndjson, post, record } from '../helpers.js';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const UF = 0x40;

/** A value's type as the schema names it. */
function typeOf(field: Field | undefined, value: unknown): string {
  if (typeof value === 'string') return field?.type === 'time' ? 'time' : 'string';
  if (typeof value === 'number' && Number.isInteger(value)) return field?.type === 'status' ? 'status' : 'integer';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return 'object';
  return `not a record value (${JSON.stringify(value)})`;
}

test('every field the real filter writes, with every capture option on, is in the schema with the same type', async () => {
  const f = await startFilter({
    capture: { request_headers: ['content-type', 'x-note'], response_headers: ['content-type'], body: { enabled: true } },
    identity: { service: 'orders', namespace: 'shop', workload: 'orders-v1', node: 'orders-v1-7d9f' },
  });
  const jwt = `eyJhbGciOiJSUzI1NiJ9.${b64url({ iss: 'https://login.example.com/', sub: 'user-42', azp: 'web-app' })}.c2lnbmF0dXJl`;
  const verified = { filter_metadata: { 'envoy.filters.http.jwt_authn': { 'https://accounts.example': { iss: 'https://accounts.example', sub: 'svc-7', client_id: 'batch' } } } };
  const properties = {
    source: { address: '10.1.0.7:51234' },
    destination: { address: '10.1.0.9:8080' },
    upstream: { address: '10.1.0.9:8081', transport_failure_reason: 'delayed connect error: 111' },
    cluster_name: 'inbound|8080||',
    route_name: 'default',
    connection: { id: 7n, mtls: true, uri_san_peer_certificate: 'spiffe://cluster.local/ns/shop/sa/web', requested_server_name: 'orders.shop.svc', termination_details: 'client closed' },
    request: { protocol: 'HTTP/2', duration: new Duration(7_000_000n) },
    response: { flags: UF, code_details: 'upstream_reset_before_response_started{connection_failure}' },
  };
  const headers = {
    ':method': 'POST', ':path': '/api/orders?password=hunter2', ':authority': 'orders.shop:8080', ':scheme': 'http',
    'user-agent': 'curl/8.5.0', 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'contract-1', 'content-type': 'application/json',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-note': 'mail ann@example.com',
  };
  const upstream = () => ({ headers: { ':status': '503', 'content-type': 'text/plain', 'x-envoy-upstream-service-time': '5' }, body: 'no healthy upstream, ann@example.com' });
  await f.send({ headers: { ...headers, authorization: `Bearer ${jwt}` }, body: '{"password":"hunter2","email":"ann@example.com"}' }, { properties, upstream });
  await f.send({ headers: { ...headers, 'x-request-id': 'contract-2', authorization: `Bearer ${jwt}` }, body: '{"card":"4111111111111111"}' },
    { properties: { ...properties, metadata: verified }, upstream });
  const records = await f.records(2);
  await f.stop();
  const written = new Map<string, Set<string>>();
  for (const r of records) for (const [name, value] of Object.entries(r)) (written.get(name) ?? written.set(name, new Set()).get(name)!).add(typeOf(FIELD.get(name), value));
  // The options above reach every group of fields the filter writes: if one no longer does, say so.
  for (const name of ['request_body', 'response_body', 'request_headers', 'source_principal', 'unverified_jwt_subject', 'jwt_subject', 'trace_id', 'redactions', 'service']) {
    assert.ok(written.has(name), `the filter wrote no ${name}: the test no longer turns every capture option on`);
  }
  for (const [name, types] of written) {
    const field = FIELD.get(name);
    assert.ok(field, `the filter writes "${name}", which collector/src/record/schema.ts does not list: add it there`);
    assert.deepEqual([...types], [field.type], `the filter writes "${name}" as ${[...types].join(' and ')}; the schema says ${field.type}`);
  }
});

test('each schema entry is well formed: one entry a name, limits on strings, filters on kept fields', () => {
  assert.equal(new Set(FIELDS.map((f) => f.name)).size, FIELDS.length, 'each field once');
  for (const f of FIELDS) {
    if (f.type === 'string') assert.ok(Number.isInteger(f.max) && f.max! > 0, `${f.name}: a string needs its most characters`);
    if (f.filter && f.type !== 'status') assert.ok(f.kept, `${f.name}: the tail filters on the row's kept values, so a filtered field is kept`);
  }
  assert.deepEqual(new Set(FIELDS.map((f) => f.filter?.param).filter(Boolean)).size, FIELDS.filter((f) => f.filter).length, 'each parameter once');
  assert.ok(KEPT.length > 0);
});

test('GET /v1/schema answers the schema the collector checks records by, and a field\'s limit holds', async () => {
  const c = await collector();
  try {
    const answer = await get(c.url, '/v1/schema');
    assert.equal(answer.status, 200);
    const fields = (answer.json as { fields: { name: string; type: string; max?: number; filter?: { param: string } }[] }).fields;
    assert.deepEqual(fields.map((f) => f.name), FIELDS.map((f) => f.name));
    const service = fields.find((f) => f.name === 'service')!;
    assert.equal(service.filter?.param, 'service');
    // The limit served is the one enforced.
    const res = await post(c.url, ndjson([record({ service: 'x'.repeat(service.max! + 1) })]));
    assert.equal(res.status, 400);
    assert.equal((res.json as { field: string }).field, 'service');
    assert.equal((await post(c.url, ndjson([record({ service: 'x'.repeat(service.max!) })]))).status, 200);
  } finally {
    await c.stop();
  }
});
