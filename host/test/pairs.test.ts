import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePairs, encodePairs, flatten } from '../src/pairs.js';

test('encodes pairs byte for byte as the proxy-wasm spec shows', () => {
  // {a:"1", b:"22"} from ../shared/proxy-wasm-notes.md
  assert.equal(encodePairs([['a', '1'], ['b', '22']]).toString('hex'),
    '02000000' + '01000000' + '01000000' + '01000000' + '02000000' + '6100' + '3100' + '6200' + '323200');
});

test('an empty map is zero bytes, and both empty encodings decode', () => {
  assert.equal(encodePairs([]).length, 0);
  assert.deepEqual(decodePairs(new Uint8Array(0)), []);
  assert.deepEqual(decodePairs(Uint8Array.of(0)), []);
});

test('round-trips raw bytes, including NUL-free binary and UTF-8', () => {
  const value = Buffer.from('héllo ✓', 'utf8').toString('latin1');
  const pairs: [string, string][] = [['x-bin', '\x01\xff\x7f'], ['x-utf8', value], ['empty', '']];
  assert.deepEqual(decodePairs(encodePairs(pairs)), pairs);
});

test('malformed or oversized maps are refused, as cpp-host reads them as empty', () => {
  const good = encodePairs([['a', '1']]);
  assert.equal(decodePairs(good.subarray(0, good.length - 1)), undefined, 'truncated');
  const noNul = Buffer.from(good);
  noNul[noNul.length - 1] = 0x41;
  assert.equal(decodePairs(noNul), undefined, 'missing NUL terminator');
  const tooMany = Buffer.alloc(8);
  tooMany.writeUInt32LE(1025, 0);
  assert.equal(decodePairs(tooMany), undefined, 'over 1024 pairs');
  assert.equal(decodePairs(new Uint8Array(1024 * 1024 + 1)), undefined, 'over 1 MiB');
  const lying = Buffer.alloc(12);
  lying.writeUInt32LE(1, 0);
  lying.writeUInt32LE(100, 4);
  assert.equal(decodePairs(lying), undefined, 'sizes past the end');
});

test('flatten lays pairs out as one list, key then value', () => {
  assert.deepEqual(flatten([['a', '1'], ['b', ''], ['a', '2']]), ['a', '1', 'b', '', 'a', '2']);
  assert.deepEqual(flatten([]), []);
});
