// The latest record time up to each block, as queries stop by it: exact for every id, and held
// in a bounded number of bytes however many blocks a shard has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NEWEST_ENTRIES, NewestUpTo } from '../../src/store/newest.js';

/** Blocks' latest record times, mostly rising with late and early ones among them (seeded, repeatable). */
function ends(n: number): number[] {
  let seed = 17;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, k) => 1_000_000 + k * 10 + (random() < 0.05 ? (random() - 0.5) * 20_000 : 0));
}

/** ends[from..to-1] as the shard's ranges give them for ids from+1..to. */
const loader = (all: number[]) => {
  let loads = 0;
  return { load: (from: number, to: number) => (loads++, all.slice(from, to)), loads: () => loads };
};

test('every id gets the latest time up to it, exactly, as blocks are added and the groups widen', () => {
  const all = ends(5000);
  const newest = new NewestUpTo(64);
  for (let at = 0; at < all.length; at += 333) {
    newest.add(all.slice(at, at + 333));
    const { load } = loader(all);
    const at_ = newest.reader(load);
    let running = -Infinity;
    for (let id = 1; id <= newest.known; id++) {
      running = Math.max(running, all[id - 1]!);
      assert.equal(at_(id), running, `block ${id} of ${newest.known}`);
    }
    assert.equal(at_(newest.known + 1), Infinity, 'a block not known yet has no bound');
  }
  assert.ok(newest.bytes() <= 64 * 8);
});

test(`a shard's million blocks are held in ${NEWEST_ENTRIES * 8 / 1024} KiB; a query loads a group of them once`, () => {
  const all = ends(1_000_000);
  const newest = new NewestUpTo();
  newest.add(all);
  assert.ok(newest.bytes() <= NEWEST_ENTRIES * 8, `${newest.bytes()} bytes held for ${all.length} blocks`);
  const { load, loads } = loader(all);
  const at = newest.reader(load);
  const id = 765_432;
  let exact = -Infinity;
  for (let k = 0; k < id; k++) exact = Math.max(exact, all[k]!);
  for (let k = id; k > id - 50; k--) at(k);
  assert.equal(at(id), exact);
  assert.equal(loads(), 1, 'the ids near one another are in one group');
});
