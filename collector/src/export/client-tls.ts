// What an exporter shows an https:// receiver and whom it trusts there: the config's CA bundle
// besides Node's own, and a client certificate for a receiver that asks for one (an OpenTelemetry
// Collector with `client_ca_file`, a gateway doing mutual TLS). The certificate's files are read
// again when they change (cert-manager and Kubernetes secrets rotate them in place), so a rotation
// needs no restart; a pair that does not load is logged and the last good one kept.
import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { ExporterConfig } from './config.js';

/** How often the certificate's files are looked at for a change, ms. */
const LOOK_EVERY_MS = 10_000;

/** The certificate and key in `files`, read and checked to make a pair; thrown as what is wrong, naming the file. */
export function readClientPair(files: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const pair = { cert: read(files.cert), key: read(files.key) };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new Error(`${files.cert} and ${files.key} do not make a certificate and its key (${(err as Error).message})`);
  }
  return pair;
}

export class ClientTls {
  private current: https.Agent | undefined;
  private stamp = '';
  private lookedAt = 0;

  /** `reloaded`: told of each reading of the certificate's files after the first (`error` when they did not load). */
  constructor(private readonly config: Pick<ExporterConfig, 'ca' | 'client'>, private readonly reloaded: (error?: string) => void = () => {},
    private readonly lookEveryMs = LOOK_EVERY_MS) {
    if (config.ca || config.client) this.current = this.make();
    this.stamp = this.mtimes();
    this.lookedAt = performance.now();
  }

  /** The agent for an https:// request now; undefined: Node's default trust and no certificate. */
  agent(): https.Agent | undefined {
    if (this.config.client && performance.now() - this.lookedAt >= this.lookEveryMs) this.look();
    return this.current;
  }

  private look(): void {
    this.lookedAt = performance.now();
    const stamp = this.mtimes();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      const agent = this.make();
      this.current?.destroy();
      this.current = agent;
      this.reloaded();
    } catch (err) {
      this.reloaded((err as Error).message);
    }
  }

  private make(): https.Agent {
    const { ca, client } = this.config;
    return new https.Agent({ keepAlive: true, ...(ca ? { ca: [...rootCertificates, ca.pem] } : {}), ...(client ? readClientPair(client) : {}) });
  }

  private mtimes(): string {
    const { client } = this.config;
    if (!client) return '';
    return [client.cert, client.key].map((f) => {
      try {
        return statSync(f).mtimeMs;
      } catch {
        return 'missing';
      }
    }).join(' ');
  }
}

/** The receiver's TLS alerts about the client's certificate, as OpenSSL names them in Node's error codes. */
const CERT_REQUIRED = new Set(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED']);
const CERT_REFUSED = new Set(['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED']);

/** What a failed connection means when the receiver would not take the exporter's client certificate (or its absence); undefined otherwise. */
export function clientCertProblem(err: unknown): string | undefined {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (CERT_REQUIRED.has(code)) return `the receiver asks for a client certificate (${code}): give the exporter's "cert" and "key"`;
  if (CERT_REFUSED.has(code)) return `the receiver refused the exporter's client certificate (${code}): expired, revoked, or signed by a CA it does not trust`;
  return undefined;
}
