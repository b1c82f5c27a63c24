// A block's leaves: each record's stored line (the block's text split at newlines, no newline
// kept) is one leaf, in order. Records are JSON, so a newline inside one is always escaped.
import type { Hash } from './tree.js';
import { leafHash } from './tree.js';

/** The leaf hashes of a block's text, in the order its records were stored. */
export function blockLeaves(text: Uint8Array): Hash[] {
  const leaves: Hash[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf(0x0a, start);
    leaves.push(leafHash(text.subarray(start, end < 0 ? text.length : end)));
    if (end < 0) return leaves;
    start = end + 1;
  }
}
