// Retention with evidence (log/retention.ts): days past the retention, their shards gone, keep
// what verify needs: the last checkpoint, the first when its `previous` links the chain, any a
// later day names, and a signed deletion note.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatCheckpoint, type Checkpoint } from '../../src/log/checkpoint.js';
import { checkpointFiles, keepCheckpoint } from '../../src/log/checkpoints.js';
import { loadOrCreateKey } from '../../src/log/keys.js';
import { signNote } from '../../src/log/note.js';
import { recordDeletions } from '../../src/log/retention.js';
import { leafHash } from '../../src/log/tree.js';
import { verifyLog } from '../../src/log/verify.js';
import { tempDir } from '../helpers.js';

const NAME = 'redtail.test/retention';

test('days removed by retention, each chained to the one before, still verify: the link each first checkpoint carries is kept', () => {
  const tmp = tempDir();
  try {
    const { signer } = loadOrCreateKey(join(tmp.dir, 'log.key'), NAME);
    let before: Checkpoint | undefined;
    for (const day of ['2026-10-01', '2026-10-02', '2026-10-03']) {
      for (let i = 0; i < 4; i++) {
        const c: Checkpoint = { origin: `${NAME}/${day}`, size: i + 1, root: leafHash(Buffer.from(`${day} ${i}`)), time: Date.parse(`${day}T12:00:0${i}.000Z`) };
        if (i === 0 && before) c.previous = { origin: before.origin, size: before.size, root: before.root };
        keepCheckpoint(tmp.dir, day, c.time, signNote(formatCheckpoint(c), [signer]));
        before = c;
      }
    }
    const { recorded, failed } = recordDeletions(tmp.dir, '2026-11-01', signer, 'retention: 30 days');
    assert.deepEqual(failed, []);
    assert.deepEqual(recorded, ['2026-10-01', '2026-10-02', '2026-10-03']);
    assert.ok(checkpointFiles(tmp.dir, '2026-10-02').length <= 2, 'heartbeats thinned');
    const reports = verifyLog(tmp.dir, signer.verifier);
    assert.deepEqual(reports.map((r) => [r.epoch, r.failures]), reports.map((r) => [r.epoch, []]));
    assert.ok(reports.every((r) => r.deleted !== undefined));
  } finally {
    tmp.remove();
  }
});
