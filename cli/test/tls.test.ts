// redtail query and redtail tail against a collector over TLS, as real child processes, with
// certificates made by openssl for the test: --ca (or REDTAIL_CA) trusts the CA that signed the
// collector's certificate; an untrusted, expired or misnamed certificate, and the wrong scheme
// either way, fail with what to do.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { makeCertificates, requestTls } from '../../collector/test/certificates.js';
import { collector, exited, ndjson, record, spawnRedtail, tempDir, until } from '../../collector/test/helpers.js';
import { BIN, run } from './redtail.js';

const certs = makeCertificates();
after(() => certs.remove());

/** A batch of one record of now, over HTTPS. */
async function ingest(url: string, requestId: string, batch: string): Promise<void> {
  const res = await requestTls(`${url}/v1/ingest`, certs.ca, { method: 'POST', body: ndjson([record({ start_time: new Date().toISOString(), request_id: requestId })]),
    headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': batch } });
  assert.equal(res.status, 200, res.text);
}

test('redtail query over https:// with --ca or REDTAIL_CA, and refused without it, saying to pass --ca', async () => {
  const c = await collector({ tls: certs.server, retentionDays: 30 });
  await ingest(c.url, 'secure-1', 's/1');
  const withFlag = await run(['query', '--url', c.url, '--ca', certs.ca, '--json']);
  assert.equal(withFlag.code, 0, withFlag.stderr);
  assert.equal(JSON.parse(withFlag.stdout).request_id, 'secure-1');
  const withEnv = await run(['query', '--url', c.url, '--json'], { env: { REDTAIL_CA: certs.ca } });
  assert.equal(withEnv.code, 0, withEnv.stderr);
  const untrusted = await run(['query', '--url', c.url]);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /^redtail query: the collector's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): pass --ca FILE \(or REDTAIL_CA\) with the CA that signed it\n$/);
  const otherCa = await run(['query', '--url', c.url, '--ca', certs.otherCa]);
  assert.match(otherCa.stderr, /the collector's certificate is not trusted/);
  const missing = await run(['query', '--url', c.url, '--ca', `${certs.dir}/absent.pem`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /redtail query: cannot read the CA file .*absent\.pem \(--ca\)/);
  await c.stop();
});

test('redtail tail over wss:// with --ca streams records; without the CA it stops at once with the reason', async () => {
  const c = await collector({ tls: certs.server, retentionDays: 30 });
  const child = spawn(process.execPath, [BIN, 'tail', '--url', c.url, '--ca', certs.ca, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  await until(() => stderr.includes('connected to https://'), 'the tail connected');
  await ingest(c.url, 'tailed-1', 't/1');
  await until(() => stdout.includes('tailed-1'), 'the record tailed over wss://');
  child.kill('SIGINT');
  const untrusted = await run(['tail', '--url', c.url]);
  assert.equal(untrusted.code, 1, 'not retried forever');
  assert.match(untrusted.stderr, /redtail tail: the collector's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): pass --ca FILE \(or REDTAIL_CA\) with the CA that signed it/);
  await c.stop();
});

test('an expired certificate and one for another name are refused, each saying so', async () => {
  const expired = await collector({ tls: certs.expired });
  const old = await run(['query', '--url', expired.url, '--ca', certs.ca]);
  assert.equal(old.code, 1);
  assert.match(old.stderr, /redtail query: the collector's certificate has expired \(CERT_HAS_EXPIRED\): it must be renewed/);
  await expired.stop();
  const misnamed = await collector({ tls: certs.wrongName });
  for (const command of ['query', 'tail']) {
    const wrong = await run([command, '--url', misnamed.url, '--ca', certs.ca]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /the collector's certificate is not for 127\.0\.0\.1 \(it lists DNS:collector\.example\.com\): reach it by a name the certificate lists/);
  }
  await misnamed.stop();
});

test('the wrong scheme either way fails clearly: http:// to the TLS port, https:// to a plain one', async () => {
  const secure = await collector({ tls: certs.server });
  const plainToTls = await run(['query', '--url', secure.url.replace(/^https/, 'http')]);
  assert.equal(plainToTls.code, 1);
  assert.match(plainToTls.stderr, /redtail query: the collector answered 400: this port speaks HTTPS \(TLS\): use https:\/\//);
  await secure.stop();
  const plain = await collector();
  const tlsToPlain = await run(['query', '--url', plain.url.replace(/^http/, 'https'), '--ca', certs.ca]);
  assert.equal(tlsToPlain.code, 1);
  assert.match(tlsToPlain.stderr, /redtail query: 127\.0\.0\.1:\d+ does not speak TLS: use http:\/\/ or ws:\/\//);
  await plain.stop();
});

test('redtail serve --tls-cert/--tls-key listens on https://, and refuses a certificate without its key', async () => {
  const tmp = tempDir();
  const served = await spawnRedtail(['serve', '--port', '0', '--data', tmp.dir, '--tls-cert', certs.server.cert, '--tls-key', certs.server.key]);
  assert.match(served.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const queried = await run(['query', '--url', served.url, '--ca', certs.ca, '--limit', '1']);
  assert.equal(queried.code, 0, queried.stderr);
  served.child.kill('SIGTERM');
  assert.equal(await exited(served.child), 0);
  const half = await run(['serve', '--port', '0', '--data', tmp.dir, '--tls-cert', certs.server.cert]);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /redtail serve: collector config: "--tls-key" must be a PEM key file, given with --tls-cert/);
  const unpaired = await run(['serve', '--port', '0', '--data', tmp.dir, '--tls-cert', certs.server.cert, '--tls-key', certs.renewed.key]);
  assert.equal(unpaired.code, 2);
  assert.match(unpaired.stderr, /redtail serve: collector config: the TLS certificate .* do not make a pair/);
  tmp.remove();
});
