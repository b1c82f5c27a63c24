import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { checkpointFiles } from '../../src/log/checkpoints.js';
import { readVerifier } from '../../src/log/keys.js';
import { openNote, type Verifier } from '../../src/log/note.js';
import { verifyLog } from '../../src/log/verify.js';
import { dayOf } from '../../src/store/days.js';
import { collector, ndjson, post, record, spawnRedtail, tempDir, until } from '../helpers.js';

const signed = (dir: string, epoch: string, key: Verifier) =>
  checkpointFiles(dir, epoch).map((f) => parseCheckpoint(openNote(readFileSync(f, 'utf8'), [key]).text));

test('the collector signs each open epoch on a schedule; with nothing arriving, later checkpoints keep the size (a heartbeat) and the log verifies', async () => {
  const c = await collector({ log: { checkpointIntervalMs: 20, keyFile: undefined, name: 'redtail.test/heartbeat' } });
  try {
    const keyEvent = c.logs.find((e) => e.event === 'log_key')!;
    assert.equal(keyEvent.created, true);
    const key = readVerifier(join(c.dir, 'log.key.pub'));
    assert.equal(keyEvent.key, key.text);
    const now = Date.now();
    const today = dayOf(now);
    const records = Array.from({ length: 300 }, (_, i) => record({ start_time: new Date(now - i).toISOString(), request_id: `hb-${i}` }));
    assert.equal((await post(c.url, ndjson(records))).status, 200);
    // The tree is grown behind ingest; a checkpoint then vouches for every record.
    const full = await until(() => signed(c.dir, today, key).findIndex((k) => k.size === 300) + 1, 'a checkpoint of all 300 records');
    const heartbeats = await until(() => { const all = signed(c.dir, today, key); return all.length >= full + 3 && all; }, 'three more checkpoints');
    const after = heartbeats.slice(full - 1);
    for (let i = 1; i < after.length; i++) {
      assert.equal(after[i]!.size, 300, 'nothing arrived: the size stays');
      assert.ok(after[i]!.root.equals(after[0]!.root));
      assert.ok(after[i]!.time > after[i - 1]!.time, 'each heartbeat is later');
    }
    assert.equal(heartbeats[0]!.origin, `redtail.test/heartbeat/${today}`);
    // Yesterday is open too, and today's first checkpoint names its head.
    const yesterday = signed(c.dir, dayOf(now - 86_400_000), key);
    assert.ok(yesterday.length > 0);
    assert.equal(heartbeats[0]!.previous?.origin, yesterday[0]!.origin);
    const reports = verifyLog(c.dir, key);
    assert.deepEqual(reports.map((r) => [r.epoch, r.ok, r.records]), [[dayOf(now - 86_400_000), true, 0], [today, true, 300]]);
  } finally {
    await c.stop();
  }
});

test('redtail serve refuses a key file that holds no key, saying what to do, and leaves it as it is', async () => {
  const tmp = tempDir();
  try {
    const data = join(tmp.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'log.key'), 'not a key\n');
    await assert.rejects(spawnRedtail(['serve', '--port', '0', '--data', data]), /exited \(2\): .*log\.key: not a signer key.*restore the log's key file, or move it away/s);
    assert.equal(readFileSync(join(data, 'log.key'), 'utf8'), 'not a key\n');
  } finally {
    tmp.remove();
  }
});
