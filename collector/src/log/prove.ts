// Making proof bundles (bundle.ts) from a data folder, offline and read-only: the collector may
// be running and writing it. A record is found by its request_id or by its place in the log
// (`<epoch>/<leaf index>`); the proof is made from the stored records themselves, read once in
// order (tree.ts's proofFromLeaves), and checked against the signed root before it is handed out.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SHARD_FILE, shardFile } from '../store/days.js';
import { type ConsistencyBundle, CONSISTENCY, INCLUSION, type InclusionBundle, ProofError } from './bundle.js';
import { type Checkpoint, parseCheckpoint } from './checkpoint.js';
import { checkpointFiles } from './checkpoints.js';
import { blockLines } from './leaves.js';
import { unsignedText } from './note.js';
import { storedBlocks } from './stored.js';
import { consistencyProof, type Hash, inclusionProof, leafHash, proofFromLeaves, verifyConsistency, verifyInclusion } from './tree.js';

/** A record's place in the log: its epoch and leaf index, written `<epoch>/<index>`. */
export interface RecordRef {
  epoch: string;
  index: number;
}

export const formatRef = (r: RecordRef): string => `${r.epoch}/${r.index}`;

/** A ref from its text, or undefined when the text is not one (then it is a request_id). */
export function parseRef(text: string): RecordRef | undefined {
  const m = /^(\d{4}-\d\d-\d\d)\/(0|[1-9][0-9]*)$/.exec(text);
  return m && Number.isSafeInteger(Number(m[2])) ? { epoch: m[1]!, index: Number(m[2]) } : undefined;
}

/** A shard's stored lines in tree order, each with its leaf index; a block that cannot be read stops the walk, as the tree cannot be told past it. */
function* storedLines(data: string, epoch: string): Generator<{ index: number; line: Buffer }> {
  const path = join(data, shardFile(epoch));
  if (!existsSync(path)) throw new ProofError('not_found', `no shard for ${epoch} in ${data}`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    let index = 0;
    for (const b of storedBlocks(db)) {
      if (b.error !== undefined) throw new ProofError('malformed', `block ${b.id} of ${epoch} cannot be read back (${b.error}); redtail verify says more`);
      for (const line of blockLines(b.text)) yield { index: index++, line };
    }
  } finally {
    db.close();
  }
}

/** Every record whose request_id is `id`, in every epoch of the folder, oldest first. */
export function findRecords(data: string, id: string): RecordRef[] {
  const epochs = readdirSync(data).map((f) => SHARD_FILE.exec(f)?.[1]).filter((d): d is string => d !== undefined).sort();
  // Only lines that hold the id as JSON writes it are parsed.
  const needle = Buffer.from(JSON.stringify(id).slice(1, -1));
  const found: RecordRef[] = [];
  for (const epoch of epochs) {
    for (const { index, line } of storedLines(data, epoch)) {
      if (line.indexOf(needle) < 0) continue;
      try {
        if ((JSON.parse(line.toString('utf8')) as { request_id?: unknown }).request_id === id) found.push({ epoch, index });
      } catch {
        // Not JSON: not a record a request_id finds.
      }
    }
  }
  return found;
}

/** An epoch's kept checkpoints that read as checkpoints of it (signatures are verify-proof's to check), oldest first. */
function keptHeads(data: string, epoch: string): { note: string; checkpoint: Checkpoint }[] {
  const heads: { note: string; checkpoint: Checkpoint }[] = [];
  for (const file of checkpointFiles(data, epoch)) {
    const note = readFileSync(file, 'utf8');
    try {
      const checkpoint = parseCheckpoint(unsignedText(note));
      if (checkpoint.origin.endsWith(`/${epoch}`)) heads.push({ note, checkpoint });
    } catch {
      // Garbled or cut short: redtail verify reports it; a proof is made against one that reads.
    }
  }
  return heads;
}

/** Not covered yet: the record is after the latest checkpoint (if any) of its epoch. */
export interface NotSigned {
  ref: RecordRef;
  /** The latest checkpoint of its epoch, which holds fewer records. */
  latest?: Checkpoint;
}

/** The inclusion proof of the record at `ref` against the latest checkpoint that covers it, or why there is none yet. */
export function proveInclusion(data: string, ref: RecordRef): InclusionBundle | NotSigned {
  const latest = keptHeads(data, ref.epoch).at(-1);
  if (latest === undefined || latest.checkpoint.size <= ref.index) {
    for (const { index } of storedLines(data, ref.epoch)) if (index === ref.index) return { ref, latest: latest?.checkpoint };
    throw new ProofError('not_found', `${ref.epoch} holds no record ${ref.index} (leaf indexes start at 0)`);
  }
  const { size, root } = latest.checkpoint;
  let record: Buffer | undefined;
  const leaves = function* () {
    for (const { index, line } of storedLines(data, ref.epoch)) {
      if (index === ref.index) record = Buffer.from(line);
      yield leafHash(line);
    }
  };
  const proof = made(() => proofFromLeaves((t) => inclusionProof(t, ref.index, size), leaves()), ref.epoch, size);
  // The proof stops reading at the last leaf it needs, which may come before the record itself.
  if (record === undefined) {
    for (const { index, line } of storedLines(data, ref.epoch)) {
      if (index === ref.index) {
        record = Buffer.from(line);
        break;
      }
    }
  }
  if (record === undefined || !verifyInclusion(ref.index, size, leafHash(record), proof, root)) {
    throw new ProofError('bad_proof', `the stored records of ${ref.epoch} do not give the root its checkpoint of ${size} records signed; redtail verify says what changed`);
  }
  return { kind: INCLUSION, epoch: ref.epoch, index: ref.index, record: record.toString('base64'), checkpoint: latest.note, proof: proof.map(b64) };
}

/** The consistency proof between two checkpoint notes of one epoch, from its stored records. */
export function proveConsistency(data: string, oldNote: string, newNote: string): ConsistencyBundle {
  const [older, newer] = [oldNote, newNote].map((note, i) => {
    try {
      return parseCheckpoint(unsignedText(note));
    } catch (err) {
      throw new ProofError('malformed', `the ${i ? 'new' : 'old'} checkpoint: ${(err as Error).message}`);
    }
  }) as [Checkpoint, Checkpoint];
  if (older.origin !== newer.origin) throw new ProofError('wrong_epoch', `the checkpoints are of two trees: "${older.origin}" and "${newer.origin}"`);
  if (older.size > newer.size) throw new ProofError('bad_proof', `the old checkpoint has ${older.size} records, more than the new one's ${newer.size}: give the older first, or the tree shrank`);
  const epoch = older.origin.slice(older.origin.lastIndexOf('/') + 1);
  const leaves = function* () {
    for (const { line } of storedLines(data, epoch)) yield leafHash(line);
  };
  const proof = made(() => proofFromLeaves((t) => consistencyProof(t, older.size, newer.size), leaves()), epoch, newer.size);
  if (!verifyConsistency(older.size, newer.size, older.root, newer.root, proof)) {
    throw new ProofError('bad_proof', `the stored records of ${epoch} do not join these checkpoints (${older.size} and ${newer.size} records): one of them was not signed of these records, or they were changed; redtail verify says which`);
  }
  return { kind: CONSISTENCY, epoch, old: oldNote, new: newNote, proof: proof.map(b64) };
}

const b64 = (h: Hash): string => h.toString('base64');

/** A proof, or a ProofError when the shard holds fewer records than the checkpoint signed. */
function made(make: () => Hash[], epoch: string, size: number): Hash[] {
  try {
    return make();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ProofError('bad_proof', `the shard of ${epoch} holds fewer records than its checkpoint of ${size} signed; redtail verify says what is missing`);
  }
}
