// redtail checkpoints: the signed checkpoints listed, and copied out without ever replacing one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exited, ndjson, post, record, spawnRedtail, tempDir, until } from '../../collector/test/helpers.js';
import { checkpointFiles } from '../../collector/src/log/checkpoints.js';
import { dayOf } from '../../collector/src/store/days.js';
import { run } from './redtail.js';

test('redtail checkpoints lists what the collector signed, and --out copies it out, never replacing a different file', async (t) => {
  const tmp = tempDir();
  t.after(() => tmp.remove());
  const data = join(tmp.dir, 'data');
  const config = join(tmp.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ log: { checkpoint_interval_ms: 20, name: 'redtail.test/checkpoints' } }));
  const c = await spawnRedtail(['serve', '--port', '0', '--data', data, '--config', config]);
  assert.equal((await post(c.url, ndjson([record({ start_time: new Date().toISOString() })]), { 'x-redtail-batch': 'cp/1' })).status, 200);
  const day = dayOf(Date.now());
  await until(() => checkpointFiles(data, day).length >= 3, 'three checkpoints of today');
  const gone = exited(c.child);
  c.child.kill('SIGTERM');
  await gone;
  const files = readdirSync(join(data, 'checkpoints')).flatMap((e) => checkpointFiles(data, e));

  const listedRun = await run(['checkpoints', '--data', data]);
  assert.equal(listedRun.code, 0, listedRun.stderr);
  assert.equal(listedRun.stdout.trim().split('\n').length, files.length);
  assert.match(listedRun.stdout, new RegExp(`^${day}  \\S+Z\\s+[01] records  \\S{44}  .*\\.checkpoint$`, 'm'));
  const json = (await run(['checkpoints', '--data', data, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { note: string; file: string });
  assert.equal(json[0]!.note, readFileSync(json[0]!.file, 'utf8'), 'the whole signed note');
  assert.equal((await run(['checkpoints', '--data', data, '--since', '2099-01-01'])).stdout, '');

  const out = join(tmp.dir, 'worm');
  const copied = await run(['checkpoints', '--data', data, '--out', out]);
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(copied.stderr, new RegExp(`${files.length} copied to .*worm, 0 already there`));
  assert.match((await run(['checkpoints', '--data', data, '--out', out])).stderr, new RegExp(`0 copied to .*, ${files.length} already there`));
  // A checkpoint in the folder changed after it was copied out: the copy is kept, and the run fails.
  writeFileSync(files[0]!, readFileSync(files[0]!, 'utf8').replace(/\n\n/, '\nextra\n\n'));
  const differs = await run(['checkpoints', '--data', data, '--out', out]);
  assert.equal(differs.code, 1);
  assert.match(differs.stderr, /differs from .*left as it was.*1 DIFFER/s);
  assert.equal((await run(['checkpoints', '--data', join(tmp.dir, 'nothing')])).code, 2);
});
