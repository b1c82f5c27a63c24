// The cursor on disk: written whole (no temporary file left, the old one replaced in one move),
// read back as written; a file that cannot be read refuses the collector's start, naming it.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULTS } from '../../src/config.js';
import { parseExporters } from '../../src/export/config.js';
import { Cursor, cursorDir, CursorUnreadable } from '../../src/export/cursor.js';
import { startCollector } from '../../src/http/server.js';
import { tempDir } from '../helpers.js';

test('a cursor is written whole and read back as written', () => {
  const tmp = tempDir();
  try {
    const fresh = Cursor.open(tmp.dir, 'otel');
    assert.equal(fresh.existed, false);
    assert.deepEqual(fresh.position('2026-11-27'), { block: 1, records: 0 });
    fresh.days.set('2026-11-27', { block: 12, records: 40 });
    fresh.days.set('2026-11-26', { block: 3, records: 0 });
    fresh.save();
    fresh.days.set('2026-11-27', { block: 13, records: 0 });
    fresh.save();
    assert.deepEqual(readdirSync(cursorDir(tmp.dir)), ['otel.json']);
    const again = Cursor.open(tmp.dir, 'otel');
    assert.equal(again.existed, true);
    assert.deepEqual([...again.days], [['2026-11-26', { block: 3, records: 0 }], ['2026-11-27', { block: 13, records: 0 }]]);
  } finally {
    tmp.remove();
  }
});

test('a position keeps the batch of its last block delivered, to tell its shard apart; a batch not a string is refused', () => {
  const tmp = tempDir();
  try {
    const c = Cursor.open(tmp.dir, 'otel');
    c.days.set('2026-11-27', { block: 4, records: 0, batch: 'relay-a/17' });
    c.save();
    assert.deepEqual(Cursor.open(tmp.dir, 'otel').position('2026-11-27'), { block: 4, records: 0, batch: 'relay-a/17' });
    writeFileSync(join(cursorDir(tmp.dir), 'otel.json'), JSON.stringify({ days: { '2026-11-27': { block: 4, records: 0, batch: 17 } } }));
    assert.throws(() => Cursor.open(tmp.dir, 'otel'), CursorUnreadable);
  } finally {
    tmp.remove();
  }
});

test('a cursor file that cannot be read is refused, and the collector does not start', async () => {
  const tmp = tempDir();
  try {
    Cursor.open(tmp.dir, 'otel').save();
    const file = join(cursorDir(tmp.dir), 'otel.json');
    for (const bad of ['{"days": {"2026-11-27": {"block": 12', '{"days": {"2026-11-27": {"block": -1, "records": 0}}}', '[]']) {
      writeFileSync(file, bad);
      assert.throws(() => Cursor.open(tmp.dir, 'otel'), (err) => err instanceof CursorUnreadable && err.message.includes(file) && /move it away|move the file away/.test(err.message));
    }
    const exporters = parseExporters([{ name: 'otel', type: 'ndjson', endpoint: 'http://127.0.0.1:1' }], {});
    await assert.rejects(startCollector({ ...structuredClone(DEFAULTS), data: tmp.dir, port: 0, exporters }, () => {}), CursorUnreadable);
  } finally {
    tmp.remove();
  }
});
