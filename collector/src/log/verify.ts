// Verifying the log offline, with the public key only: for each epoch, the tree is grown again
// from the records stored in its shard, and every checkpoint kept for it must be signed by the
// key, name its epoch, come later than the one before and never shrink, and have the root the
// records give at its size; an epoch's first checkpoint must name a head the previous epoch
// signed. What queries find the records by must stand for them too (block-index.ts): a signed
// record hidden from queries fails as an altered one does. Nothing is trusted that the collector
// wrote besides the records and the signatures: not the words file's tree, nor the checkpoints'
// order on disk.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import Database from 'better-sqlite3';
import { AUDIT } from '../audit/files.js';
import { SHARD_FILE, shardFile } from '../store/days.js';
import { type Checkpoint, parseCheckpoint } from './checkpoint.js';
import { originOf } from './checkpointer.js';
import { checkpointEpochs, checkpointFiles, checkpointFilesIn, checkpointName, readCheckpoint } from './checkpoints.js';
import { blockLeaves } from './leaves.js';
import { BLOCK_ROWS, blockIndexFault, type BlockRow, StatusTerms } from './block-index.js';
import { type Deletion, readDeletion } from './retention.js';
import { storedBlocks } from './stored.js';
import { unsignedText, type Verifier } from './note.js';
import { Frontier, type Hash } from './tree.js';

export interface EpochReport {
  epoch: string;
  ok: boolean;
  /** Records in the shard (its tree's leaves). */
  records: number;
  checkpoints: number;
  /** The latest checkpoint's time (ISO 8601), if any. */
  last: string | null;
  /** The records the latest checkpoint vouches for (0 if none): those after it are not signed for yet. */
  signed: number;
  /** What is wrong, first found first; empty when ok. */
  failures: string[];
  /** When its shard was removed by retention, as the signed deletion note says (ISO 8601), and why. */
  deleted?: { time: string; reason: string };
}

/** The roots of a shard's records at the sizes asked, and how many records it holds. */
interface Grown {
  records: number;
  roots: Map<number, Hash>;
  /** The block holding each asked size's last record. */
  blocks: Map<number, number>;
  /** What queries go by and is not the records' (block-index.ts): said after what differs in the records. */
  hidden: string[];
}

/** Blocks hidden from queries listed by name in a report; the rest counted. */
const HIDDEN_LISTED = 5;

function grow(path: string, sizes: Set<number>, failures: string[]): Grown {
  const grown: Grown = { records: 0, roots: new Map(), blocks: new Map(), hidden: [] };
  if (sizes.has(0)) grown.roots.set(0, Frontier.empty().root());
  if (!existsSync(path)) return grown;
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    failures.push(`the shard ${path} cannot be opened: ${(err as Error).message}`);
    return grown;
  }
  try {
    const frontier = Frontier.empty();
    const terms = new StatusTerms(db);
    const hidden = grown.hidden;
    for (const b of storedBlocks<BlockRow>(db, BLOCK_ROWS)) {
      if (b.error !== undefined) {
        failures.push(`block ${b.id} cannot be read back: ${b.error}`);
        continue;
      }
      const leaves = blockLeaves(b.text);
      for (const leaf of leaves) {
        frontier.append(leaf);
        if (sizes.has(frontier.size)) {
          grown.roots.set(frontier.size, frontier.root());
          grown.blocks.set(frontier.size, b.id);
        }
      }
      const fault = blockIndexFault(b.row, b.text, leaves.length, terms);
      if (fault !== undefined) hidden.push(fault);
    }
    grown.records = frontier.size;
    // The first few, and how many: a shard whose index was rebuilt wrong has a fault in every block.
    if (hidden.length > HIDDEN_LISTED) hidden.splice(HIDDEN_LISTED, Infinity, `and ${hidden.length - HIDDEN_LISTED} more blocks hidden from queries`);
    const orphans = db.prepare('SELECT count(*) FROM ranges WHERE id NOT IN (SELECT id FROM blocks)').pluck().get() as number;
    if (orphans > 0) hidden.push(`the ranges table lists ${orphans} blocks the shard does not hold`);
  } catch (err) {
    failures.push(`the shard ${path} cannot be read: ${(err as Error).message}`);
  } finally {
    db.close();
  }
  return grown;
}

/** A day's checkpoints as read: each with its file. */
export interface Kept {
  file: string;
  checkpoint: Checkpoint;
}

/**
 * A day's checkpoints that are signed by the key and for its `origin`; each later than the one
 * before and never smaller, or said in `failures`. `label` names a file in them, `unit` the tree's
 * leaves (records, entries) and `period` what a day is to this log.
 */
export function readKept(files: string[], { origin, label, unit, period }: { origin: string; label: (file: string) => string; unit: string; period: string },
  verifier: Verifier, failures: string[]): Kept[] {
  const kept: Kept[] = [];
  for (const file of files) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = readCheckpoint(file, verifier);
    } catch (err) {
      failures.push(`${label(file)} is not signed by the key given: ${(err as Error).message}`);
      continue;
    }
    if (checkpoint.origin !== origin) {
      failures.push(`${label(file)} is for "${checkpoint.origin}", not this ${period}'s "${origin}"`);
      continue;
    }
    const before = kept.at(-1)?.checkpoint;
    if (before && checkpoint.time <= before.time) failures.push(`${label(file)} was signed at ${new Date(checkpoint.time).toISOString()}, not after the one before it`);
    if (before && checkpoint.size < before.size) failures.push(`${label(file)} has ${checkpoint.size} ${unit}, fewer than the ${before.size} of the one before it: the tree shrank (a fork)`);
    kept.push({ file, checkpoint });
  }
  return kept;
}

/** A checkpoint file as people find it: checkpoints/<epoch>/<time>.checkpoint. */
const named = (file: string): string => file.split(sep).slice(-3).join('/');

/** The heads an epoch signed, as "origin size root". */
export const headKey = (h: { origin: string; size: number; root: Hash }): string => `${h.origin} ${h.size} ${h.root.toString('base64')}`;

/**
 * Whether an epoch's first checkpoint names a head its previous epoch signed. It names the
 * latest epoch signed before it when it was made; an epoch made later for an older day (a late
 * batch) may sit between, so the head is looked for in the epoch named.
 */
function chained(epoch: string, first: Checkpoint, before: string | undefined, heads: Map<string, Set<string>>, verifier: Verifier, failures: string[]): void {
  if (!first.previous) {
    if (before !== undefined) failures.push(`its first checkpoint names no previous epoch, though ${before} is signed`);
    return;
  }
  const prior = first.previous.origin.slice(first.previous.origin.lastIndexOf('/') + 1);
  if (first.previous.origin !== originOf(verifier.name, prior) || !(prior < epoch)) {
    failures.push(`its first checkpoint names "${first.previous.origin}" as the previous epoch, not an earlier epoch of this log`);
  } else if (!heads.get(prior)?.size) {
    failures.push(`its first checkpoint names ${prior} (${first.previous.size} records) as the previous epoch, whose checkpoints are missing`);
  } else if (!heads.get(prior)!.has(headKey(first.previous))) {
    failures.push(`its first checkpoint names a head of ${prior} (${first.previous.size} records) that ${prior}'s checkpoints do not hold`);
  }
}

/**
 * Checkpoints held apart from the data folder (a copy made by `redtail checkpoints --out`, or one
 * checkpoint file an auditor kept), by epoch: a folder of <epoch>/ folders, or one file.
 */
export function heldFiles(held: string | undefined, { audit = false }: { audit?: boolean } = {}): Map<string, Held[]> {
  const byEpoch = new Map<string, Held[]>();
  if (held === undefined) return byEpoch;
  if (statSync(held).isDirectory()) {
    // The audit log's are copied out under audit/ (redtail checkpoints --out).
    const dir = audit ? join(held, AUDIT) : held;
    if (!existsSync(dir)) return byEpoch;
    for (const epoch of readdirSync(dir).filter((e) => /^\d{4}-\d\d-\d\d$/.test(e)).sort()) {
      byEpoch.set(epoch, checkpointFilesIn(join(dir, epoch)).map((file) => ({ name: basename(file), file })));
    }
    return byEpoch;
  }
  // One file, named as its holder likes: placed by its epoch (its origin's last part) and the name
  // its time gives a kept checkpoint (its signature is checked with the rest).
  const note = readFileSync(held, 'utf8');
  const origin = note.split('\n', 1)[0]!;
  // An audit checkpoint's origin is `<key name>/audit/<day>`: it is held for the audit log only.
  if (origin.split('/').at(-2) === AUDIT ? !audit : audit) return byEpoch;
  let name = basename(held);
  try {
    name = checkpointName(parseCheckpoint(unsignedText(note)).time);
  } catch {
    // Not a checkpoint: readKept says so.
  }
  byEpoch.set(origin.slice(origin.lastIndexOf('/') + 1), [{ name, file: held }]);
  return byEpoch;
}

export interface Held {
  /** Its name as a kept checkpoint: its time. */
  name: string;
  file: string;
}

/**
 * An epoch's checkpoint files: the data folder's and those held apart, one per name (a time); a
 * held copy that differs from the data folder's is the one read, and the difference a failure.
 */
export function mergedFiles(own: string[], held: Held[], failures: string[]): string[] {
  const byName = new Map(own.map((f) => [basename(f), f]));
  for (const h of held) {
    const mine = byName.get(h.name);
    if (mine !== undefined && !readFileSync(mine).equals(readFileSync(h.file))) failures.push(`checkpoint ${named(mine)} differs from the copy held apart (${h.file}): it was changed after it was copied`);
    byName.set(h.name, h.file);
  }
  return [...byName.keys()].sort().map((n) => byName.get(n)!);
}

/**
 * Every epoch of the data folder (a shard, or checkpoints), checked; oldest first. `only`: the
 * epochs to report (their records read); the others' checkpoints are read still, for the chain.
 */
export function verifyLog(data: string, verifier: Verifier, { held, only }: { held?: string; only?: Set<string> } = {}): EpochReport[] {
  const shards = existsSync(data) ? readdirSync(data).map((f) => SHARD_FILE.exec(f)?.[1]).filter((d): d is string => d !== undefined) : [];
  const heldOf = heldFiles(held);
  const epochs = [...new Set([...shards, ...checkpointEpochs(data), ...heldOf.keys()])].sort();
  const reports: EpochReport[] = [];
  // Every epoch's checkpoints first: a first checkpoint's `previous` is looked up in the epoch it names.
  const failuresOf = new Map(epochs.map((e) => [e, [] as string[]]));
  const keptOf = new Map(epochs.map((e) => [e, readKept(mergedFiles(checkpointFiles(data, e), heldOf.get(e) ?? [], failuresOf.get(e)!), { origin: originOf(verifier.name, e), label: (f) => `checkpoint ${named(f)}`, unit: 'records', period: 'epoch' }, verifier, failuresOf.get(e)!)]));
  const heads = new Map(epochs.map((e) => [e, new Set(keptOf.get(e)!.map((k) => headKey(k.checkpoint)))]));
  for (const epoch of epochs) {
    if (only !== undefined && !only.has(epoch)) continue;
    const failures = failuresOf.get(epoch)!;
    const kept = keptOf.get(epoch)!;
    const path = join(data, shardFile(epoch));
    let deletion: Deletion | undefined;
    try {
      deletion = existsSync(path) ? undefined : readDeletion(data, epoch, verifier);
    } catch (err) {
      failures.push(`its deletion note is not signed by the key given: ${(err as Error).message}`);
    }
    const grown = grow(path, new Set(kept.map((k) => k.checkpoint.size)), failures);
    // The earliest checkpoint the records do not match narrows the change to the records after
    // the last one they do; later ones that fail too are counted, not listed.
    const changed = kept.filter((k) => k.checkpoint.size <= grown.records && !grown.roots.get(k.checkpoint.size)!.equals(k.checkpoint.root));
    // Removed by retention, as a signed note says, of the head its last checkpoint signed: nothing is missing.
    const lastKept = kept.at(-1)?.checkpoint;
    const deletedWhole = deletion !== undefined && lastKept !== undefined && deletion.size === lastKept.size && deletion.root.equals(lastKept.root);
    if (deletion !== undefined && !deletedWhole) failures.push(`its deletion note names ${deletion.size} records, not the head its last checkpoint signed`);
    const missing = deletedWhole ? [] : kept.filter((k) => k.checkpoint.size > grown.records);
    const firstChanged = changed[0];
    if (firstChanged) {
      const { size } = firstChanged.checkpoint;
      const good = Math.max(0, ...kept.filter((k) => k.checkpoint.size < size && !changed.includes(k) && !missing.includes(k)).map((k) => k.checkpoint.size));
      const more = changed.length > 1 ? ` (and ${changed.length - 1} later checkpoints)` : '';
      failures.push(`records changed: the first ${size} records do not give the root signed in ${named(firstChanged.file)}${more}; ` +
        `one among records ${good + 1} to ${size} (blocks up to ${grown.blocks.get(size)}) was altered, removed, inserted or moved`);
    }
    if (missing.length > 0) {
      const most = Math.max(...missing.map((k) => k.checkpoint.size));
      const where = existsSync(path) ? `the shard holds ${grown.records}` : `the shard redtail-${epoch}.db is missing`;
      failures.push(`records missing: ${missing.length} checkpoints vouch for up to ${most} records (the latest ${named(missing.at(-1)!.file)}), ${where}`);
    }
    failures.push(...grown.hidden);
    if (kept.length === 0 && grown.records > 0) failures.push(`no signed checkpoint: none vouches for its ${grown.records} records`);
    const first = kept[0]?.checkpoint;
    // The epoch before it that was signed before it began: one for an older day signed later (a late batch) cannot be named.
    const before = first && epochs.filter((e) => e < epoch && (keptOf.get(e)![0]?.checkpoint.time ?? Infinity) < first.time).at(-1);
    if (first) chained(epoch, first, before || undefined, heads, verifier, failures);
    const last = kept.at(-1)?.checkpoint;
    const report: EpochReport = { epoch, ok: failures.length === 0, records: grown.records, checkpoints: kept.length, last: last ? new Date(last.time).toISOString() : null, signed: last?.size ?? 0, failures };
    if (deletedWhole) report.deleted = { time: new Date(deletion!.time).toISOString(), reason: deletion!.reason };
    reports.push(report);
  }
  return reports;
}
