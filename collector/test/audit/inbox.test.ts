// The audit log's inbox (audit/inbox.ts) planted by an insider who can write the data folder: the
// collector signs what it takes in, so it must take in only what an offline command leaves, in a
// day still open, and never hang or fill its memory on what sits there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { postToInbox } from '../../src/audit/inbox.js';
import { readAudit } from '../../src/audit/read.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { loadOrCreateKey } from '../../src/log/keys.js';
import { DAY_MS, dayOf } from '../../src/store/days.js';
import { tempDir } from '../helpers.js';

const inbox = (dir: string) => join(dir, 'data', 'audit', 'inbox');

/** The inbox of the data folder under `dir` taken in by a writer whose key is kept apart; what it logged. */
function takeIn(dir: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const { signer } = loadOrCreateKey(join(dir, 'keys', 'log.key'), 'redtail.test/inbox');
  new AuditRecorder(join(dir, 'data'), signer, (e) => events.push(e)).sign();
  return events;
}

test('an inbox entry that names a token, the collector, or an act no offline command leaves is set aside, not signed as the audit log\'s', () => {
  const tmp = tempDir();
  try {
    const now = new Date().toISOString();
    postToInbox(join(tmp.dir, 'data'), { time: now, action: 'query', who: 'grafana', client: '10.0.0.9', results: 0 });
    postToInbox(join(tmp.dir, 'data'), { time: now, action: 'deleted', who: 'collector', epoch: dayOf(Date.now() - 3 * DAY_MS), by: 'retention: 1 days' });
    postToInbox(join(tmp.dir, 'data'), { time: now, action: 'stop', who: 'os:root' });
    postToInbox(join(tmp.dir, 'data'), { time: now, action: 'verify', who: 'os:auditor', epochs: 1, failed: 0 });
    const events = takeIn(tmp.dir);
    assert.deepEqual(readAudit(join(tmp.dir, 'data')).map((l) => [l.entry.action, l.entry.who]), [['verify', 'os:auditor']]);
    assert.equal(readdirSync(inbox(tmp.dir)).filter((f) => f.endsWith('.bad')).length, 3);
    assert.equal(events.filter((e) => e.event === 'audit_inbox_bad').length, 3);
  } finally {
    tmp.remove();
  }
});

test('an inbox entry dated in a closed day or in the future is written as taken in now, its claimed time kept beside: no signed day of the past grows', () => {
  const tmp = tempDir();
  try {
    const old = new Date(Date.now() - 10 * DAY_MS).toISOString();
    const ahead = new Date(Date.now() + 2 * DAY_MS).toISOString();
    postToInbox(join(tmp.dir, 'data'), { time: old, action: 'verify', who: 'os:mallory' });
    postToInbox(join(tmp.dir, 'data'), { time: ahead, action: 'audit', who: 'os:mallory' });
    const before = Date.now();
    takeIn(tmp.dir);
    const listed = readAudit(join(tmp.dir, 'data'));
    assert.deepEqual(listed.map((l) => [l.entry.action, l.entry.left]), [['verify', old], ['audit', ahead]]);
    for (const l of listed) {
      assert.ok(Date.parse(l.entry.time) >= before, `${l.entry.time} is when it was taken in`);
      assert.equal(l.ref.slice(0, 10), dayOf(Date.now()));
    }
  } finally {
    tmp.remove();
  }
});

test('an inbox file that is a FIFO, a link, a folder or larger than any entry is set aside unread: the collector neither hangs nor reads it whole', () => {
  const tmp = tempDir();
  try {
    mkdirSync(inbox(tmp.dir), { recursive: true });
    // A FIFO with no writer: reading it would block the collector's start for ever.
    assert.equal(spawnSync('mkfifo', [join(inbox(tmp.dir), 'a-fifo.json')]).status, 0);
    const elsewhere = join(tmp.dir, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify({ time: new Date().toISOString(), action: 'verify', who: 'os:linked' }));
    symlinkSync(elsewhere, join(inbox(tmp.dir), 'b-link.json'));
    mkdirSync(join(inbox(tmp.dir), 'c-folder.json'));
    // Sparse: no disk, but read whole it would take the collector's memory.
    writeFileSync(join(inbox(tmp.dir), 'd-huge.json'), '');
    truncateSync(join(inbox(tmp.dir), 'd-huge.json'), 1 << 30);
    const rss = process.memoryUsage.rss();
    const events = takeIn(tmp.dir);
    assert.ok(process.resourceUsage().maxRSS * 1024 - rss < 256 * 1024 * 1024, 'the huge file was not read');
    assert.deepEqual(readAudit(join(tmp.dir, 'data')), []);
    assert.deepEqual(readdirSync(inbox(tmp.dir)).sort(), ['a-fifo.json.bad', 'b-link.json.bad', 'c-folder.json.bad', 'd-huge.json.bad']);
    assert.equal(events.filter((e) => e.event === 'audit_inbox_bad').length, 4);
  } finally {
    tmp.remove();
  }
});
