// redtail proxy as a child process: the filter on every request, shipping to a real collector;
// its metrics on the admin port; an https:// cluster trusted with --ca; a configuration the filter
// refuses stops it with the filter's words.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeCertificates } from '../../collector/test/certificates.js';
import { collector, get, until } from '../../collector/test/helpers.js';
import { BIN, proxyProcess } from './redtail.js';

/** An app that answers hello, behind the proxy. */
async function app(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((_req, res) => res.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('redtail proxy runs the filter on every request and its records reach the collector', async () => {
  const c = await collector();
  const upstream = await app();
  const dir = mkdtempSync(join(tmpdir(), 'redtail-proxy-'));
  writeFileSync(join(dir, 'filter.json'), JSON.stringify({ flush: { interval_ms: 50 } }));
  const urls = await proxyProcess(['--upstream', upstream.url, '--cluster', `redtail-collector=${c.url}`, '--filter-config', join(dir, 'filter.json'), '--workers', '2']);
  const { child } = urls;
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${urls.proxy}/hi?password=hunter2`);
    assert.equal(await res.text(), 'hello');
  }
  const t0 = Date.now();
  let records: { path: string }[] = [];
  while (records.length < 4 && Date.now() - t0 < 3000) {
    await new Promise((r) => setTimeout(r, 50));
    records = (await get(c.url, '/v1/logs')).json.records as { path: string }[];
  }
  assert.equal(records.length, 4);
  assert.ok(records.every((r) => r.path === '/hi?password=[SECRET_PARAM]'));
  const metrics = await (await fetch(`${urls.admin}/stats/prometheus`)).text();
  assert.match(metrics, /^redtail_batches_sent [1-9]/m);
  for (const vm of ['worker-0', 'worker-1']) {
    const size = Number(new RegExp(`^redtail_host_vm_memory_bytes\\{vm="${vm}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.ok(size > 0 && size % 65536 === 0, `${vm}'s linear memory, whole wasm pages: ${size}`);
  }
  assert.equal((await fetch(`${urls.admin}/stats/profile`)).status, 404, 'no profile unless asked for: its timers cost a little per call');
  assert.match(urls.stderr(), /\[info\]\[wasm\] wasm log redtail redtail worker-0: redtail: configured/);
  assert.match(urls.stderr(), /listening on \S+ -> \S+, 2 workers running \/\S+\/build\/filter\.wasm \([\d,]+ bytes\); admin /, 'the start line names the module it runs');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  upstream.close();
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('--profile times each callback into the filter and each host call it makes, on the admin\'s /stats/profile', async () => {
  const c = await collector();
  const upstream = await app();
  const urls = await proxyProcess(['--upstream', upstream.url, '--cluster', `redtail-collector=${c.url}`, '--workers', '1', '--profile']);
  for (let i = 0; i < 3; i++) assert.equal(await (await fetch(`${urls.proxy}/hi`)).text(), 'hello');
  type Stats = Record<string, { calls: number; ns: number }>;
  const profile = (await (await fetch(`${urls.admin}/stats/profile`)).json()) as { callbacks: Stats; hostCalls: Stats };
  assert.equal(profile.callbacks.proxy_on_log!.calls, 3, 'one log callback a request');
  assert.ok(profile.callbacks.proxy_on_log!.ns > 0);
  assert.ok(profile.hostCalls.proxy_get_header_map_pairs!.calls >= 6, 'both header maps of each request, read at log time');
  assert.ok(profile.callbacks.proxy_on_log!.ns >= profile.hostCalls.proxy_get_header_map_pairs!.ns, 'a callback\'s time holds its host calls');
  urls.child.kill('SIGTERM');
  upstream.close();
  await c.stop();
});

test('a configuration the filter refuses stops the proxy with the filter\'s own message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-proxy-'));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ flush: { interval_ms: 'fast' } }));
  const r = spawnSync(process.execPath, [BIN, 'proxy', '--listen', '0', '--admin', '0', '--filter-config', join(dir, 'bad.json')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the filter was refused: .*"flush.interval_ms" must be an integer from 10 to 60000, got "fast"/);
  rmSync(dir, { recursive: true, force: true });
});

test('--vm-env gives the filter\'s VMs the ingest token its configuration names (token_env), so it ships; without it the proxy refuses to start, naming the flag', async () => {
  const INGEST = 'ingest-token-from-the-environment-0123';
  const c = await collector({ tokens: [{ token: INGEST, scopes: ['ingest'] }] });
  const upstream = await app();
  const dir = mkdtempSync(join(tmpdir(), 'redtail-proxy-'));
  writeFileSync(join(dir, 'filter.json'), JSON.stringify({ flush: { interval_ms: 50 }, collector: { token_env: 'REDTAIL_INGEST_TOKEN' } }));
  const common = ['--upstream', upstream.url, '--cluster', `redtail-collector=${c.url}`, '--filter-config', join(dir, 'filter.json'), '--workers', '1'];
  const refused = spawnSync(process.execPath, [BIN, 'proxy', '--listen', '0', '--admin', '0', ...common], { encoding: 'utf8' });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /REDTAIL_INGEST_TOKEN.*--vm-env REDTAIL_INGEST_TOKEN/);
  const unset = spawnSync(process.execPath, [BIN, 'proxy', '--listen', '0', '--admin', '0', '--vm-env', 'REDTAIL_INGEST_TOKEN', ...common], { encoding: 'utf8', env: { ...process.env, REDTAIL_INGEST_TOKEN: undefined } });
  assert.equal(unset.status, 2);
  assert.match(unset.stderr, /--vm-env REDTAIL_INGEST_TOKEN: this process has no REDTAIL_INGEST_TOKEN/);
  process.env.REDTAIL_INGEST_TOKEN = INGEST;
  const p = await proxyProcess(['--vm-env', 'REDTAIL_INGEST_TOKEN', ...common]).finally(() => delete process.env.REDTAIL_INGEST_TOKEN);
  assert.equal(await (await fetch(`${p.proxy}/with-env-token`)).text(), 'hello');
  await until(() => c.store.list().length > 0, 'the record shipped with the token from the environment');
  p.child.kill('SIGTERM');
  upstream.close();
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('an https:// cluster: with --ca the filter ships to a collector serving TLS; without it the calls fail and nothing ships', async () => {
  const certs = makeCertificates();
  const c = await collector({ tls: certs.server, retentionDays: 30 });
  const upstream = await app();
  const dir = mkdtempSync(join(tmpdir(), 'redtail-proxy-'));
  writeFileSync(join(dir, 'filter.json'), JSON.stringify({ flush: { interval_ms: 50 } }));
  const common = ['--upstream', upstream.url, '--cluster', `redtail-collector=${c.url}`, '--filter-config', join(dir, 'filter.json'), '--workers', '1'];
  const trusting = await proxyProcess([...common, '--ca', certs.ca]);
  assert.equal(await (await fetch(`${trusting.proxy}/over-tls`)).text(), 'hello');
  await until(() => c.store.list().length > 0, 'the record stored by the collector over TLS');
  trusting.child.kill('SIGTERM');
  const untrusting = await proxyProcess(common);
  assert.equal(await (await fetch(`${untrusting.proxy}/refused`)).text(), 'hello', 'requests go on');
  let metrics = '';
  for (let i = 0; i < 400 && !/^redtail_batch_failures [1-9]/m.test(metrics); i++) {
    await new Promise((r) => setTimeout(r, 25));
    metrics = await (await fetch(`${untrusting.admin}/stats/prometheus`)).text();
  }
  assert.match(metrics, /^redtail_batch_failures [1-9]/m, 'the call failed: the certificate is not trusted');
  assert.doesNotMatch(metrics, /^redtail_batches_sent [1-9]/m, 'nothing shipped without the CA');
  untrusting.child.kill('SIGTERM');
  upstream.close();
  await c.stop();
  certs.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('--filter none: the proxy with no module passes requests and answers through, adding a request id', async () => {
  const echo = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-answer': 'yes' });
      res.end(JSON.stringify({ method: req.method, url: req.url, token: req.headers['x-token'], id: req.headers['x-request-id'], host: req.headers.host, body }));
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const urls = await proxyProcess(['--upstream', `http://127.0.0.1:${(echo.address() as AddressInfo).port}`, '--filter', 'none']);
  assert.match(urls.stderr(), /no filter/);
  const res = await fetch(`${urls.proxy}/orders?page=2`, { method: 'POST', headers: { 'x-token': 't1' }, body: 'a body' });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('x-answer'), 'yes');
  const seen = await res.json() as Record<string, string>;
  assert.deepEqual({ ...seen, id: undefined }, { method: 'POST', url: '/orders?page=2', token: 't1', id: undefined, host: new URL(urls.proxy).host, body: 'a body' });
  assert.match(seen.id!, /^[0-9a-f-]{36}$/);
  const exited = new Promise((r) => urls.child.once('exit', r));
  urls.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  echo.close();
});
