// Attacks on completeness: a sources file that is garbage or another database must not keep the
// collector from starting (it says so and begins a new one); a producer holding a token cannot
// grow /metrics with made-up identities, nor the memory held for a slow tail with gap notices.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { DEFAULTS } from '../../src/config.js';
import { startCollector } from '../../src/http/server.js';
import { SOURCES_FILE } from '../../src/sources/ledger.js';
import { ndjson, post, record, tempDir, until } from '../helpers.js';

const now = () => new Date().toISOString();
const send = (url: string, batch: string, lines: object[] = [record({ start_time: now() })]) => post(url, ndjson(lines), { 'x-redtail-batch': batch });

async function startsOver(spoil: (file: string) => void, what: string) {
  const tmp = tempDir();
  const config = { ...structuredClone(DEFAULTS), data: tmp.dir, port: 0 };
  spoil(join(tmp.dir, SOURCES_FILE));
  const logs: Record<string, unknown>[] = [];
  const c = await startCollector(config, (e) => logs.push(e));
  try {
    const said = logs.find((e) => e.event === 'sources_unreadable');
    assert.ok(said, `the collector says the sources file is ${what}`);
    assert.ok(readdirSync(tmp.dir).some((f) => f.startsWith(`${SOURCES_FILE}.unreadable-`)), 'the file is kept aside, not deleted');
    assert.equal((await send(c.url, 'orders-aaaaaaaaaaaa/1')).status, 200);
    assert.equal((await send(c.url, 'orders-aaaaaaaaaaaa/3')).status, 200);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    assert.match(metrics, /redtail_source_batches_missing\{identity="orders"\} 1/, 'completeness is counted again in a new file');
  } finally {
    await c.close();
    tmp.remove();
  }
}

test('a sources file that is not a database: the collector starts, says so, keeps it aside and begins a new one', async () => {
  await startsOver((file) => writeFileSync(file, Buffer.alloc(8192, 0x41)), 'not a database');
});

test('a sources file replaced by another database (a table sources of other columns): the collector starts and says so', async () => {
  await startsOver((file) => {
    const db = new Database(file);
    db.exec('CREATE TABLE sources (name TEXT); INSERT INTO sources VALUES (\'x\')');
    db.close();
  }, 'of another shape');
});

test('a producer naming a new identity in each batch cannot grow /metrics past sources.max_identities; the latest heard are shown and the rest counted', async () => {
  const tmp = tempDir();
  const config = { ...structuredClone(DEFAULTS), data: tmp.dir, port: 0 };
  config.sources.maxIdentities = 5;
  const c = await startCollector(config, () => {});
  try {
    for (let i = 0; i < 20; i++) assert.equal((await send(c.url, `made-up-${String(i).padStart(2, '0')}/1`)).status, 200);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    const shown = metrics.split('\n').filter((l) => l.startsWith('redtail_source_silent{')).map((l) => /identity="([^"]+)"/.exec(l)![1]);
    assert.deepEqual(shown, ['made-up-15', 'made-up-16', 'made-up-17', 'made-up-18', 'made-up-19']);
    assert.match(metrics, /^redtail_source_identities_unshown 15$/m);
  } finally {
    await c.close();
    tmp.remove();
  }
});

test('a tail that reads nothing, flooded with gap notices: what is held for it stays within limits.tail_queue_bytes, and it still gets the latest notice', async () => {
  const tmp = tempDir();
  const config = { ...structuredClone(DEFAULTS), data: tmp.dir, port: 0 };
  config.limits = { ...config.limits, tailQueueBytes: 64 * 1024 };
  const c = await startCollector(config, () => {});
  const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/tail`);
  const notices: string[] = [];
  ws.on('message', (data) => {
    for (const line of String(data).split('\n')) notices.push(String((JSON.parse(line) as { notice?: { reason?: string } }).notice?.reason));
  });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    (ws as unknown as { _socket: Socket })._socket.pause();
    // Each notice as large as a producer can make it: a source and a reason of 256 control characters, six bytes each in JSON.
    const big = '\u0001'.repeat(256);
    const gap = (reason: string) => ({ gap: { dropped: 1, since: now(), until: now(), source: big, reason } });
    for (let b = 0; b < 4; b++) {
      assert.equal((await send(c.url, `flood-aaaaaaaaaaaa/${b + 1}`, Array.from({ length: 300 }, () => gap(big)))).status, 200);
    }
    assert.equal((await send(c.url, 'flood-aaaaaaaaaaaa/5', [gap('the last')])).status, 200);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    const held = Number(/^redtail_tail_held_bytes (\d+)$/m.exec(metrics)![1]);
    assert.ok(held <= 64 * 1024, `held for the tail: ${held} bytes`);
    (ws as unknown as { _socket: Socket })._socket.resume();
    await until(() => notices.includes('the last'), 'the latest notice');
  } finally {
    ws.terminate();
    await c.close();
    tmp.remove();
  }
});

test('a token holder that sends another sidecar\'s source id with a number far ahead hides that sidecar\'s real missing batches', {
  todo: 'any ingest token may send any batch id: the forged number marks every number up to it missing, and the real ' +
    'sidecar\'s next batches then fill places in that run instead of showing their own gaps. A fix needs a source ' +
    'bound to what sends it: ingest tokens scoped to the identities they may send as (tokens[].identities in the ' +
    'config, checked in http/receive.ts), or source ids the filter signs',
}, async () => {
  const tmp = tempDir();
  const config = { ...structuredClone(DEFAULTS), data: tmp.dir, port: 0 };
  const c = await startCollector(config, () => {});
  try {
    const real = 'orders-bbbbbbbbbbbb';
    for (const seq of [1, 2]) assert.equal((await send(c.url, `${real}/${seq}`)).status, 200);
    assert.equal((await send(c.url, `${real}/1000`)).status, 200, 'the forged batch, from another token holder');
    for (const seq of [3, 5]) assert.equal((await send(c.url, `${real}/${seq}`)).status, 200);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    const missing = Number(/^redtail_source_batches_missing\{identity="orders"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.equal(missing, 1, 'only the real sidecar\'s batch 4 is missing');
  } finally {
    await c.close();
    tmp.remove();
  }
});
