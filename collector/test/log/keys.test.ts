import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadOrCreateKey, publicKeyFile, readVerifier } from '../../src/log/keys.js';
import { openNote, signNote } from '../../src/log/note.js';

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
