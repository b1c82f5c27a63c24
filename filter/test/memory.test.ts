// The filter's linear memory stays within its bound in steady state: the real filter in the host,
// many requests (a hundred at a time, the event loop turning between, as a proxy runs them), its
// batches shipped to a sink, or piling up against a collector that is down.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { encodePairs, HeaderMap, Host, type Pair, type Plugin } from '../../host/src/index.js';
import { FILTER } from './harness.js';

/** The bound docs/filter.md promises for one VM's linear memory. */
const BOUND = 16 * 1024 * 1024;
/**
 * Where the worst case (the collector down, the buffer full) must stay: the allocator grows the
 * memory by as much as it already has when the heap runs out, so a VM at half the bound stays
 * within it even if it runs out once more.
 */
const HALF = BOUND / 2;

/** A collector that takes every batch and keeps nothing. */
async function sink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A port nothing listens on: every batch fails, and the filter's buffer fills up to its limit. */
async function closedPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((r) => server.close(() => r()));
  return url;
}

const headers = (pairs: Pair[]) => encodePairs(pairs);
const GET = headers([[':method', 'GET'], [':path', '/orders?id=7&page=2&token=abc'], [':authority', 'shop.example'], [':scheme', 'http'],
  ['user-agent', 'curl/8.5'], ['accept', '*/*'], ['x-request-id', 'f3b1c2d4-0000-4000-8000-000000000001']]);
const POST = headers([[':method', 'POST'], [':path', '/orders'], [':authority', 'shop.example'], [':scheme', 'http'],
  ['content-type', 'application/json'], ['x-request-id', 'f3b1c2d4-0000-4000-8000-000000000002']]);
const OK = headers([[':status', '200'], ['content-type', 'application/json'], ['x-envoy-upstream-service-time', '3']]);

/** JSON bodies of sizes up to the capture limit and just past it, with a secret or two to redact. */
function bodies(limit: number): Buffer[] {
  return [limit >> 4, limit >> 1, limit - 1, limit, limit + 100].map((size) => {
    const unit = '{"email":"ops@example.com","card":"4111 1111 1111 1111","note":"leave at the door"},';
    return Buffer.from(`[${unit.repeat(Math.ceil(size / unit.length))}`.slice(0, size));
  });
}

/**
 * n requests through the plugin, a hundred at a time with the event loop turning between; the
 * largest the VM's linear memory was, looked at after each hundred.
 */
async function drive(plugin: Plugin, n: number, body?: Buffer[]): Promise<number> {
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const s = plugin.newStream();
    if (body) {
      s.onRequestHeaders(HeaderMap.fromEncoded(POST), false);
      s.onRequestBody(body[i % body.length]!, true);
      s.onResponseHeaders(HeaderMap.fromEncoded(OK), false);
      s.onResponseBody(body[(i + 2) % body.length]!, true);
    } else {
      s.onRequestHeaders(HeaderMap.fromEncoded(GET), true);
      s.onResponseHeaders(HeaderMap.fromEncoded(OK), true);
    }
    s.finish();
    if (i % 100 === 99) {
      largest = Math.max(largest, plugin.vm.memory.byteLength);
      await new Promise((r) => setImmediate(r));
    }
  }
  return largest;
}

/**
 * Rounds of `streams` requests in flight at once, each with its bodies captured, all finished
 * before the next round; the largest the linear memory was, looked at after each round.
 */
async function driveAtOnce(plugin: Plugin, rounds: number, streams: number, body: Buffer[]): Promise<number> {
  let largest = 0;
  for (let r = 0; r < rounds; r++) {
    const open = [];
    for (let i = 0; i < streams; i++) {
      const s = plugin.newStream();
      s.onRequestHeaders(HeaderMap.fromEncoded(POST), false);
      s.onRequestBody(body[i % body.length]!, true);
      s.onResponseHeaders(HeaderMap.fromEncoded(OK), false);
      s.onResponseBody(body[(i + 2) % body.length]!, true);
      open.push(s);
    }
    for (const s of open) s.finish();
    largest = Math.max(largest, plugin.vm.memory.byteLength);
    await new Promise((r) => setImmediate(r));
  }
  return largest;
}

async function largestMemory(config: object, n: number, options: { body?: Buffer[]; collectorDown?: boolean; atOnce?: number } = {}): Promise<number> {
  const collector = options.collectorDown ? undefined : await sink();
  const host = new Host({ clusters: { 'redtail-collector': collector?.url ?? await closedPort() }, onLog: () => {}, logLevel: 'critical' });
  const plugin = host.startPlugin(await host.load(FILTER), { configuration: JSON.stringify(config) });
  try {
    return options.atOnce ? await driveAtOnce(plugin, n, options.atOnce, options.body!) : await drive(plugin, n, options.body);
  } finally {
    await plugin.close(options.collectorDown ? 0 : 3000);
    await collector?.close();
  }
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

test('the default configuration: plain GETs, batches shipped, the linear memory stays within 16 MiB', async () => {
  const largest = await largestMemory({}, 60_000);
  assert.ok(largest <= BOUND, `the VM's memory reached ${mib(largest)}`);
});

test('the default configuration with the collector down: the buffer full, records dropped, the memory stays within half the bound', async () => {
  const largest = await largestMemory({}, 40_000, { collectorDown: true });
  assert.ok(largest <= HALF, `the VM's memory reached ${mib(largest)}`);
});

test('body capture at its default limit with the collector down: the buffer full, records dropped, the memory stays within half the bound', async () => {
  const largest = await largestMemory({ capture: { body: { enabled: true } } }, 40_000, { body: bodies(1024), collectorDown: true });
  assert.ok(largest <= HALF, `the VM's memory reached ${mib(largest)}`);
});

test('body capture on, bodies up to the default limit both ways: the memory stays within 16 MiB', async () => {
  const largest = await largestMemory({ capture: { body: { enabled: true } } }, 40_000, { body: bodies(1024) });
  assert.ok(largest <= BOUND, `the VM's memory reached ${mib(largest)}`);
});

test('body capture of up to 16 KiB a body: the memory stays within 16 MiB', async () => {
  const largest = await largestMemory({ capture: { body: { enabled: true, max_bytes: 16384 } } }, 8_000, { body: bodies(16384) });
  assert.ok(largest <= BOUND, `the VM's memory reached ${mib(largest)}`);
});

test('body capture with more streams in flight than the filter pools: the memory stays within 16 MiB', async () => {
  const largest = await largestMemory({ capture: { body: { enabled: true } } }, 60, { body: bodies(1024), atOnce: 1100 });
  assert.ok(largest <= BOUND, `the VM's memory reached ${mib(largest)}`);
});

test('reconfigured again and again, with requests between: what each configuration built is given back, the memory does not grow', async () => {
  const collector = await sink();
  const host = new Host({ clusters: { 'redtail-collector': collector.url }, onLog: () => {}, logLevel: 'critical' });
  // Every part a configuration builds: the redactor with an HMAC key, listed names and kept cookies, body capture.
  const configs = [0, 1].map((k) => JSON.stringify({
    capture: { body: { enabled: true }, request_headers: ['x-pad'] },
    redact: { hmac: { key: `reconfigure-key-${k}-0123456789`, key_id: `k${k}` }, query_params: ['session', `extra${k}`], cookies_kept: ['lang'], rules: { EMAIL_ADDRESS: 'hmac' } },
  }));
  const body = bodies(1024);
  const plugin = await host.load(FILTER).then((m) => host.startPlugin(m, { configuration: configs[0]! })).catch(async (e) => { await collector.close(); throw e; });
  try {
    const rounds = async (n: number) => {
      for (let i = 0; i < n; i++) {
        plugin.configure(configs[i % 2]!);
        await drive(plugin, 20, body);
      }
    };
    await rounds(100);
    const settled = plugin.vm.memory.byteLength;
    await rounds(1500);
    const after = plugin.vm.memory.byteLength;
    assert.ok(after <= settled, `the VM's memory grew from ${mib(settled)} to ${mib(after)} over 1,500 configurations`);
  } finally {
    await plugin.close(3000);
    await collector.close();
  }
});
