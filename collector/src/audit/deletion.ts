// A deletion entry: an epoch removed by retention (the collector's, or redtail prune's), as its
// signed deletion note says (log/retention.ts), written to the audit log with who removed it and
// why, so that verify cites it for the epoch.
import type { Verifier } from '../log/note.js';
import { readDeletion } from '../log/retention.js';
import type { AuditRecorder } from './recorder.js';

export function auditDeletion(audit: AuditRecorder, data: string, epoch: string, verifier: Verifier, { who, by }: { who: string; by: string }): void {
  const d = readDeletion(data, epoch, verifier);
  if (d) audit.append({ action: 'deleted', who, epoch, records: d.size, root: d.root.toString('base64'), deleted: new Date(d.time).toISOString(), by });
}
