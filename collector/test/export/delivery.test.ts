// One request and what its answer means, against real servers on loopback; how long an exporter
// waits before trying a batch again: Retry-After in both its forms, within the cap; otherwise
// exponential backoff with full jitter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { backoff, deliver, retryAfter } from '../../src/export/delivery.js';

test('Retry-After as seconds or as an HTTP date; anything else is not read', () => {
  const now = Date.parse('2026-12-04T18:00:00Z');
  assert.equal(retryAfter('7', now), 7000);
  assert.equal(retryAfter('Fri, 04 Dec 2026 18:00:30 GMT', now), 30_000);
  assert.equal(retryAfter('Fri, 04 Dec 2026 17:00:00 GMT', now), 0);
  assert.equal(retryAfter('soon', now), undefined);
  assert.equal(retryAfter(null, now), undefined);
});

test('what the receiver asks is waited, up to the cap; else a random time under a bound that doubles, up to the cap', () => {
  assert.equal(backoff(1, 30_000, 7000), 7000);
  assert.equal(backoff(1, 30_000, 3_600_000), 30_000);
  const most = () => 0.999999;
  assert.equal(backoff(1, 30_000, undefined, most), 199);
  assert.equal(backoff(2, 30_000, undefined, most), 399);
  assert.equal(backoff(20, 30_000, undefined, most), 29_999);
  assert.equal(backoff(20, 30_000, undefined, () => 0), 0);
});

/** A server on loopback answering every request with `handle`. */
async function server(handle: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const s = http.createServer(handle);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

const payload = { path: '/p', headers: { 'content-type': 'text/plain' }, body: Buffer.from('x') };

test('a receiver that never answers is given up on after timeout_ms, to be tried again; one that answers endlessly is read no further than its first words', async () => {
  const silent = await server(() => {});
  const endless = await server((_req, res) => {
    res.writeHead(400);
    const more = () => res.write('y'.repeat(65536), () => setImmediate(more));
    more();
  });
  try {
    assert.deepEqual(await deliver(silent.url, payload, {}, 200), { kind: 'again', why: 'no answer within 200 ms' });
    const refused = await deliver(endless.url, payload, {}, 5000);
    assert.equal(refused.kind, 'refused');
    assert.equal(refused.kind === 'refused' && refused.answer, 'y'.repeat(200));
  } finally {
    await silent.close();
    await endless.close();
  }
});

test('any port: the receiver\'s port is not checked against a browser\'s list of ports it may not use', async (t) => {
  // 10080 is on the Fetch standard's list of bad ports (fetch() refuses it); an exporter must not.
  const s = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  const listening = await new Promise<boolean>((r) => s.once('error', () => r(false)).listen(10080, '127.0.0.1', () => r(true)));
  if (!listening) {
    t.skip('port 10080 is taken on this machine');
    return;
  }
  try {
    assert.deepEqual(await deliver('http://127.0.0.1:10080', payload, {}, 5000), { kind: 'accepted', status: 204 });
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});
