// A block's leaves: each record's stored line (the block's text split at newlines, no newline
// kept) is one leaf, in order. Records are JSON, so a newline inside one is always escaped.
import type { Hash } from './tree.js';
import { leafHash } from './tree.js';

/** The stored lines of a block's text, in the order its records were stored: each a leaf's data. */
export function blockLines<T extends Uint8Array>(text: T): T[] {
  const lines: T[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf(0x0a, start);
    lines.push(text.subarray(start, end < 0 ? text.length : end) as T);
    if (end < 0) return lines;
    start = end + 1;
  }
}

/** The leaf hashes of a block's text, in the order its records were stored. */
export function blockLeaves(text: Uint8Array): Hash[] {
  return blockLines(text).map(leafHash);
}
