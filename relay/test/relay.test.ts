// The relay on loopback between a sender and a real collector: forwarding with acks, spooling
// while the collector is away and draining in order when it returns, nothing acknowledged lost
// across kill -9, validation and auth as the collector does them, the spool's bound, and
// batches the collector refuses set aside without stopping the rest.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { collector, exited, MiB, ndjson, post, record, residentMemory, spawnRedtail, tempDir, until, upload, WIDE_SKEW_MS } from '../../collector/test/helpers.js';
import { DEFAULTS, startCollector } from '../../collector/src/index.js';
import { loadRelayConfig, RELAY_DEFAULTS, type RelayConfig } from '../src/config.js';
import { type Relay, startRelay } from '../src/relay.js';

const TOKEN = 'relay-test-token-0123456789';

async function relay(upstream: string, spool: string, overrides: Partial<RelayConfig> = {}): Promise<Relay & { logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const config: RelayConfig = { ...structuredClone(RELAY_DEFAULTS), port: 0, upstream: `${upstream.replace('http', 'ws')}/v1/stream`, spool, ...overrides };
  return { ...(await startRelay(config, (e) => logs.push(e))), logs };
}

/** A loopback port with nothing listening (yet). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Batch ids the collector stored, in the order it stored them. */
const storedBatches = (c: { store: { list(): { db: { prepare(sql: string): { pluck(): { all(): unknown[] } } } }[] } }) =>
  c.store.list().flatMap((s) => s.db.prepare('SELECT batch FROM batches ORDER BY id').pluck().all() as string[]);

test('batches go through to the collector, acknowledged, and leave the spool', async () => {
  const c = await collector();
  const tmp = tempDir();
  const r = await relay(c.url, tmp.dir);
  const first = await post(r.url, ndjson([record({ request_id: 'via-relay-1' }), { gap: { dropped: 3, since: '2026-11-27T10:00:00Z', until: '2026-11-27T10:00:01Z' } }]), { 'x-redtail-batch': 'side/1' });
  assert.equal(first.status, 200);
  assert.deepEqual(first.json, { batch: 'side/1', spooled: true, duplicate: false, records: 1 });
  const array = await post(r.url, JSON.stringify([record({ request_id: 'via-relay-2' })]));
  assert.equal(array.status, 200);
  assert.match(String(array.json.batch), /^relay-.+-[0-9a-f]{8}\/1$/, 'a batch without an id gets one of the relay\'s');
  await until(() => storedBatches(c).length === 2, 'both batches stored');
  assert.deepEqual(storedBatches(c), ['side/1', array.json.batch]);
  await until(() => r.spool.batches === 0, 'the spool emptied');
  const health = await (await fetch(`${r.url}/healthz`)).json();
  assert.deepEqual(health, { ok: true, upstream: 'connected', spooled_batches: 0, spooled_bytes: 0, rejected_upstream: 0 });
  const gaps = c.store.list()[0]!.db.prepare('SELECT dropped FROM gaps').pluck().all();
  assert.deepEqual(gaps, [3], 'a gap notice travels with its batch');
  const metrics = await (await fetch(`${r.url}/metrics`)).text();
  assert.match(metrics, /^redtail_relay_batches_forwarded_total 2$/m);
  assert.match(metrics, /^redtail_relay_upstream_connected 1$/m);
  await r.close();
  await c.stop();
  tmp.remove();
});

test('while the collector is away batches are spooled, and drained in order when it returns', async () => {
  const port = await freePort();
  const tmp = tempDir();
  const r = await relay(`http://127.0.0.1:${port}`, tmp.dir);
  for (let i = 1; i <= 5; i++) {
    const res = await post(r.url, ndjson([record({ request_id: `away-${i}` })]), { 'x-redtail-batch': `side/${i}` });
    assert.equal(res.status, 200, 'the sidecar is answered at once: the spool has it');
  }
  const again = await post(r.url, ndjson([record({ request_id: 'away-1' })]), { 'x-redtail-batch': 'side/1' });
  assert.equal(again.json.duplicate, true, 'a sidecar\'s retry of a waiting batch is not spooled twice');
  const health = await (await fetch(`${r.url}/healthz`)).json() as Record<string, unknown>;
  assert.equal(health.upstream, 'disconnected');
  assert.equal(health.spooled_batches, 5);
  assert.ok(r.logs.some((l) => l.event === 'upstream_unreachable'));

  const data = tempDir();
  const c = await startCollector({ ...structuredClone(DEFAULTS), data: data.dir, port, limits: { ...DEFAULTS.limits, maxClockSkewMs: WIDE_SKEW_MS } }, () => {});
  await until(() => r.spool.batches === 0, 'the spool drained', { timeoutMs: 10_000 });
  assert.deepEqual(storedBatches(c), ['side/1', 'side/2', 'side/3', 'side/4', 'side/5']);
  await r.close();
  await c.close();
  data.remove();
  tmp.remove();
});

test('kill -9: every batch the relay acknowledged reaches the collector after a restart', async () => {
  const port = await freePort();
  const tmp = tempDir();
  const child = await spawnRedtail(['relay', '--listen', '0', '--upstream', `ws://127.0.0.1:${port}/v1/stream`, '--spool', tmp.dir]);
  const acked: string[] = [];
  let stop = false;
  const senders = Array.from({ length: 4 }, async (_, s) => {
    for (let seq = 1; !stop; seq++) {
      const id = `s${s}/${seq}`;
      try {
        const res = await post(child.url, ndjson(Array.from({ length: 20 }, (_, i) => record({ request_id: `${id}#${i}` }))), { 'x-redtail-batch': id });
        if (res.status === 200) acked.push(id);
      } catch {
        return; // the relay is gone
      }
    }
  });
  await until(() => acked.length >= 40, 'some batches acknowledged');
  const gone = exited(child.child);
  child.child.kill('SIGKILL');
  await gone;
  stop = true;
  await Promise.all(senders);

  const c = await collector({ port });
  const r = await relay(c.url, tmp.dir);
  await until(() => r.spool.batches === 0, 'the spool drained', { timeoutMs: 20_000 });
  const stored = new Set(storedBatches(c));
  const lost = acked.filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], 'no acknowledged batch lost');
  await r.close();
  await c.stop();
  tmp.remove();
});

test('bad batches are refused as the collector refuses them, and nothing is spooled', async () => {
  const tmp = tempDir();
  const r = await relay('http://127.0.0.1:1', tmp.dir, { limits: { ...RELAY_DEFAULTS.limits, maxBodyBytes: 4096 } });
  const bad = await post(r.url, `${JSON.stringify(record())}\n{"start_time": "yesterday", "response_code": 200}\n`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.line, 2);
  assert.equal(bad.json.field, 'start_time');
  assert.equal((await post(r.url, 'not json')).status, 400);
  assert.equal((await post(r.url, ndjson([record()]), { 'x-redtail-batch': 'bad id' })).json.field, 'x-redtail-batch');
  assert.equal((await post(r.url, ndjson([record({ path: `/${'x'.repeat(5000)}` })]))).status, 413);
  assert.equal(r.spool.batches, 0);
  assert.match(await (await fetch(`${r.url}/metrics`)).text(), /^redtail_relay_batches_refused_total\{reason="invalid"\} 3$/m);
  await r.close();
  tmp.remove();
});

test('tokens: sidecars must present one with the ingest scope; the relay presents its own upstream', async () => {
  const c = await collector({ tokens: [{ token: TOKEN, scopes: ['ingest'] }] });
  const tmp = tempDir();
  const sidecarToken = 'sidecar-token-0123456789';
  const r = await relay(c.url, tmp.dir, { tokens: [{ token: sidecarToken, scopes: ['ingest'] }], upstreamToken: TOKEN });
  assert.equal((await post(r.url, ndjson([record()]))).status, 401);
  assert.equal((await post(r.url, ndjson([record()]), { authorization: `Bearer ${TOKEN}x` })).status, 401);
  assert.equal((await post(r.url, ndjson([record()]), { authorization: `Bearer ${sidecarToken}`, 'x-redtail-batch': 'tok/1' })).status, 200);
  await until(() => storedBatches(c).includes('tok/1'), 'stored upstream with the relay\'s token');
  await r.close();

  const other = tempDir();
  const wrong = await relay(c.url, other.dir, { upstreamToken: 'not-the-collector-token-0000' });
  await until(() => wrong.logs.some((l) => l.event === 'upstream_refused' && l.status === 401), 'the refusal logged');
  assert.equal(wrong.forwarder.connected, false);
  await wrong.close();
  await c.stop();
  tmp.remove();
  other.remove();
});

test('cross-site: text/plain or no content type gets 415, a Host the relay does not serve 403; nothing is spooled', async () => {
  const tmp = tempDir();
  const r = await relay('http://127.0.0.1:1', tmp.dir);
  const body = ndjson([record()]);
  for (const type of ['text/plain', undefined]) {
    const res = await fetch(`${r.url}/v1/ingest`, { method: 'POST', body: new Blob([body], type ? { type } : {}) });
    assert.equal(res.status, 415, String(type));
    assert.match(String(((await res.json()) as { error: string }).error), /content-type: application\/x-ndjson/);
  }
  const { port } = new URL(r.url);
  const rebound = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/ingest', setHost: false, headers: { host: `evil.example:${port}`, 'content-type': 'application/x-ndjson' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(rebound, 403);
  assert.equal(r.spool.batches, 0);
  assert.match(await (await fetch(`${r.url}/metrics`)).text(), /^redtail_relay_batches_refused_total\{reason="media_type"\} 2$/m);
  assert.equal((await post(r.url, body, { 'x-redtail-batch': 'ok/1' })).status, 200, 'the filter\'s own requests still get in');
  assert.equal(loadRelayConfig({ upstream: 'ws://c:9900/v1/stream', 'allowed-hosts': 'relay.internal' }, {}).allowedHosts![0], 'relay.internal');
  assert.throws(() => loadRelayConfig({ upstream: 'ws://c:9900/v1/stream' }, { REDTAIL_ALLOWED_HOSTS: 'relay:9901' }), /relay config: .*--allowed-hosts.* must be host names without port/);
  await r.close();
  tmp.remove();
});

test('a full spool answers 429 with Retry-After, so the sidecar keeps its batch', async () => {
  const tmp = tempDir();
  const r = await relay('http://127.0.0.1:1', tmp.dir, { limits: { ...RELAY_DEFAULTS.limits, spoolMaxBytes: 2000 } });
  const body = ndjson([record({ path: `/${'a'.repeat(1200)}` })]);
  assert.equal((await post(r.url, body, { 'x-redtail-batch': 'full/1' })).status, 200);
  const res = await fetch(`${r.url}/v1/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'full/2' } });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '5');
  assert.equal(r.spool.batches, 1);
  await r.close();
  tmp.remove();
});

test('a batch the collector refuses for good is set aside, and the batches after it still flow', async () => {
  const c = await collector({ limits: { maxRecords: 2 } });
  const tmp = tempDir();
  const r = await relay(c.url, tmp.dir);
  assert.equal((await post(r.url, ndjson([record(), record(), record()]), { 'x-redtail-batch': 'big/1' })).status, 200);
  assert.equal((await post(r.url, ndjson([record()]), { 'x-redtail-batch': 'ok/2' })).status, 200);
  await until(() => storedBatches(c).includes('ok/2') && r.spool.batches === 0, 'the good batch stored and acknowledged');
  assert.deepEqual(storedBatches(c), ['ok/2']);
  assert.equal(r.spool.rejectedCount, 1);
  assert.ok(r.logs.some((l) => l.event === 'batch_rejected_upstream' && l.batch === 'big/1'));
  await r.close();
  await c.stop();
  tmp.remove();
});

test('a spool older than the collector\'s clock skew (a relay back after a long outage) is refused by the collector and set aside, naming the bound; the rest go on', async () => {
  const c = await collector({ limits: { maxClockSkewMs: 24 * 3_600_000 } });
  const tmp = tempDir();
  const r = await relay(c.url, tmp.dir);
  // The relay takes what a sidecar held two days: the past is the collector's to judge.
  const old = new Date(Date.now() - 48 * 3_600_000).toISOString();
  assert.equal((await post(r.url, ndjson([record({ start_time: old })]), { 'x-redtail-batch': 'late/1' })).status, 200);
  assert.equal((await post(r.url, ndjson([record({ start_time: new Date().toISOString() })]), { 'x-redtail-batch': 'now/2' })).status, 200);
  await until(() => storedBatches(c).includes('now/2') && r.spool.batches === 0, 'the fresh batch stored and acknowledged');
  assert.deepEqual(storedBatches(c), ['now/2']);
  assert.equal(r.spool.rejectedCount, 1);
  const rejected = r.logs.find((l) => l.event === 'batch_rejected_upstream');
  assert.equal(rejected?.batch, 'late/1');
  assert.match(String(rejected?.error), /"start_time" must be a time no earlier than .*limits\.max_clock_skew_ms.*raise the skew/);
  await r.close();
  await c.stop();
  tmp.remove();
});

test('configuration: an upstream is required, public addresses need tokens, tokens need the ingest scope', () => {
  assert.throws(() => loadRelayConfig({}, {}), /--upstream \(or REDTAIL_UPSTREAM\) must be the collector's WebSocket ingest/);
  assert.throws(() => loadRelayConfig({ upstream: 'http://c:9900' }, {}), /ws:\/\/collector:9900\/v1\/stream/);
  assert.throws(() => loadRelayConfig({ upstream: 'ws://c:9900/v1/stream', host: '0.0.0.0' }, {}), /refusing to listen on 0.0.0.0 without tokens/);
  assert.throws(() => loadRelayConfig({ upstream: 'ws://c:9900/v1/stream', window: '0' }, {}), /--window must be an integer from 1 to 1024, got "0"/);
  assert.throws(() => loadRelayConfig({ upstream: 'ws://c:9900/v1/stream' }, { REDTAIL_TOKENS: `${TOKEN}:read` }), /REDTAIL_TOKENS must be tokens with the ingest scope/);
  const c = loadRelayConfig({ upstream: 'ws://c:9900/v1/stream', host: '0.0.0.0' }, { REDTAIL_TOKENS: `${TOKEN}:ingest`, REDTAIL_UPSTREAM_TOKEN: 'up' });
  assert.equal(c.port, 9901);
  assert.equal(c.upstreamToken, 'up');
  assert.deepEqual(c.tokens, [{ token: TOKEN, scopes: ['ingest'] }]);
});

test('a batch over the collector\'s message size is found, set aside, and does not hold up the rest', async () => {
  const c = await collector({ limits: { maxBodyBytes: 8192 } });
  const tmp = tempDir();
  const r = await relay(c.url, tmp.dir);
  // Sent while the relay is connected: the three go out together, and the collector cuts the socket.
  await until(() => r.forwarder.connected, 'connected');
  assert.equal((await post(r.url, ndjson([record()]), { 'x-redtail-batch': 'small/1' })).status, 200);
  assert.equal((await post(r.url, ndjson(Array.from({ length: 20 }, () => record({ path: `/${'b'.repeat(500)}` }))), { 'x-redtail-batch': 'big/2' })).status, 200);
  assert.equal((await post(r.url, ndjson([record()]), { 'x-redtail-batch': 'small/3' })).status, 200);
  await until(() => r.spool.batches === 0, 'the small ones stored and the big one set aside', { timeoutMs: 10_000 });
  assert.deepEqual(storedBatches(c).sort(), ['small/1', 'small/3']);
  assert.equal(r.spool.rejectedCount, 1);
  assert.ok(r.logs.some((l) => l.event === 'batch_rejected_upstream' && l.batch === 'big/2'));
  await r.close();
  await c.stop();
  tmp.remove();
});

test('a sidecar that disconnects mid-batch leaves nothing in the spool, and the relay goes on', async () => {
  const tmp = tempDir();
  const r = await relay('http://127.0.0.1:1', tmp.dir);
  const port = Number(new URL(r.url).port);
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('POST /v1/ingest HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-ndjson\r\ncontent-length: 1000\r\nx-redtail-batch: cut/1\r\n\r\n{"start_time":"2026-11-27T10:00:00Z","resp');
      setTimeout(() => s.destroy(), 50);
    });
    s.on('close', () => resolve());
  });
  await until(() => r.logs.some((l) => l.event === 'batch_abandoned'), 'the abandoned batch noted');
  assert.equal(r.spool.batches, 0);
  assert.equal((await post(r.url, ndjson([record()]), { 'x-redtail-batch': 'after/1' })).status, 200);
  assert.ok(!r.logs.some((l) => l.level === 'error'), 'not an error of the relay\'s');
  await r.close();
  tmp.remove();
});

test('a record nested 60,000 deep is refused by the relay up front, naming its line and field', async () => {
  const tmp = tempDir();
  const r = await relay('http://127.0.0.1:1', tmp.dir);
  const deep = `${JSON.stringify(record()).slice(0, -1)},"x":${'['.repeat(60_000)}"\\n"${']'.repeat(60_000)}}`;
  const res = await post(r.url, `${deep}\n`, { 'x-redtail-batch': 'deep/1' });
  assert.equal(res.status, 400);
  assert.equal(res.json.line, 1);
  assert.equal(res.json.field, 'x');
  assert.equal(r.spool.batches, 0);
  await r.close();
  tmp.remove();
});

/** A folder squatting on a day's shard file: the collector cannot store a batch of that day, and stores others. */
const blockDay = (data: string, day: string) => mkdirSync(join(data, `redtail-${day}.db`));
const unblockDay = (data: string, day: string) => rmSync(join(data, `redtail-${day}.db`), { recursive: true });
const onDay = (day: string, id: string) => ndjson([record({ request_id: id, start_time: `${day}T10:00:00.000Z` })]);

test('a batch the collector fails to store, while it stores others, is set aside after --max-batch-errors tries, and the rest go on', async () => {
  const c = await collector();
  const tmp = tempDir();
  const bad = '2026-11-20';
  blockDay(c.dir, bad);
  const r = await relay(c.url, tmp.dir, { limits: { ...RELAY_DEFAULTS.limits, maxBatchErrors: 3 } });
  await until(() => r.forwarder.connected, 'connected');
  assert.equal((await post(r.url, onDay(bad, 'p'), { 'x-redtail-batch': 'poison/1' })).status, 200);
  assert.equal((await post(r.url, onDay('2026-11-27', 'g1'), { 'x-redtail-batch': 'good/1' })).status, 200);
  await until(() => r.spool.batches === 0, 'the poison set aside and the rest stored', { timeoutMs: 10_000 });
  assert.deepEqual(storedBatches(c), ['good/1']);
  assert.equal(r.spool.rejectedCount, 1);
  const rejected = r.logs.find((l) => l.event === 'batch_rejected_upstream');
  assert.equal(rejected?.batch, 'poison/1');
  assert.match(String(rejected?.error), /failed to store it 3 times/);
  assert.equal(r.logs.filter((l) => l.event === 'upstream_retry').length, 3);
  // And it goes on: a later batch is stored.
  assert.equal((await post(r.url, onDay('2026-11-27', 'g2'), { 'x-redtail-batch': 'good/2' })).status, 200);
  await until(() => storedBatches(c).includes('good/2'), 'the later batch stored');
  await r.close();
  unblockDay(c.dir, bad);
  await c.stop();
  tmp.remove();
});

test('when the collector fails every batch, none is set aside, the backoff grows, and they are stored once it can store again', async () => {
  const c = await collector();
  const tmp = tempDir();
  const bad = '2026-11-20';
  blockDay(c.dir, bad);
  const r = await relay(c.url, tmp.dir, { limits: { ...RELAY_DEFAULTS.limits, maxBatchErrors: 2 } });
  await until(() => r.forwarder.connected, 'connected');
  assert.equal((await post(r.url, onDay(bad, 'a'), { 'x-redtail-batch': 'wait/1' })).status, 200);
  assert.equal((await post(r.url, onDay(bad, 'b'), { 'x-redtail-batch': 'wait/2' })).status, 200);
  await until(() => r.logs.filter((l) => l.event === 'upstream_retry').length >= 6, 'several failures', { timeoutMs: 10_000 });
  assert.equal(r.spool.rejectedCount, 0);
  // Each reconnect waited longer than the one before: the backoff is reset by an ack, not by a connection.
  const waits = r.logs.filter((l) => l.event === 'upstream_lost').map((l) => l.retry_ms);
  assert.deepEqual(waits.slice(0, 3), [100, 200, 400]);
  unblockDay(c.dir, bad);
  await until(() => r.spool.batches === 0, 'both stored, in order', { timeoutMs: 10_000 });
  assert.deepEqual(storedBatches(c), ['wait/1', 'wait/2']);
  await r.close();
  await c.stop();
  tmp.remove();
});

test('bodies being received hold at most --max-pending-bytes: 30 sidecars that stop 8 MB into a batch do not grow the relay past it', async (t) => {
  const tmp = tempDir();
  const { child, url } = await spawnRedtail(['relay', '--listen', '0', '--upstream', 'ws://127.0.0.1:1/v1/stream', '--spool', tmp.dir, '--max-pending-bytes', String(8 * MiB)]);
  t.after(async () => {
    const done = exited(child);
    child.kill('SIGKILL');
    await done;
    tmp.remove();
  });
  const before = residentMemory(child.pid!).peak;
  // Batches of up to 9 MiB (the default); each sidecar sends 8 MB of one and stops.
  const sidecars = Array.from({ length: 30 }, (_, i) => upload(url, 9 * MiB, 8 * MiB, `stall/${i}`));
  const answers = await Promise.all(sidecars.slice(0, 28).map((s) => Promise.race([s.done.catch(() => undefined), new Promise<undefined>((r) => setTimeout(r, 5000))])));
  const grown = residentMemory(child.pid!).peak - before;
  t.diagnostic(`peak resident memory grew by ${(grown / MiB).toFixed(1)} MiB`);
  assert.ok(grown < 128 * MiB, `the relay grew by ${(grown / MiB).toFixed(0)} MiB for 30 unfinished 8 MB bodies (budget: 8 MiB)`);
  const busy = answers.filter((a) => a?.status === 429);
  // Those past the budget are told 429 (or, still writing when the relay closes, see the connection reset).
  assert.ok(busy.length > 0, `sidecars past the budget told 429: ${JSON.stringify(answers.map((a) => a?.status))}`);
  assert.match(String(busy[0]!.json.error), /send this one again after a pause/);
  for (const s of sidecars) s.cut();
  // The relay learns of each cut connection a moment later; until then it may still say 429.
  let n = 0;
  await until(async () => (await post(url, ndjson([record()]), { 'x-redtail-batch': `after/${++n}` })).status === 200, 'room again once they are gone');
});

test('batch ids go through the relay as they came: the collector sees a source\'s missing batches, and the relay\'s own ids under one identity', async () => {
  const c = await collector();
  const tmp = tempDir();
  const r = await relay(c.url, tmp.dir);
  const now = () => new Date().toISOString();
  for (const seq of [1, 2, 5]) assert.equal((await post(r.url, ndjson([record({ start_time: now() })]), { 'x-redtail-batch': `orders-v1-0123456789ab/${seq}` })).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await post(r.url, ndjson([record({ start_time: now() })]))).status, 200);
  await until(() => storedBatches(c).length === 5, 'every batch stored');
  const metrics = await (await fetch(`${c.url}/metrics`)).text();
  assert.match(metrics, /^redtail_source_batches_missing\{identity="orders-v1"\} 2$/m);
  assert.match(metrics, /^redtail_source_batches_missing\{identity="relay-[^"]+"\} 0$/m, 'the relay\'s own source, without its random part');
  await r.close();
  await c.stop();
  tmp.remove();
});
