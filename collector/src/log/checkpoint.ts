// A checkpoint: the head of one epoch's tree as a C2SP tlog-checkpoint note text (origin, tree
// size, base64 root, then extension lines). redtail's origin names the log and the epoch, as
// each epoch (a UTC day, like the shards) is a tree of its own; the extension lines say when the
// checkpoint was made and, in an epoch's first checkpoints, the previous epoch's final head,
// which chains the epochs.
import type { Hash } from './tree.js';

export interface Checkpoint {
  /** `<log name>/<epoch>`, e.g. `redtail.example/2026-12-03`. */
  origin: string;
  size: number;
  root: Hash;
  /** When the collector made it (ms since the epoch, written as ISO 8601 UTC). */
  time: number;
  /** The previous epoch's final head, as its origin, size and root. */
  previous?: { origin: string; size: number; root: Hash };
}

export class CheckpointError extends Error {
  readonly code = 'bad_checkpoint';
}

const b64 = (h: Hash): string => h.toString('base64');

function root(text: string, where: string): Hash {
  const r = Buffer.from(text, 'base64');
  if (r.length !== 32 || r.toString('base64') !== text) throw new CheckpointError(`${where}: a root is 32 bytes in base64, got ${JSON.stringify(text.slice(0, 60))}`);
  return r;
}

function size(text: string, where: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) throw new CheckpointError(`${where}: a tree size is a decimal number without leading zeros, got ${JSON.stringify(text.slice(0, 30))}`);
  return Number(text);
}

/** The note text of a checkpoint, ready to sign. */
export function formatCheckpoint(c: Checkpoint): string {
  let text = `${c.origin}\n${c.size}\n${b64(c.root)}\ntime ${new Date(c.time).toISOString()}\n`;
  if (c.previous) text += `previous ${c.previous.origin} ${c.previous.size} ${b64(c.previous.root)}\n`;
  return text;
}

/** A checkpoint from its note text (signatures already checked and removed). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new CheckpointError('a checkpoint ends in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l.length === 0)) throw new CheckpointError('a checkpoint is at least three non-empty lines: origin, size, root');
  const origin = lines[0]!;
  const c: Checkpoint = { origin, size: size(lines[1]!, origin), root: root(lines[2]!, origin), time: NaN };
  for (const line of lines.slice(3)) {
    const [key, ...rest] = line.split(' ');
    if (key === 'time' && rest.length === 1) {
      c.time = Date.parse(rest[0]!);
    } else if (key === 'previous' && rest.length === 3) {
      c.previous = { origin: rest[0]!, size: size(rest[1]!, origin), root: root(rest[2]!, origin) };
    }
    // Other extension lines are another writer's: kept in the signed text, not read.
  }
  if (!Number.isFinite(c.time)) throw new CheckpointError(`${origin}: no "time" line with an ISO 8601 time`);
  return c;
}
