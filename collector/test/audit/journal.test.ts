// The audit log's files (audit/journal.ts, inbox.ts, recorder.ts) on a real data folder: entries
// land in their day's file and tree, a line a crash cut short is dropped before the next, the
// inbox of offline commands is taken in by the writer, and what was signed verifies.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditFile } from '../../src/audit/files.js';
import { postToInbox } from '../../src/audit/inbox.js';
import { AuditLog } from '../../src/audit/journal.js';
import { readAudit } from '../../src/audit/read.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { loadOrCreateKey } from '../../src/log/keys.js';
import { dayOf } from '../../src/store/days.js';
import { tempDir } from '../helpers.js';

const quiet = () => {};

/** The audit log's writer on `dir`, with a new key, and the days it writes to. */
function writer(dir: string): { signer: ReturnType<typeof loadOrCreateKey>['signer']; recorder: AuditRecorder; now: number; yesterday: string } {
  const { signer } = loadOrCreateKey(join(dir, 'log.key'), 'redtail.test/audit');
  const now = Date.now();
  return { signer, recorder: new AuditRecorder(dir, signer, quiet), now, yesterday: dayOf(now - 86_400_000) };
}

test('entries are written after the current turn, each a line of its day\'s file, and the tree is the file\'s', async () => {
  const tmp = tempDir();
  try {
    const journal = new AuditLog(tmp.dir, quiet);
    const now = new Date();
    journal.append({ time: now.toISOString(), action: 'query', who: 'grafana', client: '127.0.0.1', results: 3 });
    assert.equal(existsSync(auditFile(tmp.dir, dayOf(now.getTime()))), false, 'not written on the caller\'s path');
    await new Promise((r) => setImmediate(r));
    const lines = readFileSync(auditFile(tmp.dir, dayOf(now.getTime())), 'utf8').split('\n');
    assert.deepEqual(lines.map((l) => l && JSON.parse(l).who), ['grafana', '']);
    const head = journal.heads(now.getTime()).get(dayOf(now.getTime()))!;
    assert.equal(head.size, 1);
    assert.ok(new AuditLog(tmp.dir, quiet).heads(now.getTime()).get(dayOf(now.getTime()))!.root.equals(head.root), 'read back, the same tree');
  } finally {
    tmp.remove();
  }
});

test('a last line a crash cut short is removed when the day is read again, so the next entry starts a line of its own', () => {
  const tmp = tempDir();
  try {
    const now = Date.now();
    const file = auditFile(tmp.dir, dayOf(now));
    const first = new AuditLog(tmp.dir, quiet);
    first.append({ time: new Date(now).toISOString(), action: 'start', who: 'collector' });
    first.flush();
    appendFileSync(file, '{"time":"cut sh');
    const events: Record<string, unknown>[] = [];
    const again = new AuditLog(tmp.dir, (e) => events.push(e));
    again.append({ time: new Date(now).toISOString(), action: 'stop', who: 'collector' });
    again.flush();
    assert.deepEqual(readAudit(tmp.dir).map((l) => [l.ref, l.entry.action]), [[`${dayOf(now)}#1`, 'start'], [`${dayOf(now)}#2`, 'stop']]);
    assert.equal(events[0]?.event, 'audit_line_cut');
  } finally {
    tmp.remove();
  }
});

test('an offline command\'s entry waits in the inbox while no writer runs, is taken in and signed by the next, and verifies', () => {
  const tmp = tempDir();
  try {
    const when = new Date(Date.now() - 60_000).toISOString();
    postToInbox(tmp.dir, { time: when, action: 'verify', who: 'os:auditor' });
    writeFileSync(join(tmp.dir, 'audit', 'inbox', 'garbled.json'), '{"not": "an entry"}');
    const { signer } = loadOrCreateKey(join(tmp.dir, 'log.key'), 'redtail.test/audit');
    const events: Record<string, unknown>[] = [];
    const recorder = new AuditRecorder(tmp.dir, signer, (e) => events.push(e));
    recorder.sign();
    assert.deepEqual(readAudit(tmp.dir).map((l) => [l.entry.action, l.entry.who, l.entry.time]), [['verify', 'os:auditor', when]]);
    assert.deepEqual(readdirSync(join(tmp.dir, 'audit', 'inbox')), ['garbled.json.bad'], 'taken in, and the file that is no entry set aside');
    assert.ok(events.some((e) => e.event === 'audit_inbox_bad'));
    const reports = verifyAudit(tmp.dir, signer.verifier);
    assert.ok(reports.length > 0 && reports.every((r) => r.ok), JSON.stringify(reports));
    assert.equal(reports.find((r) => r.epoch === dayOf(Date.parse(when)))!.signed, 1);
  } finally {
    tmp.remove();
  }
});

test('verify: a line removed, or an entry appended after the last checkpoint and the checkpoint kept, is told apart', () => {
  const tmp = tempDir();
  try {
    const { signer } = loadOrCreateKey(join(tmp.dir, 'log.key'), 'redtail.test/audit');
    const recorder = new AuditRecorder(tmp.dir, signer, quiet);
    const now = Date.now();
    for (let i = 0; i < 3; i++) recorder.append({ time: new Date(now).toISOString(), action: 'query', who: `reader-${i}`, results: i });
    recorder.sign(now);
    const file = auditFile(tmp.dir, dayOf(now));
    const text = readFileSync(file, 'utf8');
    appendFileSync(file, `${JSON.stringify({ time: new Date(now).toISOString(), action: 'query', who: 'late' })}\n`);
    const later = verifyAudit(tmp.dir, signer.verifier).find((r) => r.epoch === dayOf(now))!;
    assert.deepEqual([later.ok, later.entries, later.signed], [true, 4, 3], 'an entry after the last checkpoint is counted, not yet vouched for');
    writeFileSync(file, text.split('\n').filter((l) => !l.includes('reader-1')).join('\n'));
    const removed = verifyAudit(tmp.dir, signer.verifier).find((r) => r.epoch === dayOf(now))!;
    assert.equal(removed.ok, false);
    assert.match(removed.failures.join('\n'), /entries missing: a checkpoint vouches for 3 entries, the file holds 2/);
  } finally {
    tmp.remove();
  }
});

test('days past the retention keep their entries and only the checkpoints that are evidence, and still verify', () => {
  const tmp = tempDir();
  try {
    const { signer, recorder, now, yesterday } = writer(tmp.dir);
    for (let i = 0; i < 4; i++) {
      recorder.append({ time: `${yesterday}T12:00:0${i}.000Z`, action: 'query', who: 'grafana', results: i });
      recorder.sign(now + i);
    }
    const folder = join(tmp.dir, 'audit', 'checkpoints', yesterday);
    assert.equal(readdirSync(folder).length, 4);
    recorder.thin(dayOf(now));
    assert.ok(readdirSync(folder).length <= 2, 'the last, and the first if it links the chain');
    const report = verifyAudit(tmp.dir, signer.verifier).find((r) => r.epoch === yesterday)!;
    assert.deepEqual([report.ok, report.entries, report.signed], [true, 4, 4], JSON.stringify(report.failures));
  } finally {
    tmp.remove();
  }
});

test('verify: a day removed whole, its entries and its checkpoints, fails the next day, whose first checkpoint names it', () => {
  const tmp = tempDir();
  try {
    const { signer, recorder, now, yesterday } = writer(tmp.dir);
    recorder.append({ time: `${yesterday}T12:00:00.000Z`, action: 'query', who: 'grafana', results: 1 });
    recorder.append({ time: new Date(now).toISOString(), action: 'query', who: 'grafana', results: 2 });
    recorder.sign(now);
    assert.ok(verifyAudit(tmp.dir, signer.verifier).every((r) => r.ok));
    rmSync(auditFile(tmp.dir, yesterday));
    rmSync(join(tmp.dir, 'audit', 'checkpoints', yesterday), { recursive: true });
    const today = verifyAudit(tmp.dir, signer.verifier).find((r) => r.epoch === dayOf(now))!;
    assert.equal(today.ok, false);
    assert.match(today.failures.join('\n'), new RegExp(`names a head of ${yesterday} \\(1 entries\\) that ${yesterday}'s audit checkpoints do not hold`));
  } finally {
    tmp.remove();
  }
});
