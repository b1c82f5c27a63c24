// The completeness section from plain notices: per source, what they add up to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapsSection } from '../../src/report/gaps.js';

test('notices add up per source, most dropped first, and a capped list is said to be a floor', () => {
  const t = new Date().toISOString();
  const notice = (source: string, dropped: number) => ({ source, dropped, since: t, until: t, reason: 'buffer full', received: t });
  const s = gapsSection([notice('b', 1), notice('a', 5), notice('b', 9)], { complete: false });
  assert.deepEqual(s.sources, [{ source: 'b', notices: 2, dropped: 10 }, { source: 'a', notices: 1, dropped: 5 }]);
  assert.equal(s.dropped, 15);
  assert.equal(s.complete, false);
  assert.deepEqual(gapsSection([], { complete: true }), { notices: [], sources: [], dropped: 0, complete: true });
});
