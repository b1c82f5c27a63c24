// Redaction at the source: every detector on positive cases, negative cases and near-misses;
// the modes; percent-encoded input; JSON that stays valid whatever the input; and a request that
// carries secrets in every place a request can, none of which may reach the collector.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { HeaderMap } from '../../../host/src/index.js';
import { GET, startFilter } from '../harness.js';

/** Each text goes through the filter in a captured header; what the record shows for it comes back. */
async function redacted(texts: string[], config: object = {}): Promise<string[]> {
  const f = await startFilter({ capture: { request_headers: ['x-probe'] }, ...config });
  try {
    for (let i = 0; i < texts.length; i++) {
      await f.send({ headers: { ...GET, 'x-request-id': `case-${i}`, 'x-probe': texts[i]! } });
    }
    const records = await f.records(texts.length);
    return texts.map((_, i) => {
      const r = records.find((x) => x.request_id === `case-${i}`) as { request_headers?: Record<string, string> };
      return r.request_headers?.['x-probe'] ?? '';
    });
  } finally {
    await f.stop();
  }
}

async function expectAll(cases: [string, string][], config: object = {}): Promise<void> {
  const out = await redacted(cases.map(([input]) => input), config);
  cases.forEach(([input, expected], i) => assert.equal(out[i], expected, `for ${JSON.stringify(input)}`));
}

const same = (s: string): [string, string] => [s, s];

test('EMAIL_ADDRESS: addresses in text, not things that only look like them', () => expectAll([
  ['alice@example.com', '[EMAIL_ADDRESS]'],
  ['mail alice.smith+tag@mail.example.co.uk now', 'mail [EMAIL_ADDRESS] now'],
  ['to: Bob_O-Neil@sub-domain.example.org.', 'to: [EMAIL_ADDRESS].'],
  same('user@localhost'),
  same('a@b'),
  same('@example.com'),
  same('alice@example.c0m'),
  same('v1.2@3'),
]));

test('CREDIT_CARD: 13 to 19 digits, spaces or dashes, Luhn-checked; near-misses stay', () => expectAll([
  ['4111111111111111', '[CREDIT_CARD]'],
  ['card 4111-1111-1111-1111 ok', 'card [CREDIT_CARD] ok'],
  ['4111 1111 1111 1111', '[CREDIT_CARD]'],
  ['5500 0000 0000 0004', '[CREDIT_CARD]'],
  ['378282246310005', '[CREDIT_CARD]'],
  ['6011111111111117', '[CREDIT_CARD]'],
  same('4111111111111112'), // fails Luhn: an order id, say
  same('order 1234567812345670'), // Luhn-valid, but no card starts with 1
  same('41111111111111111111'), // 20 digits
  same('4111-1111-1111-111'), // 15 digits failing Luhn
  same('id41111111111111111'), // inside a word
]));

test('US_SSN: ddd-dd-dddd with a valid area, group and serial', () => expectAll([
  ['123-45-6789', '[US_SSN]'],
  ['SSN 078 05 1120.', 'SSN [US_SSN].'],
  same('000-12-3456'),
  same('666-12-3456'),
  same('900-12-3456'),
  same('123-00-4567'),
  same('123-45-0000'),
  same('123-45-67890'),
  same('123-45 6789'),
]));

test('IBAN_CODE: the mod-97 checksum decides', () => expectAll([
  ['DE89 3704 0044 0532 0130 00', '[IBAN_CODE]'],
  ['iban GB82WEST12345698765432!', 'iban [IBAN_CODE]!'],
  same('GB82WEST12345698765433'),
]).then(async () => {
  // A bad checksum is not an IBAN (its digits may still be caught as something else).
  const [out] = await redacted(['DE89 3704 0044 0532 0130 01']);
  assert.ok(!out!.includes('[IBAN_CODE]'), out);
}));

test('credentials: JWTs, bearer and basic, URL passwords, cloud and SaaS keys, private keys', () => expectAll([
  ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', '[JWT]'],
  ['id=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.', 'id=[JWT]'],
  same('eyJhbGciOi'),
  ['Bearer abcdef0123456789', 'Bearer [BEARER_TOKEN]'],
  ['bearer:Zm9vYmFyYmF6cXV4', 'bearer:[BEARER_TOKEN]'],
  same('bearer short'),
  ['Basic dXNlcjpwYXNzd29yZA==', 'Basic [BASIC_AUTH]'],
  ['https://user:s3cret@db.example.com/x', 'https://user:[BASIC_AUTH]@db.example.com/x'],
  ['AKIAIOSFODNN7EXAMPLE', '[AWS_ACCESS_KEY]'],
  same('AKIAIOSFODNN7EXAMPL'),
  ['k: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY;', 'k: [AWS_SECRET_KEY];'],
  same('da39a3ee5e6b4b0d3255bfef95601890afd80709'), // a git hash: 40 characters, but lower-case hex
  ['ghp_' + 'a1B2'.repeat(9), '[GITHUB_TOKEN]'],
  ['github_pat_' + 'A1b2C3d4E5'.repeat(3), '[GITHUB_TOKEN]'],
  same('ghp_short'),
  ['xoxb-123456789012-abcdefghij', '[SLACK_TOKEN]'],
  ['sk_live_' + 'a1B2c3D4'.repeat(3), '[STRIPE_KEY]'],
  same('pk_live_' + 'a1B2c3D4'.repeat(3)), // publishable keys are public
  ['AIza' + 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'.slice(0, 35), '[GOOGLE_API_KEY]'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY----- tail', '[PRIVATE_KEY] tail'],
  ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg (cut off)', '[PRIVATE_KEY]'],
]));

test('more token formats: GitLab, npm, SendGrid, Google OAuth, OpenAI and Anthropic, Azure storage keys, PGP private key blocks', () => expectAll([
  ['glpat-' + 'xY3zA9bC7dE1fG5hJ2kL', '[GITLAB_TOKEN]'],
  ['t glpat-' + 'xY3zA9bC7dE1fG5hJ2kL.01.0k0abc123 t', 't [GITLAB_TOKEN] t'],
  ['gldt-' + 'Ab1Cd2Ef3Gh4Ij5Kl6Mn', '[GITLAB_TOKEN]'],
  same('glpat-short'),
  same('glossary-' + 'a'.repeat(24)),
  ['npm_' + 'a1B2c3D4e5'.repeat(3) + 'f6G7h8', '[NPM_TOKEN]'],
  same('npm_install_package_name'),
  ['SG.' + 'ngeVfQFYQlKU0ufo8x5d1A' + '.' + 'TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr', '[SENDGRID_KEY]'],
  same('SG.short.one'),
  ['ya29.' + 'a0AfH6SMBx-Y3kQ9_zZ.p4L1mN7oR2sT', '[GOOGLE_OAUTH_TOKEN]'],
  ['sk-proj-' + 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4f', '[OPENAI_KEY]'],
  ['sk-' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4', '[OPENAI_KEY]'],
  ['sk-ant-api03-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe', '[OPENAI_KEY]'],
  same('sk-learn-tutorial-on-kernels-and-regression'),
  ['AccountName=x;AccountKey=' + 'Ab1+'.repeat(21) + 'Ab==;Endpoint', 'AccountName=x;AccountKey=[SECRET_PARAM];Endpoint'],
  ['key ' + 'Ab1+'.repeat(21) + 'Ab== end', 'key [AZURE_STORAGE_KEY] end'],
  same('a'.repeat(86) + '=='),
  ['-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK----- ok', '[PRIVATE_KEY] ok'],
  same('-----BEGIN PGP PUBLIC KEY BLOCK-----'),
]));

test('near variants: lower-case IBANs, cards grouped with dots, an email followed by a dash; IBANs need their country\'s length', () => expectAll([
  ['gb82west12345698765432', '[IBAN_CODE]'],
  ['iban de89 3704 0044 0532 0130 00.', 'iban [IBAN_CODE].'],
  same('gb82west1234569876543'), // one short for GB
  same('ab82west12345698765432'), // no such country
  same('de89370400440532013000ff'), // hex: too long for DE
  ['4111.1111.1111.1111', '[CREDIT_CARD]'],
  same('v4.1.1.1111'),
  ['alice@example.com-', '[EMAIL_ADDRESS]-'],
  ['mail bob@mail.example.org--x', 'mail [EMAIL_ADDRESS]--x'],
  same('6f1c2a9e-3b7d-4f1e-9c0a-5d2e8b7f4a31'), // a UUID
  same('order 4111111111111112'), // fails Luhn
]));

test('IP_ADDRESS and PHONE_NUMBER are off by default, and detect when turned on', async () => {
  await expectAll([same('10.1.2.3'), same('+1 415 555 0100')]);
  await expectAll([
    ['from 10.1.2.3:8080', 'from [IP_ADDRESS]:8080'],
    ['2001:db8::8a2e:370:7334', '[IP_ADDRESS]'],
    ['::1', '[IP_ADDRESS]'],
    ['::ffff:192.168.1.1', '[IP_ADDRESS]'],
    ['fe80:0:0:0:202:b3ff:fe1e:8329', '[IP_ADDRESS]'],
    same('1.2.3.256'),
    same('1.2.3'),
    same('at 12:30:45'),
    same('version 1.2.3.4.5'),
    ['call +1 415 555 0100', 'call [PHONE_NUMBER]'],
    ['(415) 555-0100', '[PHONE_NUMBER]'],
    ['415-555-0100', '[PHONE_NUMBER]'],
    same('12345'),
  ], { redact: { rules: { IP_ADDRESS: 'mask', PHONE_NUMBER: 'mask' } } });
});

test('partial mode keeps the harmless part', () => expectAll([
  ['4111 1111 1111 1111', '[CREDIT_CARD:...1111]'],
  ['alice@example.com', '[EMAIL_ADDRESS:...@example.com]'],
  ['123-45-6789', '[US_SSN:...6789]'],
  ['DE89 3704 0044 0532 0130 00', '[IBAN_CODE:DE...3000]'],
  ['10.1.2.3', '[IP_ADDRESS:10.1.x.x]'],
  ['+1 415 555 0100', '[PHONE_NUMBER:...00]'],
], { redact: { rules: { CREDIT_CARD: 'partial', EMAIL_ADDRESS: 'partial', US_SSN: 'partial', IBAN_CODE: 'partial', IP_ADDRESS: 'partial', PHONE_NUMBER: 'partial' } } }));

test('hmac mode: a keyed pseudonym, stable for one key, different across keys, over the normalized value', async () => {
  const rules = { EMAIL_ADDRESS: 'hmac', CREDIT_CARD: 'hmac', JWT: 'hmac' };
  const k1 = 'key-one-0123456789abcdef';
  const k2 = 'key-two-0123456789abcdef';
  const inputs = ['Alice@Example.com', 'alice@example.com', 'bob@example.com', '4111-1111-1111-1111'];
  const one = await redacted(inputs, { redact: { rules, hmac: { key: k1, key_id: 'k1' } } });
  const two = await redacted(inputs, { redact: { rules, hmac: { key: k2, key_id: 'k2' } } });
  const mac = (key: string, v: string) => createHmac('sha256', key).update(v).digest('hex').slice(0, 16);
  assert.equal(one[0], `[EMAIL_ADDRESS:k1:${mac(k1, 'alice@example.com')}]`);
  assert.equal(one[0], one[1], 'the same address, whatever its case, gets the same pseudonym');
  assert.notEqual(one[0], one[2]);
  assert.equal(one[3], `[CREDIT_CARD:k1:${mac(k1, '4111111111111111')}]`, 'cards are taken as their digits');
  assert.equal(two[0], `[EMAIL_ADDRESS:k2:${mac(k2, 'alice@example.com')}]`);
  assert.notEqual(one[0].split(':')[2], two[0].split(':')[2], 'another key, another pseudonym');
});

test('percent-encoded values are decoded for scanning and redacted in the original', async () => {
  const f = await startFilter({});
  await f.send({ headers: { ...GET, ':path': '/users/alice%40example.com/cards?n=4111%201111%201111%201111&next=%2Fhome&Token=abc&access%5Ftoken=xyz&q=a+b' } });
  const [r] = await f.records(1);
  assert.equal(r!.path, '/users/[EMAIL_ADDRESS]/cards?n=[CREDIT_CARD]&next=%2Fhome&Token=[SECRET_PARAM]&access%5Ftoken=[SECRET_PARAM]&q=a+b');
  await f.stop();
});

test('query parameters are redacted by name, including configured ones', async () => {
  const f = await startFilter({ redact: { query_params: ['otp'] } });
  await f.send({ headers: { ...GET, ':path': '/login?user=ann&password=hunter2&otp=123456&remember=1&code=' } });
  const [r] = await f.records(1);
  assert.equal(r!.path, '/login?user=ann&password=[SECRET_PARAM]&otp=[SECRET_PARAM]&remember=1&code=');
  await f.stop();
});

test('JSON body keys on the list are found in any case, one-letter configured names too; other keys stay', async () => {
  const f = await startFilter({ redact: { query_params: ['k', 'Zq'] }, capture: { body: { enabled: true } } });
  const body = '{"Password":"p1","PIN": 4321,"k":"v2","zq" : "v3","kk":"keep","id":"keep2","pass":"p4","token_type":"keep3","x-amz-signature":"p5"}';
  await f.send({ headers: { ':method': 'POST', ':path': '/', ':authority': 'shop', 'content-type': 'application/json' }, body });
  const [r] = await f.records(1);
  assert.equal(r!.request_body, '{"Password":"[SECRET_PARAM]","PIN": "[SECRET_PARAM]","k":"[SECRET_PARAM]","zq" : "[SECRET_PARAM]","kk":"keep","id":"keep2","pass":"[SECRET_PARAM]","token_type":"keep3","x-amz-signature":"[SECRET_PARAM]"}');
  await f.stop();
});

test('the record is valid JSON whatever the bytes: CR/LF, quotes, backslashes, NUL, invalid UTF-8', async () => {
  const f = await startFilter({ capture: { request_headers: ['x-probe', 'x-bin'] } });
  const evil = 'a"b\\c\r\nd\te\u0000f\u001b';
  // Raw bytes that are not UTF-8: a lone continuation byte, a truncated sequence, an overlong '/'.
  const bin = Buffer.from([0x61, 0x80, 0x62, 0xe2, 0x82, 0x63, 0xc0, 0xaf, 0x64, 0xf0, 0x9f, 0x98, 0x80]).toString('latin1');
  // fromPairs: byte strings as they come off the wire, not text to be UTF-8 encoded.
  await f.send({ headers: HeaderMap.fromPairs([...Object.entries(GET), ['x-probe', evil], ['x-bin', bin], ['user-agent', 'x\r\n{"injected":true}']] as [string, string][]) });
  const [r] = await f.records(1);
  const raw = f.collector.batches[0]!.raw;
  assert.equal(raw.split('\n').filter(Boolean).length, 1, 'one record, one line: no injected lines');
  const headers = r!.request_headers as Record<string, string>;
  assert.equal(headers['x-probe'], evil);
  assert.equal(headers['x-bin'], 'a\ufffdb\ufffd\ufffdc\ufffd\ufffdd😀');
  assert.equal(r!.user_agent, 'x\r\n{"injected":true}');
  assert.equal(Object.keys(r!).includes('injected'), false);
  await f.stop();
});

test('values come back exactly as sent, whatever mix of quotes, backslashes, controls and UTF-8, at every length', async () => {
  // Escaping works 16 and 8 bytes at a time: lengths and positions across those boundaries.
  const alphabet = ['"', '"', '\\', 'a', 'b', ' ', 'é', '€', '😀', '\t', '\u0001', 'q', 'z', '{', ':', ','];
  let x = 7;
  const rand = (n: number) => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
  const texts = Array.from({ length: 120 }, (_, t) => Array.from({ length: t }, () => alphabet[rand(alphabet.length)]).join(''));
  const out = await redacted(texts);
  texts.forEach((text, i) => assert.equal(out[i], text, `length ${i}: ${JSON.stringify(text)}`));
});

test('secrets planted in every place a request can carry them never reach the collector', async () => {
  const secrets = {
    email: 'carol.secret@example.net', card: '4242424242424242', ssn: '219-09-9999', iban: 'GB82WEST12345698765432',
    jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiY2Fyb2wifQ.U2lnbmF0dXJlWHl6', bearer: 'tok_live_7Hq2Lm9Xz4Pw8Rt1',
    basic: 'Y2Fyb2w6aHVudGVyMg==', aws: 'AKIAQ3EGRSTUVWXYZ123', awsSecret: 'Zx9/Kq2Lm8Np4Rt6Vw1Yb3Cd5Ef7Gh9Jk0Lm2Np4',
    github: 'ghp_' + 'Q9w8E7r6T5y4U3i2O1p0'.repeat(2).slice(0, 36), slack: 'xoxp-998877665544-secretslack',
    stripe: 'sk_live_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8', google: 'AIza' + 'Q'.repeat(35), cookie: 'sessionid=c00k1e-v4lue-s3cr3t',
    password: 'hunter2-is-my-password', apiKey: 'ak-7f3e9c1b2d4a', urlPass: 'pw-in-url-913', otp: '482913',
  };
  const f = await startFilter({
    capture: {
      request_headers: ['authorization', 'cookie', 'x-api-key', 'x-email', 'x-card', 'referer', 'content-type', 'x-forwarded-for', 'x-notes'],
      response_headers: ['set-cookie', 'x-account', 'content-type'],
      body: { enabled: true, max_bytes: 4096 },
    },
  });
  const requestBody = JSON.stringify({ user: secrets.email, password: secrets.password, card: secrets.card, ssn: secrets.ssn, iban: secrets.iban, note: `key ${secrets.aws} ${secrets.awsSecret}` });
  await f.send({
    headers: {
      ':method': 'POST', ':authority': 'shop.example', ':scheme': 'https',
      ':path': `/pay/${encodeURIComponent(secrets.email)}?card=${encodeURIComponent(secrets.card)}&access_token=${secrets.bearer}&api_key=${secrets.apiKey}`,
      authorization: `Bearer ${secrets.bearer}`, cookie: secrets.cookie, 'x-api-key': secrets.apiKey,
      'x-email': `contact ${secrets.email}`, 'x-card': secrets.card, 'content-type': 'application/json',
      referer: `https://admin:${secrets.urlPass}@portal.example/back?token=${secrets.jwt}&otp=${secrets.otp}`,
      'user-agent': `agent ${secrets.github}`, 'x-forwarded-for': '203.0.113.9',
      'x-notes': `slack ${secrets.slack} stripe ${secrets.stripe} google ${secrets.google} basic Basic ${secrets.basic}`,
      'x-request-id': secrets.jwt,
    },
    body: requestBody,
  }, {
    upstream: () => ({
      headers: { ':status': '200', 'set-cookie': `${secrets.cookie}; HttpOnly`, 'x-account': secrets.iban, 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(secrets.email)}&password=${secrets.password}&ssn=${secrets.ssn}`,
    }),
  });
  await f.send({
    headers: { ':method': 'POST', ':path': '/form', ':authority': 'shop.example', 'content-type': 'application/x-www-form-urlencoded' },
    body: `name=carol&password=${secrets.password}&card=${encodeURIComponent(secrets.card.replace(/(\d{4})/g, '$1 ').trim())}`,
  });
  try {
    await f.records(2);
    const shipped = f.collector.batches.map((b) => b.raw).join('\n');
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!shipped.includes(secret), `the ${name} secret reached the collector: ${secret}`);
    }
    assert.match(shipped, /"redactions":\{/);
  } finally {
    await f.stop();
  }
});
