// The audit log verified offline with the public key only, as the records are (log/verify.ts):
// each day's tree grown again from its file, and every checkpoint kept for it signed by the key,
// for this day's origin, later than the one before, never smaller, and with the root the file
// gives at its size.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Checkpoint } from '../log/checkpoint.js';
import { checkpointEpochs, checkpointFiles, readCheckpoint } from '../log/checkpoints.js';
import { blockLeaves } from '../log/leaves.js';
import type { Verifier } from '../log/note.js';
import { Frontier, type Hash } from '../log/tree.js';
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

/** A day's checkpoints, each signed by the key, for this day's origin, later and never smaller than the one before. */
function readKept(dir: string, day: string, verifier: Verifier, failures: string[]): Kept[] {
  const kept: Kept[] = [];
  for (const file of checkpointFiles(dir, day)) {
    let c: Checkpoint;
    try {
      c = readCheckpoint(file, verifier);
    } catch (err) {
      failures.push(`audit checkpoint ${day}/${basename(file)} is not signed by the key given: ${(err as Error).message}`);
      continue;
    }
    if (c.origin !== auditOrigin(verifier.name, day)) {
      failures.push(`audit checkpoint ${day}/${basename(file)} is for "${c.origin}", not this day's "${auditOrigin(verifier.name, day)}"`);
      continue;
    }
    const before = kept.at(-1)?.c;
    if (before && c.time <= before.time) failures.push(`audit checkpoint ${day}/${basename(file)} was signed at ${new Date(c.time).toISOString()}, not after the one before it`);
    if (before && c.size < before.size) failures.push(`audit checkpoint ${day}/${basename(file)} has ${c.size} entries, fewer than the ${before.size} of the one before it: the tree shrank (a fork)`);
    kept.push({ file, c });
  }
  return kept;
}

interface Kept {
  file: string;
  c: Checkpoint;
}

const headKey = (h: { origin: string; size: number; root: Hash }): string => `${h.origin} ${h.size} ${h.root.toString('base64')}`;

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

/** Every day of the audit log (an entries file, or checkpoints), checked; oldest first. */
export function verifyAudit(data: string, verifier: Verifier): AuditReport[] {
  const dir = auditDir(data);
  const days = [...new Set([...auditDays(data), ...checkpointEpochs(dir)])].sort();
  const failuresOf = new Map(days.map((d) => [d, [] as string[]]));
  const keptOf = new Map(days.map((d) => [d, readKept(dir, d, verifier, failuresOf.get(d)!)]));
  const heads = new Map(days.map((d) => [d, new Set(keptOf.get(d)!.map((k) => headKey(k.c)))]));
  return days.map((day) => {
    const failures = failuresOf.get(day)!;
    const kept = keptOf.get(day)!;
    const grown = grow(auditFile(data, day), new Set(kept.map((k) => k.c.size)));
    const changed = kept.find((k) => k.c.size <= grown.entries && !grown.roots.get(k.c.size)!.equals(k.c.root));
    if (changed) {
      const good = Math.max(0, ...kept.filter((k) => k.c.size < changed.c.size && grown.roots.get(k.c.size)?.equals(k.c.root)).map((k) => k.c.size));
      failures.push(`entries changed: the first ${changed.c.size} entries do not give the root signed in ${day}/${basename(changed.file)}; ` +
        `one among entries ${good + 1} to ${changed.c.size} (lines of ${basename(auditFile(data, day))}) was altered, removed, inserted or moved`);
    }
    const most = Math.max(0, ...kept.map((k) => k.c.size));
    if (most > grown.entries) failures.push(`entries missing: a checkpoint vouches for ${most} entries, the file holds ${grown.entries}`);
    if (kept.length === 0 && grown.entries > 0) failures.push(`no signed checkpoint: none vouches for its ${grown.entries} entries`);
    const first = kept[0]?.c;
    // The day before it that was signed before it began: one signed later (an entry taken in late) cannot be named.
    const before = first && days.filter((d) => d < day && (keptOf.get(d)![0]?.c.time ?? Infinity) < first.time).at(-1);
    if (first) chained(day, first, before || undefined, heads, verifier, failures);
    const last = kept.at(-1)?.c;
    return { log: 'audit', epoch: day, ok: failures.length === 0, entries: grown.entries, checkpoints: kept.length,
      last: last ? new Date(last.time).toISOString() : null, signed: last?.size ?? 0, failures } satisfies AuditReport;
  });
}
