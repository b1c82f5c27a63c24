// Secret names found inside text wherever they stand (pairs.ts): URLs inside JSON strings and
// percent-encoded inside those, form text and JSON text inside JSON strings, key: value lines,
// echoed headers as JSON keys; the whole value whatever its shape; values that are not secret
// kept, and the record valid whatever the text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodiesOf } from '../harness.js';

const json = 'application/json';
const text = 'text/plain';
const form = 'application/x-www-form-urlencoded';

test('a URL inside a JSON string, plain or percent-encoded inside another URL: its secret parameters go, the rest stays', async () => {
  const out = await bodiesOf([
    [json, '{"callback": "https://cb.example/hook?token=S1&page=2"}'],
    [json, `{"next": "/login?redirect=${encodeURIComponent('https://app/done?access_token=S2&tab=home')}"}`],
    [json, '{"u": "https:\\/\\/app\\/cb?state=xyz\\u0026code=S3"}'],
    [json, '{"link": "/a?x=1&amp;password=S4"}'],
  ]);
  assert.equal(out[0], '{"callback": "https://cb.example/hook?token=[SECRET_PARAM]&page=2"}');
  assert.equal(out[1], '{"next": "/login?redirect=https%3A%2F%2Fapp%2Fdone%3Faccess_token%3D[SECRET_PARAM]%26tab%3Dhome"}');
  assert.equal(out[2], '{"u": "https:\\/\\/app\\/cb?state=xyz\\u0026code=[SECRET_PARAM]"}');
  assert.equal(out[3], '{"link": "/a?x=1&amp;password=[SECRET_PARAM]"}');
});

test('form text and JSON text inside a JSON string, as an echoing upstream returns them', async () => {
  const inner = JSON.stringify({ user: 'ann', password: 'S1', nested: { apiKey: 'S2' } });
  const out = await bodiesOf([
    [json, '{"data": "user=ann&password=S3&remember=1"}'],
    [json, JSON.stringify({ data: inner })],
    [json, JSON.stringify({ data: JSON.stringify({ data: inner }) })],
    [json, JSON.stringify({ data: 'user: ann\napi_key=S5\nkey: S6\n\tsig=S7' })],
  ]);
  assert.equal(out[0], '{"data": "user=ann&password=[SECRET_PARAM]&remember=1"}');
  assert.equal(out[1], JSON.stringify({ data: JSON.stringify({ user: 'ann', password: '[SECRET_PARAM]', nested: { apiKey: '[SECRET_PARAM]' } }) }));
  assert.equal(out[2], JSON.stringify({ data: JSON.stringify({ data: JSON.stringify({ user: 'ann', password: '[SECRET_PARAM]', nested: { apiKey: '[SECRET_PARAM]' } }) }) }));
  assert.equal(out[3], JSON.stringify({ data: 'user: ann\napi_key=[SECRET_PARAM]\nkey: [SECRET_PARAM]\n\tsig=[SECRET_PARAM]' }), 'a line break escaped before a name is not part of it');
});

test('text bodies: key: value and key=value lines, to the end of the line or of the value', async () => {
  const out = await bodiesOf([
    [text, 'user: ann\npassword: correct horse battery\napi_key=S1 next\nmonkey: 3\r\nAuthorization: Bearer S2\n'],
    [text, 'config {password=S3, user=ann} and token = S4; done'],
    [text, "{'password': 'S5', 'user': 'ann'}"],
  ]);
  assert.equal(out[0], 'user: ann\npassword: [SECRET_PARAM]\napi_key=[SECRET_PARAM] next\nmonkey: 3\r\nAuthorization: [SECRET_PARAM]\n');
  assert.equal(out[1], 'config {password=[SECRET_PARAM], user=ann} and token = [SECRET_PARAM]; done');
  assert.equal(out[2], "{'password': '[SECRET_PARAM]', 'user': 'ann'}");
});

test('the whole value of a secret name, whatever its JSON type and whatever white space is before it', async () => {
  const out = await bodiesOf([
    [json, '{"password": ["old1", "new2"], "user": "ann"}'],
    [json, '{"credentials": {"user": "u1", "secret": "s}2", "list": [1, {"a": "]"}]}, "next": 1}'],
    [json, '{"pin": 1234, "cvv2":987,"otp" :\n  "0042"}'],
    [json, '{"password":\n\t\r\n "S1"}'],
    [json, '{"has_password": true, "password_required": false, "token": null, "secret": ""}'],
    [json, '{"data": "{\\"password\\": [\\"a\\", \\"b\\"], \\"k\\": 1}"}'],
  ]);
  assert.equal(out[0], '{"password": "[SECRET_PARAM]", "user": "ann"}', 'a value that is not a string becomes one: the JSON stays JSON');
  assert.equal(out[1], '{"credentials": "[SECRET_PARAM]", "next": 1}');
  assert.equal(out[2], '{"pin": "[SECRET_PARAM]", "cvv2":"[SECRET_PARAM]","otp" :\n  "[SECRET_PARAM]"}');
  assert.equal(out[3], '{"password":\n\t\r\n "[SECRET_PARAM]"}');
  assert.equal(out[4], '{"has_password": true, "password_required": false, "token": null, "secret": ""}', 'a boolean or null says nothing');
  assert.equal(out[5], '{"data": "{\\"password\\": \\"[SECRET_PARAM]\\", \\"k\\": 1}"}', 'quoted at the level of its key');
});

test('request headers echoed back as JSON keys, in any case', async () => {
  const out = await bodiesOf([[json, JSON.stringify({ headers: {
    Cookie: 'sid=S1; theme=dark', 'X-Api-Key': 'S2', Authorization: 'Bearer S3', 'Proxy-Authorization': 'Basic S4',
    'Set-Cookie': 'a=S5', 'X-Amz-Security-Token': 'S6', 'Content-Type': 'text/plain', 'User-Agent': 'curl/8',
  } })]]);
  const headers = (JSON.parse(out[0]!) as { headers: Record<string, string> }).headers;
  assert.deepEqual(headers, {
    Cookie: '[SECRET_PARAM]', 'X-Api-Key': '[SECRET_PARAM]', Authorization: '[SECRET_PARAM]', 'Proxy-Authorization': '[SECRET_PARAM]',
    'Set-Cookie': '[SECRET_PARAM]', 'X-Amz-Security-Token': '[SECRET_PARAM]', 'Content-Type': 'text/plain', 'User-Agent': 'curl/8',
  });
});

test('detectors see percent-decoded and JSON-unescaped text in bodies, and redact it where it was', async () => {
  const out = await bodiesOf([
    [json, '{"email": "alice%40example.com", "card": "4111%201111%201111%201111", "to": "bob\\u0040example.org"}'],
    [form, 'note=mail+carol%40example.net+now&x=1'],
    [text, 'mail%20carol%40example.net'],
  ]);
  assert.equal(out[0], '{"email": "[EMAIL_ADDRESS]", "card": "[CREDIT_CARD]", "to": "[EMAIL_ADDRESS]"}');
  assert.equal(out[1], 'note=mail+[EMAIL_ADDRESS]+now&x=1');
  assert.equal(out[2], 'mail%20[EMAIL_ADDRESS]');
});

test('a value whose encoded bytes look like its end is redacted whole: %26 in a form value, \\u0026 in JSON', async () => {
  const out = await bodiesOf([
    [form, 'password=ab%26cd%3Bef%20gh&user=ann'],
    [json, '{"q": "password=ab%26cd&user=ann"}'],
    [json, '{"q": "a=1\\u0026token=xy\\u0026b=2"}'],
  ]);
  assert.equal(out[0], 'password=[SECRET_PARAM]&user=ann');
  assert.equal(out[1], '{"q": "password=[SECRET_PARAM]&user=ann"}');
  // Over-redaction rather than a leak: the unescaped '&' is the value's own level, not a deeper one.
  assert.match(out[2]!, /^\{"q": "a=1\\u0026token=\[SECRET_PARAM\]/);
  assert.ok(!out[2]!.includes('xy'));
});

test('ordinary names and their values stay: author, token_type, expires_in, monkey, sort_key, zip_code, max_tokens', async () => {
  const body = '{"author":"Ann","token_type":"Bearer","expires_in":3600,"monkey":3,"sort_key":"k1","zip_code":"94107",' +
    '"max_tokens":256,"password_policy":"strong","session_count":4,"signatureVersion":"4","primary_key":"id","code_challenge":"E9Mel"}';
  const [out] = await bodiesOf([[json, body]]);
  assert.equal(out, body);
});

test('the record stays valid JSON for bodies that end inside a string, a bracket or an escape', async () => {
  const out = await bodiesOf([
    [json, '{"password": "unterminated'],
    [json, '{"password": ["a", "b'],
    [json, '{"password": {"a": "\\'],
    [json, '{"token":"\\\\"}, "next": "x"}'],
  ]);
  assert.equal(out[0], '{"password": "[SECRET_PARAM]');
  assert.equal(out[1], '{"password": "[SECRET_PARAM]"');
  assert.equal(out[2], '{"password": "[SECRET_PARAM]"');
  assert.equal(out[3], '{"token":"[SECRET_PARAM]"}, "next": "x"}', 'an escaped backslash does not escape the closing quote');
});
