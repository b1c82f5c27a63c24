// How long an exporter waits before trying a batch again: Retry-After in both its forms, within
// the cap; otherwise exponential backoff with full jitter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoff, retryAfter } from '../../src/export/delivery.js';

test('Retry-After as seconds or as an HTTP date; anything else is not read', () => {
  const now = Date.parse('2026-12-04T18:00:00Z');
  assert.equal(retryAfter('7', now), 7000);
  assert.equal(retryAfter('Fri, 04 Dec 2026 18:00:30 GMT', now), 30_000);
  assert.equal(retryAfter('Fri, 04 Dec 2026 17:00:00 GMT', now), 0);
  assert.equal(retryAfter('soon', now), undefined);
  assert.equal(retryAfter(null, now), undefined);
});

test('what the receiver asks is waited, up to the cap; else a random time under a bound that doubles, up to the cap', () => {
  assert.equal(backoff(1, 30_000, 7000), 7000);
  assert.equal(backoff(1, 30_000, 3_600_000), 30_000);
  const most = () => 0.999999;
  assert.equal(backoff(1, 30_000, undefined, most), 199);
  assert.equal(backoff(2, 30_000, undefined, most), 399);
  assert.equal(backoff(20, 30_000, undefined, most), 29_999);
  assert.equal(backoff(20, 30_000, undefined, () => 0), 0);
});
