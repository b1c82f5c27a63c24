// The verifiable log attacked by someone who can write to the data folder but holds no private
// key, and by an operator's honest steps in an odd order: the collector must not sign what it did
// not see arrive, and verify must not fail an honest store.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { type CollectorConfig, DEFAULTS } from '../../src/config.js';
import { startCollector } from '../../src/http/server.js';
import { formatCheckpoint, parseCheckpoint } from '../../src/log/checkpoint.js';
import { checkpointFiles, keepCheckpoint } from '../../src/log/checkpoints.js';
import { loadOrCreateKey, readVerifier } from '../../src/log/keys.js';
import { openNote, signNote } from '../../src/log/note.js';
import { recordDeletion } from '../../src/log/retention.js';
import { readHead } from '../../src/log/growth.js';
import { EMPTY_ROOT } from '../../src/log/tree.js';
import { verifyLog } from '../../src/log/verify.js';
import { packBlock, unpackBlock } from '../../src/store/codec.js';
import { DAY_MS, dayOf } from '../../src/store/days.js';
import { retentionStart, Store } from '../../src/store/store.js';
import { wordsPath } from '../../src/search/words.js';
import { get, ndjson, post, record, tempDir, until, WIDE_SKEW_MS } from '../helpers.js';

const NAME = 'redtail.test/attack';

/** A collector on `dir`, which outlives it (a restart is another call), signing every 20 ms. */
async function serve(dir: string, logs: Record<string, unknown>[] = []) {
  const base = structuredClone(DEFAULTS);
  const config: CollectorConfig = { ...base, data: dir, port: 0, retentionDays: 3650, limits: { ...base.limits, maxClockSkewMs: WIDE_SKEW_MS }, log: { checkpointIntervalMs: 20, keyFile: undefined, name: NAME } };
  return startCollector(config, (e) => logs.push(e));
}

/** The checkpoints kept for `epoch`, opened with the log's public key. */
function signed(dir: string, epoch: string) {
  const key = readVerifier(join(dir, 'log.key.pub'));
  return checkpointFiles(dir, epoch).map((f) => parseCheckpoint(openNote(readFileSync(f, 'utf8'), [key]).text));
}

const records = (n: number, at: number, tag: string) =>
  ndjson(Array.from({ length: n }, (_, i) => record({ start_time: new Date(at - i).toISOString(), request_id: `${tag}-${i}` })));

/**
 * Three records of `day` signed by a collector, which is stopped; then the tree in the day's words
 * file changed, its size kept (what the collector goes on from when it starts). The head signed.
 */
async function signedThenTreeEdited(dir: string, day: string, at: number, tag: string) {
  const c = await serve(dir);
  assert.equal((await post(c.url, records(3, at, tag))).status, 200);
  await until(() => signed(dir, day).at(-1)?.size === 3, 'a checkpoint of the 3 records');
  await c.close();
  const words = new Database(wordsPath(join(dir, `redtail-${day}.db`)));
  const peaks = words.prepare('SELECT peaks FROM log_tree WHERE id = 1').pluck().get() as Buffer;
  peaks[0] = peaks[0]! ^ 0xff;
  words.prepare('UPDATE log_tree SET peaks = ? WHERE id = 1').run(peaks);
  words.close();
  return signed(dir, day).at(-1)!;
}

test('the words file\'s tree edited to another root of a size already signed: the collector refuses to sign that second root (a fork), and verify fails the edit', async () => {
  const tmp = tempDir();
  try {
    const now = Date.now();
    const today = dayOf(now);
    const honest = (await signedThenTreeEdited(tmp.dir, today, now, 'fork')).root;
    const logs: Record<string, unknown>[] = [];
    const before = checkpointFiles(tmp.dir, today).length;
    const c = await serve(tmp.dir, logs);
    await until(() => logs.filter((e) => e.event === 'log_tree_forked').length >= 2, 'the fork refused at two intervals');
    await c.close();
    const after = signed(tmp.dir, today).slice(before);
    for (const k of after) assert.ok(k.size !== 3 || k.root.equals(honest), 'a second root signed for 3 records: a fork, signed by the log\'s own key');
    assert.ok(logs.some((e) => e.event === 'log_tree_forked' && e.epoch === today), JSON.stringify(logs.filter((e) => e.level === 'error')));
    // The checkpoints on disk are the honest ones; the edited words file is not signed.
    assert.ok(verifyLog(tmp.dir, readVerifier(join(tmp.dir, 'log.key.pub'))).every((r) => r.ok));
  } finally {
    tmp.remove();
  }
});

test('the words file\'s tree edited at a size already signed, then more records: the collector does not sign the larger tree grown from the edited one', async () => {
  const tmp = tempDir();
  try {
    const now = Date.now();
    const today = dayOf(now);
    await signedThenTreeEdited(tmp.dir, today, now, 'edited');
    const kept = checkpointFiles(tmp.dir, today).length;
    const logs: Record<string, unknown>[] = [];
    const c = await serve(tmp.dir, logs);
    assert.equal((await post(c.url, records(2, now, 'more'))).status, 200);
    await until(() => logs.filter((e) => e.event === 'log_tree_forked' && e.epoch === today && e.size === 5 && e.signed === 3).length >= 2, 'two intervals refusing the tree of 5 grown from the edited one');
    await c.close();
    assert.deepEqual(signed(tmp.dir, today).slice(kept).map((k) => k.size), [], 'a tree grown from an edited one, signed by the log\'s own key');
  } finally {
    tmp.remove();
  }
});

test('a day pruned by hand with a shorter retention than the collector\'s, then a late record for that day: the record is refused naming the deletion, the closed day is not signed again, and the honest store verifies', async () => {
  const tmp = tempDir();
  try {
    const now = Date.now();
    const yesterday = dayOf(now - DAY_MS);
    const noon = Date.parse(`${yesterday}T12:00:00.000Z`);
    let c = await serve(tmp.dir);
    assert.equal((await post(c.url, records(2, noon, 'before'))).status, 200);
    await until(() => signed(tmp.dir, yesterday).at(-1)?.size === 2, 'a checkpoint of yesterday\'s 2 records');
    await c.close();

    // What `redtail prune --retention-days 1` does, the collector stopped.
    const store = new Store(tmp.dir);
    const removed = store.prune(retentionStart(1));
    store.close();
    assert.deepEqual(removed.map((r) => r.day), [yesterday]);
    const { signer } = loadOrCreateKey(join(tmp.dir, 'log.key'), NAME);
    recordDeletion(tmp.dir, yesterday, signer, 'redtail prune --retention-days 1');

    const logs: Record<string, unknown>[] = [];
    c = await serve(tmp.dir, logs);
    const today = dayOf(now);
    const intervals = signed(tmp.dir, today).length;
    // The day's log is closed by its deletion note: a new tree there could never match its signed head.
    const late = await post(c.url, records(1, noon + 1000, 'late'));
    assert.equal(late.status, 400);
    assert.equal(late.json.field, 'start_time');
    assert.match(String(late.json.message), new RegExp(`no earlier than ${today}T00:00:00.000Z \\(the day after ${yesterday}, the last whose records retention removed: its log is closed by a signed deletion note\\)`));
    const pruned = checkpointFiles(tmp.dir, yesterday).length;
    await until(() => signed(tmp.dir, today).length >= intervals + 3, 'three more intervals');
    await c.close();
    assert.deepEqual(logs.filter((e) => e.event === 'log_tree_shrank'), []);
    assert.equal(checkpointFiles(tmp.dir, yesterday).length, pruned, 'nothing signed for the closed day');
    const reports = verifyLog(tmp.dir, readVerifier(join(tmp.dir, 'log.key.pub')));
    assert.deepEqual(reports.filter((r) => !r.ok), []);
  } finally {
    tmp.remove();
  }
});

test('the latest checkpoint file garbled (as a crash or an attacker leaves it) and the tree cut back: the collector goes on from the latest checkpoint it can read, and refuses to sign the smaller tree', async () => {
  const tmp = tempDir();
  try {
    const now = Date.now();
    const today = dayOf(now);
    const yesterday = dayOf(now - DAY_MS);
    let c = await serve(tmp.dir);
    assert.equal((await post(c.url, records(3, now, 'first'))).status, 200);
    await until(() => signed(tmp.dir, today).at(-1)?.size === 3, 'a checkpoint of 3 records');
    assert.equal((await post(c.url, records(2, now, 'second'))).status, 200);
    await until(() => signed(tmp.dir, today).filter((k) => k.size === 5).length >= 2, 'two checkpoints of 5 records');
    await c.close();

    // The second batch's block removed, the words file with it (its tree is grown again from the
    // shard), and the latest checkpoint left empty.
    const shard = join(tmp.dir, `redtail-${today}.db`);
    const db = new Database(shard);
    db.prepare('DELETE FROM blocks WHERE id = (SELECT max(id) FROM blocks)').run();
    db.close();
    for (const f of ['', '-wal', '-shm']) rmSync(wordsPath(shard) + f, { force: true });
    writeFileSync(checkpointFiles(tmp.dir, today).at(-1)!, '');

    const logs: Record<string, unknown>[] = [];
    const kept = checkpointFiles(tmp.dir, today).length;
    const intervals = checkpointFiles(tmp.dir, yesterday).length;
    c = await serve(tmp.dir, logs);
    await until(() => checkpointFiles(tmp.dir, yesterday).length >= intervals + 3, 'three more intervals');
    await c.close();
    const key = readVerifier(join(tmp.dir, 'log.key.pub'));
    const after = checkpointFiles(tmp.dir, today).slice(kept).map((f) => parseCheckpoint(openNote(readFileSync(f, 'utf8'), [key]).text));
    assert.deepEqual(after.map((k) => k.size).filter((s) => s < 5), [], 'a tree of fewer records than the log signed: a fork, signed by its own key');
    assert.ok(logs.some((e) => e.event === 'log_tree_shrank' && e.epoch === today && e.signed === 5));
  } finally {
    tmp.remove();
  }
});

test('a signed record altered and the words file removed while the collector is stopped: it grows the tree again, and never signs one that does not extend the head it signed', async () => {
  const tmp = tempDir();
  try {
    const now = Date.now();
    const today = dayOf(now);
    const shard = join(tmp.dir, `redtail-${today}.db`);
    let c = await serve(tmp.dir);
    assert.equal((await post(c.url, records(3, now, 'signed'))).status, 200);
    await until(() => signed(tmp.dir, today).at(-1)?.size === 3, 'a checkpoint of 3 records');
    await c.close();
    const honest = signed(tmp.dir, today).at(-1)!;

    const db = new Database(shard);
    const layout = db.pragma('user_version', { simple: true }) as number;
    const text = unpackBlock(db.prepare('SELECT data FROM blocks ORDER BY id LIMIT 1').pluck().get() as Buffer, layout);
    text[text.indexOf('signed-')] = 'S'.charCodeAt(0);
    db.prepare('UPDATE blocks SET data = ? WHERE id = (SELECT min(id) FROM blocks)').run(packBlock(text, layout));
    db.close();
    for (const f of ['', '-wal', '-shm']) rmSync(wordsPath(shard) + f, { force: true });

    const kept = checkpointFiles(tmp.dir, today).length;
    const logs: Record<string, unknown>[] = [];
    c = await serve(tmp.dir, logs);
    assert.equal((await post(c.url, records(2, now, 'later'))).status, 200);
    const grown = () => { const w = new Database(wordsPath(shard), { readonly: true }); try { return readHead(w).size; } finally { w.close(); } };
    await until(() => grown() === 5, 'the tree grown again to 5 records');
    // The day is not signed while its tree does not extend its checkpoint: the intervals are counted by the refusals.
    const forked = () => logs.filter((e) => e.event === 'log_tree_forked' && e.epoch === today && e.size === 5 && e.signed === 3).length;
    await until(() => forked() >= 2, 'two intervals refusing the regrown tree of 5 records');
    await c.close();
    const after = signed(tmp.dir, today).slice(kept);
    assert.ok(after.every((k) => k.size === honest.size && k.root.equals(honest.root)), `signed after the restart: ${after.map((k) => k.size).join(', ')}`);
  } finally {
    tmp.remove();
  }
});

test('the heartbeats of a day that received nothing (no shard) are thinned by retention like those of a day whose shard was removed', async () => {
  const tmp = tempDir();
  try {
    const { signer } = loadOrCreateKey(join(tmp.dir, 'log.key'), NAME);
    const quiet = '2026-11-01';
    for (let i = 0; i < 5; i++) {
      const c = { origin: `${NAME}/${quiet}`, size: 0, root: EMPTY_ROOT, time: Date.parse(`${quiet}T12:00:0${i}.000Z`) };
      keepCheckpoint(tmp.dir, quiet, c.time, signNote(formatCheckpoint(c), [signer]));
    }
    const base = structuredClone(DEFAULTS);
    const c = await startCollector({ ...base, data: tmp.dir, port: 0, retentionDays: 3, limits: { ...base.limits, maxClockSkewMs: WIDE_SKEW_MS }, log: { checkpointIntervalMs: 60_000, keyFile: undefined, name: NAME } }, () => undefined);
    await c.close();
    assert.equal(checkpointFiles(tmp.dir, quiet).length, 1, 'only its last checkpoint, the head the next epoch names, is evidence');
    assert.ok(verifyLog(tmp.dir, signer.verifier).every((r) => r.ok));
  } finally {
    tmp.remove();
  }
});

test('a block taken out of the ranges table disappears from every query though its records are untouched: verify, which vouches for the records, says so, naming the block', async () => {
  const tmp = tempDir();
  try {
    const now = Date.now();
    const today = dayOf(now);
    let c = await serve(tmp.dir);
    assert.equal((await post(c.url, ndjson([record({ start_time: new Date(now).toISOString(), request_id: 'the-500', response_code: 500 })]))).status, 200);
    assert.equal((await post(c.url, ndjson([record({ start_time: new Date(now).toISOString(), request_id: 'another' })]))).status, 200);
    await until(() => signed(tmp.dir, today).at(-1)?.size === 2, 'a checkpoint of both records');
    await c.close();

    const db = new Database(join(tmp.dir, `redtail-${today}.db`));
    db.prepare('DELETE FROM ranges WHERE id = (SELECT min(id) FROM blocks)').run();
    db.close();
    c = await serve(tmp.dir);
    const found = ((await get(c.url, '/v1/logs')).json.records as { request_id: string }[]).map((r) => r.request_id);
    await c.close();
    assert.deepEqual(found, ['another'], 'the hidden record: what queries return');
    const reports = verifyLog(tmp.dir, readVerifier(join(tmp.dir, 'log.key.pub')));
    assert.deepEqual(reports.find((r) => r.epoch === today)?.failures, ['block 1 is hidden from queries: it has no row in the ranges table']);
  } finally {
    tmp.remove();
  }
});

test('a crash between removing an expired shard and signing its deletion note: the next start records the deletion, and the honest store verifies', async () => {
  const tmp = tempDir();
  try {
    const old = '2026-11-27';
    let c = await serve(tmp.dir);
    assert.equal((await post(c.url, ndjson([record({ request_id: 'old', start_time: `${old}T10:00:00.000Z` })]))).status, 200);
    await until(() => signed(tmp.dir, old).at(-1)?.size === 1, `a checkpoint of ${old}`);
    await c.close();

    // The collector's pruning, stopped by a crash after the shard went.
    const store = new Store(tmp.dir);
    assert.deepEqual(store.prune(retentionStart(3)).map((r) => r.day), [old]);
    store.close();

    const base = structuredClone(DEFAULTS);
    c = await startCollector({ ...base, data: tmp.dir, port: 0, retentionDays: 3, limits: { ...base.limits, maxClockSkewMs: WIDE_SKEW_MS }, log: { checkpointIntervalMs: 60_000, keyFile: undefined, name: NAME } }, () => undefined);
    await c.close();
    const reports = verifyLog(tmp.dir, readVerifier(join(tmp.dir, 'log.key.pub')));
    assert.deepEqual(reports.filter((r) => !r.ok).map((r) => r.failures), []);
  } finally {
    tmp.remove();
  }
});

test('a file where an epoch\'s checkpoint folder should be: the collector still starts, and verify reports instead of crashing', async () => {
  const tmp = tempDir();
  try {
    const { signer } = loadOrCreateKey(join(tmp.dir, 'log.key'), NAME);
    mkdirSync(join(tmp.dir, 'checkpoints'));
    writeFileSync(join(tmp.dir, 'checkpoints', '2026-11-01'), 'not a folder');
    const base = structuredClone(DEFAULTS);
    const logs: Record<string, unknown>[] = [];
    const c = await startCollector({ ...base, data: tmp.dir, port: 0, retentionDays: 3650, limits: { ...base.limits, maxClockSkewMs: WIDE_SKEW_MS }, log: { checkpointIntervalMs: 20, keyFile: undefined, name: NAME } }, (e) => logs.push(e));
    assert.equal((await post(c.url, ndjson([record({ request_id: 'in-the-way', start_time: '2026-11-01T10:00:00.000Z' })]))).status, 200);
    await until(() => logs.some((e) => e.event === 'checkpoint_failed' && e.epoch === '2026-11-01'), 'its checkpoint refused by the file in the way');
    await c.close();
    const reports = verifyLog(tmp.dir, signer.verifier);
    assert.deepEqual(reports.filter((r) => !r.ok).map((r) => [r.epoch, r.failures]), [['2026-11-01', ['no signed checkpoint: none vouches for its 1 records']]]);
  } finally {
    tmp.remove();
  }
});
