// How an offline command that does not hold the data folder's lock (redtail verify, redtail
// audit --data) gets its entry into the audit log without being a second writer: it leaves the
// entry in <data>/audit/inbox/, a file an entry written whole (a temporary file renamed), and
// whoever holds the lock takes the inbox in: the collector at start and at each checkpoint
// interval, redtail prune when it runs. An entry waits there while no collector runs.
// Whoever can write the data folder can leave one too, and the taker signs what it takes in: so
// it takes only what an offline command leaves (`os:` users, their acts), into a day still open,
// and reads no file that is not a plain one of an entry's size.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../events.js';
import { DAY_MS, dayOf } from '../store/days.js';
import type { AuditAction, AuditEntry } from './entry.js';
import { auditDir } from './files.js';
import type { AuditLog } from './journal.js';

const INBOX = 'inbox';
const ENTRY_FILE = /\.json$/;
/** The acts of offline commands, the only ones the inbox carries. */
const OFFLINE_ACTS: ReadonlySet<AuditAction> = new Set(['verify', 'audit', 'prune', 'prove', 'report']);
/** The most bytes an inbox file may hold: an offline command's entry is far smaller. */
export const MOST_INBOX_BYTES = 64 * 1024;

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
  return typeof o === 'object' && o !== null && OFFLINE_ACTS.has(o.action as AuditAction) && typeof o.who === 'string' && o.who.startsWith('os:') &&
    typeof o.time === 'string' && Number.isFinite(Date.parse(o.time)) && new Date(o.time).toISOString() === o.time;
}

/** An inbox file's entry, read only if it is a plain file of at most MOST_INBOX_BYTES (a FIFO would block, a link leads out). */
function readEntry(file: string): unknown {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MOST_INBOX_BYTES) return undefined;
    return JSON.parse(readFileSync(fd, 'utf8'));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The entry as taken in at `now`: one dated in a day already closed (before yesterday) or ahead of
 * the clock is written as of now, its claimed time kept as `left`, so no signed day of the past grows.
 */
function asTakenIn(entry: AuditEntry, now: number): AuditEntry {
  const t = Date.parse(entry.time);
  return t > now || dayOf(t) < dayOf(now - DAY_MS) ? { ...entry, time: new Date(now).toISOString(), left: entry.time } : entry;
}

/**
 * Append the inbox's entries to the audit log (only the lock's holder does), then remove them;
 * how many were taken. One that is not an offline command's entry is renamed `.bad` and said, never dropped.
 */
export function takeInbox(data: string, audit: AuditLog, log: Log, now = Date.now()): number {
  const dir = inboxDir(data);
  if (!existsSync(dir)) return 0;
  const files = readdirSync(dir).filter((f) => ENTRY_FILE.test(f)).sort().map((f) => join(dir, f));
  const taken: string[] = [];
  for (const file of files) {
    const entry = readEntry(file);
    if (!isEntry(entry)) {
      log({ level: 'error', event: 'audit_inbox_bad', file, hint: 'not an offline command\'s audit entry: left beside the inbox as .bad' });
      renameSync(file, `${file}.bad`);
      continue;
    }
    audit.append(asTakenIn(entry, now));
    taken.push(file);
  }
  // Written before the files go: a crash between leaves an entry twice, never none.
  if (!audit.flush()) return 0;
  for (const file of taken) rmSync(file, { force: true });
  return taken.length;
}
