// Shape kept, secret gone (redactor.ts): Authorization keeps its scheme, cookies their names,
// Set-Cookie its attributes, a cut body ends before the word the limit cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GET, startFilter } from '../harness.js';

test('Authorization and Proxy-Authorization keep their scheme; the credentials go, with the rule the scheme names', async () => {
  const f = await startFilter({ capture: { request_headers: ['authorization', 'proxy-authorization'] } });
  const cases = [
    ['Bearer abc.def-ghi', 'Bearer [BEARER_TOKEN]'],
    ['bearer   tok', 'bearer   [BEARER_TOKEN]'],
    ['Basic dXNlcjpwYXNz', 'Basic [BASIC_AUTH]'],
    ['Digest username="ann", realm="x", response="6629fae4"', 'Digest [SECRET_HEADER]'],
    ['AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261203/us-east-1/s3/aws4_request, Signature=fe5f80f7', 'AWS4-HMAC-SHA256 [SECRET_HEADER]'],
    ['rawtokenwithoutscheme', '[SECRET_HEADER]'],
    ['Bearer', '[SECRET_HEADER]'],
  ];
  for (let i = 0; i < cases.length; i++) {
    await f.send({ headers: { ...GET, 'x-request-id': `a${i}`, authorization: cases[i]![0]!, 'proxy-authorization': cases[i]![0]! } });
  }
  const records = await f.records(cases.length);
  cases.forEach(([, expected], i) => {
    const h = records.find((r) => r.request_id === `a${i}`)!.request_headers as Record<string, string>;
    assert.equal(h.authorization, expected);
    assert.equal(h['proxy-authorization'], expected);
  });
  await f.stop();
});

test('cookies keep their names; values go but for the names in redact.cookies_kept, which are scanned', async () => {
  const f = await startFilter({ capture: { request_headers: ['cookie'], response_headers: ['set-cookie'] }, redact: { cookies_kept: ['theme', 'lang'] } });
  await f.send({ headers: { ...GET, cookie: 'sid=S1; theme=dark;lang=en ; _ga=GA1.2.3; lone; note=ann@example.com' } }, {
    upstream: () => ({ headers: { ':status': '200', 'set-cookie': 'sid=S2; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure; SameSite=Lax' } }),
  });
  await f.send({ headers: { ...GET, 'x-request-id': 'kept', cookie: 'theme=mail bob@example.com' } });
  const records = await f.records(2);
  const r = records.find((x) => x.request_id !== 'kept')!;
  assert.equal((r.request_headers as Record<string, string>).cookie, 'sid=[SECRET_PARAM]; theme=dark;lang=en ; _ga=[SECRET_PARAM]; [SECRET_HEADER]; note=[SECRET_PARAM]');
  assert.equal((r.response_headers as Record<string, string>)['set-cookie'], 'sid=[SECRET_PARAM]; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure; SameSite=Lax');
  const kept = records.find((x) => x.request_id === 'kept')!;
  assert.equal((kept.request_headers as Record<string, string>).cookie, 'theme=mail [EMAIL_ADDRESS]');
  await f.stop();
  // Without cookies_kept, every value goes.
  const g = await startFilter({ capture: { request_headers: ['cookie'] } });
  await g.send({ headers: { ...GET, cookie: 'sid=S1; theme=dark' } });
  assert.equal(((await g.records(1))[0]!.request_headers as Record<string, string>).cookie, 'sid=[SECRET_PARAM]; theme=[SECRET_PARAM]');
  await g.stop();
});

test('a body cut at max_bytes never leaves part of a secret at the cut: a card\'s first digits, a token\'s start, an email', async () => {
  const f = await startFilter({ capture: { body: { enabled: true, max_bytes: 40 } } });
  const bodies = [
    `{"note":"pay with","card":"4111 1111 1111 1111"}`, // cut after "4111 1111 1"
    `{"note":"x","k":"ghp_${'a1B2'.repeat(9)}"}`,
    `{"a":"b","to":"carol.secret@example.net, dave@example.org"}`,
    `{"id":"order-a","card":"4111.1111.1111.1111"}`, // cut after "4111.1111.1111.1"
  ];
  for (let i = 0; i < bodies.length; i++) {
    await f.send({ headers: { ...GET, ':method': 'POST', 'x-request-id': `c${i}`, 'content-type': 'application/json' }, body: bodies[i]! });
  }
  const records = await f.records(bodies.length);
  const out = bodies.map((_, i) => String(records.find((r) => r.request_id === `c${i}`)!.request_body));
  assert.equal(out[0], '{"note":"pay with","card":"');
  assert.equal(out[1], '{"note":"x","k":"');
  assert.equal(out[2], '{"a":"b","to":"[EMAIL_ADDRESS],');
  assert.equal(out[3], '{"id":"order-a","card":"');
  for (const o of out) assert.ok(!/\d{4}/.test(o) && !o.includes('ghp') && !o.includes('dave'), o);
  await f.stop();
});
