// The collector over TLS, with certificates made by openssl for the test: HTTPS and WSS on its one
// port, plain HTTP on that port answered with what to do, a renewed certificate picked up on
// SIGHUP and when its files change, and a bad certificate refused at start.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import WebSocket from 'ws';
import { ConfigError } from '../../src/config-error.js';
import { createServer } from '../../src/http/tls.js';
import { makeCertificates, requestTls } from '../certificates.js';
import { collector, ndjson, record, until } from '../helpers.js';

const certs = makeCertificates();
after(() => certs.remove());
const ca = readFileSync(certs.ca);

const request = (url: string, options: Parameters<typeof requestTls>[2] = {}) => requestTls(url, certs.ca, options);

/** The SHA-256 fingerprint of the certificate a TLS server at `url` presents. */
async function presented(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = tls.connect({ host: hostname, port: Number(port), ca });
  await once(socket, 'secureConnect');
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

test('with a certificate the one port serves HTTPS and WSS: ingest, stream, tail, query, health, metrics and the page', async () => {
  const c = await collector({ tls: certs.server, retentionDays: 30 });
  assert.match(c.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(c.logs.find((l) => l.event === 'listening')?.tls, certs.server.cert);
  const wss = c.url.replace(/^https/, 'wss');
  const tail = new WebSocket(`${wss}/v1/tail`, { ca });
  const tailed: string[] = [];
  tail.on('message', (m) => tailed.push(String(m)));
  await once(tail, 'open');
  const now = new Date().toISOString();
  const posted = await request(`${c.url}/v1/ingest`, { method: 'POST', body: ndjson([record({ start_time: now, request_id: 'over-https' })]),
    headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'tls/1' } });
  assert.equal(posted.status, 200, posted.text);
  const stream = new WebSocket(`${wss}/v1/stream`, { ca });
  await once(stream, 'open');
  stream.send(JSON.stringify({ batch: 'tls/2', records: [record({ start_time: now, request_id: 'over-wss' })] }));
  const [ack] = await once(stream, 'message');
  assert.equal((JSON.parse(String(ack)) as { ack: string }).ack, 'tls/2');
  stream.close();
  await until(() => tailed.join('').includes('over-wss') && tailed.join('').includes('over-https'), 'both records tailed over WSS');
  tail.close();
  const found = JSON.parse((await request(`${c.url}/v1/logs`)).text) as { records: { request_id: string }[] };
  assert.deepEqual(found.records.map((r) => r.request_id).sort(), ['over-https', 'over-wss']);
  assert.equal((await request(`${c.url}/healthz`)).status, 200);
  assert.match((await request(`${c.url}/metrics`)).text, /^redtail_records_ingested_total 2$/m);
  assert.match((await request(`${c.url}/`)).text, /<html/i);
  await c.stop();
});

test('plain HTTP to the TLS port is answered 400 saying to use https://', async () => {
  const c = await collector({ tls: certs.server });
  const res = await fetch(`${c.url.replace(/^https/, 'http')}/healthz`);
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { error: 'this port speaks HTTPS (TLS): use https:// (wss:// for WebSockets)', code: 'tls_required' });
  assert.equal((await request(`${c.url}/healthz`)).status, 200, 'and HTTPS still works');
  await c.stop();
});

test('a renewed certificate is served after SIGHUP; a pair that does not match is logged and the last good one kept', async () => {
  const files = { cert: join(certs.dir, 'sighup.crt'), key: join(certs.dir, 'sighup.key') };
  copyFileSync(certs.server.cert, files.cert);
  copyFileSync(certs.server.key, files.key);
  const c = await collector({ tls: files });
  assert.equal(await presented(c.url), fingerprint(certs.server.cert));
  copyFileSync(certs.renewed.cert, files.cert);
  copyFileSync(certs.renewed.key, files.key);
  process.kill(process.pid, 'SIGHUP');
  await until(() => c.logs.find((l) => l.event === 'tls_reloaded' && l.reason === 'SIGHUP'), 'the reload on SIGHUP');
  assert.equal(await presented(c.url), fingerprint(certs.renewed.cert));
  copyFileSync(certs.server.key, files.key); // the renewed certificate with the old key: not a pair
  process.kill(process.pid, 'SIGHUP');
  const failed = await until(() => c.logs.find((l) => l.event === 'tls_reload_failed'), 'the failed reload logged');
  assert.match(String(failed.error), /do not make a pair/);
  assert.equal(await presented(c.url), fingerprint(certs.renewed.cert), 'still the last good certificate');
  assert.equal((await request(`${c.url}/healthz`)).status, 200);
  await c.stop();
});

test('certificate files rewritten in place are picked up without a signal', async () => {
  const files = { cert: join(certs.dir, 'watched.crt'), key: join(certs.dir, 'watched.key') };
  copyFileSync(certs.server.cert, files.cert);
  copyFileSync(certs.server.key, files.key);
  const logs: Record<string, unknown>[] = [];
  const served = createServer((_req, res) => res.end('ok'), files, { program: 'collector', log: (e) => logs.push(e), watchIntervalMs: 20 });
  served.server.listen(0, '127.0.0.1');
  await once(served.server, 'listening');
  const url = `https://127.0.0.1:${(served.server.address() as { port: number }).port}`;
  assert.equal(await presented(url), fingerprint(certs.server.cert));
  copyFileSync(certs.renewed.key, files.key);
  copyFileSync(certs.renewed.cert, files.cert);
  // The key may be seen changed before the certificate (a reload that fails); the only pair that loads is the renewed one.
  await until(() => logs.find((l) => l.event === 'tls_reloaded'), 'the reload on the files\' change');
  assert.equal(await presented(url), fingerprint(certs.renewed.cert));
  served.stop();
  served.server.close();
});

test('a missing file or a key of another certificate is refused at start, naming the files', async () => {
  await assert.rejects(collector({ tls: { cert: certs.server.cert, key: join(certs.dir, 'absent.key') } }),
    (err) => err instanceof ConfigError && /cannot read the TLS key .*absent\.key/.test(err.message));
  await assert.rejects(collector({ tls: { cert: certs.server.cert, key: certs.renewed.key } }),
    (err) => err instanceof ConfigError && /the TLS certificate .*server\.pem and key .*renewed\.key do not make a pair/.test(err.message));
});
