// A shard file that cannot be opened (damaged, or not SQLite at all) never stops the collector:
// it is reported, left as it is and out of every answer, and batches for its day are refused
// to be sent again (503), while every other day goes on.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { type CollectorConfig, DEFAULTS, startCollector } from '../../src/index.js';
import { get, ndjson, post, record, tempDir, WIDE_SKEW_MS } from '../helpers.js';

test('a shard that cannot be opened is reported and skipped; its day\'s batches get 503 to send again; the rest goes on', async (t) => {
  const tmp = tempDir();
  t.after(() => tmp.remove());
  const config: CollectorConfig = { ...structuredClone(DEFAULTS), data: tmp.dir, port: 0, retentionDays: 3650, limits: { ...DEFAULTS.limits, maxClockSkewMs: WIDE_SKEW_MS } };
  const first = await startCollector(config, () => {});
  assert.equal((await post(first.url, ndjson([record({ request_id: 'day-1' })]), { 'x-redtail-batch': 'p/1' })).status, 200);
  assert.equal((await post(first.url, ndjson([record({ request_id: 'day-2', start_time: '2026-11-28T10:00:00.000Z' })]), { 'x-redtail-batch': 'p/2' })).status, 200);
  await first.close();

  const damaged = join(tmp.dir, 'redtail-2026-11-27.db');
  rmSync(`${damaged}-wal`, { force: true });
  rmSync(`${damaged}-shm`, { force: true });
  writeFileSync(damaged, Buffer.alloc(8192, 'not a database '));
  const logs: Record<string, unknown>[] = [];
  const c = await startCollector(config, (e) => logs.push(e));
  t.after(() => c.close());
  const reported = logs.find((e) => e.event === 'shard_unopenable');
  assert.equal(reported?.shard, '2026-11-27');
  assert.equal(reported?.file, damaged);

  const answer = await get(c.url, '/v1/logs');
  assert.deepEqual((answer.json.records as { request_id: string }[]).map((r) => r.request_id), ['day-2']);
  assert.match(await (await fetch(`${c.url}/metrics`)).text(), /^redtail_shards_unopenable 1$/m);

  const refused = await post(c.url, ndjson([record({ request_id: 'for-the-damaged-day' })]), { 'x-redtail-batch': 'p/3' });
  assert.equal(refused.status, 503);
  assert.match(String(refused.json.error), /shard for 2026-11-27 .*could not be opened.*wait until it is repaired or moved away/);
  const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/stream`);
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ batch: 'p/4', records: [record({ request_id: 'over-ws' })] }));
  const reply = JSON.parse(String(await new Promise((r) => ws.once('message', r)))) as Record<string, unknown>;
  ws.close();
  assert.equal(reply.retry, true);
  assert.match(String(reply.error), /could not be opened/);
  assert.equal((await post(c.url, ndjson([record({ request_id: 'day-2-again', start_time: '2026-11-28T11:00:00.000Z' })]), { 'x-redtail-batch': 'p/5' })).status, 200);
  assert.equal(readFileSync(damaged, 'utf8'), Buffer.alloc(8192, 'not a database ').toString(), 'the damaged file is left as it was');
});
