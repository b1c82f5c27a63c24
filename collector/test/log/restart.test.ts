// The log's tree is kept beside the words index and grown behind ingest: a collector killed
// mid-ingest (kill -9) and started again goes on from what its files hold, and verifies.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { checkpointFiles } from '../../src/log/checkpoints.js';
import { dayOf } from '../../src/store/days.js';
import { exited, ndjson, post, record, spawnRedtail, tempDir, until } from '../helpers.js';
import { run } from '../../../cli/test/redtail.js';

test('killed (kill -9) during ingest and started again, the collector signs every record stored, and the store verifies', async () => {
  const tmp = tempDir();
  const data = join(tmp.dir, 'data');
  const config = join(tmp.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ log: { checkpoint_interval_ms: 20 } }));
  const serve = () => spawnRedtail(['serve', '--port', '0', '--data', data, '--config', config]);
  const day = dayOf(Date.now());
  const batch = (b: number) => ndjson(Array.from({ length: 300 }, (_, i) => record({ start_time: new Date(Date.now() - i).toISOString(), request_id: `k-${b}-${i}` })));
  try {
    const first = await serve();
    let acked = 0;
    for (let b = 0; b < 5; b++) if ((await post(first.url, batch(b))).status === 200) acked += 300;
    const inFlight = post(first.url, batch(5)).catch(() => undefined);
    const gone = exited(first.child);
    first.child.kill('SIGKILL');
    await gone;
    await inFlight;

    const second = await serve();
    const stored = () => {
      const db = new Database(join(data, `redtail-${day}.db`), { readonly: true });
      try {
        return db.prepare('SELECT coalesce(sum(count), 0) FROM blocks').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    const signed = () => {
      const last = checkpointFiles(data, day).at(-1);
      return last ? parseCheckpoint(readFileSync(last, 'utf8').split('\n\n')[0]! + '\n').size : -1;
    };
    const total = await until(() => { const n = stored(); return signed() === n && n; }, 'a checkpoint of every stored record after the restart');
    assert.ok(total >= acked, `every acknowledged record is stored (${total} of ${acked})`);
    const gone2 = exited(second.child);
    second.child.kill('SIGTERM');
    await gone2;
    const r = await run(['verify', '--data', data]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^OK   ${day}  ${total} records`, 'm'));
  } finally {
    tmp.remove();
  }
});
