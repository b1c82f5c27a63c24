// The verifiable log's tree: hashing, proofs and their verification exactly as RFC 9162
// (section 2.1, the same as RFC 6962's) defines them, so that any transparency-log tool agrees
// with ours. Leaves are the records as stored; a proof is a list of 32-byte hashes.
import { createHash, hash } from 'node:crypto';

export type Hash = Buffer;

// The bytes to hash are put together in one buffer, reused, and hashed by one-shot crypto.hash:
// a createHash object a call costs about twice as much, and every record is hashed as it is
// logged and again by every verify. A record longer than the buffer is hashed in parts, where
// the call's cost is small beside its length's.
const leafInput = Buffer.alloc(16 * 1024);
const nodeInput = Buffer.alloc(65);
const LEAF = Buffer.from([0x00]);

/** SHA-256(0x00 ‖ data): a leaf's hash. */
export function leafHash(data: Uint8Array): Hash {
  if (data.length >= leafInput.length) return createHash('sha256').update(LEAF).update(data).digest();
  leafInput[0] = 0x00;
  leafInput.set(data, 1);
  return hash('sha256', leafInput.subarray(0, data.length + 1), 'buffer');
}

/** SHA-256(0x01 ‖ left ‖ right): an interior node's hash. */
export function nodeHash(left: Hash, right: Hash): Hash {
  nodeInput[0] = 0x01;
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return hash('sha256', nodeInput, 'buffer');
}

/** The root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** Where RFC 6962 splits a tree of n > 1 leaves: the largest power of two smaller than n. */
export function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// Sizes may pass 2^32, where JavaScript's bit operators wrap: halve and test with arithmetic.
const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** The roots of ranges of a sequence of leaves: what proofs are made from. */
export interface Subtrees {
  /** The tree hash of leaves [from, to). */
  root(from: number, to: number): Hash;
}

/** Subtrees over leaf hashes held in memory. */
export class LeafHashes implements Subtrees {
  constructor(readonly hashes: readonly Hash[]) {}

  root(from: number, to: number): Hash {
    const n = to - from;
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return this.hashes[from]!;
    const k = split(n);
    return nodeHash(this.root(from, from + k), this.root(from + k, to));
  }
}

/**
 * A proof (`make`: inclusionProof or consistencyProof with its sizes) from leaves read once, in
 * order, holding a frontier per range it asks for rather than every leaf: a day's tree is too
 * large to keep in memory. The ranges a proof asks for do not depend on the hashes, so they are
 * found first with a tree that only notes them.
 */
export function proofFromLeaves(make: (tree: Subtrees) => Hash[], leaves: Iterable<Hash>): Hash[] {
  const asked: { from: number; to: number; frontier: Frontier }[] = [];
  make({ root: (from, to) => (asked.push({ from, to, frontier: Frontier.empty() }), EMPTY_ROOT) });
  const end = Math.max(0, ...asked.map((r) => r.to));
  let at = 0;
  for (const leaf of leaves) {
    if (at >= end) break;
    for (const r of asked) if (at >= r.from && at < r.to) r.frontier.append(leaf);
    at++;
  }
  if (at < end) throw new RangeError(`the proof needs ${end} leaves, only ${at} were given`);
  const roots = new Map(asked.map((r) => [`${r.from},${r.to}`, r.frontier.root()]));
  return make({ root: (from, to) => roots.get(`${from},${to}`)! });
}

/** The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162 2.1.3.1). */
export function inclusionProof(tree: Subtrees, index: number, size: number): Hash[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  let from = 0;
  let to = size;
  const siblings: Hash[] = [];
  while (to - from > 1) {
    const k = split(to - from);
    if (index < from + k) {
      siblings.push(tree.root(from + k, to));
      to = from + k;
    } else {
      siblings.push(tree.root(from, from + k));
      from += k;
    }
  }
  // Found from the top down; a proof lists them from the leaf up.
  return siblings.reverse();
}

/** The proof that the tree of `size1` leaves is a prefix of the tree of `size2` (RFC 9162 2.1.4.1). */
export function consistencyProof(tree: Subtrees, size1: number, size2: number): Hash[] {
  if (!(size1 >= 0 && size1 <= size2)) throw new RangeError(`a tree of ${size1} cannot be a prefix of one of ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const siblings: Hash[] = [];
  let from = 0;
  let to = size2;
  let m = size1;
  let whole = true; // whether the subtree holding the old tree's end is the old tree's own root
  while (m !== to - from) {
    const k = split(to - from);
    if (m <= k) {
      siblings.push(tree.root(from + k, to));
      to = from + k;
    } else {
      siblings.push(tree.root(from, from + k));
      from += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) siblings.push(tree.root(from, to));
  return siblings.reverse();
}

/** The root that an inclusion proof leads to from a leaf's hash, or null when the proof cannot be one (RFC 9162 2.1.3.2). */
export function rootFromInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[]): Hash | null {
  if (!(index >= 0 && index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

/** Whether the proof shows leaf `index` with this hash is in the tree of `size` with this root. */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  const r = rootFromInclusion(index, size, leaf, proof);
  return r !== null && r.equals(root);
}

/** Whether the proof shows the tree (size1, root1) is a prefix of the tree (size2, root2) (RFC 9162 2.1.4.2). */
export function verifyConsistency(size1: number, size2: number, root1: Hash, root2: Hash, proof: readonly Hash[]): boolean {
  if (!(size1 >= 0 && size1 <= size2)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && !odd(n)) n = half(n);
  return n === 1;
}

/**
 * A tree grown one leaf at a time, holding only the roots of its perfect subtrees (one per set
 * bit of its size): appending and the root cost O(log n), and the state is small enough to keep
 * beside every checkpoint.
 */
export class Frontier {
  private constructor(
    private count: number,
    private readonly stack: Hash[],
  ) {}

  static empty(): Frontier {
    return new Frontier(0, []);
  }

  /** A frontier from its size and peaks (as `peaks` gave them), checked to fit together. */
  static of(size: number, peaks: readonly Hash[]): Frontier {
    let bits = 0;
    for (let n = size; n > 0; n = half(n)) if (odd(n)) bits++;
    if (!Number.isSafeInteger(size) || size < 0 || bits !== peaks.length || peaks.some((p) => p.length !== 32)) {
      throw new RangeError(`a tree of ${size} leaves has ${bits} peaks of 32 bytes, not ${peaks.length}`);
    }
    return new Frontier(size, [...peaks]);
  }

  get size(): number {
    return this.count;
  }

  /** The roots of the perfect subtrees, largest (leftmost) first. */
  get peaks(): readonly Hash[] {
    return this.stack;
  }

  append(leaf: Hash): void {
    this.stack.push(leaf);
    // Each trailing set bit of the old size is a perfect subtree that now has a twin to join.
    for (let n = this.count; odd(n); n = half(n)) {
      const right = this.stack.pop()!;
      const left = this.stack.pop()!;
      this.stack.push(nodeHash(left, right));
    }
    this.count++;
  }

  root(): Hash {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let r = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i]!, r);
    return r;
  }
}
