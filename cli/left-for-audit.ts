// An offline command's run, for the audit log: left in its inbox for the folder's lock holder to
// take in, as verify, prove, report and audit --data do not hold the lock (they run beside a
// collector). A folder they may not write to (an auditor's read-only copy) loses nothing but
// this entry, and the command says so.
import { type AuditEntry, osUser, postToInbox } from '../collector/src/index.js';

export function leaveForAudit(action: AuditEntry['action'], data: string, fields: Record<string, unknown>): void {
  try {
    postToInbox(data, { time: new Date().toISOString(), action, who: osUser(), ...fields });
  } catch (err) {
    console.error(`redtail ${action}: this run could not be left for the audit log (${(err as Error).message})`);
  }
}
