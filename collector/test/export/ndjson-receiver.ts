// A loopback HTTP server that takes the ndjson format's requests (export/ndjson.ts), keeps what
// it accepted, and answers as the test tells it: a status, headers, or an answer held back.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { StoredRecord } from '../../src/export/encoder.js';

export interface Request {
  headers: http.IncomingHttpHeaders;
  /** Over TLS, the client certificate's common name, if one was shown. */
  client?: string;
  body: Buffer;
  records: StoredRecord[];
}

/** What to answer a request: a status and headers, or a promise of them (held until it settles). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string };

export class NdjsonReceiver {
  /** Every request that came, answered or not. */
  readonly requests: Request[] = [];
  /** The records of the requests answered 2xx, in order. */
  readonly accepted: StoredRecord[] = [];
  /** How the next requests are answered, in turn; when empty, 200. */
  readonly answers: (Answer | Promise<Answer>)[] = [];
  /** Before `answers`: an answer chosen by the records a request holds (undefined: the next of `answers`). */
  judge: ((records: StoredRecord[]) => Answer | undefined) | undefined;
  private server: http.Server | undefined;
  port = 0;

  /** `tls`: serve HTTPS with these options (a certificate; `requestCert` for mutual TLS). */
  constructor(private readonly tls?: https.ServerOptions) {}

  /** Listen on `port` (0: any free one). */
  async listen(port = 0): Promise<string> {
    const handler: http.RequestListener = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const records = body.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as StoredRecord);
        const cn: unknown = this.tls ? (req.socket as TLSSocket).getPeerCertificate().subject?.CN : undefined;
        const client = typeof cn === 'string' ? cn : undefined;
        this.requests.push({ headers: req.headers, body, records, ...(client ? { client } : {}) });
        void Promise.resolve(this.judge?.(records) ?? this.answers.shift() ?? { status: 200 }).then((a) => {
          if (a.status >= 200 && a.status < 300) this.accepted.push(...records);
          res.writeHead(a.status, a.headers).end(a.body ?? '');
        });
      });
    };
    const server = (this.server = this.tls ? https.createServer(this.tls, handler) : http.createServer(handler));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
