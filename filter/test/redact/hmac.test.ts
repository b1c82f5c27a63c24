// The filter's HMAC-SHA256 (filter/src/redact/hmac.ts) against RFC 4231's test vectors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Host } from '../../../host/src/index.js';

const hex = (s: string) => Buffer.from(s).toString('hex');

// RFC 4231, section 4: test cases 1, 2, 3, 4, 6 and 7 (case 5 is about truncation).
const VECTORS: [string, string, string][] = [
  ['0b'.repeat(20), hex('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  [hex('Jefe'), hex('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  ['aa'.repeat(20), 'dd'.repeat(50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
  ['0102030405060708090a0b0c0d0e0f10111213141516171819', 'cd'.repeat(50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
  ['aa'.repeat(131), hex('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
  ['aa'.repeat(131), hex('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'],
];

test('HMAC-SHA256 matches RFC 4231 test cases 1-4, 6 and 7', async () => {
  const lines: string[] = [];
  const host = new Host({ onLog: (e) => lines.push(e.message) });
  const module = await host.load(new URL('../../../../build/guests/hmac-vectors.wasm', import.meta.url).pathname);
  host.startPlugin(module, { configuration: VECTORS.map(([k, d]) => `${k} ${d}`).join('\n') });
  assert.deepEqual(lines, VECTORS.map(([, , mac]) => mac));
});
