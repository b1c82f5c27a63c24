// The audit log verified offline with the public key only, as the records are (log/verify.ts):
// each day's tree grown again from its file, and every checkpoint kept for it signed by the key,
// for this day's origin, later than the one before, never smaller, and with the root the file
// gives at its size. The collector signs its audit log right after each time it signs the
// records, so the records' checkpoints vouch for the audit log's: a day on which they were signed
// has audit checkpoints too, and no two of them were signed after the audit log's latest. So the
// audit log removed whole, a day of it, or its latest entries with their checkpoints, shows.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Checkpoint } from '../log/checkpoint.js';
import { checkpointEpochs, checkpointFiles, signedAt } from '../log/checkpoints.js';
import { blockLeaves } from '../log/leaves.js';
import type { Verifier } from '../log/note.js';
import { headKey, heldFiles, mergedFiles, readKept } from '../log/verify.js';
import { Frontier, type Hash } from '../log/tree.js';
import { dayOf } from '../store/days.js';
import { auditDays, auditDir, auditFile, auditOrigin } from './files.js';

export interface AuditReport {
  log: 'audit';
  epoch: string;
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** The latest checkpoint's time (ISO 8601), if any. */
  last: string | null;
  /** The entries the latest checkpoint vouches for. */
  signed: number;
  failures: string[];
}

/** A day's entries' roots at the sizes asked, and how many entries it holds. */
function grow(file: string, sizes: Set<number>): { entries: number; roots: Map<number, Hash> } {
  const tree = Frontier.empty();
  const roots = new Map<number, Hash>();
  if (sizes.has(0)) roots.set(0, tree.root());
  const text = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  if (text.length > 0) {
    // A last line without its newline counts: it is in the file, and only a checkpoint may vouch for it.
    const body = text.at(-1) === 0x0a ? text.subarray(0, -1) : text;
    for (const leaf of blockLeaves(body)) {
      tree.append(leaf);
      if (sizes.has(tree.size)) roots.set(tree.size, tree.root());
    }
  }
  return { entries: tree.size, roots };
}


/**
 * Whether a day's first checkpoint names a head of an earlier day that its checkpoints hold: the
 * chain by which a day removed whole (its entries and its checkpoints) shows in the next.
 */
function chained(day: string, first: Checkpoint, before: string | undefined, heads: Map<string, Set<string>>, verifier: Verifier, failures: string[]): void {
  if (!first.previous) {
    if (before !== undefined) failures.push(`its first audit checkpoint names no previous day, though ${before} is signed`);
    return;
  }
  const prior = first.previous.origin.slice(first.previous.origin.lastIndexOf('/') + 1);
  if (first.previous.origin !== auditOrigin(verifier.name, prior) || !(prior < day)) {
    failures.push(`its first audit checkpoint names "${first.previous.origin}" as the previous day, not an earlier day of this audit log`);
  } else if (!heads.get(prior)?.has(headKey(first.previous))) {
    failures.push(`its first audit checkpoint names a head of ${prior} (${first.previous.size} entries) that ${prior}'s audit checkpoints do not hold: that day was removed or rewritten`);
  }
}

/** When the records' checkpoints kept in the data folder were signed, by epoch. */
const recordsSigned = (data: string): number[][] => checkpointEpochs(data).map((epoch) => checkpointFiles(data, epoch).map(signedAt));

/**
 * Whether the records were signed twice after the audit log's latest checkpoint (two of one
 * epoch's checkpoints are two signings): once is a collector killed between the two.
 */
function lagging(records: number[][], auditLatest: number): string | undefined {
  const after = records.map((times) => times.filter((t) => t > auditLatest));
  const most = after.reduce((a, b) => (b.length > a.length ? b : a), []);
  if (most.length < 2) return undefined;
  const since = Number.isFinite(auditLatest) ? `the audit log's latest checkpoint, signed ${new Date(auditLatest).toISOString()}` : 'any audit checkpoint';
  return `the records were signed ${most.length} times after ${since}, last ${new Date(most.at(-1)!).toISOString()}: ` +
    'the collector signs its audit log right after the records each time, so its latest entries and checkpoints were removed';
}

/** Every day of the audit log (an entries file, or checkpoints, or records signed), checked; oldest first. */
export function verifyAudit(data: string, verifier: Verifier, { held }: { held?: string } = {}): AuditReport[] {
  const dir = auditDir(data);
  const heldOf = heldFiles(held, { audit: true });
  const records = recordsSigned(data);
  const signedOn = new Set(records.flat().map((t) => dayOf(t)));
  const days = [...new Set([...auditDays(data), ...checkpointEpochs(dir), ...signedOn, ...heldOf.keys()])].sort();
  const failuresOf = new Map(days.map((d) => [d, [] as string[]]));
  const keptOf = new Map(days.map((d) => [d, readKept(mergedFiles(checkpointFiles(dir, d), heldOf.get(d) ?? [], failuresOf.get(d)!), { origin: auditOrigin(verifier.name, d), label: (f) => `audit checkpoint ${d}/${basename(f)}`, unit: 'entries', period: 'day' }, verifier, failuresOf.get(d)!)]));
  const behind = lagging(records, Math.max(-Infinity, ...[...keptOf.values()].flat().map((k) => k.checkpoint.time)));
  if (behind) failuresOf.get(dayOf(Math.max(...records.flat())))!.push(behind);
  const heads = new Map(days.map((d) => [d, new Set(keptOf.get(d)!.map((k) => headKey(k.checkpoint)))]));
  return days.map((day) => {
    const failures = failuresOf.get(day)!;
    const kept = keptOf.get(day)!;
    const grown = grow(auditFile(data, day), new Set(kept.map((k) => k.checkpoint.size)));
    const changed = kept.find((k) => k.checkpoint.size <= grown.entries && !grown.roots.get(k.checkpoint.size)!.equals(k.checkpoint.root));
    if (changed) {
      const good = Math.max(0, ...kept.filter((k) => k.checkpoint.size < changed.checkpoint.size && grown.roots.get(k.checkpoint.size)?.equals(k.checkpoint.root)).map((k) => k.checkpoint.size));
      failures.push(`entries changed: the first ${changed.checkpoint.size} entries do not give the root signed in ${day}/${basename(changed.file)}; ` +
        `one among entries ${good + 1} to ${changed.checkpoint.size} (lines of ${basename(auditFile(data, day))}) was altered, removed, inserted or moved`);
    }
    const most = Math.max(0, ...kept.map((k) => k.checkpoint.size));
    if (most > grown.entries) failures.push(`entries missing: a checkpoint vouches for ${most} entries, the file holds ${grown.entries}`);
    if (kept.length === 0 && signedOn.has(day)) {
      failures.push(`no audit checkpoint, though the records' checkpoints were signed that day: the collector signs its audit log whenever it signs them, so they were removed${grown.entries > 0 ? ` (its ${grown.entries} entries are vouched for by none)` : ', with its entries if it had any'}`);
    } else if (kept.length === 0 && grown.entries > 0) failures.push(`no signed checkpoint: none vouches for its ${grown.entries} entries`);
    const first = kept[0]?.checkpoint;
    // The day before it that was signed before it began: one signed later (an entry taken in late) cannot be named.
    const before = first && days.filter((d) => d < day && (keptOf.get(d)![0]?.checkpoint.time ?? Infinity) < first.time).at(-1);
    if (first) chained(day, first, before || undefined, heads, verifier, failures);
    const last = kept.at(-1)?.checkpoint;
    return { log: 'audit', epoch: day, ok: failures.length === 0, entries: grown.entries, checkpoints: kept.length,
      last: last ? new Date(last.time).toISOString() : null, signed: last?.size ?? 0, failures } satisfies AuditReport;
  });
}
