// The audit log as its one writer holds it (the collector, or redtail prune under the folder's
// lock): entries appended, the inbox of offline commands taken in, and each day's tree signed
// with the log's key under its own origin (`<key name>/audit/<day>`), heartbeats included.
import { DEFAULTS } from '../config.js';
import type { Log } from '../events.js';
import { Checkpointer } from '../log/checkpointer.js';
import { checkpointEpochs } from '../log/checkpoints.js';
import type { Signer } from '../log/note.js';
import { namedAsPrevious, thinCheckpoints } from '../log/retention.js';
import { type AuditEntry, COLLECTOR } from './entry.js';
import { auditDir, auditName } from './files.js';
import { takeInbox } from './inbox.js';
import { AuditLog } from './journal.js';
import { RefusalBudget } from './refusals.js';

export class AuditRecorder {
  private readonly journal: AuditLog;
  private readonly checkpoints: Checkpointer;
  private readonly refusals: RefusalBudget;

  /** Opened by the holder of the data folder's lock; what waits in the inbox is taken in. */
  constructor(private readonly data: string, private readonly signer: Signer, private readonly log: Log,
    { refusedBytes = DEFAULTS.limits.auditRefusedBytes }: { refusedBytes?: number } = {}) {
    this.journal = new AuditLog(data, log, { signedSize: (day) => this.checkpoints.signedSize(day) });
    this.refusals = new RefusalBudget(refusedBytes, (e) => this.journal.append(e));
    this.checkpoints = new Checkpointer(auditDir(data), signer, () => this.journal.heads(), log, {
      name: auditName(signer.verifier.name), rootAt: (day, size) => this.journal.rootAt(day, size) });
    // The open days read now, so what was added to them while no writer ran is set aside, and said, before anything is signed.
    this.journal.heads();
    for (const a of this.journal.setAside) this.append({ action: 'set_aside', who: COLLECTOR, ...a, why: 'entries after the day\'s latest checkpoint, not written by the run that signs' });
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

  /** A refused request's entry, stamped now: written whole within the budget of refusals, else counted (refusals.ts). */
  refused(entry: { who: string; client?: string; [detail: string]: unknown }): void {
    this.refusals.refused({ time: new Date().toISOString(), action: 'refused', ...entry });
  }

  /** Write what is queued, now (before a listing, and as the collector stops). */
  flush(): void {
    this.refusals.flush();
    this.journal.flush();
  }

  /**
   * The days before `keepFrom` (the retention's first day) keep their entries, but only the
   * checkpoints that are evidence, as the records' days do: heartbeats do not pile up for ever.
   */
  thin(keepFrom: string): void {
    const dir = auditDir(this.data);
    try {
      const old = checkpointEpochs(dir).filter((day) => day < keepFrom);
      if (old.length === 0) return;
      const named = namedAsPrevious(dir, this.signer.verifier);
      for (const day of old) thinCheckpoints(dir, day, this.signer.verifier, named);
    } catch (err) {
      // Tried again at the next pruning; meanwhile the heartbeats stay, which verify accepts.
      this.log({ level: 'error', event: 'audit_thinning_failed', error: (err as Error).message });
    }
  }

  /** Take in the inbox and sign the days as they stand. */
  sign(now = Date.now()): void {
    this.refusals.flush(now);
    try {
      takeInbox(this.data, this.journal, this.log);
    } catch (err) {
      this.log({ level: 'error', event: 'audit_inbox_failed', error: (err as Error).message });
    }
    this.checkpoints.sign(now);
  }
}
