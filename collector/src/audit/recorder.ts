// The audit log as its one writer holds it (the collector, or redtail prune under the folder's
// lock): entries appended, the inbox of offline commands taken in, and each day's tree signed
// with the log's key under its own origin (`<key name>/audit/<day>`), heartbeats included.
import type { Log } from '../events.js';
import { Checkpointer } from '../log/checkpointer.js';
import type { Signer } from '../log/note.js';
import type { AuditEntry } from './entry.js';
import { auditDir, auditName } from './files.js';
import { takeInbox } from './inbox.js';
import { AuditLog } from './journal.js';

export class AuditRecorder {
  private readonly journal: AuditLog;
  private readonly checkpoints: Checkpointer;

  /** Opened by the holder of the data folder's lock; what waits in the inbox is taken in. */
  constructor(private readonly data: string, signer: Signer, private readonly log: Log) {
    this.journal = new AuditLog(data, log);
    this.checkpoints = new Checkpointer(auditDir(data), signer, () => this.journal.heads(), log, { name: auditName(signer.verifier.name) });
    takeInbox(data, this.journal, log);
  }

  /** Entries written since it was opened. */
  get written(): number {
    return this.journal.written;
  }

  /** An entry, stamped now unless it says when; written after the current turn. */
  append(entry: Omit<AuditEntry, 'time'> & { time?: string }): void {
    this.journal.append({ time: new Date().toISOString(), ...entry } as AuditEntry);
  }

  /** Write what is queued, now (before a listing, and as the collector stops). */
  flush(): void {
    this.journal.flush();
  }

  /** Take in the inbox and sign the days as they stand. */
  sign(now = Date.now()): void {
    try {
      takeInbox(this.data, this.journal, this.log);
    } catch (err) {
      this.log({ level: 'error', event: 'audit_inbox_failed', error: (err as Error).message });
    }
    this.checkpoints.sign(now);
  }
}
