// The dev proxy against clients that go away or do not read: what it holds for them is bounded,
// and what it opened upstream for them is closed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { startFilter } from '../../filter/test/harness.js';
import { startProxy } from '../src/proxy.js';

async function listen(srv: http.Server): Promise<string> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
}

async function stop(srv: http.Server): Promise<void> {
  srv.closeAllConnections();
  await new Promise<void>((r) => srv.close(() => r()));
}

/** The real filter in the proxy in front of `srv`, all stopped after the test. */
async function proxied(t: TestContext, srv: http.Server) {
  const f = await startFilter({});
  const proxy = await startProxy({ plugins: [f.plugin], upstream: await listen(srv), port: 0 });
  t.after(async () => {
    await proxy.close();
    await f.stop();
    await stop(srv);
  });
  return { f, proxy };
}

/** A promise and what settles it (Promise.withResolvers is newer than the Node this runs on). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

/** A raw client: sends `head` (and `body`) and reads nothing until told. */
async function rawClient(url: string, head: string, body?: Buffer): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.pause();
  socket.write(head);
  if (body) socket.write(body);
  return socket;
}

// A proxy that keeps the upstream request open never ends these: the timeout makes that a failure.
const CLOSES = { timeout: 20_000 };

test('a client that goes away before the upstream answers: the upstream request is closed with it', CLOSES, async (t) => {
  const upstreamClosed = signal();
  const received = signal();
  const srv = http.createServer((req, res) => {
    // Never answers: only the client's leaving can end this request.
    req.resume();
    req.on('end', () => received.resolve());
    res.on('close', () => upstreamClosed.resolve());
  });
  const { f, proxy } = await proxied(t, srv);
  const client = await rawClient(proxy.url, 'GET /waits HTTP/1.1\r\nhost: x\r\n\r\n');
  await received.promise;
  client.destroy();
  const [r] = await f.records(1);
  assert.equal(r!.response_flags, 'DC');
  await upstreamClosed.promise;
});

test('a client that goes away mid-upload: the upstream request is closed with it', CLOSES, async (t) => {
  const upstreamClosed = signal();
  const started = signal();
  const srv = http.createServer((req, res) => {
    req.once('data', () => started.resolve());
    req.resume();
    res.on('close', () => upstreamClosed.resolve());
  });
  const { f, proxy } = await proxied(t, srv);
  const client = await rawClient(proxy.url, 'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n', Buffer.alloc(1000, 'a'));
  await started.promise;
  client.destroy();
  await f.records(1);
  await upstreamClosed.promise;
});

test('a client that does not read a large answer: the proxy holds a bounded part of it, not the whole', async (t) => {
  const total = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 'z');
  let sent = 0;
  let finished = false;
  let downstream: net.Socket | undefined;
  let held = 0;
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(total) });
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (downstream) held = Math.max(held, downstream.writableLength);
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
      finished = true;
    };
    pump();
  });
  const { proxy } = await proxied(t, srv);
  proxy.server.on('connection', (s: net.Socket) => { downstream = s; });
  const client = await rawClient(proxy.url, 'GET /large HTTP/1.1\r\nhost: x\r\n\r\n');
  // The client reads nothing while the upstream sends; a proxy that ignores backpressure reads it
  // all and queues it for the client. How long to look only bounds how much is seen.
  const deadline = Date.now() + 3000;
  while (!finished && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (downstream) held = Math.max(held, downstream.writableLength);
  client.destroy();
  assert.ok(held < 8 * 1024 * 1024, `the proxy queued ${held} bytes for a client that reads nothing (the upstream sent ${sent})`);
});

test('an upstream that does not read a large upload: the proxy reads a bounded part of it from the client', async (t) => {
  const srv = http.createServer((req) => { req.pause(); });
  const { proxy } = await proxied(t, srv);
  let downstream: net.Socket | undefined;
  proxy.server.on('connection', (s: net.Socket) => { downstream = s; });
  const total = 96 * 1024 * 1024;
  const { port } = new URL(proxy.url);
  const client = net.connect(Number(port), '127.0.0.1');
  await once(client, 'connect');
  client.write(`POST /up HTTP/1.1\r\nhost: x\r\ncontent-length: ${total}\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 'u');
  let sent = 0;
  // How long to look only bounds how much is seen: a proxy that ignores backpressure takes in
  // all the client sends.
  const deadline = Date.now() + 3000;
  while (sent < total && Date.now() < deadline) {
    sent += chunk.length;
    if (!client.write(chunk)) await Promise.race([once(client, 'drain'), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
  }
  const read = downstream?.bytesRead ?? 0;
  client.destroy();
  assert.ok(read < 24 * 1024 * 1024, `the proxy read ${read} bytes of an upload the upstream never reads`);
});

test('an answer to HEAD keeps the upstream\'s content-length, as Envoy forwards it', async (t) => {
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '1234' });
    res.end();
  });
  const { f, proxy } = await proxied(t, srv);
  const res = await fetch(`${proxy.url}/head`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), '1234');
  assert.equal((await f.records(1))[0]!.response_code, 200);
});
