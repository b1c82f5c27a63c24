// redtail prove and verify-proof against the data folder of a real collector process that keeps
// running and ingesting: bundles made from it verify with the public key alone, and each way of
// changing a bundle (the record, the key, the root, the proof) or of pairing checkpoints that do
// not extend each other fails.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exited, ndjson, post, record, spawnRedtail, tempDir, until } from '../../collector/test/helpers.js';
import { formatCheckpoint, parseCheckpoint } from '../../collector/src/log/checkpoint.js';
import { readAudit } from '../../collector/src/audit/read.js';
import { checkpointFiles } from '../../collector/src/log/checkpoints.js';
import { generateSigner, parseSigner, signNote } from '../../collector/src/log/note.js';
import { dayOf } from '../../collector/src/store/days.js';
import { run } from './redtail.js';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
const pubkey = join(tmp.dir, 'auditor.pub'); // the auditor's own copy
const day = dayOf(Date.now());
const PER_BATCH = 300; // two blocks a batch
let collector: Awaited<ReturnType<typeof spawnRedtail>>;

/** The latest checkpoint's size of `dir`'s day, as kept. */
function signedSize(dir: string): number {
  const last = checkpointFiles(dir, day).at(-1);
  return last ? parseCheckpoint(readFileSync(last, 'utf8').split('\n\n')[0]! + '\n').size : 0;
}

const batch = (tag: string, n = PER_BATCH) =>
  ndjson(Array.from({ length: n }, (_, i) => record({ start_time: new Date(Date.now() - i).toISOString(), request_id: `${tag}-${i}`, path: `/${tag}/${i}` })));

async function serve(dir: string, intervalMs: number) {
  const config = join(tmp.dir, `config-${intervalMs}.json`);
  writeFileSync(config, JSON.stringify({ log: { checkpoint_interval_ms: intervalMs, name: 'redtail.test/prove' } }));
  return spawnRedtail(['serve', '--port', '0', '--data', dir, '--config', config]);
}

before(async () => {
  collector = await serve(data, 20);
  for (const tag of ['a', 'b']) {
    assert.equal((await post(collector.url, batch(tag))).status, 200);
    const want = tag === 'a' ? PER_BATCH : 2 * PER_BATCH;
    await until(() => signedSize(data) >= want, `a checkpoint of ${want} records`);
  }
  cpSync(join(data, 'log.key.pub'), pubkey);
});
after(async () => {
  const gone = exited(collector.child);
  collector.child.kill('SIGTERM');
  await gone;
  tmp.remove();
});

/** `redtail prove` into a bundle file; its exit and the bundle, parsed. */
async function prove(name: string, ...args: string[]) {
  const out = join(tmp.dir, `${name}.json`);
  const r = await run(['prove', ...args, '--data', data, '--out', out]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return { out, bundle: JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> };
}

/** `redtail verify-proof` of `bundle`, written to a file of its own. */
async function verifyProof(name: string, bundle: unknown, key = pubkey, ...more: string[]) {
  const file = join(tmp.dir, `${name}.checked.json`);
  writeFileSync(file, JSON.stringify(bundle));
  return run(['verify-proof', file, '--pubkey', key, ...more]);
}

test('a record proved by its request_id, while the collector keeps ingesting, verifies with the public key only; the same by its place in the log', async () => {
  const ingesting = (async () => {
    for (let i = 0; i < 5; i++) assert.equal((await post(collector.url, batch(`busy${i}`, 50))).status, 200);
  })();
  const { bundle } = await prove('by-id', 'b-7');
  await ingesting;
  assert.equal(bundle.kind, 'redtail/inclusion-proof');
  assert.equal(bundle.epoch, day);
  // Batch a, then batch b: b-7 is the 308th record.
  assert.equal(bundle.index, PER_BATCH + 7);
  assert.equal(JSON.parse(Buffer.from(bundle.record as string, 'base64').toString()).request_id, 'b-7');
  const r = await verifyProof('by-id', bundle);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^OK   record b-7 is leaf ${PER_BATCH + 7} of \\d+ in ${day}, signed at \\S+Z`, 'm'));
  const j = await verifyProof('by-id', bundle, pubkey, '--json');
  const proven = JSON.parse(j.stdout) as { ok: boolean; epoch: string; record: { index: number; request_id: string } };
  assert.deepEqual([j.code, proven.ok, proven.epoch, proven.record.index, proven.record.request_id], [0, true, day, PER_BATCH + 7, 'b-7']);

  // Taking a record out in a bundle is entered in the audit log (through its inbox, taken in by the running collector).
  await until(() => readAudit(data).some(({ entry }) => entry.action === 'prove' && entry.asked === 'b-7' && entry.ref === `${day}/${PER_BATCH + 7}` && entry.who.startsWith('os:')), 'the prove entry in the audit log');

  const byRef = await prove('by-ref', `${day}/${PER_BATCH + 7}`);
  assert.equal(byRef.bundle.record, bundle.record);
  assert.equal((await verifyProof('by-ref', byRef.bundle)).code, 0);
  // The first and the last record a checkpoint covers, the edges of the tree.
  for (const index of [0, signedSize(data) - 1]) {
    const edge = await prove(`edge-${index}`, `${day}/${index}`);
    assert.equal((await verifyProof(`edge-${index}`, edge.bundle)).code, 0);
  }
});

test('a bundle changed fails verify-proof, saying what: the record, the key, another root, the proof cut short', async () => {
  const { bundle } = await prove('tamper', 'a-3');
  const text = Buffer.from(bundle.record as string, 'base64').toString().replace('/a/3', '/a/9');
  const record = await verifyProof('record', { ...bundle, record: Buffer.from(text).toString('base64') });
  assert.equal(record.code, 1);
  assert.match(record.stdout, /^FAIL the record and its proof do not lead to the signed root/m);

  const other = join(tmp.dir, 'other.pub');
  writeFileSync(other, `${generateSigner('redtail.test/prove').verifier.text}\n`);
  const key = await verifyProof('key', bundle, other);
  assert.equal(key.code, 1);
  assert.match(key.stdout, /^FAIL the signed checkpoint is not signed by the key given/m);

  // A genuine checkpoint of the same day, of another size: the proof leads to another root.
  const older = checkpointFiles(data, day).map((f) => readFileSync(f, 'utf8')).find((n) => parseCheckpoint(n.split('\n\n')[0]! + '\n').size === PER_BATCH)!;
  const root = await verifyProof('root', { ...bundle, checkpoint: older });
  assert.equal(root.code, 1);
  assert.match(root.stdout, /^FAIL the record and its proof do not lead to the signed root of 300 records/m);

  const cut = await verifyProof('cut', { ...bundle, proof: (bundle.proof as string[]).slice(0, -1) });
  assert.equal(cut.code, 1);
  assert.match(cut.stdout, /^FAIL the record and its proof do not lead/m);

  const j = await verifyProof('cut', { ...bundle, proof: (bundle.proof as string[]).slice(0, -1) }, pubkey, '--json');
  assert.deepEqual(JSON.parse(j.stdout).code, 'bad_proof');
});

test('two checkpoints of a day: the consistency proof verifies; a forked pair is refused by prove, and by verify-proof when the bundle is made by hand', async () => {
  const files = checkpointFiles(data, day);
  const sizes = files.map((f) => parseCheckpoint(readFileSync(f, 'utf8').split('\n\n')[0]! + '\n').size);
  const oldFile = files[sizes.indexOf(PER_BATCH)]!;
  const newFile = files.at(-1)!;
  const { bundle } = await prove('consistent', '--consistency', oldFile, newFile);
  assert.equal(bundle.kind, 'redtail/consistency-proof');
  const r = await verifyProof('consistent', bundle);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^OK   ${day}: the tree of \\d+ records signed at \\S+ extends the tree of 300 signed at`, 'm'));

  // A head of 300 records with another root, signed by the log's own key: the fork a key thief,
  // or a collector fooled, would sign.
  const signer = parseSigner(readFileSync(join(data, 'log.key'), 'utf8'));
  const honest = parseCheckpoint(readFileSync(oldFile, 'utf8').split('\n\n')[0]! + '\n');
  const forged = signNote(formatCheckpoint({ ...honest, root: Buffer.alloc(32, 7), time: honest.time + 1 }), [signer]);
  const forkedFile = join(tmp.dir, 'forked.checkpoint');
  writeFileSync(forkedFile, forged);
  const refused = await run(['prove', '--consistency', forkedFile, newFile, '--data', data]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /do not join these checkpoints \(300 and \d+ records\)/);
  const forked = await verifyProof('forked', { ...bundle, old: forged });
  assert.equal(forked.code, 1);
  assert.match(forked.stdout, /^FAIL the tree of \d+ records does not extend the tree of 300 .*forked/m);
  // The pair given newest first is no proof either.
  const swapped = await verifyProof('swapped', { ...bundle, old: bundle.new, new: bundle.old });
  assert.equal(swapped.code, 1);
  assert.match(swapped.stdout, /^FAIL the old checkpoint has \d+ records, more than the new one's 300: the tree shrank/m);
});

test('a request_id held by two records names both places to prove; an unknown one, or a place past the records, is said so', async () => {
  assert.equal((await post(collector.url, ndjson([record({ start_time: new Date().toISOString(), request_id: 'twice' }), record({ start_time: new Date().toISOString(), request_id: 'twice' })]))).status, 200);
  // Stored once the collector answers: the proof is made from what is committed.
  const twice = await run(['prove', 'twice', '--data', data, '--json']);
  assert.equal(twice.code, 1);
  const said = JSON.parse(twice.stdout) as { ok: boolean; refs: string[] };
  assert.equal(said.ok, false);
  assert.ok(said.refs.every((ref) => ref.startsWith(`${day}/`)));
  const none = await run(['prove', 'nobody', '--data', data]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no stored record has request_id "nobody"/);
  const past = await run(['prove', `${day}/999999`, '--data', data]);
  assert.equal(past.code, 1);
  assert.match(past.stderr, /holds no record 999999/);
});

test('a record not yet covered by a checkpoint: prove says so, and when the next is due', async () => {
  const slow = join(tmp.dir, 'slow');
  const c = await serve(slow, 3_600_000);
  try {
    assert.equal((await post(c.url, batch('slow', 3))).status, 200);
    const r = await run(['prove', 'slow-1', '--data', slow]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`record ${day}/1 is not signed for yet: the latest checkpoint of ${day} holds 0 records; the next is due \\S+Z`));
  } finally {
    const gone = exited(c.child);
    c.child.kill('SIGTERM');
    await gone;
  }
});
