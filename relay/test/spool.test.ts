// The spool: batches kept in arrival order until taken, duplicates recognised, the bound held,
// refused batches set aside, and everything still there after reopening the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../collector/test/helpers.js';
import { Spool } from '../src/spool.js';

test('batches come out in arrival order, leave when taken, and survive reopening', () => {
  const tmp = tempDir();
  const spool = new Spool(tmp.dir, 1024 * 1024);
  for (const id of ['b/3', 'a/1', 'c/2']) assert.equal(spool.add(id, `[{"id":"${id}"}]`), 'added');
  assert.equal(spool.add('a/1', '[{"other":1}]'), 'duplicate');
  assert.deepEqual(spool.next(0, 10).map((b) => b.batch), ['b/3', 'a/1', 'c/2']);
  const [first] = spool.next(0, 1);
  assert.deepEqual(spool.next(first!.seq, 10).map((b) => b.batch), ['a/1', 'c/2']);
  assert.equal(spool.take('a/1'), true);
  assert.equal(spool.take('a/1'), false, 'taken once');
  spool.close();
  const again = new Spool(tmp.dir, 1024 * 1024);
  assert.deepEqual(again.next(0, 10).map((b) => [b.batch, b.records]), [['b/3', '[{"id":"b/3"}]'], ['c/2', '[{"id":"c/2"}]']]);
  assert.equal(again.batches, 2);
  assert.equal(again.bytes, Buffer.byteLength('[{"id":"b/3"}]') * 2);
  again.close();
  tmp.remove();
});

test('the byte bound counts UTF-8 bytes, refuses past it, and frees what is taken', () => {
  const tmp = tempDir();
  const spool = new Spool(tmp.dir, 1024 * 1024);
  const big = `["${'é'.repeat(300 * 1024)}"]`; // 600 KiB of UTF-8 in 300 K characters
  assert.equal(spool.add('s/1', big), 'added');
  assert.equal(spool.bytes, Buffer.byteLength(big));
  assert.equal(spool.add('s/2', big), 'full');
  assert.equal(spool.take('s/1'), true);
  assert.equal(spool.bytes, 0);
  assert.equal(spool.add('s/2', big), 'added');
  spool.close();
  tmp.remove();
});

test('a batch refused for good moves to the rejected table with its reason', () => {
  const tmp = tempDir();
  const spool = new Spool(tmp.dir, 1024 * 1024);
  spool.add('s/1', '[1]');
  spool.add('s/2', '[2]');
  spool.reject('s/1', 'line 1: must be a JSON object');
  assert.equal(spool.rejectedCount, 1);
  assert.deepEqual(spool.next(0, 10).map((b) => b.batch), ['s/2']);
  assert.equal(spool.batches, 1);
  spool.close();
  const again = new Spool(tmp.dir, 1024 * 1024);
  assert.equal(again.rejectedCount, 1);
  again.close();
  tmp.remove();
});
