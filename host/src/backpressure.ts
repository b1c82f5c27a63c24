// A body is passed on no faster than its reader takes it: a peer that reads slowly or not at all
// holds the proxy's reading of the other side, not the proxy's memory.
import type { Writable } from 'node:stream';

/** Writes the chunk; when the writer's buffer is full, a promise of its draining (or closing). */
export function write(to: Writable, chunk: Buffer): Promise<void> | undefined {
  if (to.write(chunk) || to.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      to.off('drain', done);
      to.off('close', done);
      resolve();
    };
    to.on('drain', done);
    to.on('close', done);
  });
}
