// What queries go by, checked by verify against the records (log/block-index.ts): each change to
// a block's row, its ranges row or the terms index that hides a signed record from queries fails,
// naming the block; an untouched store verifies, a record of odd spacing with a nested
// start_time before its own included.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { type CollectorConfig, DEFAULTS } from '../../src/config.js';
import { startCollector } from '../../src/http/server.js';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { checkpointFiles } from '../../src/log/checkpoints.js';
import { readVerifier } from '../../src/log/keys.js';
import { openNote } from '../../src/log/note.js';
import { verifyLog } from '../../src/log/verify.js';
import { dayOf } from '../../src/store/days.js';
import { ndjson, post, record, tempDir, until } from '../helpers.js';

const HOUR = 3_600_000;

test('a block hidden from queries by its row, its ranges row or the terms index fails verify, naming it; the untouched store verifies', async () => {
  const tmp = tempDir();
  try {
    const data = join(tmp.dir, 'data');
    const now = Date.now();
    const at = new Date(now).toISOString();
    const today = dayOf(now);
    const config: CollectorConfig = { ...structuredClone(DEFAULTS), data, port: 0, log: { checkpointIntervalMs: 20, keyFile: undefined, name: 'redtail.test/block-index' } };
    const c = await startCollector(config, () => undefined);
    // Block 1: two records; block 2: one as some producers write it; block 3: one more.
    assert.equal((await post(c.url, ndjson([record({ start_time: at, request_id: 'a' }), record({ start_time: at, request_id: 'b', response_code: 500 })]))).status, 200);
    const odd = `{ "x_first" : {"start_time":"2020-01-01T00:00:00.000Z","response_code":1}, "start_time" : "${at}", "response_code" : 404, "method" : "GET" }\n`;
    assert.equal((await post(c.url, odd)).status, 200);
    assert.equal((await post(c.url, ndjson([record({ start_time: at, request_id: 'c' })]))).status, 200);
    const key = readVerifier(join(data, 'log.key.pub'));
    const signed = () => checkpointFiles(data, today).map((f) => parseCheckpoint(openNote(readFileSync(f, 'utf8'), [key]).text).size);
    await until(() => signed().at(-1) === 4, 'a checkpoint of the 4 records');
    await c.close();
    const untouched = verifyLog(data, key);
    assert.deepEqual(untouched.filter((r) => !r.ok), []);
    assert.equal(untouched.find((r) => r.epoch === today)?.records, 4);

    let n = 0;
    const failuresAfter = (change: (db: Database.Database) => void): string[] => {
      const copy = join(tmp.dir, `copy-${++n}`);
      cpSync(data, copy, { recursive: true });
      const db = new Database(join(copy, `redtail-${today}.db`));
      change(db);
      db.close();
      return verifyLog(copy, key).find((r) => r.epoch === today)!.failures;
    };
    const column = (db: Database.Database, name: 'times' | 'codes', id: number) => db.prepare(`SELECT ${name} FROM blocks WHERE id = ?`).pluck().get(id) as Buffer;

    // A record's time moved out of the hour a query asks for.
    assert.match(failuresAfter((db) => {
      const times = column(db, 'times', 1);
      times.writeDoubleLE(now - HOUR, 8);
      db.prepare('UPDATE blocks SET times = ? WHERE id = 1').run(times);
    }).join('\n'), new RegExp(`^block 1 is hidden from queries: its record 2 has the time ${at} and status 500, its columns say ${new Date(now - HOUR).toISOString()} and 500$`));
    // A 500 that ?status=500 no longer finds.
    assert.match(failuresAfter((db) => {
      const codes = column(db, 'codes', 1);
      codes.writeUInt16LE(200, 2);
      db.prepare('UPDATE blocks SET codes = ? WHERE id = 1').run(codes);
    }).join('\n'), /^block 1 is hidden from queries: its record 2 has the time \S+ and status 500, its columns say \S+ and 200$/);
    // A record cut off the end of the block's columns.
    assert.match(failuresAfter((db) => db.prepare('UPDATE blocks SET count = 1, times = substr(times, 1, 8), codes = substr(codes, 1, 2) WHERE id = 1').run()).join('\n'),
      /^block 1 is hidden from queries: it holds 2 records; its row says 1, with 1 times and 1 status codes$/);
    // The time ranges queries narrow by, moved away from the records.
    assert.match(failuresAfter((db) => db.prepare('UPDATE ranges SET min_time = min_time - ?, max_time = max_time - ? WHERE id = 3').run(HOUR, HOUR)).join('\n'),
      /^block 3 is hidden from queries: its records' times run from .* its ranges row /);
    assert.match(failuresAfter((db) => db.prepare('UPDATE blocks SET max_time = max_time - ? WHERE id = 2').run(HOUR)).join('\n'),
      /^block 2 is hidden from queries: its records' times run from .* its row says /);
    // The terms index made again without the blocks: a filter by status finds none of them.
    assert.deepEqual(failuresAfter((db) => {
      const sql = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'terms'").pluck().get() as string;
      db.exec(`DROP TABLE terms; ${sql}`);
    }), [1, 2, 3].map((id) => `block ${id} is hidden from queries: the terms index does not find it by its status ${id === 2 ? 404 : 200}`));
    // A ranges row for a block that is not there (a query then reports it unreadable).
    assert.deepEqual(failuresAfter((db) => db.prepare('INSERT INTO ranges (id, min_time, max_time) VALUES (9, ?, ?)').run(now, now)),
      ['the ranges table lists 1 blocks the shard does not hold']);
  } finally {
    tmp.remove();
  }
});
