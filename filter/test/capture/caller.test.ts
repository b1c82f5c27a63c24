// Who called (caller.ts, capture.ts): the mTLS peer's URI SAN, and a bearer JWT's issuer, subject
// and client, verified when Envoy's jwt_authn left them in the metadata, else read from the
// token and named unverified; never the token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GET, startFilter } from '../harness.js';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (payload: unknown) => `eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.${b64url(payload)}.c2lnbmF0dXJlLXZhbHVl`;

test('unverified claims from a bearer JWT: issuer, subject and client (azp, else client_id), never the token', async () => {
  const f = await startFilter({});
  const tokens = [
    jwt({ iss: 'https://login.example.com/', sub: 'user-42', azp: 'web-app', client_id: 'ignored', aud: 'api', exp: 1, nested: { sub: 'x' } }),
    jwt({ iss: 'https:\/\/issuer.example', sub: 'm\u00fcller', client_id: 'cli', scope: 'a b' }),
    jwt({ sub: 'ann@example.com' }),
  ];
  // JSON.stringify never writes \/ or \u escapes: write one payload by hand to have them.
  tokens.push(`eyJhbGciOiJIUzI1NiJ9.${Buffer.from('{"iss":"https:\\/\\/id.example\\/","sub":"caf\\u00e9 \\ud83d\\ude00"}').toString('base64url')}.c2ln`);
  for (let i = 0; i < tokens.length; i++) await f.send({ headers: { ...GET, 'x-request-id': `t${i}`, authorization: `Bearer ${tokens[i]}` } });
  const records = await f.records(tokens.length);
  const by = (i: number) => records.find((r) => r.request_id === `t${i}`)!;
  assert.equal(by(0).unverified_jwt_issuer, 'https://login.example.com/');
  assert.equal(by(0).unverified_jwt_subject, 'user-42');
  assert.equal(by(0).unverified_jwt_client_id, 'web-app');
  assert.equal(by(0).jwt_subject, undefined, 'nothing is called verified that was not');
  assert.equal(by(1).unverified_jwt_subject, 'müller');
  assert.equal(by(1).unverified_jwt_client_id, 'cli');
  assert.equal(by(2).unverified_jwt_subject, '[EMAIL_ADDRESS]', 'claims are redacted like any value');
  assert.equal(by(3).unverified_jwt_issuer, 'https://id.example/');
  assert.equal(by(3).unverified_jwt_subject, 'café 😀');
  const shipped = f.collector.batches.map((b) => b.raw).join('\n');
  for (const t of tokens) {
    assert.ok(!shipped.includes(t.split('.')[1]!), 'no part of the token is written');
  }
  await f.stop();
});

test('verified claims from jwt_authn\'s metadata are preferred, and named as verified', async () => {
  const f = await startFilter({});
  const metadata = { filter_metadata: { 'envoy.filters.http.jwt_authn': { 'https://accounts.example': { iss: 'https://accounts.example', sub: 'svc-7', client_id: 'batch' } } } };
  await f.send({ headers: { ...GET, authorization: `Bearer ${jwt({ iss: 'forged', sub: 'forged' })}` } }, { properties: { metadata } });
  const [r] = await f.records(1);
  assert.equal(r!.jwt_issuer, 'https://accounts.example');
  assert.equal(r!.jwt_subject, 'svc-7');
  assert.equal(r!.jwt_client_id, 'batch');
  assert.equal(r!.unverified_jwt_subject, undefined);
  await f.stop();
});

test('tokens that are not JWTs, or not well formed, give no claims and no trouble', async () => {
  const f = await startFilter({});
  const values = ['Bearer opaque-token-123456', 'Basic dXNlcjpwYXNz', 'Bearer eyJ', 'Bearer eyJhbGciOi.%%%.sig', `Bearer eyJx.${b64url('not json')}.s`,
    `Bearer eyJx.${Buffer.from('{"sub": "unterminated').toString('base64url')}.s`, `Bearer eyJx.${b64url({ sub: 42, iss: ['a'] })}.s`, 'bearer'];
  for (let i = 0; i < values.length; i++) await f.send({ headers: { ...GET, 'x-request-id': `v${i}`, authorization: values[i]! } });
  const records = await f.records(values.length);
  for (const r of records) assert.deepEqual(Object.keys(r).filter((k) => k.includes('jwt')), [], String(r.request_id));
  await f.stop();
});

test('the mTLS peer\'s URI SAN (the SPIFFE id Istio sets) is the record\'s source_principal', async () => {
  const f = await startFilter({});
  const spiffe = 'spiffe://cluster.local/ns/shop/sa/checkout';
  await f.send({ headers: GET }, { properties: { connection: { id: 9n, uri_san_peer_certificate: spiffe, mtls: true } } });
  await f.send({ headers: GET }, { properties: { connection: { id: 10n } } });
  const records = await f.records(2);
  assert.deepEqual(records.map((r) => r.source_principal).sort(), [spiffe, undefined]);
  await f.stop();
});
