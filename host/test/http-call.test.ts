// proxy_http_call against real HTTP servers on loopback.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { callBody, performHttpCall } from '../src/http-call.js';
import { encodePairs, runExchange, Status } from '../src/index.js';
import { makeCertificates } from '../../collector/test/certificates.js';
import { GET, hex, startProbe } from './probe.js';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; trailers: Record<string, string> }

async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString(), trailers: req.trailers as Record<string, string> };
      seen.push(s);
      handler(req, res, s);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

const waitFor = async (cond: () => boolean, ms = 2000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('a call reaches the cluster with its headers, body and trailers; the response is readable in the callback', async () => {
  const srv = await server((_req, res) => {
    res.writeHead(202, { 'x-reply': 'r1', 'content-type': 'text/plain' });
    res.end('accepted!');
  });
  const p = await startProbe([
    'configure: http collector :method=POST,:path=/v1/ingest,:authority=redtail-collector,X-Batch=src/1 line1%0aline2 1000 x-sum=abc',
    'http_call_response: pairs 6; get 6 :status; buf 4 0 100; bufstatus 4; status',
  ].join('\n'), { host: { clusters: { collector: srv.url } } });
  assert.deepEqual(p.answer('http collector :method=POST,:path=/v1/ingest,:authority=redtail-collector,X-Batch=src/1 line1%0aline2 1000 x-sum=abc'), { status: Status.Ok, result: '1' });
  await waitFor(() => p.lines().some((l) => l.startsWith('cb http_call_response')));
  const [seen] = srv.seen;
  assert.equal(seen!.method, 'POST');
  assert.equal(seen!.url, '/v1/ingest');
  assert.equal(seen!.headers.host, 'redtail-collector');
  assert.equal(seen!.headers['x-batch'], 'src/1', 'header keys are lower-cased');
  assert.equal(seen!.body, 'line1\nline2');
  assert.deepEqual(seen!.trailers, { 'x-sum': 'abc' });
  const cb = p.lines().find((l) => l.startsWith('cb http_call_response'))!;
  const [, , root, token, nHeaders, bodySize, nTrailers] = cb.split(' ');
  assert.deepEqual([root, token, bodySize, nTrailers], ['1', '1', '9', '0']);
  assert.equal(p.answer('get 6 :status').result, hex('202'));
  assert.equal(p.answer('buf 4 0 100').result, hex('accepted!'));
  assert.equal(p.answer('bufstatus 4').result, '9 0');
  assert.equal(p.answer('status').result, '0 ');
  const pairs = Buffer.from(p.answer('pairs 6').result, 'hex');
  assert.equal(pairs.readUInt32LE(0), Number(nHeaders));
  assert.ok(pairs.subarray(0, 4 + 8 * Number(nHeaders)).length > 0);
  assert.ok(pairs.includes(encodePairs([[':status', '202']]).subarray(12)), ':status comes first among the headers');
  await p.plugin.close();
  await srv.close();
});

test('an unknown cluster or a missing :method, :path or :authority is BAD_ARGUMENT', async () => {
  const p = await startProbe('configure: http nowhere :method=GET,:path=/,:authority=a; http known :method=GET,:authority=a; http known :path=/,:authority=a; http known :method=GET,:path=/', {
    host: { clusters: { known: 'http://127.0.0.1:9' } },
  });
  assert.equal(p.answer('http nowhere :method=GET,:path=/,:authority=a').status, Status.BadArgument);
  assert.ok(p.logs.some((e) => e.source === 'host' && /unknown cluster "nowhere"/.test(e.message)));
  assert.equal(p.answer('http known :method=GET,:authority=a').status, Status.BadArgument);
  assert.equal(p.answer('http known :path=/,:authority=a').status, Status.BadArgument);
  assert.equal(p.answer('http known :method=GET,:path=/').status, Status.BadArgument);
});

/** What the probe's http_call_response handler read: `:status` and up to 200 bytes of body, per call. */
const answers = (p: Awaited<ReturnType<typeof startProbe>>) => {
  const read = (prefix: string) => p.logs.filter((e) => e.message.startsWith(prefix)).map((e) => Buffer.from(e.message.split(' ').at(-1)!, 'hex').toString());
  const bodies = read('buf 4 0 200');
  return read('get 6 :status').map((status, i) => `${status} ${bodies[i]}`);
};

test('a call that gets no response headers is Envoy\'s local reply: 503 for a refused connection, one closed before the answer, or a name that does not resolve; 504 for the timeout', async () => {
  const slow = await server(() => { /* never answers */ });
  const hangUp = await server((req) => req.socket.destroy());
  const refused = await server(() => {});
  await refused.close(); // the port is now closed
  const p = await startProbe([
    'configure: http down :method=GET,:path=/,:authority=a x 1000; http slow :method=GET,:path=/,:authority=a x 50; http hangup :method=GET,:path=/,:authority=a x 1000; http nowhere :method=GET,:path=/,:authority=a x 5000',
    'http_call_response: get 6 :status; buf 4 0 200',
  ].join('\n'), { host: { clusters: { down: refused.url, slow: slow.url, hangup: hangUp.url, nowhere: 'http://redtail-test.invalid:9' } } });
  await waitFor(() => p.lines().filter((l) => l.startsWith('cb http_call_response')).length === 4, 10_000);
  assert.deepEqual(answers(p).sort(), [
    '503 no healthy upstream',
    '503 upstream connect error or disconnect/reset before headers. reset reason: connection termination',
    '503 upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: Connection refused',
    '504 upstream request timeout',
  ]);
  await p.plugin.close();
  await slow.close();
  await hangUp.close();
});

test('the timeout after the response headers is a failure, as a reset is: (0, 0, 0) and status 11 "reset"', async () => {
  const srv = await server((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial'); // and never the rest
  });
  const p = await startProbe('configure: http c :method=GET,:path=/,:authority=a x 50\nhttp_call_response: status', { host: { clusters: { c: srv.url } } });
  await waitFor(() => p.lines().some((l) => l.startsWith('cb http_call_response')));
  assert.ok(p.lines().includes('cb http_call_response 1 1 0 0 0'), p.lines().join('\n'));
  assert.deepEqual(p.answer('status'), { status: Status.Ok, result: `11 ${hex('reset')}` });
  await p.plugin.close();
  await srv.close();
});

test('a reset after the response headers is a failure: (0, 0, 0) and status 11 "reset"', async () => {
  const srv = await server((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 10);
  });
  const p = await startProbe('configure: http c :method=GET,:path=/,:authority=a\nhttp_call_response: status; buf 4 0 10', { host: { clusters: { c: srv.url } } });
  await waitFor(() => p.lines().some((l) => l.startsWith('cb http_call_response')));
  assert.ok(p.lines().includes('cb http_call_response 1 1 0 0 0'));
  assert.deepEqual(p.answer('status'), { status: Status.Ok, result: `11 ${hex('reset')}` });
  assert.equal(p.answer('buf 4 0 10').status, Status.NotFound, 'no body on a failure');
  await p.plugin.close();
  await srv.close();
});

test('the response is gone once the callback returns; calls from a stream belong to the root', async () => {
  const srv = await server((_req, res) => res.end('ok'));
  const p = await startProbe([
    'request_headers: http c :method=GET,:path=/x,:authority=a; pause',
    'http_call_response: effective 2; continue 0',
    'response_headers: buf 4 0 10; get 6 :status',
  ].join('\n'), { host: { clusters: { c: srv.url } } });
  const r = await runExchange(p.plugin, { headers: GET });
  assert.ok(p.lines().some((l) => l.startsWith('cb http_call_response 1 ')), 'delivered to the root context');
  assert.equal(r.upstreamRequest!.headers.get(':path'), '/', 'the paused request went on after the call');
  assert.equal(p.answer('buf 4 0 10').status, Status.NotFound);
  assert.equal(p.answer('get 6 :status').status, Status.BadArgument);
  await p.plugin.close();
  await srv.close();
});

test('an auth-style filter answers from the call response through the effective context', async () => {
  const srv = await server((_req, res) => { res.writeHead(401); res.end(); });
  const p = await startProbe([
    'request_headers: http c :method=GET,:path=/check,:authority=auth; pause',
    'http_call_response: effective 2; reply 401 no unauthorized',
  ].join('\n'), { host: { clusters: { c: srv.url } } });
  const r = await runExchange(p.plugin, { headers: GET });
  assert.equal(r.upstreamRequest, undefined);
  assert.equal(r.response!.headers.get(':status'), '401');
  await p.plugin.close();
  await srv.close();
});

test('close cancels calls in flight: no callback after close', async () => {
  const srv = await server(() => {});
  const p = await startProbe('configure: http c :method=GET,:path=/,:authority=a', { host: { clusters: { c: srv.url } } });
  assert.equal(p.plugin.root.pendingCalls, 1);
  await p.plugin.close();
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(!p.lines().some((l) => l.startsWith('cb http_call_response')));
  await srv.close();
});

test('call bodies reuse the memory of calls that are over, never of one in flight', async () => {
  const srv = await server((_req, res) => res.end('ok'));
  try {
    const url = new URL(srv.url);
    const headers: [string, string][] = [[':method', 'POST'], [':path', '/b'], [':authority', 'x']];
    const send = (text: string) => {
      const body = callBody(text.length);
      body.set(Buffer.from(text));
      return { body, call: performHttpCall({ url, headers, body, trailers: [], timeoutMs: 0 }) };
    };
    const first = send('a'.repeat(5000));
    await first.call.done;
    await new Promise((r) => setImmediate(r)); // the request's close comes after the response
    const second = send('b'.repeat(4000));
    assert.equal(second.body.buffer, first.body.buffer, 'the first body\'s memory serves the second');
    const third = send('c'.repeat(4000)); // while the second is in flight
    assert.notEqual(third.body.buffer, second.body.buffer);
    await Promise.all([second.call.done, third.call.done]);
    await waitFor(() => srv.seen.length === 3);
    assert.equal(srv.seen[0]!.body, 'a'.repeat(5000));
    assert.deepEqual(srv.seen.slice(1).map((s) => s.body).sort(), ['b'.repeat(4000), 'c'.repeat(4000)], 'each as it was sent');
  } finally {
    await srv.close();
  }
});

test('an https:// cluster: the call goes over TLS when its CA is trusted (checked against the cluster\'s host, not :authority), and fails as Envoy\'s 503 when not', async () => {
  const certs = makeCertificates();
  const srv = https.createServer({ cert: readFileSync(certs.server.cert), key: readFileSync(certs.server.key) }, (req, res) => res.end(`tls ${req.headers.host}`));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const script = ['configure: http c :method=GET,:path=/,:authority=redtail-collector x 2000', 'http_call_response: get 6 :status; buf 4 0 200'].join('\n');
  const trusted = await startProbe(script, { host: { clusters: { c: url }, clusterCas: [readFileSync(certs.ca, 'utf8')] } });
  await waitFor(() => trusted.lines().some((l) => l.startsWith('cb http_call_response')));
  assert.deepEqual(answers(trusted), ['200 tls redtail-collector']);
  await trusted.plugin.close();
  const untrusted = await startProbe(script, { host: { clusters: { c: url } } });
  await waitFor(() => untrusted.lines().some((l) => l.startsWith('cb http_call_response')));
  assert.match(answers(untrusted)[0]!, /^503 upstream connect error or disconnect\/reset before headers\. reset reason: remote connection failure, transport failure reason: TLS_error:\|\w+:TLS_error_end$/);
  await untrusted.plugin.close();
  srv.closeAllConnections();
  srv.close();
  certs.remove();
});
