// Completeness, with a real collector, real HTTP and WebSocket producers and live tails: a
// skipped sequence number is a missing batch and a retry is not; a late batch fills its place; a
// gap notice counts its records; an identity that stops is silent after the configured time and
// the tail is told, while a sidecar restarted under a new source id keeps its identity sending;
// and the figures survive a restart of the collector, a crash before they were saved included.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { DEFAULTS } from '../../src/config.js';
import { startCollector } from '../../src/http/server.js';
import { completeness } from '../../src/sources/completeness.js';
import { collector, exited, get, ndjson, post, record, spawnRedtail, tempDir, until } from '../helpers.js';

/** A sidecar's source id: its workload and the random part a VM start gives it. */
const vm = (workload: string, hex: string) => `${workload}-${hex.repeat(12).slice(0, 12)}`;
const now = () => new Date().toISOString();
const send = (url: string, batch: string, lines: object[] = [record({ start_time: now() })]) => post(url, ndjson(lines), { 'x-redtail-batch': batch });

function tailOf(url: string): Promise<{ ws: WebSocket; notices: Record<string, unknown>[] }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/tail`);
  const notices: Record<string, unknown>[] = [];
  ws.on('message', (data) => {
    for (const line of String(data).split('\n')) {
      const m = JSON.parse(line) as { notice?: Record<string, unknown> };
      if (m.notice) notices.push(m.notice);
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, notices }));
    ws.once('error', reject);
  });
}

/** One identity's sample of a metric on GET /metrics, or undefined when it has none. */
async function metric(url: string, name: string, identity: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{identity="${identity}"} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

test('a skipped sequence number is a missing batch, a retry is not, and a late batch fills its place', async () => {
  const c = await collector();
  const tail = await tailOf(c.url);
  const src = vm('orders-v1', 'a1');
  for (const seq of [1, 2, 4]) assert.equal((await send(c.url, `${src}/${seq}`)).status, 200);
  const retry = await send(c.url, `${src}/2`);
  assert.equal(retry.json.duplicate, true);
  assert.equal(await metric(c.url, 'redtail_source_batches_missing', 'orders-v1'), 1);
  const missing = await until(() => tail.notices.find((n) => n.kind === 'missing'), 'a notice of the missing batch');
  assert.equal(missing.source, src);
  assert.equal(missing.from_seq, 3);
  assert.equal(missing.batches, 1);
  assert.match(String(missing.message), /1 batches of orders-v1-a1a1a1a1a1a1 never arrived \(seq 3,/);
  assert.equal(tail.notices.filter((n) => n.kind === 'missing').length, 1, 'the retry told nothing');
  const found = (await get(c.url, '/v1/completeness')).json as { missing: { from_seq: number }[]; identities: { identity: string; batches_missing: number }[] };
  assert.deepEqual(found.missing.map((m) => m.from_seq), [3]);
  assert.equal(found.identities.find((i) => i.identity === 'orders-v1')?.batches_missing, 1);
  await send(c.url, `${src}/3`);
  assert.equal(await metric(c.url, 'redtail_source_batches_missing', 'orders-v1'), 0, 'the late batch arrived');
  assert.deepEqual(((await get(c.url, '/v1/completeness')).json as { missing: unknown[] }).missing, []);
  tail.ws.close();
  await c.stop();
});

test('a WebSocket producer\'s skipped batches are missing too; its gap notice counts the records it dropped', async () => {
  const c = await collector();
  const tail = await tailOf(c.url);
  const src = vm('payments', 'b2');
  const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/stream`);
  const acks: unknown[] = [];
  ws.on('message', (d) => acks.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once('open', r));
  const since = new Date(Date.now() - 60_000).toISOString();
  ws.send(JSON.stringify({ batch: `${src}/1`, records: [record({ start_time: now() })] }));
  ws.send(JSON.stringify({ batch: `${src}/5`, records: [{ gap: { dropped: 42, since, until: now(), source: src, reason: 'buffer full' } }, record({ start_time: now() })] }));
  await until(() => acks.length === 2, 'both batches acknowledged');
  assert.equal(await metric(c.url, 'redtail_source_batches_missing', 'payments'), 3);
  assert.equal(await metric(c.url, 'redtail_source_records_dropped_total', 'payments'), 42);
  const dropped = await until(() => tail.notices.find((n) => n.kind === 'dropped'), 'a notice of the dropped records');
  assert.equal(dropped.dropped, 42);
  assert.equal(dropped.identity, 'payments');
  const missing = tail.notices.find((n) => n.kind === 'missing')!;
  assert.deepEqual([missing.from_seq, missing.to_seq], [2, 4]);
  ws.close();
  tail.ws.close();
  await c.stop();
});

test('an identity that stops is silent after sources.silent_after_ms and the tail is told; a sidecar restarted under a new id is not silent', async () => {
  const c = await collector({ sources: { ...DEFAULTS.sources, silentAfterMs: 400 } });
  const tail = await tailOf(c.url);
  await send(c.url, `${vm('cart', 'c3')}/1`);
  // The checkout sidecar restarts: its old source stops, a new one (seq from 1 again) goes on.
  await send(c.url, `${vm('checkout', 'd4')}/1`);
  const t0 = Date.now();
  let seq = 0;
  while (Date.now() - t0 < 1200) {
    await send(c.url, `${vm('checkout', 'e5')}/${++seq}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const silent = await until(() => tail.notices.find((n) => n.kind === 'silent'), 'a notice of the silent identity');
  assert.equal(silent.identity, 'cart');
  assert.match(String(silent.message), /^cart is silent: no batch since /);
  assert.deepEqual(tail.notices.filter((n) => n.kind === 'silent').map((n) => n.identity), ['cart'], 'checkout still sends, under its new source id');
  assert.deepEqual(tail.notices.filter((n) => n.kind === 'missing'), [], 'a new source id starts its sequence again');
  assert.equal(await metric(c.url, 'redtail_source_silent', 'cart'), 1);
  assert.equal(await metric(c.url, 'redtail_source_silent', 'checkout'), 0);
  assert.ok((await metric(c.url, 'redtail_source_seconds_since_batch', 'cart'))! >= 0.4);
  await send(c.url, `${vm('cart', 'c3')}/2`);
  const back = await until(() => tail.notices.find((n) => n.kind === 'back'), 'a notice that the identity sends again');
  assert.equal(back.identity, 'cart');
  assert.equal(await metric(c.url, 'redtail_source_silent', 'cart'), 0);
  const known = (await get(c.url, '/v1/completeness')).json as { silences: { identity: string; until: string | null }[] };
  assert.deepEqual(known.silences.map((s) => [s.identity, s.until !== null]), [['cart', true]]);
  tail.ws.close();
  await c.stop();
});

test('the figures survive a restart of the collector, and the sequence goes on where it was', async () => {
  const tmp = tempDir();
  const config = { ...structuredClone(DEFAULTS), data: tmp.dir, port: 0 };
  const src = vm('search', 'f6');
  const first = await startCollector(config, () => {});
  for (const seq of [1, 2, 5]) await send(first.url, `${src}/${seq}`);
  await send(first.url, `${src}/6`, [{ gap: { dropped: 7, since: now(), until: now(), source: src, reason: 'buffer full' } }, record({ start_time: now() })]);
  await first.close();
  const second = await startCollector(config, () => {});
  assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'search'), 2);
  assert.equal(await metric(second.url, 'redtail_source_records_dropped_total', 'search'), 7);
  await send(second.url, `${src}/7`);
  assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'search'), 2, 'the sequence goes on where it was');
  await send(second.url, `${src}/3`);
  assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'search'), 1, 'a late batch fills its place after a restart too');
  const period = completeness(second.store, { from: Date.now() - 3_600_000, to: Date.now() + 1 });
  assert.deepEqual(period.identities.map((i) => [i.identity, i.batches_missing, i.records_dropped]), [['search', 1, 7]]);
  assert.deepEqual(period.missing.map((m) => [m.source, m.from_seq, m.to_seq]), [[src, 4, 4]]);
  assert.equal(completeness(second.store, { from: Date.now() + 3_600_000, to: Date.now() + 7_200_000 }).identities.length, 0, 'nothing in a later period');
  await second.close();
  tmp.remove();
});

test('killed (kill -9) before it saved its sources, the collector finds the batches the shards hold and counts none of them missing', async () => {
  const tmp = tempDir();
  const data = join(tmp.dir, 'data');
  const src = vm('ledger', '7a');
  let second: Awaited<ReturnType<typeof spawnRedtail>> | undefined;
  try {
    const first = await spawnRedtail(['serve', '--port', '0', '--data', data]);
    for (let seq = 1; seq <= 6; seq++) assert.equal((await send(first.url, `${src}/${seq}`)).status, 200);
    const gone = exited(first.child);
    first.child.kill('SIGKILL');
    await gone;
    // As if the kill came before the last save: the ledger knows the source only up to seq 1.
    const ledger = new Database(join(data, 'sources.db'));
    ledger.prepare('INSERT OR REPLACE INTO sources (source, identity, last_seq, first_seen, last_seen) VALUES (?, ?, 1, ?, ?)').run(src, 'ledger', Date.now(), Date.now());
    ledger.close();
    second = await spawnRedtail(['serve', '--port', '0', '--data', data]);
    await send(second.url, `${src}/7`);
    assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'ledger'), 0, 'seq 2-6 are in the shards');
    await send(second.url, `${src}/9`);
    assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'ledger'), 1, 'seq 8 never came');
  } finally {
    if (second) {
      const stopped = exited(second.child);
      second.child.kill('SIGTERM');
      await stopped;
    }
    tmp.remove();
  }
});

test('a data folder with batches and no sources file (an older collector\'s): a source that goes on is not missing what came before', async () => {
  const tmp = tempDir();
  const config = { ...structuredClone(DEFAULTS), data: tmp.dir, port: 0 };
  const src = vm('older', '8b');
  let second: Awaited<ReturnType<typeof startCollector>> | undefined;
  try {
    const first = await startCollector(config, () => {});
    for (const seq of [1, 2, 3]) await send(first.url, `${src}/${seq}`);
    await first.close();
    for (const end of ['', '-wal', '-shm']) rmSync(join(tmp.dir, `sources.db${end}`), { force: true });
    second = await startCollector(config, () => {});
    await send(second.url, `${src}/4`);
    assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'older'), 0, 'seq 1-3 are in the shards');
    await send(second.url, `${src}/6`);
    assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'older'), 1, 'seq 5 never came');
    await send(second.url, `${vm('newer', '9c')}/3`);
    assert.equal(await metric(second.url, 'redtail_source_batches_missing', 'newer'), 2, 'a source whose first batches never came');
  } finally {
    await second?.close();
    tmp.remove();
  }
});
