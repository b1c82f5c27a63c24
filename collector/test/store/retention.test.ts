// Retention: old shards go (on the collector's schedule and with redtail prune), recent ones stay.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dayOf, retentionStart, Store } from '../../src/store/store.js';
import { parseBatch } from '../../src/ingest/validate.js';
import { collector, get, ndjson, record, tempDir } from '../helpers.js';

const BIN = new URL('../../../../bin/redtail.js', import.meta.url).pathname;
const DAY = 86_400_000;
const limits = { maxRecordBytes: 65536, maxRecords: 1000 };

function seed(dir: string, daysAgo: number[]): void {
  const store = new Store(dir);
  for (const d of daysAgo) {
    const b = parseBatch(ndjson([record({ start_time: new Date(Date.now() - d * DAY).toISOString(), request_id: `d${d}` })]), limits);
    store.write(`seed/${d}`, b.rows, b.gaps);
  }
  store.close();
}

test('retention keeps today and the days before it up to the limit', () => {
  assert.equal(retentionStart(1, Date.parse('2026-11-28T12:00:00Z')), '2026-11-28');
  assert.equal(retentionStart(30, Date.parse('2026-11-28T12:00:00Z')), '2026-10-30');
});

test('redtail prune removes old shards and prints what went; --dry-run only says so', () => {
  const tmp = tempDir();
  seed(tmp.dir, [0, 1, 5, 40, 41]);
  const dry = spawnSync(process.execPath, [BIN, 'prune', '--data', tmp.dir, '--retention-days', '3', '--dry-run'], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout.trim().split('\n').length, 3);
  assert.match(dry.stdout, /^would remove  \d{4}-\d\d-\d\d\s+1 records\s+[\d.]+ MiB  .*redtail-/m);
  assert.ok(existsSync(join(tmp.dir, `redtail-${dayOf(Date.now() - 40 * DAY)}.db`)), 'a dry run removes nothing');
  const run = spawnSync(process.execPath, [BIN, 'prune', '--data', tmp.dir, '--retention-days', '3', '--json'], { encoding: 'utf8' });
  const removed = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { day: string; records: number });
  assert.deepEqual(removed.map((r) => r.day).sort(), [5, 41, 40].map((d) => dayOf(Date.now() - d * DAY)).sort());
  const left = new Store(tmp.dir);
  assert.deepEqual(left.list().map((s) => s.day), [1, 0].map((d) => dayOf(Date.now() - d * DAY)));
  left.close();
  // A folder that is not there is named, and not made.
  const missing = join(tmp.dir, 'not-here');
  const none = spawnSync(process.execPath, [BIN, 'prune', '--data', missing, '--dry-run'], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no data folder at .*not-here: nothing to prune/);
  assert.ok(!existsSync(missing), 'prune made no folder');
  tmp.remove();
});

test('the collector prunes on its own at start, and reports shards and ingest in /metrics', async () => {
  const tmp = tempDir();
  seed(tmp.dir, [0, 100]);
  const c = await collector({ data: tmp.dir, retentionDays: 30 });
  assert.ok(c.logs.some((e) => e.event === 'shard_pruned' && e.records === 1));
  const res = await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: ndjson([record({ start_time: new Date().toISOString() })]), headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'm/1' } });
  assert.equal(res.status, 200);
  await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: ndjson([record({ start_time: new Date().toISOString() })]), headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'm/1' } });
  await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: '{"broken":', headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 'm/2' } });
  const text = await (await fetch(`${c.url}/metrics`)).text();
  assert.match(text, /^redtail_records_ingested_total 1$/m);
  assert.match(text, /^redtail_batches_duplicate_total 1$/m);
  assert.match(text, /^redtail_batches_rejected_total\{reason="invalid"\} 1$/m);
  assert.match(text, /^redtail_shards 1$/m);
  assert.match(text, /^redtail_shard_bytes [1-9]\d*$/m);
  assert.match(text, /^redtail_write_duration_ms_count 2$/m);
  assert.equal(((await get(c.url, '/v1/logs')).json.records as unknown[]).length, 2);
  await c.stop();
  tmp.remove();
});
