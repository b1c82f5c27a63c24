// Blocks handed to the free-text worker as they commit are held within a bound of bytes while it
// catches up; those past it are read back from the shard, and indexed all the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WordsCatchUp, HANDED_BYTES } from '../../src/search/catch-up.js';
import type { Committed } from '../../src/store/blocks.js';
import { parseBatch } from '../../src/ingest/validate.js';
import { Store } from '../../src/store/store.js';
import { MiB, ndjson, record, tempDir } from '../helpers.js';

test('handed-over blocks of large records are held within the bytes bound; the rest are read back and indexed', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  const words = new WordsCatchUp(store.dir);
  try {
    // 24 batches of a block each, 256 records of 4 KiB: 24 MiB of text, more than the bound.
    const body = 'b'.repeat(4096);
    for (let k = 1; k <= 24; k++) {
      const records = Array.from({ length: 256 }, (_, i) => record({ request_id: `r-${k}-${i}`, user_agent: `agent${k}x`, body }));
      const p = parseBatch(ndjson(records), { maxRecords: 1000, maxRecordBytes: 1 << 20 });
      const { file } = store.write(`big/${k}`, p.rows, p.gaps);
      // Handed over as the collector does for records read from the wire (whose bytes it keeps): the block and its text.
      const b = store.list()[0]!.db.prepare('SELECT id, count, min_time AS minTime, max_time AS maxTime FROM blocks WHERE id = ?').get(k) as Omit<Committed, 'text'>;
      words.hand(file, [{ ...b, text: Buffer.from(p.rows.map((r) => r.json).join('\n')) }]);
    }
    const held = words.handedBytes();
    assert.ok(held <= HANDED_BYTES, `${(held / MiB).toFixed(1)} MiB held, at most ${HANDED_BYTES / MiB}`);
    assert.ok(held > HANDED_BYTES - 2 * MiB, `${(held / MiB).toFixed(1)} MiB held: handed over up to the bound`);
    while (words.indexUntil(performance.now() + 1000));
    assert.equal(words.handedBytes(), 0, 'all let go once indexed');
    const shard = store.list()[0]!;
    const found = (word: string) => shard.db.prepare('SELECT rowid FROM w.words WHERE words MATCH ?').pluck().all(word);
    assert.deepEqual(found('agent1x'), [1], 'a handed-over block indexed');
    assert.deepEqual(found('agent24x'), [24], 'a block read back indexed');
  } finally {
    words.close();
    store.close();
    tmp.remove();
  }
});
