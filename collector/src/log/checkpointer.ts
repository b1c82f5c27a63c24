// The collector's signer of checkpoints: for each open epoch (today, and yesterday, whose records
// may still come), a checkpoint of its tree as the tree stands, signed on a schedule even when
// nothing arrived (a heartbeat: the same size at a later time says nothing was received between),
// and once more as the collector stops. A closed epoch whose tree still grows (a late batch for
// an older day) is signed as it grows. An epoch's first checkpoint names the previous epoch's
// latest head, which chains the epochs. An epoch whose shard retention removed is closed for
// good: its deletion note names its final head, and nothing is signed for it again.
import type { Log } from '../events.js';
import { DAY_MS, dayOf } from '../store/days.js';
import { type Checkpoint, formatCheckpoint } from './checkpoint.js';
import { checkpointEpochs, checkpointFiles, deletedEpoch, keepCheckpoint, readCheckpoint } from './checkpoints.js';
import type { TreeHead } from './growth.js';
import { signNote, type Signer } from './note.js';
import { EMPTY_ROOT, type Hash } from './tree.js';

/** The origin of an epoch's checkpoints: the log's name (its key's) and the epoch. */
export const originOf = (name: string, epoch: string): string => `${name}/${epoch}`;

export class Checkpointer {
  /** The latest checkpoint of each epoch, as kept. */
  private readonly latest = new Map<string, Checkpoint>();

  /** The log's name in its origins: the key's, or another log signed by the same key (the audit log). */
  private readonly name: string;

  private readonly rootAt: (epoch: string, size: number) => Hash | undefined;

  /**
   * `heads` gives the trees as they stand, by epoch (only epochs that have a tree); checkpoints
   * already kept in `data` are read back, so a restart goes on from them.
   */
  constructor(private readonly data: string, private readonly signer: Signer,
    private readonly heads: () => Map<string, TreeHead>, private readonly log: Log,
    { name, rootAt }: {
      /** Another log signed by the same key (the audit log): its name in origins. */
      name?: string;
      /** The root an epoch's tree, as it stands now, had at an earlier size (readRootAt). */
      rootAt: (epoch: string, size: number) => Hash | undefined;
    }) {
    this.name = name ?? signer.verifier.name;
    this.rootAt = rootAt;
    for (const epoch of checkpointEpochs(data)) {
      // The latest that opens: one left empty by a crash, or garbled, must not make the epoch look
      // unsigned, which would let a smaller tree be signed as if first.
      for (const file of checkpointFiles(data, epoch).reverse()) {
        try {
          this.latest.set(epoch, readCheckpoint(file, signer.verifier));
          break;
        } catch (err) {
          log({ level: 'error', event: 'checkpoint_unreadable', file, error: (err as Error).message, hint: 'redtail verify says what is wrong with it' });
        }
      }
    }
  }

  /** How many leaves of an epoch its latest checkpoint vouches for (0 when none). */
  signedSize(epoch: string): number {
    return this.latest.get(epoch)?.size ?? 0;
  }

  /** Sign the open epochs, and any other whose tree grew since its latest checkpoint. */
  sign(now = Date.now()): void {
    let heads: Map<string, TreeHead>;
    try {
      heads = this.heads();
    } catch (err) {
      // A words file that cannot be read this time: said, and tried again at the next interval.
      this.log({ level: 'error', event: 'checkpoint_failed', error: (err as Error).message });
      return;
    }
    const open = new Set([dayOf(now - DAY_MS), dayOf(now)]);
    const epochs = [...new Set([...open, ...heads.keys()])].sort();
    for (const epoch of epochs) {
      if (deletedEpoch(this.data, epoch)) continue;
      const head = heads.get(epoch) ?? { size: 0, root: EMPTY_ROOT, upTo: 0 };
      const last = this.latest.get(epoch);
      const grew = last === undefined ? head.size > 0 : head.size !== last.size;
      if (!open.has(epoch) && !grew) continue;
      if (last !== undefined && head.size < last.size) {
        // Signing it would be a fork the verifier must catch; refuse it, and say so every time.
        this.log({ level: 'error', event: 'log_tree_shrank', epoch, size: head.size, signed: last.size,
          hint: 'records or the words file of that day were removed or replaced; redtail verify says what differs' });
        continue;
      }
      if (last !== undefined && head.size === last.size && !head.root.equals(last.root)) {
        // Another root for a size already signed: the words file's tree was edited or replaced.
        this.log({ level: 'error', event: 'log_tree_forked', epoch, size: head.size,
          hint: 'the words file of that day no longer holds the tree its checkpoints signed; redtail verify says what differs' });
        continue;
      }
      if (last !== undefined && last.size > 0 && head.size > last.size && !this.rootAt(epoch, last.size)?.equals(last.root)) {
        // A tree grown again (its words file removed) from records changed since they were signed:
        // it does not extend the signed head, and signing it would be a fork. Its root at the last
        // signed size is enough: that head was checked to extend every one before it. Every tree
        // extends the empty one.
        this.log({ level: 'error', event: 'log_tree_forked', epoch, size: head.size, signed: last.size,
          hint: `the tree of that day does not extend its checkpoint of ${last.size} records: records it signed were altered, removed or inserted; redtail verify says which` });
        continue;
      }
      try {
        this.keep(epoch, head, now, last);
      } catch (err) {
        this.log({ level: 'error', event: 'checkpoint_failed', epoch, error: (err as Error).message });
      }
    }
  }

  private keep(epoch: string, head: TreeHead, now: number, last: Checkpoint | undefined): void {
    const c: Checkpoint = {
      origin: originOf(this.name, epoch),
      size: head.size,
      root: head.root,
      // Strictly later than the one before: the files' names, and the order of the heartbeats, are times.
      time: Math.max(now, (last?.time ?? -Infinity) + 1),
    };
    if (last === undefined) {
      const before = [...this.latest.keys()].filter((e) => e < epoch).sort().at(-1);
      const prev = before === undefined ? undefined : this.latest.get(before)!;
      if (prev) c.previous = { origin: prev.origin, size: prev.size, root: prev.root };
    }
    keepCheckpoint(this.data, epoch, c.time, signNote(formatCheckpoint(c), [this.signer]));
    this.latest.set(epoch, c);
  }
}
