// Cross-site access to a collector on loopback: WebSocket upgrades from another site's page are
// refused, ingest takes only JSON content types, and requests addressed to a name the collector
// does not serve (DNS rebinding) are refused; programs, which send no Origin, are unaffected.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config.js';
import { hostName, servedHosts } from '../../src/http/cross-site.js';
import { collector, get, ndjson, post, record, tempDir } from '../helpers.js';

/** A request with headers fetch will not set (Host), answered with its status and JSON. */
function request(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, setHost: options.headers?.host === undefined }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a WebSocket: 'open', or the HTTP status and JSON of the refusal. */
function upgrade(url: string, path: string, options: { origin?: string; host?: string } = {}): Promise<{ open: true } | { open: false; status: number; body: Record<string, unknown> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, { origin: options.origin, headers: options.host ? { host: options.host } : {} });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve({ open: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ open: false, status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
    });
    ws.once('error', reject);
  });
}

test('a WebSocket from another site\'s page is refused with 403; programs and the collector\'s own page get in', async () => {
  const c = await collector();
  const own = c.url; // http://127.0.0.1:PORT, the origin of the collector's own page
  for (const path of ['/v1/tail', '/v1/stream']) {
    const foreign = await upgrade(c.url, path, { origin: 'https://evil.example' });
    assert.equal(foreign.open, false, `${path}: a foreign origin is refused`);
    assert.ok(!foreign.open);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'origin_not_allowed');
    assert.match(String(foreign.body.error), /page at https:\/\/evil\.example is refused.*allowed_origins/);
    assert.equal((await upgrade(c.url, path, { origin: 'null' })).open, false, `${path}: a sandboxed page is refused`);
    assert.equal((await upgrade(c.url, path, { origin: own.replace(/:\d+$/, ':1') })).open, false, `${path}: another port is another site`);
    assert.deepEqual(await upgrade(c.url, path), { open: true }, `${path}: no Origin (the CLI, the relay)`);
    assert.deepEqual(await upgrade(c.url, path, { origin: own }), { open: true }, `${path}: the collector's own page`);
  }
  assert.ok(c.logs.some((l) => l.event === 'upgrade_refused' && l.reason === 'origin_not_allowed'));
  await c.stop();
  const listed = await collector({ allowedOrigins: ['https://grafana.example.com'] });
  assert.deepEqual(await upgrade(listed.url, '/v1/tail', { origin: 'https://grafana.example.com' }), { open: true }, 'a listed origin');
  assert.equal((await upgrade(listed.url, '/v1/tail', { origin: 'https://evil.example' })).open, false);
  await listed.stop();
});

test('ingest takes JSON content types only: text/plain or none (what a page can send without a preflight) gets 415', async () => {
  const c = await collector();
  const body = ndjson([record({ request_id: 'cross-site' })]);
  for (const headers of <Record<string, string>[]>[{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'multipart/form-data; boundary=x' }, {}]) {
    const res = await request(c.url, '/v1/ingest', { method: 'POST', headers, body });
    assert.equal(res.status, 415, JSON.stringify(headers));
    assert.equal(res.json.code, 'unsupported_media_type');
    assert.match(String(res.json.error), /content-type: application\/x-ndjson.*application\/json/);
  }
  assert.deepEqual((await get(c.url, '/v1/logs')).json.records, [], 'nothing was stored');
  assert.equal((await post(c.url, body, { 'content-type': 'application/x-ndjson; charset=utf-8' })).status, 200);
  assert.equal((await post(c.url, JSON.stringify([record({ request_id: 'array' })]), { 'content-type': 'Application/JSON' })).status, 200);
  assert.match(await (await fetch(`${c.url}/metrics`)).text(), /^redtail_batches_rejected_total\{reason="media_type"\} 4$/m);
  await c.stop();
});

test('requests addressed to a name the collector does not serve are refused (DNS rebinding); loopback names and the filter\'s authority are served', async () => {
  const c = await collector();
  await post(c.url, ndjson([record()]));
  const { port } = new URL(c.url);
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`]) {
    const res = await request(c.url, '/v1/logs', { headers: { host } });
    assert.equal(res.status, 403, host);
    assert.equal(res.json.code, 'host_not_allowed');
    assert.match(String(res.json.error), /does not answer to the name .*localhost, 127\.0\.0\.1, \[::1\], redtail-collector.*allowed_hosts/);
    assert.equal((await request(c.url, '/v1/ingest', { method: 'POST', headers: { host, 'content-type': 'application/x-ndjson' }, body: ndjson([record()]) })).status, 403);
    const ws = await upgrade(c.url, '/v1/tail', { host });
    assert.ok(!ws.open && ws.status === 403 && ws.body.code === 'host_not_allowed', `upgrade with Host ${host}`);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, 'redtail-collector', `redtail-collector:${port}`]) {
    assert.equal((await request(c.url, '/v1/logs', { headers: { host } })).status, 200, host);
  }
  assert.equal((await get(c.url, '/v1/logs')).status, 200);
  await c.stop();
  const named = await collector({ allowedHosts: ['collector.internal'] });
  assert.equal((await request(named.url, '/healthz', { headers: { host: 'collector.internal:9900' } })).status, 200, 'a configured name');
  assert.equal((await request(named.url, '/healthz', { headers: { host: 'localhost' } })).status, 403, 'configured names replace the defaults');
  await named.stop();
});

test('the names served: configured, else loopback names on loopback, else any; config refuses names with ports and origins with paths', () => {
  assert.deepEqual(servedHosts('127.0.0.1', undefined), ['localhost', '127.0.0.1', '[::1]', 'redtail-collector']);
  assert.equal(servedHosts('0.0.0.0', undefined), '*', 'elsewhere tokens are required, and a browser sends none by itself');
  assert.deepEqual(servedHosts('0.0.0.0', ['Collector.Example']), ['collector.example']);
  assert.equal(servedHosts('127.0.0.1', ['*']), '*');
  assert.deepEqual(['a:1', '[::1]:9900', 'B', '[::1]'].map(hostName), ['a', '[::1]', 'b', '[::1]']);
  const tmp = tempDir();
  const file = join(tmp.dir, 'c.json');
  const load = (o: object) => {
    writeFileSync(file, JSON.stringify(o));
    return loadConfig({ file });
  };
  assert.deepEqual(load({ allowed_hosts: ['collector.internal', '[::1]'], allowed_origins: ['https://grafana.example.com'] }).allowedHosts, ['collector.internal', '[::1]']);
  assert.throws(() => load({ allowed_hosts: ['collector.internal:9900'] }), (e: Error) => e instanceof ConfigError && /"allowed_hosts" must be host names without port/.test(e.message));
  assert.throws(() => load({ allowed_origins: ['https://grafana.example.com/'] }), /"allowed_origins" must be origins written as browsers send them/);
  assert.deepEqual(loadConfig({ env: { REDTAIL_ALLOWED_HOSTS: 'a.example, b.example', REDTAIL_ALLOWED_ORIGINS: 'http://x.example:3000' } }).allowedOrigins, ['http://x.example:3000']);
  assert.equal(DEFAULTS.allowedHosts, undefined);
  tmp.remove();
});
