import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  consistencyProof,
  EMPTY_ROOT,
  Frontier,
  inclusionProof,
  LeafHashes,
  proofFromLeaves,
  leafHash,
  nodeHash,
  rootFromInclusion,
  split,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from '../../src/log/tree.js';

// The reference vectors of RFC 6962's tree, as Certificate Transparency and transparency-dev
// publish them: eight leaves, the root of each prefix, and proofs over them.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (h) => leafHash(Buffer.from(h, 'hex')),
);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map((h) => Buffer.from(h, 'hex'));
const h = (hex: string): Hash => Buffer.from(hex, 'hex');
const INCLUSION = [
  { index: 0, size: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, size: 8, proof: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { index: 1, size: 5, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];
const CONSISTENCY = [
  { size1: 1, size2: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { size1: 6, size2: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { size1: 2, size2: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { size1: 6, size2: 7, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

test('the roots of the reference tree, from the whole list and grown a leaf at a time', () => {
  assert.deepEqual(EMPTY_ROOT, ROOTS[0]);
  const tree = new LeafHashes(LEAVES);
  const grown = Frontier.empty();
  assert.deepEqual(grown.root(), ROOTS[0]);
  for (let n = 1; n <= LEAVES.length; n++) {
    assert.deepEqual(tree.root(0, n), ROOTS[n], `size ${n}`);
    grown.append(LEAVES[n - 1]!);
    assert.deepEqual(grown.root(), ROOTS[n], `grown to ${n}`);
  }
  assert.deepEqual(nodeHash(LEAVES[0]!, LEAVES[1]!), ROOTS[2]);
});

test('the splits are RFC 6962s: the largest power of two below n', () => {
  const want: Record<number, number> = { 2: 1, 3: 2, 4: 2, 5: 4, 8: 4, 9: 8, 1000: 512, [2 ** 40 + 1]: 2 ** 40 };
  for (const [n, k] of Object.entries(want)) assert.equal(split(Number(n)), k, `split(${n})`);
});

test('the reference inclusion and consistency proofs are the ones made, and verify', () => {
  const tree = new LeafHashes(LEAVES);
  for (const v of INCLUSION) {
    const proof = inclusionProof(tree, v.index, v.size);
    assert.deepEqual(proof.map((p) => p.toString('hex')), v.proof, `inclusion ${v.index} in ${v.size}`);
    assert.ok(verifyInclusion(v.index, v.size, LEAVES[v.index]!, proof, ROOTS[v.size]!));
  }
  for (const v of CONSISTENCY) {
    const proof = consistencyProof(tree, v.size1, v.size2);
    assert.deepEqual(proof.map((p) => p.toString('hex')), v.proof, `consistency ${v.size1} → ${v.size2}`);
    assert.ok(verifyConsistency(v.size1, v.size2, ROOTS[v.size1]!, ROOTS[v.size2]!, proof));
  }
});

/** A proof changed the ways the reference tests change one: each must be refused. */
function corruptions(proof: Hash[], root: Hash): [string, Hash[]][] {
  const out: [string, Hash[]][] = [
    ['trailing garbage', [...proof, Buffer.alloc(0)]],
    ['trailing root', [...proof, root]],
    ['preceding garbage', [Buffer.alloc(0), ...proof]],
    ['preceding root', [root, ...proof]],
  ];
  proof.forEach((_, i) => {
    const flipped = proof.map((p) => Buffer.from(p));
    flipped[i]![0]! ^= 8;
    out.push([`bit flipped in [${i}]`, flipped]);
  });
  if (proof.length > 0) out.push(['last removed', proof.slice(0, -1)]);
  if (proof.length > 1) out.push(['one inserted', [proof[0]!, leafHash(Buffer.from('x')), ...proof.slice(1)]]);
  return out;
}

test('in every tree up to 40 leaves, every proof verifies and every altered one is refused', () => {
  const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`record ${i}`)));
  const tree = new LeafHashes(leaves);
  const roots = [EMPTY_ROOT];
  const grown = Frontier.empty();
  for (const leaf of leaves) {
    grown.append(leaf);
    roots.push(grown.root());
    assert.deepEqual(grown.root(), tree.root(0, grown.size));
    assert.deepEqual(Frontier.of(grown.size, grown.peaks).root(), grown.root());
  }
  for (let size = 1; size <= leaves.length; size++) {
    const root = roots[size]!;
    for (let i = 0; i < size; i++) {
      const proof = inclusionProof(tree, i, size);
      assert.deepEqual(rootFromInclusion(i, size, leaves[i]!, proof), root, `leaf ${i} of ${size}`);
      assert.ok(!verifyInclusion(i, size, leafHash(Buffer.from('other')), proof, root), 'another leaf');
      if (i + 1 < size) assert.ok(!verifyInclusion(i + 1, size, leaves[i]!, proof, root), 'index + 1');
      assert.ok(!verifyInclusion(i, size * 2, leaves[i]!, proof, root), 'size * 2');
      for (const [what, bad] of corruptions(proof, root)) assert.ok(!verifyInclusion(i, size, leaves[i]!, bad, root), `${what}: leaf ${i} of ${size}`);
    }
    for (let size1 = 0; size1 <= size; size1++) {
      const proof = consistencyProof(tree, size1, size);
      assert.ok(verifyConsistency(size1, size, roots[size1]!, root, proof), `${size1} → ${size}`);
      if (proof.length === 0) continue;
      assert.ok(!verifyConsistency(size1, size, root, roots[size1]!, proof), 'swapped roots');
      assert.ok(!verifyConsistency(size1, size, roots[size1]!, root, []), 'empty proof');
      if (size1 > 1) assert.ok(!verifyConsistency(size1 - 1, size, roots[size1]!, root, proof), 'size1 - 1');
      for (const [what, bad] of corruptions(proof, root)) assert.ok(!verifyConsistency(size1, size, roots[size1]!, root, bad), `${what}: ${size1} → ${size}`);
    }
  }
  // A tree never shrinks.
  assert.ok(!verifyConsistency(5, 4, roots[5]!, roots[4]!, []));
});

test('a frontier is refused when its peaks do not fit its size', () => {
  assert.throws(() => Frontier.of(3, [LEAVES[0]!]), /a tree of 3 leaves has 2 peaks/);
  assert.throws(() => Frontier.of(1, [Buffer.alloc(31)]), /32 bytes/);
  assert.throws(() => inclusionProof(new LeafHashes(LEAVES), 8, 8), /leaf 8 is not in a tree of 8/);
});

test('a leaf and a node hash are SHA-256 of their prefixed bytes, for records short and long, one after another', async () => {
  const { createHash } = await import('node:crypto');
  const sha = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
  for (const n of [0, 1, 300, 16 * 1024 - 2, 16 * 1024 - 1, 16 * 1024, 100_000, 5]) {
    const data = Buffer.alloc(n, n % 251);
    assert.ok(leafHash(data).equals(sha(Buffer.from([0]), data)), `a record of ${n} bytes`);
  }
  const [a, b] = [leafHash(Buffer.from('a')), leafHash(Buffer.from('b'))];
  const ab = nodeHash(a, b);
  assert.ok(ab.equals(sha(Buffer.from([1]), a, b)));
  assert.ok(nodeHash(b, a).equals(sha(Buffer.from([1]), b, a)), 'a hash handed out is not overwritten by the next');
  assert.ok(ab.equals(sha(Buffer.from([1]), a, b)));
});

test('proofs from leaves read once in order are the proofs from the leaves held, for every index and pair of sizes', () => {
  const leaves = Array.from({ length: 37 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const held = new LeafHashes(leaves);
  for (let size = 1; size <= leaves.length; size++) {
    for (let index = 0; index < size; index++) {
      assert.deepEqual(proofFromLeaves((t) => inclusionProof(t, index, size), leaves), inclusionProof(held, index, size));
    }
    for (let old = 0; old <= size; old++) {
      assert.deepEqual(proofFromLeaves((t) => consistencyProof(t, old, size), leaves), consistencyProof(held, old, size));
    }
  }
  assert.throws(() => proofFromLeaves((t) => inclusionProof(t, 3, 40), leaves), /needs 40 leaves, only 37/);
});
