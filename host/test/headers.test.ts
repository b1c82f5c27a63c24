import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderMap } from '../src/headers.js';
import { encodePairs, type Pair } from '../src/pairs.js';

// As Node's parser hands them over: names as the client wrote them, values byte strings.
const RAW = ['Host', 'shop', 'X-Bin', '\x01\xff\x7fé', 'cookie', 'a=1; b=2', 'X-Empty', '', 'Accept', '*/*', 'accept', 'text/html'];
const lowered = (raw: string[]): Pair[] => {
  const out: Pair[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
};

test('a map from Node\'s strings encodes byte for byte as the pairs encoding, keys lower-cased', () => {
  assert.deepEqual(HeaderMap.fromRaw(RAW.slice()).encode(), encodePairs(lowered(RAW)));
  assert.deepEqual(HeaderMap.fromPairs(lowered(RAW)).encode(), encodePairs(lowered(RAW)));
  assert.equal(HeaderMap.fromRaw([]).encode().length, 0);
});

test('a map read twice answers the same bytes, made once; a change makes them again', () => {
  const map = HeaderMap.fromRaw(RAW.slice());
  const first = map.encode();
  assert.equal(map.encode(), first, 'the same encoding, not made again');
  const key = Buffer.from('ACCEPT');
  const found = map.findEncoded(key, 0, key.length)!;
  assert.equal(first.subarray(found[0], found[0] + found[1]).toString('latin1'), '*/*', 'the first value, the key matched case-insensitively');
  map.replace('Accept', 'application/json');
  const changed = map.encode();
  assert.notEqual(changed, first);
  assert.deepEqual(changed, encodePairs([...lowered(RAW).filter(([k]) => k !== 'accept'), ['accept', 'application/json']]));
  map.remove('x-bin');
  assert.deepEqual(map.flat().filter((_, i) => i % 2 === 0), ['host', 'cookie', 'x-empty', 'accept']);
});

test('a map from the pairs encoding reads back as the same entries', () => {
  const map = HeaderMap.fromEncoded(encodePairs(lowered(RAW)));
  assert.deepEqual(map.pairs(), lowered(RAW));
  assert.equal(map.get('ACCEPT'), '*/*');
  assert.deepEqual(map.all('accept'), ['*/*', 'text/html']);
});
