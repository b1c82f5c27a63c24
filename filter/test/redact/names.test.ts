// Secret names by their words (names.ts), in every place a name stands: the query, a URL
// header (referer), form fields, JSON keys, text lines and the names of captured headers; the
// names that only describe a secret, or are ordinary words, keep their values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodiesOf, GET, startFilter } from '../harness.js';

/** Names that hold a secret word, as services spell them. */
const SECRET_NAMES = [
  'auth_token', 'authToken', 'accessToken', 'refreshToken', 'sessionToken', 'oauth_token', 'client-secret', 'clientSecret', 'api-key',
  'secret_key', 'privateKey', 'passphrase', 'new_password', 'password_confirmation', 'current_password', 'credential', 'credentials',
  'card_number', 'cardNumber', 'cvv2', 'jsessionid', 'JSESSIONID', 'PHPSESSID', 'user[password]', 'X-Goog-Signature', 'AWSAccessKeyId',
  'Signature', 'sig', 'x-amz-credential', 'session_state', 'csrftoken', 'XSRF-TOKEN', 'pwd', 'PIN', 'otp', 'ssn', 'key', 'code',
  'code_verifier', 'AccountKey', 'connect.sid', 'id_token', 'tokens', 'refresh_tokens', 'Authorization', 'cookie', 'x-api-key',
];
/** Names that do not, or only describe one. */
const PLAIN_NAMES = [
  'author', 'token_type', 'expires_in', 'monkey', 'sort_key', 'key_id', 'zip_code', 'status_code', 'max_tokens', 'total_tokens',
  'password_policy', 'session_count', 'signatureVersion', 'client_id', 'state', 'nonce', 'code_challenge', 'page', 'design', 'passenger',
  'keyboard', 'pinned', 'assessment', 'authority',
];

test('query parameters: a name holding a secret word has its value replaced, its name kept; the rest stay', async () => {
  const f = await startFilter({ capture: { request_headers: ['referer'] } });
  const all = [...SECRET_NAMES, ...PLAIN_NAMES];
  const query = all.map((n, i) => `${encodeURIComponent(n)}=v${i}`).join('&');
  await f.send({ headers: { ...GET, ':path': `/x?${query}`, referer: `https://app.example/back?${query}` } });
  const [r] = await f.records(1);
  const expected = all.map((n, i) => `${encodeURIComponent(n)}=${i < SECRET_NAMES.length ? '[SECRET_PARAM]' : `v${i}`}`).join('&');
  assert.equal(r!.path, `/x?${expected}`);
  assert.equal((r!.request_headers as Record<string, string>).referer, `https://app.example/back?${expected}`);
  await f.stop();
});

test('the same names as form fields, JSON keys and key: value lines', async () => {
  const all = [...SECRET_NAMES, ...PLAIN_NAMES];
  const value = (i: number) => (i < SECRET_NAMES.length ? '[SECRET_PARAM]' : `v${i}`);
  const [formOut, jsonOut, textOut] = await bodiesOf([
    ['application/x-www-form-urlencoded', all.map((n, i) => `${encodeURIComponent(n)}=v${i}`).join('&')],
    ['application/json', JSON.stringify(Object.fromEntries(all.map((n, i) => [n, `v${i}`])))],
    ['text/plain', all.map((n, i) => `${n}: v${i}`).join('\n')],
  ]);
  assert.equal(formOut, all.map((n, i) => `${encodeURIComponent(n)}=${value(i)}`).join('&'));
  assert.deepEqual(JSON.parse(jsonOut!), Object.fromEntries(all.map((n, i) => [n, value(i)])));
  assert.equal(textOut, all.map((n, i) => `${n}: ${value(i)}`).join('\n'));
});

test('names percent-encoded, and path parameters: user%5Bpassword%5D, ;jsessionid=', async () => {
  const f = await startFilter({});
  await f.send({ headers: { ...GET, ':path': '/shop;jsessionid=AB12CD/cart?user%5Bpassword%5D=v1&user%5Bname%5D=ann' } });
  const [r] = await f.records(1);
  assert.equal(r!.path, '/shop;jsessionid=[SECRET_PARAM]/cart?user%5Bpassword%5D=[SECRET_PARAM]&user%5Bname%5D=ann');
  await f.stop();
});

test('captured headers named like a secret are replaced whole; their names come from the same rule', async () => {
  const names = ['private-token', 'x-gitlab-token', 'x-shopify-access-token', 'x-auth-key', 'x-client-secret', 'x-password', 'api-token', 'x-token'];
  const f = await startFilter({ capture: { request_headers: [...names, 'x-session-count', 'x-request-start'] } });
  await f.send({ headers: { ...GET, ...Object.fromEntries(names.map((n) => [n, `v-${n}`])), 'x-session-count': '3', 'x-request-start': 't=1' } });
  const [r] = await f.records(1);
  assert.deepEqual(r!.request_headers, { ...Object.fromEntries(names.map((n) => [n, '[SECRET_HEADER]'])), 'x-session-count': '3', 'x-request-start': 't=1' });
  await f.stop();
});

test('names the configuration adds are secret as written, in every place, and only whole', async () => {
  const config = { redact: { query_params: ['k', 'tenantcode'], headers: ['x-internal'] }, capture: { request_headers: ['x-internal', 'x-note'] } };
  const f = await startFilter(config);
  await f.send({ headers: { ...GET, ':path': '/?k=1&kk=2&tenantcode=3&x-internal=4', 'x-internal': 'h', 'x-note': 'tenantcode=6; k=5, ak=7' } });
  const [r] = await f.records(1);
  assert.equal(r!.path, '/?k=[SECRET_PARAM]&kk=2&tenantcode=[SECRET_PARAM]&x-internal=[SECRET_PARAM]');
  assert.deepEqual(r!.request_headers, { 'x-internal': '[SECRET_HEADER]', 'x-note': 'tenantcode=[SECRET_PARAM]; k=[SECRET_PARAM], ak=7' });
  await f.stop();
});
