// The relay attacked (issue 13's review): what its link to the collector and the collector's
// answers can do to the batches it holds. A finding not yet fixed is marked todo.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { collector, ndjson, post, record, tempDir } from '../../collector/test/helpers.js';
import { RELAY_DEFAULTS, type RelayConfig } from '../src/config.js';
import { startRelay } from '../src/relay.js';

/**
 * A TCP link to `to` whose first `stalls` connections stop carrying the client's bytes a few
 * bytes into the first WebSocket message (after the upgrade request): a network that hangs.
 */
async function stallingLink(to: number, stalls: number): Promise<{ port: number; close(): void }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const stall = ++connections <= stalls;
    const upstream = net.connect(to, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => { client.destroy(); upstream.destroy(); });
    }
    upstream.pipe(client);
    let seen = Buffer.alloc(0);
    let carried = -1; // bytes of the first message carried, once the upgrade request is through
    client.on('data', (chunk: Buffer) => {
      if (!stall) return void upstream.write(chunk);
      if (carried < 0) {
        seen = Buffer.concat([seen, chunk]);
        const end = seen.indexOf('\r\n\r\n');
        if (end < 0) return;
        upstream.write(seen.subarray(0, end + 4));
        chunk = seen.subarray(end + 4);
        carried = 0;
      }
      const n = Math.max(0, Math.min(chunk.length, 8 - carried));
      carried += n;
      if (n > 0) upstream.write(chunk.subarray(0, n));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A collector cutting uploads idle for `idleMs`, and a relay reaching it over a link that stalls its first `stalls` connections. */
async function overStallingLink(t: TestContext, idleMs: number, stalls: number, maxBatchErrors = RELAY_DEFAULTS.limits.maxBatchErrors) {
  const c = await collector({ limits: { bodyIdleMs: idleMs } });
  const link = await stallingLink(Number(new URL(c.url).port), stalls);
  const tmp = tempDir();
  const base = structuredClone(RELAY_DEFAULTS);
  const config: RelayConfig = { ...base, port: 0, upstream: `ws://127.0.0.1:${link.port}/v1/stream`, spool: tmp.dir, limits: { ...base.limits, maxBatchErrors } };
  const logs: Record<string, unknown>[] = [];
  const r = await startRelay(config, (e) => logs.push(e));
  t.after(async () => {
    await r.close();
    link.close();
    await c.stop();
    tmp.remove();
  });
  return { c, r, logs };
}

test('a batch whose upload the collector cuts for stalling (a network hiccup) is sent again, not set aside as refused', async (t) => {
  const { c, r, logs } = await overStallingLink(t, 300, 2);
  assert.equal((await post(r.url, ndjson([record({ request_id: 'through-a-hiccup' })]), { 'x-redtail-batch': 'hiccup/1' })).status, 200);
  const stored = () => c.store.list().some((s) => s.db.prepare('SELECT 1 FROM batches WHERE batch = ?').get('hiccup/1') !== undefined);
  while (!stored() && r.spool.rejectedCount === 0) await new Promise((res) => setTimeout(res, 20));
  assert.equal(r.spool.rejectedCount, 0, JSON.stringify(logs.filter((l) => l.event === 'batch_rejected_upstream')));
  assert.ok(stored());
});

test('a batch whose upload is cut every time is set aside after --max-batch-errors cuts, naming why', async (t) => {
  const { r, logs } = await overStallingLink(t, 200, Infinity, 2);
  assert.equal((await post(r.url, ndjson([record({ request_id: 'never-through' })]), { 'x-redtail-batch': 'cut/1' })).status, 200);
  while (r.spool.rejectedCount === 0) await new Promise((res) => setTimeout(res, 20));
  const rejected = logs.find((l) => l.event === 'batch_rejected_upstream')!;
  assert.equal(rejected.batch, 'cut/1');
  assert.match(String(rejected.error), /cut its upload 2 times .*nothing arrived for 200 ms/);
});

test('a connection to the relay that sends nothing is closed after --first-request-ms, as the collector closes one', async (t) => {
  const c = await collector();
  const tmp = tempDir();
  const base = structuredClone(RELAY_DEFAULTS);
  const config: RelayConfig = { ...base, port: 0, upstream: `${c.url.replace('http', 'ws')}/v1/stream`, spool: tmp.dir, limits: { ...base.limits, firstRequestMs: 300 } };
  const r = await startRelay(config, () => {});
  t.after(async () => {
    await r.close();
    await c.stop();
    tmp.remove();
  });
  const u = new URL(r.url);
  const socket = net.connect(Number(u.port), u.hostname);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('close', resolve));
});
