// The completeness section from plain data: per source what the notices add up to, and the
// tables of what the collector knows besides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapTables, gapsSection, nothingLost } from '../../src/report/gaps.js';

test('notices add up per source, most dropped first, and a capped list is said to be a floor', () => {
  const t = new Date().toISOString();
  const notice = (source: string, dropped: number) => ({ source, dropped, since: t, until: t, reason: 'buffer full', received: t });
  const s = gapsSection([notice('b', 1), notice('a', 5), notice('b', 9)], { complete: false });
  assert.deepEqual(s.sources, [{ source: 'b', notices: 2, dropped: 10 }, { source: 'a', notices: 1, dropped: 5 }]);
  assert.equal(s.dropped, 15);
  assert.equal(s.complete, false);
  assert.deepEqual(gapsSection([], { complete: true }), { notices: [], sources: [], dropped: 0, complete: true, identities: [], missing: [], silences: [], unreadable: null });
  assert.equal(nothingLost(gapsSection([], { complete: true })), true);
});

test('what the collector knows besides the notices (batches missing, silences) is shown, each in its table', () => {
  const t = new Date().toISOString();
  const known = {
    identities: [{ identity: 'checkout', sources: 2, batches_missing: 3, records_dropped: 0, silences: 1, last_batch: t }],
    missing: [{ source: 'checkout-abc', identity: 'checkout', from_seq: 4, to_seq: 6, batches: 3, after: t, found: t }],
    silences: [{ identity: 'checkout', since: t, until: null }],
  };
  const s = gapsSection([], { complete: true, known });
  assert.equal(nothingLost(s), false);
  const tables = gapTables(s, String);
  assert.deepEqual(tables.map((x) => x.head[0]), ['identity', 'source', 'silent identity']);
  assert.deepEqual(tables[1]!.rows, [['checkout-abc', '3', '4-6', t, t]]);
  assert.deepEqual(tables[2]!.rows, [['checkout', t, 'still silent']]);
});
