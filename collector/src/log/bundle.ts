// Proof bundles: what `redtail prove` writes and `redtail verify-proof` checks, each
// self-contained, so an auditor checks it with the log's public key alone, without the data
// folder. The proofs are RFC 9162's (tree.ts), the checkpoints the signed notes the collector
// keeps, as they are; nothing here is trusted that the key did not sign.
//   inclusion:   a record's stored bytes, its leaf index, and the audit path to a signed root
//   consistency: two signed checkpoints of one epoch, and the proof the older tree is a prefix
//                of the newer (the log neither shrank nor forked between them)
import { type Checkpoint, parseCheckpoint } from './checkpoint.js';
import { originOf } from './checkpointer.js';
import { openNote, type Verifier } from './note.js';
import { type Hash, leafHash, verifyConsistency, verifyInclusion } from './tree.js';

export const INCLUSION = 'redtail/inclusion-proof';
export const CONSISTENCY = 'redtail/consistency-proof';

export interface InclusionBundle {
  kind: typeof INCLUSION;
  epoch: string;
  /** The record's leaf index in its epoch's tree, from 0. */
  index: number;
  /** The record's stored line (the leaf's data), base64: the exact bytes hashed. */
  record: string;
  /** The signed checkpoint (a whole note) the proof leads to; its size covers `index`. */
  checkpoint: string;
  /** The inclusion proof's hashes, base64, from the leaf up. */
  proof: string[];
}

export interface ConsistencyBundle {
  kind: typeof CONSISTENCY;
  epoch: string;
  /** The older and the newer signed checkpoint, whole notes. */
  old: string;
  new: string;
  /** The consistency proof's hashes, base64. */
  proof: string[];
}

export type Bundle = InclusionBundle | ConsistencyBundle;

/** What a bundle shows, once every check held. */
export interface Proven {
  kind: Bundle['kind'];
  epoch: string;
  /** The signed head(s): the checkpoint proved against, or the older and the newer. */
  heads: { size: number; root: string; time: string }[];
  /** An inclusion proof's record: its leaf index, its request_id if it has one, its text. */
  record?: { index: number; request_id: string | null; text: string };
  key: string;
}

/** Why a bundle does not prove what it says; `code` is stable for programs. */
export class ProofError extends Error {
  constructor(
    readonly code: 'malformed' | 'bad_signature' | 'wrong_epoch' | 'bad_proof' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

const b64 = (h: Hash): string => h.toString('base64');
const head = (c: Checkpoint) => ({ size: c.size, root: b64(c.root), time: new Date(c.time).toISOString() });

/** The hashes of a bundle's proof, each 32 bytes in base64. */
function hashes(proof: unknown): Hash[] {
  if (!Array.isArray(proof)) throw new ProofError('malformed', '"proof" is a list of base64 hashes');
  return proof.map((p, i) => {
    const h = typeof p === 'string' ? Buffer.from(p, 'base64') : Buffer.alloc(0);
    if (h.length !== 32 || b64(h) !== p) throw new ProofError('malformed', `proof hash ${i} is not 32 bytes in base64`);
    return h;
  });
}

/** A checkpoint note of `epoch`, its signature checked with `verifier`. */
function signedHead(note: unknown, what: string, epoch: string, verifier: Verifier): Checkpoint {
  if (typeof note !== 'string') throw new ProofError('malformed', `"${what}" is a signed checkpoint note`);
  let c: Checkpoint;
  try {
    c = parseCheckpoint(openNote(note, [verifier]).text);
  } catch (err) {
    throw new ProofError('bad_signature', `the ${what} checkpoint is not signed by the key given (${verifier.text}): ${(err as Error).message}`);
  }
  if (c.origin !== originOf(verifier.name, epoch)) throw new ProofError('wrong_epoch', `the ${what} checkpoint is of "${c.origin}", not of "${originOf(verifier.name, epoch)}"`);
  return c;
}

function field<T>(bundle: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, what: string): T {
  if (!ok(bundle[name])) throw new ProofError('malformed', `"${name}" is ${what}`);
  return bundle[name] as T;
}

const isEpoch = (v: unknown): boolean => typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v);

/** Check a bundle (parsed JSON) with the log's public key only; what it proves, or a ProofError saying what fails. */
export function checkBundle(bundle: unknown, verifier: Verifier): Proven {
  if (typeof bundle !== 'object' || bundle === null) throw new ProofError('malformed', 'a proof bundle is a JSON object');
  const b = bundle as Record<string, unknown>;
  const epoch = field<string>(b, 'epoch', isEpoch, 'an epoch, YYYY-MM-DD');
  const proof = hashes(b.proof);
  if (b.kind === INCLUSION) {
    const index = field<number>(b, 'index', (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a leaf index, a whole number from 0');
    const text = field<string>(b, 'record', (v) => typeof v === 'string', 'the record\'s stored bytes in base64');
    const bytes = Buffer.from(text, 'base64');
    if (bytes.toString('base64') !== text) throw new ProofError('malformed', '"record" is not base64');
    const c = signedHead(b.checkpoint, 'signed', epoch, verifier);
    if (index >= c.size) throw new ProofError('bad_proof', `leaf ${index} is not in the signed tree of ${c.size} records`);
    if (!verifyInclusion(index, c.size, leafHash(bytes), proof, c.root)) {
      throw new ProofError('bad_proof', `the record and its proof do not lead to the signed root of ${c.size} records: the record was altered, or the proof is not this record's at index ${index} of that tree`);
    }
    return { kind: INCLUSION, epoch, heads: [head(c)], record: { index, request_id: requestId(bytes), text: bytes.toString('utf8') }, key: verifier.text };
  }
  if (b.kind === CONSISTENCY) {
    const older = signedHead(b.old, 'old', epoch, verifier);
    const newer = signedHead(b.new, 'new', epoch, verifier);
    if (older.size > newer.size) throw new ProofError('bad_proof', `the old checkpoint has ${older.size} records, more than the new one's ${newer.size}: the tree shrank`);
    if (!verifyConsistency(older.size, newer.size, older.root, newer.root, proof)) {
      throw new ProofError('bad_proof', `the tree of ${newer.size} records does not extend the tree of ${older.size} (or the proof is not theirs): the log forked between the two checkpoints`);
    }
    return { kind: CONSISTENCY, epoch, heads: [head(older), head(newer)], key: verifier.text };
  }
  throw new ProofError('malformed', `"kind" is "${INCLUSION}" or "${CONSISTENCY}"`);
}

function requestId(bytes: Buffer): string | null {
  try {
    const r = JSON.parse(bytes.toString('utf8')) as { request_id?: unknown };
    return typeof r.request_id === 'string' ? r.request_id : null;
  } catch {
    return null;
  }
}
