import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCheckpoint, parseCheckpoint } from '../../src/log/checkpoint.js';
import { generateSigner, openNote, parseSigner, parseVerifier, signNote } from '../../src/log/note.js';
import { leafHash } from '../../src/log/tree.js';

// The reference note of Go's golang.org/x/mod/sumdb/note (its documentation and tests): Ed25519
// is deterministic, so signing the same text with the same key must give these exact bytes.
const SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NOTE = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

test("a note signed with Go's reference key is Go's reference note, and opens with its verifier key", () => {
  const signer = parseSigner(SKEY);
  assert.equal(signer.text, SKEY);
  assert.equal(signer.verifier.text, VKEY);
  assert.equal(signNote(TEXT, [signer]), NOTE);
  const verifier = parseVerifier(VKEY);
  assert.equal(openNote(NOTE, [verifier]).text, TEXT);
  // C2SP's own example key reads too (its id is its name's and key's).
  assert.equal(parseVerifier('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k').name, 'example.com/foo');
});

test('an altered note, a wrong key, or a failing signature by a known key is refused; unknown signatures are ignored', () => {
  const verifier = parseVerifier(VKEY);
  assert.throws(() => openNote(NOTE.replace('cryptography', 'cryptographY'), [verifier]), { code: 'bad_signature' });
  const other = generateSigner('PeterNeumann');
  assert.throws(() => openNote(NOTE, [other.verifier]), { code: 'unverified' });
  // A witness's signature beside the log's: ignored when unknown, checked when known.
  const witness = generateSigner('witness.example/w1');
  const cosigned = NOTE + signNote(TEXT, [witness]).slice(TEXT.length + 1);
  assert.deepEqual(openNote(cosigned, [verifier]).signedBy.map((v) => v.name), ['PeterNeumann']);
  assert.deepEqual(openNote(cosigned, [verifier, witness.verifier]).signedBy.map((v) => v.name), ['PeterNeumann', 'witness.example/w1']);
  // The key id (the first 4 bytes) kept, a byte of the signature changed.
  const forged = cosigned.replace(/w1 (.{12})(.)/, (_, id: string, c: string) => `w1 ${id}${c === 'A' ? 'B' : 'A'}`);
  assert.throws(() => openNote(forged, [verifier, witness.verifier]), { code: 'bad_signature' });
  assert.throws(() => openNote(TEXT, [verifier]), { code: 'malformed' });
  assert.throws(() => openNote(NOTE.replace('\u2014', '-'), [verifier]), { code: 'malformed' });
});

test('keys: made fresh, written and read back; mangled key lines refused with what is wrong', () => {
  const s = generateSigner('redtail.test/log');
  const back = parseSigner(s.text);
  assert.equal(back.verifier.text, s.verifier.text);
  assert.equal(openNote(signNote('hello\n', [back]), [parseVerifier(s.verifier.text)]).text, 'hello\n');
  assert.throws(() => parseVerifier(VKEY.replace('c74f20a3', 'c74f20a4')), /its id c74f20a4 is not its key's/);
  assert.throws(() => parseVerifier(VKEY.slice(0, -4)), { code: 'bad_key' });
  assert.throws(() => parseVerifier('PeterNeumann+c74f20a3'), { code: 'bad_key' });
  assert.throws(() => generateSigner('has space'), { code: 'bad_key' });
  assert.throws(() => parseSigner(VKEY), /PRIVATE\+KEY/);
});

test('a checkpoint is written as C2SP reads it and read back, with the epochs chained', () => {
  const root = leafHash(Buffer.from('a'));
  const previous = { origin: 'redtail.test/log/2026-12-02', size: 41, root: leafHash(Buffer.from('b')) };
  const text = formatCheckpoint({ origin: 'redtail.test/log/2026-12-03', size: 7, root, time: Date.UTC(2026, 11, 3, 12), previous });
  const lines = text.split('\n');
  assert.deepEqual(lines.slice(0, 4), ['redtail.test/log/2026-12-03', '7', root.toString('base64'), 'time 2026-12-03T12:00:00.000Z']);
  const c = parseCheckpoint(text);
  assert.equal(c.size, 7);
  assert.deepEqual(c.root, root);
  assert.deepEqual(c.previous, previous);
  assert.throws(() => parseCheckpoint(text.replace('\n7\n', '\n07\n')), /leading zeros/);
  assert.throws(() => parseCheckpoint(text.replace(root.toString('base64'), 'AAAA')), /32 bytes/);
  assert.throws(() => parseCheckpoint('origin\n1\n'), /three non-empty lines/);
  assert.throws(() => parseCheckpoint(text.replace(/time .*\n/, '')), /no "time" line/);
});
