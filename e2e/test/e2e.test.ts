// End to end on loopback: client -> redtail proxy (the real filter) -> upstream; the filter ->
// the collector, directly and through the relay; a live tail and a query seeing each request,
// secrets nowhere on disk (inside compressed blocks and the relay's spool included), and a
// collector restart mid-run losing nothing the filter was told was delivered.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { collector as startTestCollector, tempDir, until } from '../../collector/test/helpers.js';
import { type Collector, DEFAULTS, startCollector } from '../../collector/src/index.js';
import { Host } from '../../host/src/index.js';
import { startProxy } from '../../host/src/proxy.js';
import { RELAY_DEFAULTS } from '../../relay/src/config.js';
import { startRelay } from '../../relay/src/relay.js';
import { secretsStored } from './storage.js';

const FILTER = new URL('../../../build/filter.wasm', import.meta.url).pathname;
const SECRETS = ['4111111111111111', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlMmUifQ.c2lnbmF0dXJl', 'carol@example.net', 'sid-9f8e7d6c5b4a', 'pw-e2e-hunter2'];

/** An upstream app and the proxy in front of it, the filter on two VMs shipping to `ship`. */
async function mesh(ship: string) {
  const app = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const host = new Host({ clusters: { 'redtail-collector': ship }, onLog: () => {} });
  const module = await host.load(FILTER);
  const configuration = JSON.stringify({ flush: { interval_ms: 50 }, retry: { initial_ms: 50, max_ms: 200 },
    capture: { request_headers: ['authorization', 'cookie'], body: { enabled: true } } });
  const plugins = [0, 1].map((i) => host.startPlugin(module, { vmId: `w${i}`, configuration }));
  const proxy = await startProxy({ plugins, upstream: `http://127.0.0.1:${(app.address() as AddressInfo).port}`, port: 0 });
  return {
    /** A request carrying secrets in the path, the query, the headers and the body. */
    async send(id: string): Promise<number> {
      const res = await fetch(`${proxy.url}/pay?card=${SECRETS[0]}&password=${SECRETS[4]}`, {
        method: 'POST', body: JSON.stringify({ email: SECRETS[2], password: SECRETS[4] }),
        headers: { 'x-request-id': id, authorization: `Bearer ${SECRETS[1]}`, cookie: `session=${SECRETS[3]}`, 'content-type': 'application/json' },
      });
      assert.equal(await res.text(), 'ok');
      return Date.now();
    },
    async close() {
      await proxy.close();
      // The filter drains what it holds as Envoy's shutdown lets it.
      await Promise.all(plugins.map((p) => p.close(2000)));
      app.close();
    },
  };
}

/** Records of the live tail, by request id, with the time each arrived. */
async function tailOf(collectorUrl: string): Promise<{ seen: Map<string, number>; close(): void }> {
  const ws = new WebSocket(`${collectorUrl.replace('http', 'ws')}/v1/tail`);
  const seen = new Map<string, number>();
  ws.on('message', (d) => { for (const l of String(d).split('\n')) seen.set(String(JSON.parse(l).request_id), Date.now()); });
  await new Promise((r) => ws.once('open', r));
  return { seen, close: () => ws.close() };
}

const requestIds = async (c: Collector, q = '') =>
  ((await (await fetch(`${c.url}/v1/logs?limit=100${q}`)).json()) as { records: { request_id: string }[] }).records.map((r) => r.request_id);

/** No planted secret in any file of a folder, nor inside the compressed blocks of its shards. */
function assertNoSecrets(dir: string): void {
  assert.deepEqual(secretsStored(dir, SECRETS), []);
}

/**
 * The scenario both legs share: a request tailed within 2 s and found by a query, redacted; the
 * collector stopped, requests going on, the collector back on the same port and folder; every
 * request stored exactly once.
 */
async function scenario(data: string, first: Collector, send: (id: string) => Promise<number>): Promise<Collector> {
  const port = Number(new URL(first.url).port);
  const tail = await tailOf(first.url);
  const sentAt = await send('before-restart');
  await until(() => tail.seen.has('before-restart'), 'the tail');
  assert.ok(tail.seen.get('before-restart')! - sentAt < 2000, 'tailed within 2 s of the response');
  const found = await (await fetch(`${first.url}/v1/logs?request_id=before-restart`)).json() as { records: { path: string }[] };
  assert.equal(found.records[0]!.path, '/pay?card=[CREDIT_CARD]&password=[SECRET_PARAM]');

  tail.close();
  await first.close();
  for (let i = 0; i < 5; i++) await send(`during-${i}`);
  const second = await startCollector({ ...structuredClone(DEFAULTS), data, port }, () => {});
  await until(async () => (await requestIds(second, '&q=during-')).length === 5, 'the records sent while the collector was down', { timeoutMs: 10_000 });
  assert.deepEqual((await requestIds(second)).sort(), ['before-restart', ...[0, 1, 2, 3, 4].map((i) => `during-${i}`)].sort(), 'every request once: none lost, none twice');
  return second;
}

test('filter -> collector: tailed within 2 s, queried, no secret stored; a collector restart loses nothing', async () => {
  const data = tempDir();
  // The collector on a port of its own choosing, kept across the restart.
  const first = await startTestCollector({ data: data.dir });
  const m = await mesh(first.url);
  const second = await scenario(data.dir, first, m.send);
  await m.close();
  await second.close();
  assertNoSecrets(data.dir);
  data.remove();
});

test('filter -> relay -> collector: the same, with the relay spooling while the collector is away', async () => {
  const data = tempDir();
  const spool = tempDir();
  const first = await startTestCollector({ data: data.dir });
  const relay = await startRelay({ ...structuredClone(RELAY_DEFAULTS), port: 0, upstream: `${first.url.replace('http', 'ws')}/v1/stream`, spool: spool.dir }, () => {});
  const m = await mesh(relay.url);
  const second = await scenario(data.dir, first, m.send);
  await until(() => relay.spool.batches === 0, 'the relay\'s spool drained');
  await m.close();
  await relay.close();
  await second.close();
  assertNoSecrets(data.dir);
  assertNoSecrets(spool.dir);
  data.remove();
  spool.remove();
});
