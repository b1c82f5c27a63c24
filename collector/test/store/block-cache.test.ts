// The blocks kept decompressed for queries are bounded by their bytes as well as their number:
// records with bodies make blocks of megabytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockCache, DEFAULT_CACHED_BLOCKS, DEFAULT_QUERY_CACHE_BYTES } from '../../src/store/shard.js';
import { Unpacked } from '../../src/store/unpacked.js';
import { MiB } from '../helpers.js';

/** A decompressed block of `records` records of `bytes` bytes each. */
function block(records: number, bytes: number): Unpacked {
  const line = `{"body":"${'x'.repeat(bytes - 12)}"}`;
  return new Unpacked(Buffer.from(Array.from({ length: records }, () => line).join('\n')), records);
}

test('blocks of large records are kept within the bytes bound, the most recent kept', () => {
  const cache = new BlockCache();
  const big = (k: number) => cache.get(`2026-11-27:${k}`, () => block(16, 64 * 1024));
  for (let k = 1; k <= DEFAULT_CACHED_BLOCKS; k++) big(k);
  assert.ok(cache.bytes() <= DEFAULT_QUERY_CACHE_BYTES, `${(cache.bytes() / MiB).toFixed(1)} MiB held, at most ${DEFAULT_QUERY_CACHE_BYTES / MiB}`);
  assert.ok(cache.bytes() > DEFAULT_QUERY_CACHE_BYTES - MiB, 'filled up to the bound');
  let loads = 0;
  cache.get(`2026-11-27:${DEFAULT_CACHED_BLOCKS}`, () => (loads++, block(1, 100)));
  assert.equal(loads, 0, 'the block read last is still kept');
  cache.get('2026-11-27:1', () => (loads++, block(1, 100)));
  assert.equal(loads, 1, 'the oldest went first');
});

test('a block larger than the bound is not kept; forgetting a day gives its bytes back', () => {
  const cache = new BlockCache({ bytes: 2 * MiB });
  cache.get('2026-11-27:1', () => block(4, 64 * 1024));
  const held = cache.bytes();
  cache.get('2026-11-27:2', () => block(64, 64 * 1024));
  assert.equal(cache.bytes(), held, 'the 4 MiB block was not kept, and did not push out the others');
  cache.get('2026-11-28:1', () => block(4, 64 * 1024));
  cache.forget('2026-11-27');
  assert.equal(cache.bytes(), held, "only the 28th's block is left");
});
