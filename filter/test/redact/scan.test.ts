// The scan that looks at 16 bytes at a time must find exactly what trying every word start one
// byte at a time finds: thousands of generated texts, dense with secrets, near-misses and the
// bytes detectors start at, put at every offset against the 16-byte chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Host } from '../../../host/src/index.js';

const PIECES = [
  '4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111', '378282246310005', '4111111111111112', '4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1',
  '123-45-6789', '123 45 6789', '000-12-3456', 'GB82WEST12345698765432', 'GB82 WEST 1234 5698 7654 32', 'DE44500105175407324931',
  'alice@example.com', 'a.b+c@mail.example.co.uk', 'x@y', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'Bearer abcdefgh12345678',
  'bEaReR abcdefgh1234', 'Basic dXNlcjpwYXNzd29yZA==', 'basic=Zm9vYmFyYmF6', 'AKIAIOSFODNN7EXAMPLE', 'ASIAQ3EGRSTUVWXYZ123',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'Zx9/Kq2Lm8Np4Rt6Vw1Yb3Cd5Ef7Gh9Jk0Lm2Np4', 'a'.repeat(40), 'A1b2'.repeat(10),
  'ghp_' + 'Q9w8E7r6T5y4U3i2O1p0'.repeat(2).slice(0, 36), 'github_pat_' + 'x'.repeat(30), 'xoxb-1234567890-abcdef', 'xapp-1-abcdefghijk',
  'sk_live_' + 'Z9y8X7w6V5u4T3s2R1q0', 'rk_test_' + 'a'.repeat(20), 'whsec_' + 'b'.repeat(20), 'AIza' + 'Q'.repeat(35),
  '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----abc', 'https://user:pa55@host/x',
  '10.1.0.7', '192.168.1.255:8080', '2001:db8::1', 'fe80::1%eth0', '+1 (415) 555-0100', '(415) 555-0100', '415-555-0100',
  '"password":"hunter2"', '"token": "abc"', '{"key":12345}', '["a","b"]', '"sku":"SKU-1"', 'ski', 'sk', 'gh', 'ey', 'xo',
  // Names and separators: secret, configured (k, zq, sessionish, x-custom-secret-name), look-alikes.
  'password=', 'token: ', '"api_key":', '\\"secret\\":', "'pwd'=", 'user[password]=', 'x-auth-key: ', 'k=', 'zq=', '"zq" : ', '"k":',
  'sessionish=', 'x-custom-secret-name=', 'monkey: ', 'token_type=', 'max_tokens=', '"card number":', 'code=', 'zip_code=',
  '%22password%22:', 'user%5Bpassword%5D=', '&access_token=', '?sig=', ';jsessionid=', 'AWSAccessKeyId=', 'clientSecret =',
  'pass', 'word', 'tok', 'en', ' = ', ': ', '[1,2]', '{"a":"b"}', '\\"x\\"', 'true', 'null',
  'glpat-' + 'a1B2c3D4e5'.repeat(2), 'npm_' + 'A1b2C3'.repeat(6), 'SG.' + 'a'.repeat(22) + '.' + 'B'.repeat(43), 'ya29.' + 'c'.repeat(30),
  'sk-proj-' + 'A1b2C3d4'.repeat(5), 'Ab1+'.repeat(21) + 'Ab==', '-----BEGIN PGP PRIVATE KEY BLOCK-----\nxyz', 'gb82west12345698765432',
  '4111.1111.1111.1111', 'a@b.com-',
];
const NOISE = 'aAbBeEgGrRsSwWxXyYkKhHiIoO0123456789 -:/+(@"{},._=\n\t%é€😀\\\'&;?[]';

function texts(count: number, seed: number): string[] {
  let x = seed;
  const rand = (n: number) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
  const out: string[] = [];
  for (let t = 0; t < count; t++) {
    let s = '';
    const target = rand(t % 10 === 0 ? 600 : 120);
    while (s.length < target) {
      const r = rand(10);
      if (r < 4) s += PIECES[rand(PIECES.length)]!;
      else if (r < 9) s += NOISE[rand(NOISE.length)]!;
      else s += ' '.repeat(rand(17));
    }
    out.push(s);
  }
  return out;
}

test('the 16-byte scan finds exactly what a byte-at-a-time scan finds', async () => {
  const lines: string[] = [];
  const host = new Host({ onLog: (e) => lines.push(e.message) });
  const module = await host.load(new URL('../../../../build/guests/scan-compare.wasm', import.meta.url).pathname);
  // And many values under nine bytes, where the scan takes a shortcut.
  const short = '@@..::/-0123456789abcxyzABC+(';
  const all = [...texts(4000, 0x9e3779b9), ...Array.from({ length: 3000 }, (_, t) =>
    Array.from({ length: 1 + (t % 8) }, (_, k) => short[(t * 7 + k * k * 13 + (t >> 3) * k) % short.length]).join('')),
  'a@b.co', 'x@y.io', '://a:b@c', 'u:p@h.io', '123456789', '2001::1', '::1', '1.2.3.4', '(415)555'];
  host.startPlugin(module, { configuration: all.join('\0') });
  const differences = lines.filter((l) => l.startsWith('text '));
  assert.deepEqual(differences.slice(0, 5).map((l) => `${l}\n  in ${JSON.stringify(all[Number(l.split(' ')[1])])}`), []);
  assert.equal(lines.at(-1), `done ${all.length}`);
});
