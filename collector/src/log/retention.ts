// Retention with evidence: when an epoch's shard is removed, what proves it held what it held
// stays. Its checkpoints are thinned to those that are evidence (the last, which vouches for
// every record; the first when its `previous` links the chain to the epoch before; and any that a
// later epoch's first checkpoint names as its `previous`), so
// heartbeats do not pile up for ever; and a signed deletion note says when, why and of which head,
// so `redtail verify` reports the epoch deleted by retention rather than its records missing.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { originOf } from './checkpointer.js';
import { CHECKPOINTS, checkpointEpochs, checkpointFiles, deletedEpoch, DELETION_FILE, readCheckpoint } from './checkpoints.js';
import { NoteError, openNote, signNote, type Signer, type Verifier } from './note.js';
import { replaceWhole } from '../store/whole-file.js';

export { DELETION_FILE } from './checkpoints.js';

export interface Deletion {
  origin: string;
  /** When the shard was removed (ms). */
  time: number;
  reason: string;
  /** The head of the epoch's last checkpoint when it was removed. */
  size: number;
  root: Buffer;
}

function formatDeletion(d: Deletion): string {
  return `${d.origin}\ndeleted ${new Date(d.time).toISOString()}\nfinal ${d.size} ${d.root.toString('base64')}\nreason ${d.reason}\n`;
}

/** A deletion note's text read back, or why it cannot be. */
function parseDeletion(text: string): Deletion {
  const m = /^(\S+)\ndeleted (\S+)\nfinal (\d+) (\S+)\nreason (.+)\n$/.exec(text);
  const time = m ? Date.parse(m[2]!) : NaN;
  const root = m ? Buffer.from(m[4]!, 'base64') : Buffer.alloc(0);
  if (!m || !Number.isFinite(time) || root.length !== 32) throw new NoteError('malformed', 'not a deletion note: origin, deleted TIME, final SIZE ROOT, reason');
  return { origin: m[1]!, time, size: Number(m[3]), root, reason: m[5]! };
}

/** The heads ("size root") that epochs' first checkpoints name as their previous, by the epoch named. */
export function namedAsPrevious(data: string, verifier: Verifier): Map<string, Set<string>> {
  const named = new Map<string, Set<string>>();
  for (const epoch of checkpointEpochs(data)) {
    const first = checkpointFiles(data, epoch)[0];
    if (first === undefined) continue;
    try {
      const p = readCheckpoint(first, verifier).previous;
      if (!p) continue;
      const day = p.origin.slice(p.origin.lastIndexOf('/') + 1);
      if (!named.has(day)) named.set(day, new Set());
      named.get(day)!.add(`${p.size} ${p.root.toString('base64')}`);
    } catch {
      // A checkpoint that does not open is verify's to report; it names nothing here.
    }
  }
  return named;
}

/**
 * After the shard of `epoch` was removed by retention: its checkpoints thinned to the evidence,
 * and a deletion note signed beside them. Without a key (no log yet) nothing is written. `named`:
 * the heads later epochs name (read once for many deletions: thinning never removes a first
 * checkpoint, so it stays true).
 */
export function recordDeletion(data: string, epoch: string, signer: Signer | undefined, reason: string, now = Date.now(),
  named = signer ? namedAsPrevious(data, signer.verifier) : new Map<string, Set<string>>()): void {
  if (signer === undefined) return;
  const last = checkpointFiles(data, epoch).at(-1);
  if (last === undefined) return;
  const verifier = signer.verifier;
  const final = readCheckpoint(last, verifier);
  const note = signNote(formatDeletion({ origin: originOf(verifier.name, epoch), time: now, reason, size: final.size, root: final.root }), [signer]);
  const file = join(data, CHECKPOINTS, epoch, DELETION_FILE);
  replaceWhole(file, note);
  thinCheckpoints(data, epoch, verifier, named);
}

/**
 * An epoch's checkpoints thinned to the evidence: the last; the first when its `previous` links
 * the chain; any whose head a later epoch names (`named`, by epoch, as namedAsPrevious gives).
 */
export function thinCheckpoints(data: string, epoch: string, verifier: Verifier, named: Map<string, Set<string>> = namedAsPrevious(data, verifier)): void {
  const files = checkpointFiles(data, epoch);
  const keep = named.get(epoch) ?? new Set<string>();
  for (const [i, f] of files.slice(0, -1).entries()) {
    let c;
    try {
      c = readCheckpoint(f, verifier);
    } catch {
      continue; // not ours to judge: left for verify to report
    }
    if (i === 0 && c.previous) continue; // the link to the epoch before
    if (!keep.has(`${c.size} ${c.root.toString('base64')}`)) rmSync(f, { force: true });
  }
}

/** The epoch's deletion note, checked against the key and its origin; undefined when there is none. */
export function readDeletion(data: string, epoch: string, verifier: Verifier): Deletion | undefined {
  const file = join(data, CHECKPOINTS, epoch, DELETION_FILE);
  if (!existsSync(file)) return undefined;
  const d = parseDeletion(openNote(readFileSync(file, 'utf8'), [verifier]).text);
  if (d.origin !== originOf(verifier.name, epoch)) throw new NoteError('malformed', `the deletion note is for "${d.origin}", not this epoch's`);
  return d;
}

/**
 * Every epoch older than `keepFrom` whose shard is gone and whose deletion is not yet recorded:
 * recorded now. That is each shard retention just removed, one removed before a crash let its
 * note be signed, and a day that never had records (heartbeats only), so none is left "missing"
 * nor keeps its heartbeats for ever. The days recorded, and those that could not be, with why.
 */
export function recordDeletions(data: string, keepFrom: string, signer: Signer | undefined, reason: string, now = Date.now()): { recorded: string[]; failed: { epoch: string; error: string }[] } {
  const out = { recorded: [] as string[], failed: [] as { epoch: string; error: string }[] };
  const named = signer ? namedAsPrevious(data, signer.verifier) : new Map<string, Set<string>>();
  for (const epoch of checkpointEpochs(data)) {
    if (epoch >= keepFrom || existsSync(join(data, `redtail-${epoch}.db`)) || deletedEpoch(data, epoch)) continue;
    try {
      recordDeletion(data, epoch, signer, reason, now, named);
      out.recorded.push(epoch);
    } catch (err) {
      out.failed.push({ epoch, error: (err as Error).message });
    }
  }
  return out;
}
