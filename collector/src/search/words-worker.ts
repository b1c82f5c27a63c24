// The worker thread that keeps the data folder's words indexes caught up (catch-up.ts) on the
// other core, behind ingest. The collector hands it each batch's blocks as they commit, and a
// 'stop' message to finish its slice and close.
import { parentPort, workerData } from 'node:worker_threads';
import type { Committed } from '../store/blocks.js';
import { WordsCatchUp } from './catch-up.js';

const { dir, pageCacheBytes } = workerData as { dir: string; pageCacheBytes: number };
const catchUp = new WordsCatchUp(dir, (shard, block, err) => {
  parentPort!.postMessage({ unreadable: { shard, block, error: (err as Error).message } });
}, { pageCacheBytes });
let stopping = false;
let lastError = '';
let lastSaid = 0;

parentPort!.on('message', (m: 'stop' | { path: string; blocks: Committed[] }) => {
  if (m === 'stop') {
    stopping = true;
    return;
  }
  // A transferred Buffer arrives as a plain Uint8Array.
  catchUp.hand(m.path, m.blocks.map((b) => ({ ...b, text: Buffer.from(b.text.buffer, b.text.byteOffset, b.text.byteLength) })));
});

function loop(): void {
  if (stopping) {
    catchUp.close();
    parentPort!.close();
    return;
  }
  let more = false;
  try {
    more = catchUp.indexUntil(performance.now() + 50);
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
