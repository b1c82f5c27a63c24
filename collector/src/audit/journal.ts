// The audit log's writer. Entries are appended to their day's file, each line a leaf of that
// day's tree (log/tree.ts), so a Checkpointer signs the audit days as another signs the records'.
// Appends are queued and written together once the current turn of the event loop is done: a
// query never waits for the disk. The files are flushed to the disk before their heads are
// handed out to be signed, so no signed entry can be lost to a crash. Only the run that wrote an
// entry signs it: lines found after a day's latest checkpoint when the day is first read (added
// while the collector was stopped, or written just before a crash) are set aside, not signed.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { basename } from 'node:path';
import type { Log } from '../events.js';
import type { TreeHead } from '../log/growth.js';
import { blockLeaves } from '../log/leaves.js';
import { Frontier, type Hash, leafHash } from '../log/tree.js';
import { DAY_MS, dayOf } from '../store/days.js';
import { type AuditEntry, entryLine } from './entry.js';
import { auditDir, auditFile } from './files.js';

export class AuditLog {
  /** The trees of the days read or written this run, as their files stand. */
  private readonly trees = new Map<string, Frontier>();
  /** Each day's head as heads() last gave it: the root this run's tree had at that size. */
  private readonly given = new Map<string, { size: number; root: Hash }>();
  /** Days written since they were last flushed to the disk. */
  private readonly unsynced = new Set<string>();
  private queue: AuditEntry[] = [];
  private scheduled = false;
  /** Days read this run: only their first reading sets lines aside. */
  private readonly read = new Set<string>();
  /** Entries written since the log was opened. */
  written = 0;
  /** What was set aside this run, and where. */
  readonly setAside: { day: string; entries: number; file: string }[] = [];

  /** `signedSize`: how many entries of a day its latest checkpoint vouches for; none given, nothing is set aside. */
  constructor(private readonly data: string, private readonly log: Log, { signedSize }: { signedSize?: (day: string) => number } = {}) {
    mkdirSync(auditDir(data), { recursive: true });
    this.signedSize = signedSize;
  }

  private readonly signedSize: ((day: string) => number) | undefined;

  /** Queue an entry; it is written after the current turn, with any others queued meanwhile. */
  append(entry: AuditEntry): void {
    this.queue.push(entry);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Write what is queued, now; whether all of it was written. */
  flush(): boolean {
    let ok = true;
    this.scheduled = false;
    const byDay = new Map<string, string[]>();
    for (const e of this.queue) {
      const day = dayOf(Date.parse(e.time));
      if (!byDay.has(day)) byDay.set(day, []);
      byDay.get(day)!.push(entryLine(e));
    }
    this.queue = [];
    for (const [day, lines] of byDay) {
      const tree = this.tree(day);
      try {
        appendFileSync(auditFile(this.data, day), lines.map((l) => `${l}\n`).join(''));
      } catch (err) {
        // What reached the file is read again next time, so the tree stays the file's.
        this.trees.delete(day);
        this.given.delete(day); // the tree is read from the file again: so is its root at a signed size
        this.log({ level: 'error', event: 'audit_write_failed', day, entries: lines.length, error: (err as Error).message });
        ok = false;
        continue;
      }
      for (const l of lines) tree.append(leafHash(Buffer.from(l)));
      this.written += lines.length;
      this.unsynced.add(day);
    }
    return ok;
  }

  /** The open days' trees (today and yesterday) and any other written this run, on the disk: what a Checkpointer signs. */
  heads(now = Date.now()): Map<string, TreeHead> {
    this.flush();
    for (const day of this.unsynced) {
      try {
        const fd = openSync(auditFile(this.data, day), 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        // The file is gone or unreadable: its tree is read again from what is there, and verify judges it.
        this.trees.delete(day);
        this.given.delete(day); // the tree is read from the file again: so is its root at a signed size
        this.log({ level: 'error', event: 'audit_sync_failed', day, error: (err as Error).message });
      }
    }
    this.unsynced.clear();
    for (const day of [dayOf(now - DAY_MS), dayOf(now)]) this.tree(day);
    const heads = new Map([...this.trees].map(([day, t]) => [day, { size: t.size, root: t.root(), upTo: 0 }]));
    for (const [day, head] of heads) this.given.set(day, head);
    return heads;
  }

  /**
   * The root of a day's first `size` entries as its file holds them now: what the signer checks
   * against the day's last checkpoint before signing a larger tree, so an entry edited while the
   * collector was stopped is never signed over. A size this run's own tree gave is its root then:
   * the file is read (whole) only for a head signed before this run.
   */
  rootAt(day: string, size: number): Hash | undefined {
    const given = this.given.get(day);
    if (given?.size === size) return given.root;
    const file = auditFile(this.data, day);
    if (!existsSync(file)) return undefined;
    const text = readFileSync(file);
    const tree = Frontier.empty();
    const end = text.lastIndexOf(0x0a);
    if (end >= 0) {
      for (const leaf of blockLeaves(text.subarray(0, end))) {
        if (tree.size === size) break;
        tree.append(leaf);
      }
    }
    return tree.size === size ? tree.root() : undefined;
  }

  /** A day's tree, read from its file the first time it is asked for. */
  private tree(day: string): Frontier {
    let tree = this.trees.get(day);
    if (tree) return tree;
    tree = Frontier.empty();
    const file = auditFile(this.data, day);
    if (existsSync(file)) {
      let text: Buffer = readFileSync(file);
      // A line cut short by a crash was never signed: it goes, so the next entry starts on a line of its own.
      const end = text.lastIndexOf(0x0a) + 1;
      if (end < text.length) {
        this.log({ level: 'warn', event: 'audit_line_cut', file, bytes: text.length - end });
        truncateSync(file, end);
        text = text.subarray(0, end);
      }
      if (!this.read.has(day) && this.signedSize) text = this.keepSigned(day, file, text, this.signedSize(day));
      if (text.length > 0) for (const leaf of blockLeaves(text.subarray(0, text.length - 1))) tree.append(leaf);
    }
    this.read.add(day);
    this.trees.set(day, tree);
    return tree;
  }

  /** A day's file (whole lines) cut to the entries its latest checkpoint vouches for; the rest appended to `<file>.unsigned`. */
  private keepSigned(day: string, file: string, text: Buffer, signed: number): Buffer {
    let end = 0;
    for (let n = 0; n < signed && end < text.length; n++) end = text.indexOf(0x0a, end) + 1;
    if (end >= text.length) return text;
    const aside = `${file}.unsigned`;
    const entries = text.subarray(end).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
    appendFileSync(aside, text.subarray(end));
    truncateSync(file, end);
    this.setAside.push({ day, entries, file: basename(aside) });
    this.log({ level: 'error', event: 'audit_unsigned_set_aside', day, entries, file: aside,
      hint: 'entries after the day\'s latest checkpoint, not written by this run (added while the collector was stopped, or written just before a crash): kept beside the audit log, not signed' });
    return text.subarray(0, end);
  }
}
