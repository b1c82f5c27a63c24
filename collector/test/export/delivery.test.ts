// One request and what its answer means, against real servers on loopback; how long an exporter
// waits before trying a batch again: Retry-After in both its forms, within the cap; otherwise
// exponential backoff with full jitter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { backoff, deliver, printable, retryAfter, secretForms } from '../../src/export/delivery.js';
import { ClientTls } from '../../src/export/client-tls.js';
import { makeCertificates } from '../certificates.js';

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
  // "Retry-After: 0" or a date past: every exporter retrying at once, in a loop; the backoff instead.
  assert.equal(backoff(3, 30_000, 0, most), 799);
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

test('the status is the answer once it arrived: a body cut short or never finished does not make an accepted batch go again', async () => {
  const cut = await server((req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write('partial', () => res.socket?.destroy());
  });
  const slow = await server((req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write('partial');
  });
  try {
    for (const [url, timeout] of [[cut.url, 5000], [slow.url, 300]] as const) {
      const got = await deliver(url, payload, {}, timeout);
      assert.deepEqual([got.kind, got.kind === 'accepted' && got.status], ['accepted', 200]);
    }
  } finally {
    await cut.close();
    await slow.close();
  }
});

test('a redirect, a wrong path or method, refused credentials: the records wait (tried again), the answer kept to show; 400 is refused for good', async () => {
  let status = 0;
  const s = await server((req, res) => req.resume().on('end', () => res.writeHead(status).end(`status ${status}`)));
  try {
    for (status of [301, 307, 401, 403, 404, 405, 407]) {
      assert.deepEqual(await deliver(s.url, payload, {}, 5000), { kind: 'again', why: `HTTP ${status}`, misdirected: { status, answer: `status ${status}` } }, `HTTP ${status}`);
    }
    for (status of [400, 413, 422, 500]) assert.deepEqual(await deliver(s.url, payload, {}, 5000), { kind: 'refused', status, answer: `status ${status}` }, `HTTP ${status}`);
  } finally {
    await s.close();
  }
});

test('a redirect\'s Location is shown beside its answer, its query, credentials and a header\'s secret masked: it is most often the mend', async () => {
  let location = '';
  const s = await server((req, res) => req.resume().on('end', () => res.writeHead(308, { location }).end('moved')));
  try {
    for (const [sent, shown] of [
      ['https://otel.example:4318/v1/logs?sig=SUPERSECRETSIG123&token=tok_abcdef', 'https://otel.example:4318/v1/logs?***'],
      ['https://user:pass@otel.example/v1/logs', 'https://***@otel.example/v1/logs'],
      ['https://otel.example/sk-live-0123456789/v1/logs', 'https://otel.example/***/v1/logs'],
      // Scheme-relative: the same host's scheme, another's credentials.
      ['//user:pa55word@otel.example/v1/logs', '//***@otel.example/v1/logs'],
      ['/v2/logs?key=abc', '/v2/logs?***'],
      // A tab, which a URL parser drops: read as //user:…@host.
      ['/\t/user:pa55word@otel.example/v1/logs', '//***@otel.example/v1/logs'],
    ]) {
      location = sent!;
      assert.deepEqual(await deliver(s.url, payload, { authorization: 'Bearer sk-live-0123456789' }, 5000),
        { kind: 'again', why: 'HTTP 308', misdirected: { status: 308, answer: 'moved', location: shown } });
    }
  } finally {
    await s.close();
  }
});

test('an answer about the request\'s form, not its records (a media type, an expectation, a protocol, headers too large, a method or version not taken, a network login): the records wait; 408 is tried again', async () => {
  let status = 0;
  const s = await server((req, res) => req.resume().on('end', () => res.writeHead(status).end(`status ${status}`)));
  try {
    // 415: an OpenTelemetry Collector's or Loki's answer to a format it does not take (an ndjson exporter pointed at one).
    for (status of [415, 417, 426, 431, 501, 505, 511]) {
      assert.deepEqual(await deliver(s.url, payload, {}, 5000), { kind: 'again', why: `HTTP ${status}`, misdirected: { status, answer: `status ${status}` } }, `HTTP ${status}`);
    }
    // The receiver gave up waiting for the request (a slow link, a proxy's body timeout): nothing was judged.
    status = 408;
    assert.deepEqual(await deliver(s.url, payload, {}, 5000), { kind: 'again', why: 'HTTP 408', retryAfter: undefined, answer: 'status 408' });
    // A busy receiver's answer is kept to show: Loki's 429 says which limit the push went over.
    status = 429;
    assert.deepEqual(await deliver(s.url, payload, {}, 5000), { kind: 'again', why: 'HTTP 429', retryAfter: undefined, answer: 'status 429' });
  } finally {
    await s.close();
  }
});

test('a receiver that echoes the credentials it was sent: their values are masked in the answer shown, short ones, URL-encoded or in another case too', async () => {
  const s = await server((req, res) => req.resume().on('end', () => {
    const { authorization: auth = '', 'x-api-key': key = '' } = req.headers as Record<string, string>;
    res.writeHead(401).end(`bad token in ${auth}; tenant key ${key}; as a query: ?auth=${encodeURIComponent(auth)}; folded: ${auth.toLowerCase()}; Basic auth, not ${auth.split(' ')[1]}`);
  }));
  try {
    const got = await deliver(s.url, payload, { authorization: 'Basic dXNlcjpwYXNzd29yZA+/Q==', 'x-api-key': 'k3y1234' }, 5000);
    assert.equal(got.kind === 'again' && got.misdirected?.answer, 'bad token in ***; tenant key ***; as a query: ?auth=***; folded: ***; Basic auth, not ***');
  } finally {
    await s.close();
  }
});

test('the forms of a header value masked: URL-encoded as a component, a form or a URL, in a JSON string; a short value only where it stands alone', () => {
  const secrets = secretForms(['Bearer tok1xyz/a+b=', 'team']);
  const shown = printable('form auth=Bearer+tok1xyz%2Fa%2Bb%3D; url Bearer%20tok1xyz/a+b=; json "Bearer tok1xyz\\/a+b="; tenant team, not teamwork', secrets);
  assert.equal(shown, 'form auth=***; url ***; json "***"; tenant ***, not teamwork');
});

test('an https:// receiver whose certificate no trusted CA signed: the records wait, and the log says what to give; with its CA as "ca", accepted', async () => {
  const certs = makeCertificates();
  const s = https.createServer({ cert: readFileSync(certs.server.cert), key: readFileSync(certs.server.key) }, (req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
  try {
    const refused = await deliver(url, payload, {}, 5000);
    assert.equal(refused.kind, 'again');
    assert.match(refused.kind === 'again' ? refused.misdirected?.answer ?? '' : '', /^the receiver's certificate is not trusted \(\w+\): pass the exporter's "ca" \(a PEM file\) with the CA that signed it$/);
    assert.deepEqual(await deliver(url, payload, {}, 5000, new ClientTls({ ca: { file: certs.ca, pem: readFileSync(certs.ca, 'utf8') } }).agent()), { kind: 'accepted', status: 200 });
    // TLS spoken to a plain port: the scheme is the config's mistake too.
    const plain = await server((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
    const wrong = await deliver(plain.url.replace('http:', 'https:'), payload, {}, 5000);
    await plain.close();
    assert.match(wrong.kind === 'again' ? wrong.misdirected?.answer ?? '' : '', /does not speak TLS: use http:\/\/$/);
  } finally {
    s.closeAllConnections();
    s.close();
    certs.remove();
  }
});

test('a receiver asking for a client certificate (mutual TLS): without one, the log says to give "cert" and "key"; with one its CA signed, accepted; files rotated in place are read again, a broken pair is not', async () => {
  const certs = makeCertificates();
  const s = https.createServer({ cert: readFileSync(certs.server.cert), key: readFileSync(certs.server.key), ca: readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true },
    (req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const ca = { file: certs.ca, pem: readFileSync(certs.ca, 'utf8') };
  const client = { cert: join(certs.dir, 'client.pem'), key: join(certs.dir, 'client.key') };
  const place = (pair: { cert: string; key: string }) => {
    copyFileSync(pair.cert, client.cert);
    copyFileSync(pair.key, client.key);
  };
  try {
    const none = await deliver(url, payload, {}, 5000, new ClientTls({ ca }).agent());
    assert.equal(none.kind === 'again' && none.misdirected?.answer,
      'the receiver asks for a client certificate (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED): give the exporter\'s "cert" and "key"');
    // A certificate the receiver's CA did not sign: refused (TLS 1.3 says so after the handshake, as a reset).
    place({ cert: certs.otherCa, key: certs.otherCa.replace(/\.pem$/, '.key') });
    const said: (string | undefined)[] = [];
    const tls = new ClientTls({ ca, client }, (error) => said.push(error), 0);
    assert.equal((await deliver(url, payload, {}, 5000, tls.agent())).kind, 'again');
    // Rotated in place: read again at the next request.
    place(certs.renewed);
    assert.deepEqual(await deliver(url, payload, {}, 5000, tls.agent()), { kind: 'accepted', status: 200 });
    assert.deepEqual(said, [undefined]);
    // Half-written (a key of another certificate): said, and the pair loaded before is kept.
    copyFileSync(certs.server.key, client.key);
    assert.deepEqual(await deliver(url, payload, {}, 5000, tls.agent()), { kind: 'accepted', status: 200 });
    assert.match(said[1] ?? '', /client\.pem and .*client\.key do not make a certificate and its key/);
  } finally {
    s.closeAllConnections();
    s.close();
    certs.remove();
  }
});

test('a credential the receiver echoes where its answer is cut (past the first 4 KiB read): its first characters are not shown either', async () => {
  const token = 'tok_5f2a9c81d7e04b6f';
  // Whitespace is trimmed from what is shown: what comes after it, at the cut, is the first thing shown.
  for (const [before, echoed] of [[4096 - 'Bearer '.length - 12, `Bearer ${token}`], [4096 - token.length + 1, token], [4096 - 3, token]] as const) {
    const s = await server((req, res) => req.resume().on('end', () => res.writeHead(401).end(`${' '.repeat(before)}${echoed} and more`)));
    try {
      const got = await deliver(s.url, payload, { authorization: `Bearer ${token}` }, 5000);
      assert.equal(got.kind, 'again');
      const shown = got.kind === 'again' ? got.misdirected!.answer : '';
      assert.ok(!shown.includes(token.slice(0, 3)), `${before}: ${shown}`);
    } finally {
      await s.close();
    }
  }
});
