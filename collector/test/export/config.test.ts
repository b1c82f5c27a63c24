// The exporters of the config file: defaults, secrets from the environment, and every mistake
// refused at start naming the field, the value and what was expected.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDigest } from '../../src/audit/config-digest.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseExporters } from '../../src/export/config.js';
import { makeCertificates } from '../certificates.js';
import { tempDir } from '../helpers.js';
const ENDPOINT = 'http://otel-collector:4318';

test('an exporter with only a name, a type and an endpoint gets the defaults; headers come from the environment', () => {
  const [e] = parseExporters([{ name: 'otel', type: 'ndjson', endpoint: `${ENDPOINT}/`, headers: { authorization: 'env:OTEL_AUTH', 'x-team': 'a' } }], { OTEL_AUTH: 'Bearer s3cret' });
  assert.equal(e!.endpoint, ENDPOINT);
  assert.deepEqual(e!.batch, { records: 1000, bytes: 1_000_000, waitMs: 1000 });
  assert.equal(e!.from, 'start');
  assert.deepEqual(e!.headers, [{ name: 'authorization', value: 'Bearer s3cret', fromEnv: 'OTEL_AUTH' }, { name: 'x-team', value: 'a' }]);
});

test('the config file\'s exporters: read with the environment given, and their secrets kept out of the audit log\'s digest', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'c.json');
    writeFileSync(file, JSON.stringify({ exporters: [{ name: 'otel', type: 'ndjson', endpoint: ENDPOINT, headers: { authorization: 'env:OTEL_AUTH' }, filter: { status: '5xx' } }] }));
    const a = loadConfig({ file, env: { OTEL_AUTH: 'one' } });
    assert.equal(a.exporters[0]!.headers[0]!.value, 'one');
    assert.deepEqual(a.exporters[0]!.filter, { status: '5xx' });
    assert.equal(configDigest(a), configDigest(loadConfig({ file, env: { OTEL_AUTH: 'two' } })));
    assert.deepEqual(loadConfig({}).exporters, []);
  } finally {
    tmp.remove();
  }
});

test('every mistake is refused, naming the field, the value and what was expected', () => {
  const base = { name: 'otel', type: 'ndjson', endpoint: ENDPOINT };
  const refused = (exporters: unknown, field: RegExp, env: NodeJS.ProcessEnv = {}) =>
    assert.throws(() => parseExporters(exporters, env), (err) => err instanceof ConfigError && field.test(err.message), `expected ${field}`);
  refused({}, /"exporters" must be a list/);
  refused([{ ...base, type: 'kafka' }], /"exporters\[0\]\.type" must be one of .*"ndjson".*got "kafka"/);
  refused([base, { ...base, endpoint: 'ftp://x' }], /"exporters\[1\]\.endpoint" must be an http:\/\/ or https:\/\/ URL.*got "ftp:\/\/x"/);
  refused([{ ...base, endpoint: 'http://u:p@x' }], /"exporters\[0\]\.endpoint"/);
  refused([{ ...base, name: '../etc' }], /"exporters\[0\]\.name" must be a name of letters/);
  refused([base, { ...base, name: 'OTEL' }], /"exporters\[1\]\.name" must be a name no other exporter has, got "OTEL"/);
  refused([{ ...base, colour: 'red' }], /unknown field "exporters\[0\]\.colour"/);
  refused([{ ...base, headers: { authorization: 'env:NOPE' } }], /"exporters\[0\]\.headers\.authorization" must be an environment variable that is set \(NOPE is not\)/);
  refused([{ ...base, headers: { 'content-length': '1' } }], /"exporters\[0\]\.headers" must be header names/);
  refused([{ ...base, headers: { a: 'env:X' } }], /without line breaks \(from X\)/, { X: 'a\r\nb: c' });
  refused([{ ...base, headers: { a: 'Bearer \u2603' } }], /"exporters\[0\]\.headers\.a" must be a header value of printable characters/);
  refused([{ ...base, filter: { status: 'bad' } }], /"exporters\[0\]\.filter\.status" must be a code \(404\), a class \(5xx\) or a range \(400-499\), got "bad"/);
  refused([{ ...base, filter: { colour: 'red' } }], /unknown field "exporters\[0\]\.filter\.colour"/);
  refused([{ ...base, batch: { records: 0 } }], /"exporters\[0\]\.batch\.records" must be an integer from 1/);
  refused([{ ...base, batch: { bytes: 'big' } }], /"exporters\[0\]\.batch\.bytes"/);
  refused([{ ...base, timeout_ms: -1 }], /"exporters\[0\]\.timeout_ms"/);
  refused([{ ...base, from: 'yesterday' }], /"exporters\[0\]\.from" must be "start" .* or "now"/);
});

test('a format\'s own options are checked by it, named under the exporter; a Loki tenant becomes X-Scope-OrgID', () => {
  const [otel] = parseExporters([{ name: 'otel', type: 'otlp', endpoint: ENDPOINT, encoding: 'protobuf', compression: 'gzip' }], {});
  assert.deepEqual(otel!.options, { encoding: 'protobuf', compression: 'gzip' });
  assert.throws(() => parseExporters([{ name: 'otel', type: 'otlp', endpoint: ENDPOINT }], {}), /"exporters\[0\]\.encoding" must be "json" or "protobuf", got undefined/);
  assert.throws(() => parseExporters([{ name: 'otel', type: 'otlp', endpoint: ENDPOINT, encoding: 'json', labels: ['service'] }], {}), /unknown field "exporters\[0\]\.labels"/);
  const loki = { name: 'loki', type: 'loki', endpoint: 'http://loki:3100', encoding: 'json' };
  const [e] = parseExporters([{ ...loki, labels: ['service'], tenant: 'team-a' }], {});
  assert.deepEqual(e!.options, { encoding: 'json', labels: ['service'], tenant: 'team-a' });
  // From the format's option, not a secret: not masked in the answers shown (a tenant "team" would garble them).
  assert.deepEqual(e!.headers, [{ name: 'X-Scope-OrgID', value: 'team-a', fromOption: 'tenant' }]);
  assert.throws(() => parseExporters([{ ...loki, encoding: 'xml' }], {}), /"exporters\[0\]\.encoding" must be "json" or "protobuf", got "xml"/);
  assert.throws(() => parseExporters([{ ...loki, labels: ['path'] }], {}), /"exporters\[0\]\.labels\[0\]" must be one of/);
  assert.throws(() => parseExporters([{ ...loki, tenant: 'a/b' }], {}), /"exporters\[0\]\.tenant" must be a Loki tenant id/);
  assert.throws(() => parseExporters([{ ...loki, labels: ['service'], encoding: 'json', format: 'x' }], {}), /unknown field "exporters\[0\]\.format"/);
});

test('a secret given in the environment is never shown in a refusal', () => {
  assert.throws(() => parseExporters([{ name: 'otel', type: 'ndjson', endpoint: ENDPOINT, headers: { authorization: 'env:T' } }], { T: 'Bearer s3cret\n' }),
    (err) => err instanceof ConfigError && !err.message.includes('s3cret'));
});

test('the example of docs/export.md is a config file the collector takes', () => {
  const doc = readFileSync(new URL('../../../../docs/export.md', import.meta.url), 'utf8');
  const example = /## Delivery[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)![1]!;
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'collector.json');
    writeFileSync(file, example);
    const { exporters } = loadConfig({ file, env: { OTEL_AUTH: 'Bearer x' } });
    assert.deepEqual(exporters.map((e) => [e.name, e.type]), [['otel', 'otlp'], ['loki', 'loki']]);
  } finally {
    tmp.remove();
  }
});

test('credentials written into an endpoint or a header value not a string are not shown in the refusal', () => {
  const base = { name: 'otel', type: 'ndjson', endpoint: ENDPOINT };
  const hidden = (exporters: unknown, field: RegExp, secret: string) => assert.throws(() => parseExporters(exporters, {}),
    (err) => err instanceof ConfigError && field.test(err.message) && !err.message.includes(secret), `expected ${field} without ${secret}`);
  hidden([{ ...base, endpoint: 'http://admin:hunter2pass@otel:4318' }], /"exporters\[0\]\.endpoint" must be .*got "http:\/\/\*\*\*@otel:4318"/, 'hunter2pass');
  hidden([{ ...base, headers: { 'x-api-key': 8675309123 } }], /"exporters\[0\]\.headers\.x-api-key" must be a string.*got "a number"/, '8675309123');
});

test('an endpoint that already ends in the format\'s path is refused, naming the base address to give', () => {
  const refused = (type: string, endpoint: string, base: string) => assert.throws(() => parseExporters([{ name: 'e', type, endpoint, encoding: 'json' }], {}),
    (err) => err instanceof ConfigError && err.message.includes('"exporters[0].endpoint" must be the receiver\'s base address') && err.message.includes(`(give "${base}")`), endpoint);
  refused('otlp', 'http://otel:4318/v1/logs', 'http://otel:4318');
  refused('otlp', 'https://gw.example/otlp/v1/logs/', 'https://gw.example/otlp');
  refused('loki', 'http://loki:3100/loki/api/v1/push', 'http://loki:3100');
  // A base with a path of its own is fine (a gateway's prefix).
  assert.equal(parseExporters([{ name: 'e', type: 'otlp', endpoint: 'https://gw.example/otlp/', encoding: 'json' }], {})[0]!.endpoint, 'https://gw.example/otlp');
});

test('a variable named as other tools name them is refused, pointing at env:NAME; "ca" names a PEM file, read at start', () => {
  const base = { name: 'otel', type: 'ndjson', endpoint: ENDPOINT };
  for (const [value, hint] of [['${env:OTEL_AUTH}', 'env:OTEL_AUTH'], ['${OTEL_AUTH}', 'env:OTEL_AUTH'], ['$OTEL_AUTH', 'env:OTEL_AUTH'], ['env:', undefined]] as const) {
    assert.throws(() => parseExporters([{ ...base, headers: { authorization: value } }], { OTEL_AUTH: 'x' }),
      (err) => err instanceof ConfigError && err.message.includes('"exporters[0].headers.authorization" must be "env:NAME"') && (hint === undefined || err.message.includes(`(here "${hint}")`)), value);
  }
  assert.equal(parseExporters([{ ...base, headers: { 'x-price': '$5 flat' } }], {})[0]!.headers[0]!.value, '$5 flat');
  const tmp = tempDir();
  try {
    const pem = join(tmp.dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    assert.deepEqual(parseExporters([{ ...base, ca: pem }], {})[0]!.ca, { file: pem, pem: readFileSync(pem, 'utf8') });
    assert.throws(() => parseExporters([{ ...base, ca: join(tmp.dir, 'none.pem') }], {}), /"exporters\[0\]\.ca" names .*none\.pem, which cannot be read \(ENOENT\)/);
    writeFileSync(pem, 'not a certificate');
    assert.throws(() => parseExporters([{ ...base, ca: pem }], {}), /"exporters\[0\]\.ca" must be a PEM file of CA certificates/);
  } finally {
    tmp.remove();
  }
});

test('a client certificate ("cert" and "key") is given as a pair of PEM files that belong together, for an https:// endpoint', () => {
  const certs = makeCertificates();
  const base = { name: 'otel', type: 'otlp', encoding: 'protobuf', endpoint: 'https://otel.example:4318' };
  const pair = { cert: certs.renewed.cert, key: certs.renewed.key };
  try {
    assert.deepEqual(parseExporters([{ ...base, ...pair }], {})[0]!.client, pair);
    assert.throws(() => parseExporters([{ ...base, cert: pair.cert }], {}), /"exporters\[0\]\.key" must be the path of the PEM file of the client certificate's private key, given with "cert"/);
    assert.throws(() => parseExporters([{ ...base, key: pair.key }], {}), /"exporters\[0\]\.cert" must be the path of the PEM file of the client certificate, given with "key"/);
    assert.throws(() => parseExporters([{ ...base, ...pair, endpoint: 'http://otel.example:4318' }], {}), /"exporters\[0\]\.endpoint" must be an https:\/\/ URL, as a client certificate/);
    assert.throws(() => parseExporters([{ ...base, ...pair, key: certs.server.key }], {}), /"exporters\[0\]\.cert" and "exporters\[0\]\.key": .*renewed\.pem and .*server\.key do not make a certificate and its key/);
    assert.throws(() => parseExporters([{ ...base, ...pair, key: join(certs.dir, 'none.key') }], {}), /none\.key cannot be read \(ENOENT\)/);
  } finally {
    certs.remove();
  }
});

test('credentials in an endpoint are not shown however the URL is written: without slashes, with backslashes, in its query or fragment', () => {
  const base = { name: 'otel', type: 'ndjson' };
  // The URL standard reads each of these with the credentials in it (a query or fragment may hold an API key).
  for (const [endpoint, secret] of <[string, string][]>[
    ['http:admin:hunter2pass@otel:4318', 'hunter2pass'],
    ['http:\\\\admin:hunter2pass@otel:4318', 'hunter2pass'],
    ['http:/\t/admin:hunter2pass@otel:4318', 'hunter2pass'],
    ['https://otel:4318/?api_key=k-5f2a9c81d7e04b6f', 'k-5f2a9c81d7e04b6f'],
    ['https://otel:4318/#k-5f2a9c81d7e04b6f', 'k-5f2a9c81d7e04b6f'],
    ['http://admin:hunter2pass@[bad', 'hunter2pass'],
  ]) {
    assert.throws(() => parseExporters([{ ...base, endpoint }], {}),
      (err) => err instanceof ConfigError && err.message.includes('"exporters[0].endpoint" must be an http:// or https:// URL') && !err.message.includes(secret), endpoint);
  }
  // What is not a secret is still shown, to find the mistake by.
  assert.throws(() => parseExporters([{ ...base, endpoint: 'https://otel:4318/?api_key=k-5f2a9c81d7e04b6f' }], {}), /got "https:\/\/otel:4318\/\?\*\*\*"/);
});

test('headers that change how a receiver takes the request are the exporter\'s own: expect (answered 417, every batch refused), hop-by-hop headers', () => {
  const base = { name: 'otel', type: 'ndjson', endpoint: ENDPOINT };
  for (const name of ['Expect', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']) {
    assert.throws(() => parseExporters([{ ...base, headers: { [name]: 'x' } }], {}),
      (err) => err instanceof ConfigError && err.message.includes('"exporters[0].headers" must be header names that are HTTP tokens, not one of') && err.message.includes(`got "${name}"`), name);
  }
});

test('a header given twice (names differ only in case, or a Loki tenant and X-Scope-OrgID) is refused rather than one silently sent', () => {
  const base = { name: 'otel', type: 'ndjson', endpoint: ENDPOINT };
  assert.throws(() => parseExporters([{ ...base, headers: { Authorization: 'Bearer one-1234567', authorization: 'Bearer two-1234567' } }], {}),
    (err) => err instanceof ConfigError && /"exporters\[0\]\.headers" must be header names given once \(case aside\), got "authorization"/.test(err.message) && !err.message.includes('1234567'));
  assert.throws(() => parseExporters([{ name: 'loki', type: 'loki', endpoint: 'http://loki:3100', encoding: 'json', tenant: 'team-a', headers: { 'x-scope-orgid': 'team-b' } }], {}),
    /"exporters\[0\]\.headers" must be header names given once \(case aside\).*"tenant".*got "x-scope-orgid"/);
});

test('an empty header value written in the file is refused as such, not as an environment variable', () => {
  assert.throws(() => parseExporters([{ name: 'otel', type: 'ndjson', endpoint: ENDPOINT, headers: { 'x-team': '' } }], {}),
    (err) => err instanceof ConfigError && /"exporters\[0\]\.headers\.x-team" must be a non-empty string/.test(err.message) && !err.message.includes('undefined'));
});

test('exporters, an exporter or its headers not of the shape expected are refused naming what was given by its kind: their values may hold secrets', () => {
  const secret = 'Bearer literal-5f2a9c81';
  const refused = (exporters: unknown, message: RegExp) => assert.throws(() => parseExporters(exporters, {}),
    (err) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('5f2a9c81'), String(message));
  // One exporter written without the list around it; headers written as curl takes them; a bare URL.
  refused({ name: 'otel', type: 'ndjson', endpoint: ENDPOINT, headers: { authorization: secret } }, /"exporters" must be a list of exporters.*got "an object"/);
  refused([{ name: 'otel', type: 'ndjson', endpoint: ENDPOINT, headers: [`authorization: ${secret}`] }], /"exporters\[0\]\.headers" must be an object, got "a list"/);
  refused(['http://admin:literal-5f2a9c81@otel:4318'], /"exporters\[0\]" must be an object, got "a string"/);
});
