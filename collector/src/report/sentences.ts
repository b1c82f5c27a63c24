// What the report says in words, the same in every human format (markdown.ts, html.ts): the
// renderers lay these out, they do not word them again.
import type { AuditReport } from '../audit/verify.js';
import type { EpochReport } from '../log/verify.js';
import { MOST_LISTED_ENTRIES } from './access.js';
import type { Deletion, Report } from './model.js';

export const TITLE = 'redtail compliance report';

/** 1234567 → "1,234,567": figures an auditor reads aloud. */
export const figure = (n: number): string => n.toLocaleString('en-US');

/** A service as shown: records without one are counted, not hidden. */
export const serviceName = (service: string): string => service || '(no service)';

/** "1 epoch", "2 epochs". */
const counted = (n: number, word: string, words = `${word}s`): string => `${figure(n)} ${n === 1 ? word : words}`;

export const verdict = (r: Report): string => {
  const n = r.verify.epochs.length;
  const failed = r.verify.epochs.filter((e) => !e.ok).length;
  const auditFailed = r.verify.audit.filter((a) => !a.ok).length;
  const a = r.verify.audit.length;
  const audit = a === 0 ? '' : auditFailed > 0 ? `; ${auditFailed} of the audit log's ${counted(a, 'day')} ${auditFailed === 1 ? 'does' : 'do'} NOT verify`
    : `; the audit log's ${counted(a, 'day')} ${a === 1 ? 'verifies' : 'verify'}`;
  if (n === 0) return 'NO EVIDENCE: no epoch of the period is in the data folder (no records, no checkpoints)';
  const u = r.verify.unevidenced.length;
  const none = u === 0 ? '' : `; ${counted(u, 'day')} of the period ${u === 1 ? 'has' : 'have'} no evidence either way (no shard, no checkpoint: ${spanOf(r.verify.unevidenced)})`;
  if (failed === 0 && auditFailed === 0) return `OK: the period's ${counted(n, 'epoch')} ${n === 1 ? 'verifies' : 'verify'} against the log's public key${audit}${none}`;
  return `FAIL: ${failed} of the period's ${counted(n, 'epoch')} ${failed === 1 ? 'does' : 'do'} not verify${audit}${none}`;
};

/** Days as runs: 2026-11-25 to 2026-12-01, 2026-12-03. */
function spanOf(days: string[]): string {
  const runs: string[][] = [];
  for (const d of days) {
    const run = runs.at(-1);
    if (run && Date.parse(`${d}T00:00:00Z`) - Date.parse(`${run.at(-1)}T00:00:00Z`) === 86_400_000) run.push(d);
    else runs.push([d]);
  }
  return runs.map((r) => (r.length === 1 ? r[0] : `${r[0]} to ${r.at(-1)}`)).join(', ');
}

/** One day of the audit log, as `redtail verify` judges it. */
export function auditSentence(a: AuditReport): { status: 'OK' | 'FAIL'; text: string } {
  if (!a.ok) return { status: 'FAIL', text: a.failures.join('; and: ') };
  return { status: 'OK', text: `${counted(a.entries, 'entry', 'entries')}, ${counted(a.checkpoints, 'checkpoint')}, the last at ${a.last ?? '-'}` };
}

/** One epoch's result, as `redtail verify` judges it. */
export function epochSentence(e: EpochReport): { status: 'OK' | 'DEL' | 'FAIL'; text: string } {
  if (!e.ok) return { status: 'FAIL', text: e.failures.join('; and: ') };
  if (e.deleted) return { status: 'DEL', text: `${figure(e.signed)} records, deleted by retention on ${e.deleted.time} (${e.deleted.reason}); its last checkpoint is kept` };
  const unsigned = e.records - e.signed;
  return { status: 'OK', text: `${counted(e.records, 'record')}, ${counted(e.checkpoints, 'checkpoint')}, the last at ${e.last ?? '-'}${unsigned > 0 ? ` (${figure(unsigned)} records after it, not signed for yet)` : ''}` };
}

export function deletionSentence(d: Deletion): string {
  if (!d.verified) return `a deletion note that does NOT verify with the log's key: ${d.error}`;
  return `${figure(d.records!)} records deleted on ${d.time} (${d.reason}); final root ${d.root}`;
}

export const noAudit = 'No audit data: this collector keeps no audit log of readers yet.';
export const noGaps = 'No batch went missing, no source fell silent, and no producer reported lost records in the period.';

/** The header: what the report covers, whose log, and what made it. */
export const headerRows = (r: Report): string[][] => [
  ['period', `${r.period.from} to ${r.period.to} (UTC days ${r.period.days[0]} to ${r.period.days.at(-1)})`],
  ['log', `${r.log.name} (key id ${r.log.keyId})`],
  ['public key', r.log.publicKey],
  ['generated', `${r.generated} by redtail ${r.version}`],
];

export const recordsTotal = (r: Report): string => `${figure(r.records.total)} records in the period.`;
export const redactedTotal = (r: Report): string => `${figure(r.redactions.total)} values redacted in the period.`;
export const droppedTotal = (r: Report): string => `${counted(r.gaps.missing.reduce((n, m) => n + m.batches, 0), 'batch', 'batches')} missing, ${counted(r.gaps.silences.length, 'silence')}, ${counted(r.gaps.dropped, 'record')} reported dropped by their producers.${r.gaps.complete ? '' : ' More notices than were read: the figures are a floor.'}${r.gaps.unreadable === null ? '' : ` ${r.gaps.unreadable}: batches missing and silences are not known.`}`;
/** Undefined when every block and record was read. */
export const unreadableSentence = (r: Report): string | undefined => r.records.unreadable.blocks + r.records.unreadable.records === 0 ? undefined
  : `${counted(r.records.unreadable.blocks, 'block')} and ${counted(r.records.unreadable.records, 'record')} could not be read back and are not counted; redtail verify says which.`;
export const noDeletions = 'No epoch of the period was deleted, and no deletion was made in it.';
export const noAccessEntries = 'The audit log holds no entries in the period.';
export const latestListed = (r: Report): string => `${figure(r.access.entries.length)} entries in the period; the latest ${figure(MOST_LISTED_ENTRIES)} are listed here, every one in the JSON report and in redtail audit.`;
export const checkpointsIntro = 'Each epoch\'s last checkpoint as the collector signed it (C2SP signed note); check it with the public key above.';
export const noCheckpoints = 'None kept for the period.';
