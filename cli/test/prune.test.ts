// redtail prune says the retention bound it applies, and where it came from, before what went.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retentionStart } from '../../collector/src/index.js';
import { tempDir } from '../../collector/test/helpers.js';
import { run } from './redtail.js';

test('redtail prune states the retention it applies and where it was set', async () => {
  const tmp = tempDir();
  try {
    const flag = await run(['prune', '--data', tmp.dir, '--retention-days', '7', '--dry-run']);
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(flag.stderr, `redtail prune: retention 7 days (--retention-days): keeping the UTC days from ${retentionStart(7)} on, listing the shards before\n`);
    const env = await run(['prune', '--data', tmp.dir], { env: { REDTAIL_RETENTION_DAYS: '1' } });
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stderr, /^redtail prune: retention 1 day \(REDTAIL_RETENTION_DAYS\): keeping the UTC days from \d{4}-\d\d-\d\d on, removing the shards before\n/);
  } finally {
    tmp.remove();
  }
});
