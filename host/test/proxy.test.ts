// The dev proxy with real sockets: client -> proxy (filter in the host) -> upstream, on loopback.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startFilter } from '../../filter/test/harness.js';
import { startProxy } from '../src/proxy.js';
import { startProbe } from './probe.js';

async function upstream() {
  const seen: { headers: http.IncomingHttpHeaders; body: string; url: string }[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body, url: req.url! });
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ echo: body.length, path: req.url }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

test('requests go through the real filter to the upstream and back; records reach the collector', async (t) => {
  const up = await upstream();
  const f = await startFilter({ capture: { request_headers: ['content-type', 'authorization'], body: { enabled: true } } });
  const second = f.host.startPlugin(f.plugin.vm.module, { configuration: JSON.stringify({ flush: { interval_ms: 20 }, capture: { body: { enabled: true } } }) });
  const proxy = await startProxy({ plugins: [f.plugin, second], upstream: up.url, port: 0 });
  // Closed whatever happens, so a failed assertion fails this test instead of holding the file open.
  t.after(async () => {
    await proxy.close();
    await second.close(10);
    await f.stop();
    await up.close();
  });
  const get = await fetch(`${proxy.url}/orders?token=abc`, { headers: { authorization: 'Bearer s3cr3t-value-123' } });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get('x-upstream'), 'yes');
  assert.deepEqual(await get.json(), { echo: 0, path: '/orders?token=abc' });
  assert.match(String(up.seen[0]!.headers['x-request-id']), /^[0-9a-f-]{36}$/, 'a request id is generated when absent');
  assert.equal(up.seen[0]!.headers.authorization, 'Bearer s3cr3t-value-123', 'the upstream gets the request untouched');
  const post = await fetch(`${proxy.url}/pay`, { method: 'POST', body: JSON.stringify({ card: '4111 1111 1111 1111' }), headers: { 'content-type': 'application/json' } });
  assert.deepEqual(await post.json(), { echo: 30, path: '/pay' });
  const missing = await fetch(`${proxy.url}/missing`);
  assert.equal(missing.status, 404);
  await missing.text();
  const records = await f.records(3);
  const byPath = (p: string) => records.find((r) => String(r.path).startsWith(p))!;
  assert.equal(byPath('/orders').path, '/orders?token=[SECRET_PARAM]');
  assert.deepEqual(byPath('/orders').request_headers, { authorization: 'Bearer [BEARER_TOKEN]' });
  assert.equal(byPath('/orders').protocol, 'HTTP/1.1');
  assert.match(String(byPath('/orders').downstream_remote_address), /^127\.0\.0\.1:\d+$/);
  assert.match(String(byPath('/orders').upstream_host), /^127\.0\.0\.1:\d+$/);
  assert.equal(byPath('/pay').request_body, '{"card":"[CREDIT_CARD]"}');
  assert.equal(byPath('/pay').bytes_received, 30);
  assert.equal(byPath('/missing').response_code, 404);
});

test('requests on a kept-alive upstream connection each name the upstream, and add no listener to its socket', async (t) => {
  const up = await upstream();
  const f = await startFilter({});
  const proxy = await startProxy({ plugins: [f.plugin], upstream: up.url, port: 0 });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  t.after(async () => {
    process.off('warning', onWarning);
    await proxy.close();
    await f.stop();
    await up.close();
  });
  const n = 40;
  for (let i = 0; i < n; i++) await (await fetch(`${proxy.url}/k/${i}`)).text();
  const records = await f.records(n);
  assert.deepEqual(records.filter((r) => !/^127\.0\.0\.1:\d+$/.test(String(r.upstream_host))).map((r) => r.path), [], 'records without upstream_host');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(warnings, []);
});

test('answers without a body (content-length 0, 204, HEAD) give the upstream connection back for the next request', async (t) => {
  let connections = 0;
  const srv = http.createServer((req, res) => {
    if (req.url === '/nothing') res.writeHead(200, { 'content-length': '0' });
    else res.writeHead(req.url === '/gone' ? 204 : 200, { 'content-type': 'text/plain' });
    res.end(req.url === '/text' ? 'x' : undefined);
  });
  srv.on('connection', () => connections++);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const f = await startFilter({});
  const proxy = await startProxy({ plugins: [f.plugin], upstream: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, port: 0 });
  t.after(async () => {
    await proxy.close();
    await f.stop();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  });
  for (let i = 0; i < 30; i++) {
    const path = ['/nothing', '/gone', '/text'][i % 3]!;
    const res = await fetch(`${proxy.url}${path}`, { method: i % 5 === 4 ? 'HEAD' : 'GET' });
    await res.arrayBuffer();
  }
  // The client may ask again in the moment before the finished socket is back in the pool.
  assert.ok(connections <= 2, `${connections} upstream connections for 30 requests made one after another: they were not given back`);
  assert.equal((await f.records(30)).length, 30);
});

test('an unreachable upstream is Envoy\'s local 503 with the UF flag, and it is recorded', async () => {
  const up = await upstream();
  await up.close();
  const f = await startFilter({});
  const proxy = await startProxy({ plugins: [f.plugin], upstream: up.url, port: 0 });
  const res = await fetch(`${proxy.url}/x`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /^upstream connect error or disconnect\/reset before headers/);
  const [r] = await f.records(1);
  assert.equal(r!.response_code, 503);
  assert.equal(r!.response_flags, 'UF');
  await proxy.close();
  await f.stop();
});

test('a module\'s local reply and a paused request behave as in Envoy', async () => {
  const up = await upstream();
  const p = await startProbe([
    'configure: tick 15',
    'tick: effective 2; continue 0; effective 3; continue 0; effective 4; continue 0',
    'request_headers: get 0 x-request-id',
  ].join('\n'));
  const proxy = await startProxy({ plugins: [p.plugin], upstream: up.url, port: 0 });
  const denied = await fetch(`${proxy.url}/a`, { headers: { 'x-probe-request-headers': 'reply 403 no blocked' } });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get('x-probe-reply'), 'yes');
  assert.equal(await denied.text(), 'no');
  assert.equal(up.seen.length, 0, 'the upstream never saw it');
  const paused = await fetch(`${proxy.url}/b`, { headers: { 'x-probe-request-headers': 'pause' } });
  assert.equal(paused.status, 200, 'continued from the tick');
  await paused.text();
  assert.equal(up.seen.length, 1);
  assert.ok(p.lines().filter((l) => l.startsWith('cb log ')).length >= 2, 'each request ended with log');
  await proxy.close();
  await p.plugin.close(10);
  await up.close();
});

test('trailers both ways: the module sees them last (the body never at end of stream), may change them, and they go on', async () => {
  // An upstream that answers with the trailers it got, as trailers of its own.
  const got: Record<string, string>[] = [];
  const srv = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got.push(req.trailers as Record<string, string>);
      res.writeHead(200, { trailer: 'x-checksum' });
      res.write('part one;');
      res.addTrailers({ 'x-checksum': `sum-${req.trailers['x-checksum']}` });
      res.end('part two');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = await startProbe();
  const proxy = await startProxy({ plugins: [p.plugin], upstream: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, port: 0 });
  const answer = await new Promise<{ body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
    const req = http.request(`${proxy.url}/upload`, {
      method: 'POST',
      headers: { trailer: 'x-checksum', 'x-probe-request-trailers': 'add 1 x-added-by-module yes', 'x-probe-response-trailers': 'add 3 x-response-added yes' },
    }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ body, trailers: res.trailers }));
    });
    req.on('error', reject);
    req.write('chunk one;');
    req.addTrailers({ 'x-checksum': 'abc123' });
    req.end('chunk two');
  });
  assert.equal(answer.body, 'part one;part two');
  assert.deepEqual(got, [{ 'x-checksum': 'abc123', 'x-added-by-module': 'yes' }], 'the upstream got the trailers, with the module\'s addition');
  assert.deepEqual(answer.trailers, { 'x-checksum': 'sum-abc123', 'x-response-added': 'yes' }, 'the client got the response trailers, with the module\'s addition');
  const callbacks = p.lines().filter((l) => /^cb (request|response)_(body|trailers) /.test(l)).map((l) => l.replace(/^cb (\S+) \d+ (\d+) (\d+)$/, '$1 $2 $3'));
  assert.ok(callbacks.includes('request_trailers 1 0') && callbacks.includes('response_trailers 1 0'), callbacks.join('\n'));
  assert.ok(callbacks.filter((c) => c.startsWith('request_body') || c.startsWith('response_body')).every((c) => c.endsWith(' 0')), `no body callback at end of stream:\n${callbacks.join('\n')}`);
  const lastRequestBody = callbacks.map((c) => c.startsWith('request_body')).lastIndexOf(true);
  assert.ok(lastRequestBody >= 0 && callbacks.indexOf('request_trailers 1 0') > lastRequestBody, 'request trailers after the request body');
  await proxy.close();
  await p.plugin.close(10);
  srv.closeAllConnections();
  srv.close();
});

test('the upstream\'s content-length goes on as the module leaves it: kept, the answer is not chunked; removed, it is; kept with a body changed, the answer is cut short, not sent wrong', async () => {
  const srv = http.createServer((req, res) => req.resume().on('end', () => res.end('hello world')));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = await startProbe();
  const proxy = await startProxy({ plugins: [p.plugin], upstream: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, port: 0 });
  /** The answer as a raw HTTP client reads it. */
  const get = (headers: Record<string, string>) => new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    http.get(`${proxy.url}/x`, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ headers: res.headers, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
  try {
    const kept = await get({});
    assert.equal(kept.body, 'hello world');
    assert.equal(kept.headers['content-length'], '11');
    assert.equal(kept.headers['transfer-encoding'], undefined);
    // Map 2 is the response headers, buffer 1 the response body.
    const changed = await get({ 'x-probe-response-headers': 'remove 2 content-length', 'x-probe-response-body': 'setbuf 1 0 1000 changed' });
    assert.equal(changed.headers['content-length'], undefined);
    assert.equal(changed.headers['transfer-encoding'], 'chunked');
    assert.match(changed.body, /^(changed)+$/);
    await assert.rejects(get({ 'x-probe-response-body': 'setbuf 1 0 1000 changed' }), /aborted|ECONNRESET|socket hang up/);
  } finally {
    await proxy.close();
    await p.plugin.close(10);
    srv.closeAllConnections();
    srv.close();
  }
});
