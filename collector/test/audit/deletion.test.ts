// Retention's deletion entries (audit/deletion.ts) from a real collector: a day its retention
// removes at start is entered as deleted by the collector, with the head its note signed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readAudit } from '../../src/audit/read.js';
import { DEFAULTS } from '../../src/config.js';
import { startCollector } from '../../src/http/server.js';
import { dayOf } from '../../src/store/days.js';
import { ndjson, post, record, tempDir, until } from '../helpers.js';
import { checkpointFiles } from '../../src/log/checkpoints.js';

test('a day removed by the collector\'s retention is entered as deleted by the collector, with its final head', async () => {
  const tmp = tempDir();
  const config = (retentionDays: number) => ({ ...structuredClone(DEFAULTS), data: tmp.dir, port: 0, retentionDays, log: { ...DEFAULTS.log, checkpointIntervalMs: 20 } });
  try {
    const yesterday = Date.parse(dayOf(Date.now())) - 1;
    const day = dayOf(yesterday);
    const first = await startCollector(config(30), () => {});
    assert.equal((await post(first.url, ndjson([record({ start_time: new Date(yesterday).toISOString() })]), { 'x-redtail-batch': 'old/1' })).status, 200);
    await until(() => checkpointFiles(tmp.dir, day).some((f) => /\n1\n/.test(readFileSync(f, 'utf8'))), `a checkpoint of ${day} with its record`);
    await first.close();
    const second = await startCollector(config(1), () => {});
    await second.close();
    const deleted = readAudit(tmp.dir).filter((l) => l.entry.action === 'deleted');
    assert.equal(deleted.length, 1);
    const e = deleted[0]!.entry;
    assert.deepEqual([e.who, e.epoch, e.records, e.by], ['collector', day, 1, 'retention: 1 days']);
    assert.equal(typeof e.root, 'string');
  } finally {
    tmp.remove();
  }
});
