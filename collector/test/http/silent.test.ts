// Connections that open and say nothing (http/silent.ts): a socket left silent, or a TLS handshake
// begun and never finished, is closed after limits.first_request_ms, so they cannot hold every
// file descriptor the collector has; a live tail, silent for longer, is not cut.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { makeCertificates } from '../certificates.js';
import { collector, ndjson, post, record, until } from '../helpers.js';

const LIMIT_MS = 300;

/** A raw TCP connection to `url` that sends `bytes` (maybe none), and when the collector closed it. */
function silent(url: string, bytes: Buffer): { closed: () => boolean } {
  const u = new URL(url);
  let closed = false;
  const s = net.connect(Number(u.port), u.hostname, () => s.write(bytes));
  s.on('error', () => {});
  s.on('close', () => (closed = true));
  return { closed: () => closed };
}

test('plain HTTP: a connection that sends nothing, or half a request head, is closed; a live tail silent for longer stays', async (t) => {
  const c = await collector({ limits: { firstRequestMs: LIMIT_MS } });
  t.after(() => c.stop());
  const nothing = silent(c.url, Buffer.alloc(0));
  const half = silent(c.url, Buffer.from('GET /v1/logs HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
  const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/tail`);
  let received = '';
  ws.on('message', (m) => (received += String(m)));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await until(() => nothing.closed() && half.closed(), 'the silent connections closed by the collector');
  await new Promise((r) => setTimeout(r, LIMIT_MS * 2));
  assert.equal((await post(c.url, ndjson([record({ start_time: new Date().toISOString(), request_id: 'after-silence' })]))).status, 200);
  await until(() => received.includes('after-silence'), 'the tail, silent past the limit, still open');
  ws.close();
});

test('TLS: a connection that never begins its handshake, or stops halfway, is closed', async (t) => {
  const certs = makeCertificates();
  const c = await collector({ tls: { cert: certs.server.cert, key: certs.server.key }, limits: { firstRequestMs: LIMIT_MS } });
  t.after(async () => { await c.stop(); certs.remove(); });
  const nothing = silent(c.url, Buffer.alloc(0));
  // The first bytes of a TLS record holding a ClientHello, and no more.
  const begun = silent(c.url, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
  await until(() => nothing.closed() && begun.closed(), 'the stalled handshakes closed by the collector');
});
