// Where real services leak secrets, found when the redaction was attacked as a careless service
// and a hostile client would: each test is one shape, the smallest input that shows it, with what
// must be stored. Secrets that must not reach storage first, then ordinary values that must stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodiesOf, GET, startFilter } from '../harness.js';

const json = 'application/json';
const text = 'text/plain';

/** What the default configuration stores for one request's path and headers. */
async function recordOf(headers: Record<string, string>, config: object = {}): Promise<Record<string, unknown>> {
  const f = await startFilter(config);
  try {
    await f.send({ headers: { ...GET, 'x-request-id': 'attack', ...headers } });
    const [record] = await f.records(1);
    return record!;
  } finally {
    await f.stop();
  }
}

/** Each body through the filter, compared with what should be stored: every case in one diff. */
async function expectBodies(cases: [string, string, string][], config: object = {}): Promise<void> {
  const out = await bodiesOf(cases.map(([type, body]) => [type, body]), config);
  assert.deepEqual(out, cases.map(([, , expected]) => expected));
}

test('a card number followed by more digits (expiry, CVC, a second card) is found, not dropped whole', async () => {
  await expectBodies([
    [text, 'card 4111 1111 1111 1111 12/27 cvc 123', 'card [CREDIT_CARD] 12/27 cvc 123'],
    [text, 'card 4111111111111111 123', 'card [CREDIT_CARD] 123'],
    [text, 'cards 4111 1111 1111 1111 5500 0000 0000 0004', 'cards [CREDIT_CARD] [CREDIT_CARD]'],
    [json, '{"pan":"4111-1111-1111-1111-123"}', '{"pan":"[CREDIT_CARD]-123"}'],
  ]);
});

test('a card number followed by more digits, in the default configuration (no body capture): the path and the user agent', async () => {
  const r = await recordOf({ ':path': '/pay?c=4111111111111111%20123', 'user-agent': 'agent card=4111 1111 1111 1111 12/27' });
  assert.deepEqual({ path: r.path, user_agent: r.user_agent }, { path: '/pay?c=[CREDIT_CARD]%20123', user_agent: 'agent card=[CREDIT_CARD] 12/27' });
});

test("a URL's password is redacted whole when it holds percent-escapes (%40 %2F %3A) or the user name is empty", async () => {
  await expectBodies([
    [text, 'postgres://app:P%40ssw0rd!x@db:5432/app', 'postgres://app:[BASIC_AUTH]@db:5432/app'],
    [text, 'amqp://guest:gu%2Fest1234@rabbit:5672/', 'amqp://guest:[BASIC_AUTH]@rabbit:5672/'],
    [json, '{"dsn":"mysql://root:pa%3Ass%40word@db:3306/x"}', '{"dsn":"mysql://root:[BASIC_AUTH]@db:3306/x"}'],
    [text, 'redis://:Zq8vR2mXk9LpW4tY@cache:6379/0', 'redis://:[BASIC_AUTH]@cache:6379/0'],
  ]);
});

test("a URL's password holding %40 and %2F, in the default configuration: the referer", async () => {
  const r = await recordOf({ referer: 'https://admin:P%40ss%2Fw0rd!x@intranet/back' });
  assert.deepEqual(r.request_headers, { referer: 'https://admin:[BASIC_AUTH]@intranet/back' });
});

test("a captured header holding a request's URL (Envoy's x-envoy-original-path, x-original-uri) is decoded like the path", async () => {
  const r = await recordOf({
    'x-envoy-original-path': '/a?redirect=%2Fcb%3Fpassword%3DZq8vR2mXk9',
    'x-original-uri': '/a?email=alice%40example.com&c=4111%201111%201111%201111',
  }, { capture: { request_headers: ['x-envoy-original-path', 'x-original-uri'] } });
  assert.deepEqual(r.request_headers, {
    'x-envoy-original-path': '/a?redirect=%2Fcb%3Fpassword%3D[SECRET_PARAM]',
    'x-original-uri': '/a?email=[EMAIL_ADDRESS]&c=[CREDIT_CARD]',
  });
});

test('a body cut by capture.body.max_bytes right after a group separator leaves no digits of the card or IBAN', async () => {
  const max = 48;
  const secrets = ['4111 1111 1111 1111', '3782 822463 10005', 'DE89 3704 0044 0532 0130 00'];
  const bodies: [string, string][] = [];
  const cuts: string[] = [];
  for (const s of secrets) {
    for (let k = 5; k < s.length; k++) {
      if (s[k - 1] !== ' ') continue;
      // The limit falls right after the space that ends a group.
      const prefix = `${'x'.repeat(max - k - 4)}pay `;
      bodies.push([text, `${prefix}${s} thanks`]);
      cuts.push(s.slice(0, k));
    }
  }
  const out = await bodiesOf(bodies, { capture: { body: { enabled: true, max_bytes: max } } });
  const left = out.flatMap((o, i) => (o.includes(cuts[i]!.trim()) ? [`cut after ${JSON.stringify(cuts[i])}: stored …${o.slice(-24)}`] : []));
  assert.deepEqual(left, []);
});

test('an IBAN followed by a space and a word is found', async () => {
  await expectBodies([
    [text, 'IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX', 'IBAN [IBAN_CODE] BIC COBADEFFXXX'],
    [text, 'iban DE89370400440532013000 due Friday', 'iban [IBAN_CODE] due Friday'],
    [json, '{"note":"pay GB82WEST12345698765432 now"}', '{"note":"pay [IBAN_CODE] now"}'],
  ]);
});

test('white space before the colon of a JSON key or a text pair does not hide the value (two spaces, a tab, a line break)', async () => {
  await expectBodies([
    [json, '{"password"  : "Zq8vR2mXk9"}', '{"password"  : "[SECRET_PARAM]"}'],
    [json, '{"password"\t: "Zq8vR2mXk9"}', '{"password"\t: "[SECRET_PARAM]"}'],
    [json, '{\n  "password"\n    : "Zq8vR2mXk9"\n}', '{\n  "password"\n    : "[SECRET_PARAM]"\n}'],
    [json, '{"user"    : "ann",\n "api_key" : "Zq8vR2mXk9"}', '{"user"    : "ann",\n "api_key" : "[SECRET_PARAM]"}'],
    [text, 'password\t: Zq8vR2mXk9', 'password\t: [SECRET_PARAM]'],
    [text, 'password\t=\tZq8vR2mXk9', 'password\t=\t[SECRET_PARAM]'],
  ]);
});

test('pairs written with => (Ruby and Rails logs, PHP print_r and var_export, Perl, Elixir) are read as pairs', async () => {
  await expectBodies([
    [text, 'Parameters: {"user"=>{"email"=>"ann", "password"=>"Zq8vR2mXk9"}}', 'Parameters: {"user"=>{"email"=>"ann", "password"=>"[SECRET_PARAM]"}}'],
    [text, "array('user' => 'ann', 'api_key' => 'Zq8vR2mXk9')", "array('user' => 'ann', 'api_key' => '[SECRET_PARAM]')"],
    [text, 'Array\n(\n    [user] => ann\n    [password] => Zq8vR2mXk9\n)\n', 'Array\n(\n    [user] => ann\n    [password] => [SECRET_PARAM]\n)\n'],
    [json, '{"error":"{:token=>\\"Zq8vR2mXk9\\"}"}', '{"error":"{:token=>\\"[SECRET_PARAM]\\"}"}'],
  ]);
});

test('plural secret names hold arrays of secrets: api_keys, apiKeys, private_keys, access_keys, recovery_codes, backup_codes', async () => {
  const names = ['api_keys', 'apiKeys', 'private_keys', 'access_keys', 'ssh_keys', 'signing_keys', 'recovery_codes', 'backup_codes'];
  const body = `{${names.map((n, i) => `"${n}":["Zq8vR2mX${i}a","Zq8vR2mX${i}b"]`).join(',')}}`;
  const [out] = await bodiesOf([[json, body]]);
  const stored = JSON.parse(out!) as Record<string, unknown>;
  assert.deepEqual(names.filter((n) => stored[n] !== '[SECRET_PARAM]'), [], 'these arrays were stored');
});

test('a secret named by a sibling field ({"name": "DB_PASSWORD", "value": …}: Kubernetes env, HAR, Postman) is redacted, its name kept', async () => {
  await expectBodies([
    [json, '{"env":[{"name":"DB_PASSWORD","value":"Zq8vR2mXk9"}]}', '{"env":[{"name":"DB_PASSWORD","value":"[SECRET_PARAM]"}]}'],
    [json, '{"headers":[{"name":"X-Api-Key","value":"Zq8vR2mXk9"}]}', '{"headers":[{"name":"X-Api-Key","value":"[SECRET_PARAM]"}]}'],
    // Postman: "key" alone is a secret name (Google's ?key=), so its value goes too.
    [json, '{"header":[{"key":"X-Api-Key","value":"Zq8vR2mXk9"}]}', '{"header":[{"key":"[SECRET_PARAM]","value":"[SECRET_PARAM]"}]}'],
    [json, '{"env":[{"value":"Zq8vR2mXk9","name":"DB_PASSWORD"},{"name":"LOG_LEVEL","value":"debug"}]}',
      '{"env":[{"value":"[SECRET_PARAM]","name":"DB_PASSWORD"},{"name":"LOG_LEVEL","value":"debug"}]}'],
    [json, JSON.stringify({ data: JSON.stringify({ env: [{ name: 'API_TOKEN', value: 'Zq8vR2mXk9' }] }) }),
      JSON.stringify({ data: JSON.stringify({ env: [{ name: 'API_TOKEN', value: '[SECRET_PARAM]' }] }) })],
    [json, '{"Parameters":[{"ParameterKey":"DBPassword","ParameterValue":"Zq8vR2mXk9"}]}',
      '{"Parameters":[{"ParameterKey":"DBPassword","ParameterValue":"[SECRET_PARAM]"}]}'],
  ]);
});

test('a name: value line is redacted to the end of the line, past quotes and angle brackets in the value', async () => {
  await expectBodies([
    [text, 'password: ab"cd<ef\nuser: ann', 'password: [SECRET_PARAM]\nuser: ann'],
    [text, 'Authorization: Digest username="ann", realm="api", response="6629fae49393a053"\nAccept: */*',
      'Authorization: [SECRET_PARAM]\nAccept: */*'],
  ]);
});

test('a secret word at the start of a name longer than 128 bytes still makes it secret', async () => {
  const name = `password_${'x'.repeat(130)}`;
  const [out] = await bodiesOf([[json, `{"${name}":"Zq8vR2mXk9"}`]]);
  assert.equal(out, `{"${name}":"[SECRET_PARAM]"}`);
});

test('names of secrets in less common words: seed_phrase, mnemonic, privkey, security_answer, oauth_verifier, SAMLResponse, dbpass, deploy_key', async () => {
  const names = ['seed_phrase', 'mnemonic', 'privkey', 'priv_key', 'security_answer', 'oauth_verifier', 'SAMLResponse', 'dbpass', 'userpass',
    'deploy_key', 'recovery_key', 'unlock_code'];
  const body = `{${names.map((n, i) => `"${n}":"Zq8vR2mX${i}"`).join(',')}}`;
  const [out] = await bodiesOf([[json, body]]);
  const stored = JSON.parse(out!) as Record<string, unknown>;
  assert.deepEqual(names.filter((n) => stored[n] !== '[SECRET_PARAM]'), [], 'these values were stored');
});

test("Azure Functions' key header, when an operator captures it", async () => {
  const r = await recordOf({ 'x-functions-key': 'Zq8vR2mXk9' }, { capture: { request_headers: ['x-functions-key'] } });
  assert.deepEqual(r.request_headers, { 'x-functions-key': '[SECRET_HEADER]' });
});

test('GraphQL: a block string argument and an argument on the next line', async () => {
  await expectBodies([
    [json, '{"query":"mutation { login(password: \\"\\"\\"Zq8vR2mXk9\\"\\"\\") { token } }"}',
      '{"query":"mutation { login(password: \\"\\"\\"[SECRET_PARAM]\\"\\"\\") { token } }"}'],
    [json, '{"query":"mutation {\\n  login(\\n    password:\\n      \\"Zq8vR2mXk9\\"\\n  ) { token }\\n}"}',
      '{"query":"mutation {\\n  login(\\n    password:\\n      \\"[SECRET_PARAM]\\"\\n  ) { token }\\n}"}'],
  ]);
});

test('an email address with letters beyond ASCII is found whole (josé@, müller@, an IDN domain)', async () => {
  await expectBodies([
    [text, 'contact josé@example.com now', 'contact [EMAIL_ADDRESS] now'],
    [text, 'contact müller.hans@example.de now', 'contact [EMAIL_ADDRESS] now'],
    [text, 'contact hans@müller.de now', 'contact [EMAIL_ADDRESS] now'],
  ]);
});

test('a body in UTF-16 is not stored unscanned (every detector reads UTF-8 bytes): a body holding NUL bytes is not kept', async () => {
  const f = await startFilter({ capture: { body: { enabled: true } } });
  let stored: Record<string, unknown>;
  try {
    const body = Buffer.from('{"password":"Zq8vR2mXk9","email":"alice@example.com"}', 'utf16le');
    await f.send({ headers: { ':method': 'POST', ':path': '/', ':authority': 'shop', 'content-type': 'application/json; charset=utf-16le' }, body });
    [stored] = (await f.records(1)) as [Record<string, unknown>];
  } finally {
    await f.stop();
  }
  const readable = String(stored.request_body ?? '').replace(/\u0000/g, '');
  assert.ok(!readable.includes('Zq8vR2mXk9') && !readable.includes('alice@example.com'), `stored ${JSON.stringify(readable)}`);
});

test('ordinary names that only contain a secret word keep their values', async () => {
  const names = ['tokenizer', 'secretary', 'secret_arn', 'secretArn', 'signing_key_id', 'apikey_id', 'cookie_consent', 'sig_figs', 'signature_date'];
  const body = `{${names.map((n) => `"${n}":"v_${n}"`).join(',')}}`;
  const [out] = await bodiesOf([[json, body]]);
  const stored = JSON.parse(out!) as Record<string, unknown>;
  const lost = names.filter((n) => stored[n] !== `v_${n}`);
  assert.deepEqual(lost, [], 'these ordinary values were redacted');
});
