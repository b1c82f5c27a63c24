// End to end on loopback: client -> redtail proxy (the real filter) -> upstream, the filter ->
// the collector, a live tail and a query seeing each request, secrets nowhere in the data folder
// (inside compressed blocks included), and a collector restart mid-run losing nothing.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { collector as startTestCollector, tempDir } from '../../collector/test/helpers.js';
import { DEFAULTS } from '../../collector/src/config.js';
import { startCollector } from '../../collector/src/server.js';
import { Host } from '../../host/src/index.js';
import { startProxy } from '../../host/src/proxy.js';

const FILTER = new URL('../../../build/filter.wasm', import.meta.url).pathname;

test('a request through the proxy is tailed within 2 s, found by a query, and its secrets are stored nowhere; a collector restart loses nothing', async () => {
  const data = tempDir();
  // The collector on a fixed port, so it can come back where the filter expects it.
  const first = await startTestCollector({ data: data.dir });
  const port = Number(new URL(first.url).port);
  const app = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const host = new Host({ clusters: { 'redtail-collector': first.url }, onLog: () => {} });
  const module = await host.load(FILTER);
  const configuration = JSON.stringify({ flush: { interval_ms: 50 }, retry: { initial_ms: 50, max_ms: 200 },
    capture: { request_headers: ['authorization', 'cookie'], body: { enabled: true } } });
  const plugins = [0, 1].map((i) => host.startPlugin(module, { vmId: `w${i}`, configuration }));
  const proxy = await startProxy({ plugins, upstream: `http://127.0.0.1:${(app.address() as AddressInfo).port}`, port: 0 });

  const tail = new WebSocket(`${first.url.replace('http', 'ws')}/v1/tail`);
  const tailed = new Map<string, number>();
  tail.on('message', (d) => { for (const l of String(d).split('\n')) tailed.set(String(JSON.parse(l).request_id), Date.now()); });
  await new Promise((r) => tail.once('open', r));

  const secrets = ['4111111111111111', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlMmUifQ.c2lnbmF0dXJl', 'carol@example.net', 'sid-9f8e7d6c5b4a', 'pw-e2e-hunter2'];
  const send = async (id: string) => {
    const res = await fetch(`${proxy.url}/pay?card=${secrets[0]}&password=${secrets[4]}`, {
      method: 'POST', body: JSON.stringify({ email: secrets[2], password: secrets[4] }),
      headers: { 'x-request-id': id, authorization: `Bearer ${secrets[1]}`, cookie: `session=${secrets[3]}`, 'content-type': 'application/json' },
    });
    assert.equal(await res.text(), 'ok');
    return Date.now();
  };
  const sentAt = await send('before-restart');
  const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 5000) => {
    const t0 = Date.now();
    while (!(await cond())) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until('the tail', () => tailed.has('before-restart'));
  assert.ok(tailed.get('before-restart')! - sentAt < 2000, 'tailed within 2 s of the response');
  const found = await (await fetch(`${first.url}/v1/logs?request_id=before-restart`)).json() as { records: { path: string }[] };
  assert.equal(found.records[0]!.path, '/pay?card=[CREDIT_CARD]&password=[SECRET_PARAM]');

  // The collector goes away mid-run; requests go on; it comes back on the same port.
  tail.close();
  await first.close();
  for (let i = 0; i < 5; i++) await send(`during-${i}`);
  const second = await startCollector({ ...structuredClone(DEFAULTS), data: data.dir, port }, () => {});
  const count = async () => ((await (await fetch(`${second.url}/v1/logs?q=during-&limit=100`)).json()) as { records: unknown[] }).records.length;
  await until('the records sent while the collector was down', async () => (await count()) === 5);
  const all = (await (await fetch(`${second.url}/v1/logs?limit=100`)).json()) as { records: { request_id: string }[] };
  assert.equal(all.records.length, 6, 'every request once: none lost, none twice');

  await proxy.close();
  await Promise.all(plugins.map((p) => p.close(2000)));
  await second.close();
  app.close();
  for (const file of readdirSync(data.dir)) {
    const bytes = readFileSync(join(data.dir, file));
    for (const s of secrets) assert.ok(!bytes.includes(s), `${s} in ${file}`);
    if (!file.endsWith('.db')) continue;
    const db = new Database(join(data.dir, file), { readonly: true });
    const text = (db.prepare('SELECT data FROM blocks').pluck().all() as Buffer[]).map((b) => inflateRawSync(b).toString()).join('\n');
    db.close();
    for (const s of secrets) assert.ok(!text.includes(s), `${s} inside a block of ${file}`);
  }
  data.remove();
});
