// redtail verify against rewrites that leave every signature on disk good: the collector started
// again on a folder changed while it was stopped signs what it finds, so only a checkpoint copied
// out earlier, as an auditor holds one, can show what was there before.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { type CollectorConfig, DEFAULTS } from '../../collector/src/config.js';
import { startCollector } from '../../collector/src/http/server.js';
import { checkpointEpochs, checkpointFiles } from '../../collector/src/log/checkpoints.js';
import { readVerifier } from '../../collector/src/log/keys.js';
import { generateSigner, openNote, signNote } from '../../collector/src/log/note.js';
import { verifyLog } from '../../collector/src/log/verify.js';
import { packBlock, unpackBlock } from '../../collector/src/store/codec.js';
import { dayOf } from '../../collector/src/store/days.js';
import { wordsPath } from '../../collector/src/search/words.js';
import { ndjson, post, record, tempDir, until } from '../../collector/test/helpers.js';
import { run } from './redtail.js';

const today = dayOf(Date.now());
const shard = (dir: string) => join(dir, `redtail-${today}.db`);

async function serve(dir: string) {
  const base = structuredClone(DEFAULTS);
  const config: CollectorConfig = { ...base, data: dir, port: 0, retentionDays: 3650, log: { checkpointIntervalMs: 20, keyFile: undefined, name: 'redtail.test/verify-attack' } };
  return startCollector(config, () => undefined);
}

/** A collector run on `dir` that stores `n` records tagged `tag` and stops once a checkpoint of `size` records is kept. */
async function ingest(dir: string, n: number, tag: string, size: number): Promise<void> {
  const c = await serve(dir);
  const now = Date.now();
  const body = ndjson(Array.from({ length: n }, (_, i) => record({ start_time: new Date(now - i).toISOString(), request_id: `${tag}-${i}` })));
  assert.equal((await post(c.url, body)).status, 200);
  const key = readVerifier(join(dir, 'log.key.pub'));
  await until(() => verifyLog(dir, key).find((r) => r.epoch === today)?.signed === size, `a checkpoint of ${size} records`);
  await c.close();
}

test('a checkpoint an auditor copied out is checked by verify --from-checkpoint: a day rewritten and signed again after a restart, and a fork by a copy of the folder with the same key, both fail', async () => {
  const tmp = tempDir();
  try {
    const dir = join(tmp.dir, 'data');
    await ingest(dir, 3, 'honest', 3);
    const auditor = join(tmp.dir, 'auditor.checkpoint');
    copyFileSync(checkpointFiles(dir, today).at(-1)!, auditor);
    const pubkey = join(tmp.dir, 'auditor.pub');
    copyFileSync(join(dir, 'log.key.pub'), pubkey);

    // A fork: the folder copied, each copy's collector given other records, both with the one key.
    const copy = join(tmp.dir, 'copy');
    cpSync(dir, copy, { recursive: true });
    await ingest(dir, 2, 'here', 5);
    await ingest(copy, 2, 'there', 5);
    const theirs = join(tmp.dir, 'copy.checkpoint');
    copyFileSync(checkpointFiles(copy, today).at(-1)!, theirs);

    // A rewrite: a record changed, the day's checkpoints and tree removed, the collector started again.
    const db = new Database(shard(dir));
    const layout = db.pragma('user_version', { simple: true }) as number;
    const text = unpackBlock(db.prepare('SELECT data FROM blocks ORDER BY id LIMIT 1').pluck().get() as Buffer, layout);
    const at = text.indexOf('honest-');
    text[at] = 'H'.charCodeAt(0);
    db.prepare('UPDATE blocks SET data = ? WHERE id = (SELECT min(id) FROM blocks)').run(packBlock(text, layout));
    db.close();
    rmSync(join(dir, 'checkpoints', today), { recursive: true });
    for (const f of ['', '-wal', '-shm']) rmSync(wordsPath(shard(dir)) + f, { force: true });
    const c = await serve(dir);
    await until(() => verifyLog(dir, readVerifier(pubkey)).find((r) => r.epoch === today)?.signed === 5, 'the rewritten day signed again');
    await c.close();

    for (const held of [auditor, theirs]) {
      const r = await run(['verify', '--data', dir, '--pubkey', pubkey, '--from-checkpoint', held]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`^FAIL ${today}: `, 'm'));
    }
  } finally {
    tmp.remove();
  }
});

test('a folder whose key was swapped for another of the same name, every checkpoint signed again with it: verify without --pubkey passes it, but names the key it trusted, which differs', async () => {
  const tmp = tempDir();
  try {
    const dir = join(tmp.dir, 'data');
    await ingest(dir, 3, 'honest', 3);
    const honest = await run(['verify', '--data', dir]);
    assert.equal(honest.code, 0, honest.stdout + honest.stderr);

    const key = readVerifier(join(dir, 'log.key.pub'));
    const forger = generateSigner(key.name);
    const resign = (root: string) => {
      for (const epoch of checkpointEpochs(root)) {
        for (const file of checkpointFiles(root, epoch)) writeFileSync(file, signNote(openNote(readFileSync(file, 'utf8'), [key]).text, [forger]));
      }
    };
    resign(dir);
    writeFileSync(join(dir, 'log.key.pub'), `${forger.verifier.text}\n`);
    // The audit log is signed by the same key: left signed by the honest one, it gives the swap away.
    const half = await run(['verify', '--data', dir]);
    assert.equal(half.code, 1);
    assert.match(half.stdout, /^FAIL audit \d{4}-\d\d-\d\d: audit checkpoint \S+ is not signed by the key given/m);
    resign(join(dir, 'audit'));
    const forged = await run(['verify', '--data', dir]);
    assert.equal(forged.code, 0, 'the folder alone cannot tell: an auditor gives their own --pubkey');
    const trusted = (out: string) => /key (.*)$/m.exec(out)?.[1];
    assert.equal(trusted(honest.stderr), key.text);
    assert.equal(trusted(forged.stderr), forger.verifier.text);
  } finally {
    tmp.remove();
  }
});
