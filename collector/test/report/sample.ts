// A report model made by hand, for the renderers' tests: values as hostile as records can make
// them (markup, table bars), an audit log's entries, and a failing epoch.
import { accessSection } from '../../src/report/access.js';
import { gapsSection } from '../../src/report/gaps.js';
import type { Report } from '../../src/report/model.js';

export const HOSTILE = '<script>alert(1)</script>|x';

export function sampleReport(): Report {
  const day = new Date().toISOString().slice(0, 10);
  const t = new Date().toISOString();
  return {
    format: 1,
    generated: t,
    version: '0.0.0-test',
    period: { from: `${day}T00:00:00.000Z`, to: t, days: [day] },
    log: { name: 'redtail.test/sample', keyId: '0a0b0c0d', publicKey: 'redtail.test/sample+0a0b0c0d+AAAA' },
    records: {
      total: 3,
      byServiceDay: [{ service: HOSTILE, day, records: 2 }, { service: '', day, records: 1 }],
      byService: [{ service: HOSTILE, records: 2 }, { service: '', records: 1 }],
      byDay: [{ day, records: 3 }],
      timeline: { bucket: 'hour', start: `${day}T00:00:00.000Z`, counts: [1, 2] },
      unreadable: { blocks: 1, records: 0 },
    },
    redactions: { total: 4, rules: [{ rule: HOSTILE, count: 4, records: 2 }] },
    gaps: gapsSection([
      { source: 'a', dropped: 5, since: t, until: t, reason: 'buffer full', received: t },
      { source: 'a', dropped: 2, since: t, until: t, reason: 'buffer full', received: t },
      { source: HOSTILE, dropped: 1, since: t, until: t, reason: HOSTILE, received: t },
    ], { complete: true }),
    retention: { deletions: [{ epoch: day, verified: false, error: 'bad signature' }] },
    verify: {
      ok: false,
      epochs: [{ epoch: day, ok: false, records: 3, checkpoints: 1, last: t, signed: 3, failures: ['records changed: one among records 1 to 3'] }],
      unevidenced: [],
      audit: [{ log: 'audit', epoch: day, ok: false, entries: 2, checkpoints: 1, last: t, signed: 2, failures: [`entry ${HOSTILE} changed`] }],
      checkpoints: [{ epoch: day, time: t, size: 3, root: 'AAAA', note: `redtail.test/sample/${day}\n3\nAAAA\ntime ${t}\n\n— redtail.test/sample sig\n` }],
    },
    access: accessSection([
      { time: t, actor: 'alice', action: 'query', detail: 'service=orders' },
      { time: t, actor: 'alice', action: 'query', detail: 'status=5xx' },
      { time: t, actor: 'bob', action: 'tail', detail: '' },
    ]),
  };
}
