// Certificates for the TLS tests, made with the openssl CLI in a temporary folder: a CA; the
// server certificates it signs (for 127.0.0.1 and localhost, a second one for rotation, an
// expired one, one for another name); and another CA that signed none of them.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { tempDir } from './helpers.js';

export interface Pair {
  cert: string;
  key: string;
}

export interface Certificates {
  dir: string;
  /** The CA that signed the server certificates (PEM file). */
  ca: string;
  /** A CA that signed nothing here. */
  otherCa: string;
  /** For 127.0.0.1 and localhost. */
  server: Pair;
  /** Another for the same names, as a rotation brings. */
  renewed: Pair;
  /** For the same names, expired yesterday. */
  expired: Pair;
  /** For collector.example.com only. */
  wrongName: Pair;
  remove(): void;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function authority(dir: string, name: string): Pair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl(['req', '-x509', ...NEW_KEY, '-keyout', pair.key, '-out', pair.cert, '-days', '2', '-subj', `/CN=${name}`]);
  return pair;
}

function signed(dir: string, ca: Pair, name: string, { names, days }: { names: string; days: number }): Pair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${names}\n`);
  openssl(['req', ...NEW_KEY, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`]);
  // -days -1: valid until a day before it was issued, so expired from the start.
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-days', String(days), '-extfile', ext, '-out', pair.cert]);
  return pair;
}

export function makeCertificates(): Certificates {
  const tmp = tempDir();
  const ca = authority(tmp.dir, 'test-ca');
  const loopback = 'IP:127.0.0.1,DNS:localhost';
  return {
    dir: tmp.dir,
    ca: ca.cert,
    otherCa: authority(tmp.dir, 'other-ca').cert,
    server: signed(tmp.dir, ca, 'server', { names: loopback, days: 2 }),
    renewed: signed(tmp.dir, ca, 'renewed', { names: loopback, days: 2 }),
    expired: signed(tmp.dir, ca, 'expired', { names: loopback, days: -1 }),
    wrongName: signed(tmp.dir, ca, 'wrong-name', { names: 'DNS:collector.example.com', days: 2 }),
    remove: tmp.remove,
  };
}

/** A request over HTTPS trusting the CA in `ca` (a PEM file): status and body. */
export function requestTls(url: string, ca: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca: readFileSync(ca) }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
