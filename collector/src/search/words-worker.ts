// The worker thread that keeps every shard's words index caught up (words.ts), newest shard
// first. It looks at the data folder on its own, so it needs nothing from the collector but the
// folder, and a 'stop' message to finish its slice and close. The collector also hands it each
// batch's blocks as they commit, with their text, so that it need not read them back and
// decompress them; what it has no room for, it reads back.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { SHARD_FILE } from '../store/days.js';
import type { Committed } from '../store/shard.js';
import { WordIndexer } from './words.js';

const dir = (workerData as { dir: string }).dir;
const indexers = new Map<string, WordIndexer>();
let stopping = false;
let lastError = '';
let lastSaid = 0;

/** Handed-over blocks by shard file, then block id; at most HANDED a shard (about 60 MB). */
const handed = new Map<string, Map<number, Committed>>();
const HANDED = 256;
const handedTo = (file: string) => {
  let blocks = handed.get(file);
  if (blocks === undefined) handed.set(file, (blocks = new Map()));
  return blocks;
};

parentPort!.on('message', (m: 'stop' | { path: string; blocks: Committed[] }) => {
  if (m === 'stop') {
    stopping = true;
    return;
  }
  const blocks = handedTo(basename(m.path));
  for (const b of m.blocks) {
    // A transferred Buffer arrives as a plain Uint8Array.
    if (blocks.size < HANDED) blocks.set(b.id, { ...b, text: Buffer.from(b.text.buffer, b.text.byteOffset, b.text.byteLength) });
  }
});

function round(): boolean {
  const files = readdirSync(dir).filter((f) => SHARD_FILE.test(f)).sort().reverse();
  // A shard removed by retention: let go of it.
  for (const [file, ix] of indexers) {
    if (!existsSync(join(dir, file))) {
      ix.close();
      indexers.delete(file);
      handed.delete(file);
    }
  }
  for (const file of files) {
    let ix = indexers.get(file);
    if (ix === undefined) {
      try {
        // The shard's day is in its name: redtail-YYYY-MM-DD.db.
        const unreadable = (block: number, err: unknown) => parentPort!.postMessage({ unreadable: { shard: file.slice(8, 18), block, error: (err as Error).message } });
        ix = new WordIndexer(join(dir, file), handedTo(file), unreadable);
      } catch {
        continue; // a shard being created this instant: next round
      }
      indexers.set(file, ix);
    }
    if (ix.indexUntil(performance.now() + 50)) return true;
  }
  return false;
}

function loop(): void {
  if (stopping) {
    for (const ix of indexers.values()) ix.close();
    parentPort!.close();
    return;
  }
  let more = false;
  try {
    more = round();
  } catch (err) {
    // Said once a minute at most: a full disk, say, fails every round until it is fixed.
    const error = (err as Error).message;
    if (error !== lastError || Date.now() - lastSaid > 60_000) {
      parentPort!.postMessage({ error });
      lastError = error;
      lastSaid = Date.now();
    }
  }
  // Busy: straight on (yielding to messages); idle: look again in a while.
  setTimeout(loop, more ? 0 : 100);
}
loop();
