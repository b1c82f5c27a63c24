// A block's records searched for a query's text (build/find.wasm): the records found are those
// whose bytes hold the text, as Buffer.indexOf finds them, for texts of every length, at the
// start and end of records and blocks, overlapping themselves, and longer than the block.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Unpacked } from '../../src/store/unpacked.js';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

test('the records holding a text are those whose bytes hold it', () => {
  const rnd = random(11);
  const alphabet = ['2', '0', '3', '.', '7', 'a', 'aa', '"', 'é', '\\', ' ', '203.0.113.7', '77'];
  let checked = 0;
  for (let round = 0; round < 400; round++) {
    const lines = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () =>
      Array.from({ length: Math.floor(rnd() * 60) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
    const bytes = Buffer.from(lines.join('\n'));
    const block = new Unpacked(bytes);
    const joined = lines.join('\n');
    for (let k = 0; k < 6; k++) {
      // A piece of the text itself (so it is found), or made up (so it mostly is not).
      const from = Math.floor(rnd() * joined.length);
      const text = rnd() < 0.6 ? joined.slice(from, from + 1 + Math.floor(rnd() * 14)) : alphabet[Math.floor(rnd() * alphabet.length)]! + alphabet[Math.floor(rnd() * alphabet.length)]!;
      if (text === '' || text.includes('\n')) continue;
      const needle = Buffer.from(text);
      const expected = lines.flatMap((line, i) => (Buffer.from(line).indexOf(needle) >= 0 ? [i] : []));
      assert.deepEqual(block.holding(needle), expected, `${JSON.stringify(text)} in ${JSON.stringify(joined)}`);
      checked++;
    }
  }
  assert.ok(checked > 1500);
  assert.deepEqual(new Unpacked(Buffer.from('ab')).holding(Buffer.from('abc')), [], 'a text longer than the block');
  assert.deepEqual(new Unpacked(Buffer.from('x\naaaa\nya')).holding(Buffer.from('aa')), [1], 'overlapping itself');
});
