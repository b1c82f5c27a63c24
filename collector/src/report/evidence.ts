// The report's evidence from the verifiable log: redtail verify's result for the period's
// epochs, each epoch's last signed checkpoint whole (for the auditor to check with the public
// key), and the signed deletion notes retention left.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAudit } from '../audit/verify.js';
import { CHECKPOINTS, checkpointEpochs, checkpointFiles } from '../log/checkpoints.js';
import { parseCheckpoint } from '../log/checkpoint.js';
import { unsignedText, type Verifier } from '../log/note.js';
import { DELETION_FILE, readDeletion } from '../log/retention.js';
import { verifyLog } from '../log/verify.js';
import type { Deletion, RetentionSection, VerifySection } from './model.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The log verified for the days of the period (their records read; the other days' checkpoints
 * too, as the chain runs through them), and their last checkpoints as kept, read whole.
 */
export function verifySection(data: string, verifier: Verifier, days: string[]): VerifySection {
  const epochs = verifyLog(data, verifier, { only: new Set(days) });
  const checkpoints: VerifySection['checkpoints'] = [];
  for (const epoch of days) {
    const file = checkpointFiles(data, epoch).at(-1);
    if (file === undefined) continue;
    const note = readFileSync(file, 'utf8');
    try {
      const c = parseCheckpoint(unsignedText(note));
      checkpoints.push({ epoch, time: iso(c.time), size: c.size, root: c.root.toString('base64'), note });
    } catch {
      // Not a checkpoint: verify's failures for the epoch say so.
    }
  }
  const audit = verifyAudit(data, verifier).filter((a) => days.includes(a.epoch));
  const unevidenced = days.filter((d) => !epochs.some((e) => e.epoch === d));
  return { ok: epochs.every((r) => r.ok) && audit.every((a) => a.ok), epochs, audit, unevidenced, checkpoints };
}

/** Deletion notes of the period's epochs, and those signed within it; each checked with the key. */
export function retentionSection(data: string, verifier: Verifier, days: string[], from: number, to: number): RetentionSection {
  const deletions: Deletion[] = [];
  for (const epoch of checkpointEpochs(data)) {
    if (!existsSync(join(data, CHECKPOINTS, epoch, DELETION_FILE))) continue;
    let d;
    try {
      d = readDeletion(data, epoch, verifier)!;
    } catch (err) {
      if (days.includes(epoch)) deletions.push({ epoch, verified: false, error: (err as Error).message });
      continue;
    }
    if (!days.includes(epoch) && (d.time < from || d.time >= to)) continue;
    deletions.push({ epoch, verified: true, time: iso(d.time), reason: d.reason, records: d.size, root: d.root.toString('base64') });
  }
  return { deletions };
}
