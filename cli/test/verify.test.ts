// redtail verify against a store made by a real collector process, untouched and then tampered
// with, each tampering in its own copy of the data folder.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { exited, ndjson, post, record, spawnRedtail, tempDir, until, WIDE_SKEW_MS } from '../../collector/test/helpers.js';
import { formatCheckpoint, parseCheckpoint } from '../../collector/src/log/checkpoint.js';
import { checkpointFiles } from '../../collector/src/log/checkpoints.js';
import { generateSigner, openNote, parseVerifier, signNote } from '../../collector/src/log/note.js';
import { packBlock, unpackBlock } from '../../collector/src/store/codec.js';
import { dayOf } from '../../collector/src/store/days.js';
import { Store } from '../../collector/src/store/store.js';
import { parseBatch } from '../../collector/src/ingest/validate.js';
import { run } from './redtail.js';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
const pubkey = join(tmp.dir, 'auditor.pub'); // the auditor's own copy
const day = dayOf(Date.now());
const shard = (dir: string) => join(dir, `redtail-${day}.db`);
const BATCHES = 3;
const PER_BATCH = 300; // two blocks a batch: 256 and 44

/** The records a checkpoint of `dir` vouches for, at most, now. */
function signedSize(dir: string): number {
  const last = checkpointFiles(dir, day).at(-1);
  return last ? parseCheckpoint(readFileSync(last, 'utf8').split('\n\n')[0]! + '\n').size : 0;
}

/** A copy of the untouched store, changed by `tamper`. */
function copy(name: string, tamper: (dir: string) => void): string {
  const dir = join(tmp.dir, name);
  cpSync(data, dir, { recursive: true });
  tamper(dir);
  return dir;
}

function withShard(dir: string, change: (db: Database.Database) => void): void {
  const db = new Database(shard(dir));
  change(db);
  db.close();
}

async function serve(): Promise<Awaited<ReturnType<typeof spawnRedtail>>> {
  const config = join(tmp.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ log: { checkpoint_interval_ms: 20, name: 'redtail.test/verify' }, limits: { max_clock_skew_ms: WIDE_SKEW_MS } }));
  return spawnRedtail(['serve', '--port', '0', '--data', data, '--config', config]);
}

async function stop(child: Awaited<ReturnType<typeof spawnRedtail>>['child'], signal: NodeJS.Signals): Promise<void> {
  const gone = exited(child);
  child.kill(signal);
  await gone;
}

before(async () => {
  const c = await serve();
  const now = Date.now();
  for (let b = 0; b < BATCHES; b++) {
    const records = Array.from({ length: PER_BATCH }, (_, i) => record({ start_time: new Date(now - i).toISOString(), request_id: `v-${b}-${i}`, path: `/b${b}/${i}` }));
    assert.equal((await post(c.url, ndjson(records), { 'x-redtail-batch': `verify/${b}` })).status, 200);
    await until(() => signedSize(data) === (b + 1) * PER_BATCH, `a checkpoint of ${(b + 1) * PER_BATCH} records`);
  }
  await stop(c.child, 'SIGTERM');
  cpSync(join(data, 'log.key.pub'), pubkey);
});
after(() => tmp.remove());

async function verify(dir: string, ...more: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(['verify', '--data', dir, '--pubkey', pubkey, ...more]);
}

test('an untouched store verifies OK, a line per epoch, and NDJSON with --json', async () => {
  const r = await verify(data);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^OK   ${day}  ${BATCHES * PER_BATCH} records, \\d+ checkpoints, last \\S+Z$`, 'm'));
  assert.match(r.stderr, /epochs verified: 900 records in .* records\/s/);
  const j = await verify(data, '--json');
  assert.equal(j.code, 0);
  const today = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { epoch: string; ok: boolean; records: number }).find((e) => e.epoch === day)!;
  assert.deepEqual([today.ok, today.records], [true, 900]);
});

test('a byte of a record changed inside a block fails, naming the records that changed', async () => {
  const dir = copy('byte', (d) => withShard(d, (db) => {
    const layout = db.pragma('user_version', { simple: true }) as number;
    const text = unpackBlock(db.prepare('SELECT data FROM blocks WHERE id = 3').pluck().get() as Buffer, layout);
    const at = text.indexOf('/b1/');
    text[at + 2] = '7'.charCodeAt(0); // /b1/ becomes /b7/
    db.prepare('UPDATE blocks SET data = ? WHERE id = 3').run(packBlock(text, layout));
  }));
  const r = await verify(dir);
  assert.equal(r.code, 1);
  // Block 3 holds the second batch's first records: the checkpoints of the first batch still hold.
  assert.match(r.stdout, new RegExp(`^FAIL ${day}: records changed: the first 600 records do not give the root signed in checkpoints/${day}/\\S+\\.checkpoint \\(and \\d+ later checkpoints\\); one among records 301 to 600 \\(blocks up to 4\\)`, 'm'));
});

test('a record inserted inside a block fails, naming the records that changed', async () => {
  const dir = copy('inserted', (d) => withShard(d, (db) => {
    const layout = db.pragma('user_version', { simple: true }) as number;
    const text = unpackBlock(db.prepare('SELECT data FROM blocks WHERE id = 3').pluck().get() as Buffer, layout).toString('utf8');
    const lines = text.split('\n');
    lines.splice(10, 0, lines[10]!.replace('"v-1-10"', '"v-1-10-again"'));
    db.prepare('UPDATE blocks SET data = ?, count = count + 1 WHERE id = 3').run(packBlock(lines.join('\n'), layout));
  }));
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^FAIL ${day}: records changed: the first 600 records .* one among records 301 to 600`, 'm'));
});

test('records after the latest checkpoint are counted and said to be not signed for yet, which no checkpoint can vouch for', async () => {
  // Written as ingest writes a batch: the block, its ranges row and its terms.
  const dir = copy('appended', (d) => {
    const store = new Store(d);
    const late = ndjson(Array.from({ length: 256 }, (_, i) => record({ start_time: `${day}T12:00:00.000Z`, request_id: `after-${i}` })));
    store.write('after/1', parseBatch(late, { maxRecords: 1000, maxRecordBytes: 65536 }).rows, []);
    store.close();
  });
  const r = await verify(dir);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, new RegExp(`^OK   ${day}  1156 records, \\d+ checkpoints, last \\S+Z \\(256 records after it, not signed for yet\\)$`, 'm'));
});

test('a block deleted fails: records missing', async () => {
  const dir = copy('deleted-block', (d) => withShard(d, (db) => db.prepare('DELETE FROM blocks WHERE id = 2').run()));
  const r = await verify(dir);
  assert.equal(r.code, 1);
  // Block 2 holds the first batch's last 44 records.
  assert.match(r.stdout, new RegExp(`^FAIL ${day}: records changed: the first 300 records .* one among records 1 to 300`, 'm'));
  assert.match(r.stdout, /^ {5}and: records missing: \d+ checkpoints vouch for up to 900 records \(the latest \S+\), the shard holds 856$/m);
});

test('two blocks\' order swapped fails: records changed', async () => {
  const dir = copy('swapped', (d) => withShard(d, (db) => {
    const get = db.prepare('SELECT data FROM blocks WHERE id = ?').pluck();
    const [one, three] = [get.get(1), get.get(3)];
    db.prepare('UPDATE blocks SET data = ? WHERE id = ?').run(three, 1);
    db.prepare('UPDATE blocks SET data = ? WHERE id = ?').run(one, 3);
  }));
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^FAIL ${day}: records changed: the first 300 records`, 'm'));
});

test('a shard truncated, or deleted, fails', async () => {
  const truncated = copy('truncated', (d) => truncateSync(shard(d), 8192));
  const t = await verify(truncated);
  assert.equal(t.code, 1);
  assert.match(t.stdout, new RegExp(`^FAIL ${day}: `, 'm'));
  const deleted = copy('deleted', (d) => rmSync(shard(d)));
  const r = await verify(deleted);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^FAIL ${day}: records missing: \\d+ checkpoints vouch for up to 900 records .*, the shard redtail-${day}.db is missing`, 'm'));
});

test('an epoch removed whole, records and checkpoints, fails in the next epoch, whose first checkpoint names it', async () => {
  const yesterday = dayOf(Date.now() - 86_400_000);
  const dir = copy('epoch-removed', (d) => rmSync(join(d, 'checkpoints', yesterday), { recursive: true }));
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^FAIL ${day}: its first checkpoint names ${yesterday} \\(0 records\\) as the previous epoch, whose checkpoints are missing`, 'm'));
});

test('a checkpoint replaced by one signed with another key, or edited, fails naming it', async () => {
  const forged = copy('forged', (d) => {
    const file = checkpointFiles(d, day).at(-1)!;
    const c = parseCheckpoint(readFileSync(file, 'utf8').split('\n\n')[0]! + '\n');
    const other = generateSigner(parseVerifier(readFileSync(pubkey, 'utf8')).name); // the same name, another key
    writeFileSync(file, signNote(formatCheckpoint({ ...c, size: 600 }), [other]));
  });
  const f = await verify(forged);
  assert.equal(f.code, 1);
  assert.match(f.stdout, /FAIL .*checkpoint \S+\.checkpoint is not signed by the key given: no signature by a known key/);
  const edited = copy('edited', (d) => {
    const file = checkpointFiles(d, day).at(-1)!;
    writeFileSync(file, readFileSync(file, 'utf8').replace('\n900\n', '\n901\n'));
  });
  const e = await verify(edited);
  assert.equal(e.code, 1);
  assert.match(e.stdout, /FAIL .*checkpoint \S+\.checkpoint is not signed by the key given: the signature by "redtail.test\/verify" \(\w+\) does not match the note/);
  // The untouched store's checkpoints still open with the auditor's key.
  for (const file of checkpointFiles(data, day)) openNote(readFileSync(file, 'utf8'), [parseVerifier(readFileSync(pubkey, 'utf8'))]);
});

test('usage errors exit 2: no data folder, a file in its place, no public key', async () => {
  const none = await run(['verify', '--data', join(tmp.dir, 'nothing-here')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no data folder at/);
  const file = join(tmp.dir, 'a-file');
  writeFileSync(file, '');
  for (const command of ['verify', 'audit', 'checkpoints', 'report']) {
    const r = await run([command, '--data', file, ...(command === 'report' ? ['--from', '7d'] : [])]);
    assert.equal(r.code, 2, command);
    assert.equal(r.stderr, `redtail ${command}: ${file} is a file, not a folder (give the collector's data folder with --data)\n`, `${command}: one line, no stack`);
  }
  const nokey = await run(['verify', '--data', data, '--pubkey', join(tmp.dir, 'missing.pub')]);
  assert.equal(nokey.code, 2);
  assert.match(nokey.stderr, /missing\.pub/);
  assert.ok(readdirSync(data).includes('log.key'));
});

test('a day removed by retention keeps its last checkpoint and a signed deletion note: verify says DEL, not missing; an edited note fails', async () => {
  const dir = join(tmp.dir, 'retention');
  const config = join(tmp.dir, 'retention.json');
  writeFileSync(config, JSON.stringify({ log: { checkpoint_interval_ms: 20, name: 'redtail.test/verify' }, limits: { max_clock_skew_ms: WIDE_SKEW_MS } }));
  const c = await spawnRedtail(['serve', '--port', '0', '--data', dir, '--config', config]);
  const old = '2026-11-27';
  const oldSize = () => { const last = checkpointFiles(dir, old).at(-1); return last ? parseCheckpoint(readFileSync(last, 'utf8').split('\n\n')[0]! + '\n').size : 0; };
  for (let b = 0; b < 2; b++) {
    assert.equal((await post(c.url, ndjson([record({ request_id: `old-${b}`, start_time: `${old}T10:0${b}:00.000Z` })]), { 'x-redtail-batch': `old/${b}` })).status, 200);
    await until(() => oldSize() === b + 1, `a checkpoint of ${old} with ${b + 1} records`);
  }
  await stop(c.child, 'SIGTERM');
  assert.equal(checkpointFiles(dir, old).length, 2);

  const pruned = await run(['prune', '--data', dir, '--retention-days', '3']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, new RegExp(`removed  ${old}`));
  assert.equal(checkpointFiles(dir, old).length, 1, 'the checkpoints are thinned to the evidence: the last');
  const r = await run(['verify', '--data', dir]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The deletion is cited by the audit entry redtail prune wrote for it.
  assert.match(r.stdout, new RegExp(`^DEL  ${old}  2 records, deleted by os:\\S+: redtail prune --retention-days 3 on \\S+Z, audit entry \\d{4}-\\d\\d-\\d\\d#\\d+; its last checkpoint, \\S+Z, is kept$`, 'm'));

  const note = join(dir, 'checkpoints', old, 'deleted.note');
  writeFileSync(note, readFileSync(note, 'utf8').replace('\nfinal 2 ', '\nfinal 1 '));
  const edited = await run(['verify', '--data', dir]);
  assert.equal(edited.code, 1);
  assert.match(edited.stdout, new RegExp(`^FAIL ${old}: its deletion note is not signed by the key given`, 'm'));
  rmSync(note);
  const noNote = await run(['verify', '--data', dir]);
  assert.equal(noNote.code, 1);
  assert.match(noNote.stdout, new RegExp(`^FAIL ${old}: records missing: .*the shard redtail-${old}.db is missing`, 'm'));
});

test('checkpoints held apart catch what the folder alone cannot: the last records removed with the checkpoints that vouched for them', async () => {
  const held = join(tmp.dir, 'held');
  assert.equal((await run(['checkpoints', '--data', data, '--out', held])).code, 0);
  const dir = copy('cut-consistently', (d) => {
    withShard(d, (db) => db.exec('DELETE FROM blocks WHERE id > 4; DELETE FROM ranges WHERE id > 4')); // the third batch's two blocks
    for (const f of checkpointFiles(d, day)) if (parseCheckpoint(readFileSync(f, 'utf8').split('\n\n')[0]! + '\n').size > 600) rmSync(f);
  });
  const alone = await verify(dir);
  assert.equal(alone.code, 0, 'the folder alone is consistent: nothing in it vouches for the removed records');
  const withHeld = await verify(dir, '--from-checkpoint', held);
  assert.equal(withHeld.code, 1);
  assert.match(withHeld.stdout, new RegExp(`^FAIL ${day}: records missing: .*vouch for up to 900 records.*the shard holds 600`, 'm'));
  const last = readdirSync(join(held, day)).filter((f) => f.endsWith('.checkpoint')).sort().at(-1)!;
  const one = await verify(dir, '--from-checkpoint', join(held, day, last));
  assert.equal(one.code, 1, 'one checkpoint file an auditor kept is enough');
  assert.equal((await verify(data, '--from-checkpoint', held)).code, 0, 'the untouched store matches what is held');
});
