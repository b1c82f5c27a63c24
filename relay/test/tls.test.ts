// The relay over TLS, with certificates made by openssl for the test: it serves HTTPS to sidecars,
// forwards over WSS to a collector whose certificate its --ca signed, and without that CA keeps
// the batches spooled and logs why.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../../collector/src/index.js';
import { makeCertificates, requestTls } from '../../collector/test/certificates.js';
import { collector, ndjson, post, record, tempDir, until } from '../../collector/test/helpers.js';
import { loadRelayConfig } from '../src/config.js';
import { startRelay } from '../src/relay.js';

const certs = makeCertificates();
after(() => certs.remove());

async function relayTo(upstream: string, flags: Record<string, string>) {
  const spool = tempDir();
  const logs: Record<string, unknown>[] = [];
  const config = loadRelayConfig({ upstream: `${upstream.replace(/^http/, 'ws')}/v1/stream`, listen: '0', spool: join(spool.dir, 'spool'), ...flags }, {});
  const relay = await startRelay(config, (e) => logs.push(e));
  return { ...relay, logs, stop: async () => { await relay.close(); spool.remove(); } };
}

test('the relay serves HTTPS and forwards over WSS to a collector whose certificate --ca signed', async () => {
  const c = await collector({ tls: certs.server, retentionDays: 30 });
  const relay = await relayTo(c.url, { ca: certs.ca, 'tls-cert': certs.server.cert, 'tls-key': certs.server.key });
  assert.match(relay.url, /^https:\/\//);
  const posted = await requestTls(`${relay.url}/v1/ingest`, certs.ca, { method: 'POST', body: ndjson([record({ start_time: new Date().toISOString(), request_id: 'via-relay' })]),
    headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'edge/1' } });
  assert.equal(posted.status, 200, posted.text);
  await until(() => relay.forwarder.forwarded === 1, 'the batch acknowledged over WSS');
  assert.equal(c.store.list().length, 1, 'stored in the collector');
  await relay.stop();
  await c.stop();
});

test('without the CA the relay keeps the batch spooled and logs that the certificate is not trusted, naming --ca', async () => {
  const c = await collector({ tls: certs.server, retentionDays: 30 });
  const relay = await relayTo(c.url, {});
  assert.equal((await post(relay.url, ndjson([record({ start_time: new Date().toISOString() })]), { 'x-redtail-batch': 'edge/1' })).status, 200);
  const unreachable = await until(() => relay.logs.find((l) => l.event === 'upstream_unreachable'), 'the refused connection logged');
  assert.equal(unreachable.level, 'error');
  assert.match(String(unreachable.hint), /the collector's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): pass --ca FILE \(or REDTAIL_CA\) with the CA that signed it/);
  assert.equal(relay.forwarder.connected, false);
  assert.equal(relay.spool.batches, 1, 'the batch waits in the spool');
  await relay.stop();
  await c.stop();
});

test('ws:// to a collector serving TLS: the relay logs the collector\'s answer, which says to use wss://', async () => {
  const c = await collector({ tls: certs.server });
  const relay = await relayTo(c.url.replace(/^https/, 'http'), {});
  const refused = await until(() => relay.logs.find((l) => l.event === 'upstream_refused'), 'the refusal logged');
  assert.equal(refused.status, 400);
  assert.equal(refused.error, 'this port speaks HTTPS (TLS): use https:// (wss:// for WebSockets)');
  await relay.stop();
  await c.stop();
});

test('--ca and --tls-cert/--tls-key mistakes are refused at start, naming the flag', async () => {
  const upstream = 'wss://collector:9900/v1/stream';
  assert.throws(() => loadRelayConfig({ upstream, ca: join(certs.dir, 'absent.pem') }, {}), (err) => err instanceof ConfigError && /cannot read the CA file .*absent\.pem \(--ca\)/.test(err.message));
  assert.throws(() => loadRelayConfig({ upstream, ca: certs.server.key }, {}), /holds no PEM certificate/);
  assert.throws(() => loadRelayConfig({ upstream }, { REDTAIL_CA: join(certs.dir, 'absent.pem') }), /\(REDTAIL_CA\)/);
  assert.throws(() => loadRelayConfig({ upstream, 'tls-cert': certs.server.cert }, {}), /relay config: "--tls-key \(or REDTAIL_TLS_KEY\)" must be a PEM key file/);
  const mismatched = loadRelayConfig({ upstream, listen: '0', spool: join(certs.dir, 'never'), 'tls-cert': certs.server.cert, 'tls-key': certs.renewed.key }, {});
  await assert.rejects(startRelay(mismatched, () => {}), /relay config: the TLS certificate .* do not make a pair/);
});
