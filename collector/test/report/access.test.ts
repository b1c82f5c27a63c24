// The access section from plain audit entries, and without an audit log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessSection } from '../../src/report/access.js';

test('without an audit log the section says it has none; with one, entries are counted per actor and action', () => {
  assert.deepEqual(accessSection(undefined), { available: false, entries: [], summary: [] });
  const s = accessSection([
    { time: '2026-12-03T10:00:02Z', actor: 'bob', action: 'tail', detail: '' },
    { time: '2026-12-03T10:00:01Z', actor: 'alice', action: 'query', detail: 'service=a' },
    { time: '2026-12-03T10:00:03Z', actor: 'alice', action: 'query', detail: 'service=b' },
  ]);
  assert.equal(s.available, true);
  assert.deepEqual(s.summary, [{ actor: 'alice', action: 'query', count: 2 }, { actor: 'bob', action: 'tail', count: 1 }]);
  assert.deepEqual(s.entries.map((e) => e.time), ['2026-12-03T10:00:01Z', '2026-12-03T10:00:02Z', '2026-12-03T10:00:03Z']);
});
