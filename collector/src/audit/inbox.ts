// How an offline command that does not hold the data folder's lock (redtail verify, redtail
// audit --data) gets its entry into the audit log without being a second writer: it leaves the
// entry in <data>/audit/inbox/, a file an entry written whole (a temporary file renamed), and
// whoever holds the lock takes the inbox in: the collector at start and at each checkpoint
// interval, redtail prune when it runs. An entry waits there while no collector runs.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../events.js';
import type { AuditEntry } from './entry.js';
import { auditDir } from './files.js';
import type { AuditLog } from './journal.js';

const INBOX = 'inbox';
const ENTRY_FILE = /\.json$/;

const inboxDir = (data: string): string => join(auditDir(data), INBOX);

/** Leave an entry for the lock's holder to take in; its file. */
export function postToInbox(data: string, entry: AuditEntry): string {
  const dir = inboxDir(data);
  mkdirSync(dir, { recursive: true });
  // Named by time first, so that entries are taken in in the order they were left.
  const file = join(dir, `${entry.time.replace(/:/g, '-')}-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(entry));
  renameSync(`${file}.tmp`, file);
  return file;
}

function isEntry(e: unknown): e is AuditEntry {
  const o = e as Partial<AuditEntry>;
  return typeof o === 'object' && o !== null && typeof o.action === 'string' && typeof o.who === 'string' && typeof o.time === 'string' && Number.isFinite(Date.parse(o.time));
}

/**
 * Append the inbox's entries to the audit log (only the lock's holder does), then remove them;
 * how many were taken. One that is not an entry is renamed `.bad` and said, never dropped.
 */
export function takeInbox(data: string, audit: AuditLog, log: Log): number {
  const dir = inboxDir(data);
  if (!existsSync(dir)) return 0;
  const files = readdirSync(dir).filter((f) => ENTRY_FILE.test(f)).sort().map((f) => join(dir, f));
  const taken: string[] = [];
  for (const file of files) {
    let entry: unknown;
    try {
      entry = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      entry = undefined;
    }
    if (!isEntry(entry)) {
      log({ level: 'error', event: 'audit_inbox_bad', file, hint: 'not an audit entry: left beside the inbox as .bad' });
      renameSync(file, `${file}.bad`);
      continue;
    }
    audit.append(entry);
    taken.push(file);
  }
  // Written before the files go: a crash between leaves an entry twice, never none.
  if (!audit.flush()) return 0;
  for (const file of taken) rmSync(file, { force: true });
  return taken.length;
}
