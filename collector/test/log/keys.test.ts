import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { keyInsideData, loadOrCreateKey, publicKeyFile, readVerifier } from '../../src/log/keys.js';
import { openNote, signNote } from '../../src/log/note.js';
import { collector } from '../helpers.js';

test('a key is made on first start, kept private, read back on the next, and its public half verifies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-keys-'));
  const file = join(dir, 'log.key');
  const first = loadOrCreateKey(file, 'redtail.test/log');
  assert.equal(first.created, true);
  assert.equal(statSync(file).mode & 0o077, 0, 'no one but the owner reads the private key');
  const again = loadOrCreateKey(file, 'another.name');
  assert.equal(again.created, false);
  assert.equal(again.signer.verifier.text, first.signer.verifier.text);
  const verifier = readVerifier(publicKeyFile(file));
  assert.equal(openNote(signNote('x\n', [again.signer]), [verifier]).text, 'x\n');
  // A lost .pub is written again from the key.
  unlinkSync(publicKeyFile(file));
  loadOrCreateKey(file, 'redtail.test/log');
  assert.equal(readFileSync(publicKeyFile(file), 'utf8'), `${first.signer.verifier.text}\n`);
});

test('a key file that holds no key is refused, not replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-keys-'));
  const file = join(dir, 'log.key');
  writeFileSync(file, 'PRIVATE+KEY+half');
  assert.throws(() => loadOrCreateKey(file, 'redtail.test/log'), /log\.key: .*restore the log's key file/);
  assert.equal(readFileSync(file, 'utf8'), 'PRIVATE+KEY+half');
  writeFileSync(join(dir, 'x.pub'), 'nonsense\n');
  assert.throws(() => readVerifier(join(dir, 'x.pub')), /x\.pub: .*public key file/);
});

test('a key inside the data folder (the default) is warned of once at start; one kept elsewhere, set by REDTAIL_LOG_KEY_FILE, is not', async () => {
  const beside = await collector();
  await beside.stop();
  const warned = beside.logs.filter((e) => e.event === 'log_key_beside_data');
  assert.equal(warned.length, 1);
  assert.equal(warned[0]!.key_file, join(beside.dir, 'log.key'));
  assert.match(String(warned[0]!.hint), /re-sign .*log\.key_file or REDTAIL_LOG_KEY_FILE/);

  const apart = mkdtempSync(join(tmpdir(), 'redtail-keys-'));
  const { log } = loadConfig({ env: { REDTAIL_LOG_KEY_FILE: join(apart, 'log.key') } });
  const elsewhere = await collector({ log });
  await elsewhere.stop();
  assert.deepEqual(elsewhere.logs.filter((e) => e.event === 'log_key_beside_data'), []);
  assert.ok(statSync(join(apart, 'log.key')).isFile(), 'the key made where it was told');
  assert.equal(keyInsideData(join(apart, 'log.key'), apart), true);
  assert.equal(keyInsideData(join(apart, 'log.key'), join(apart, 'data')), false);
  rmSync(apart, { recursive: true, force: true });
});
