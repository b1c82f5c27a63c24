// Forwarding the spool to the collector over one WebSocket (GET /v1/stream): batches go out in
// spool order with a bounded number in flight, and each leaves the spool only when the collector
// acknowledges it. On any break everything unacknowledged is sent again from the oldest after
// reconnecting; the collector recognises the batch ids it already has, so nothing is stored twice.
import WebSocket from 'ws';
import { CLOSE_CUT, tlsProblem } from '../../collector/src/index.js';
import type { Spool } from './spool.js';

export interface ForwardOptions {
  /** ws:// or wss:// URL of the collector's /v1/stream. */
  url: string;
  /** Bearer token with the ingest scope, if the collector has tokens. */
  token?: string;
  /** The CAs a wss:// collector's certificate may be signed by (relay config's upstreamTls). */
  tls?: { ca?: string[] };
  /** Batches sent and not yet acknowledged, at most. */
  window: number;
  /** Reconnect backoff bounds, ms. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Collector errors on one batch (answers of "retry" that were its own) before it is set aside as rejected. */
  maxBatchErrors: number;
}

type Log = (event: Record<string, unknown>) => void;

/** Close codes with which the collector refuses a message (not JSON, not a batch, too big): sending it again cannot help. */
const REFUSED: Record<number, string> = {
  1007: 'the collector refused the message as not JSON (WebSocket close 1007)',
  1008: 'the collector refused the message as not a batch (WebSocket close 1008)',
  1009: 'larger than the collector accepts (WebSocket close 1009): raise its limits.max_body_bytes or lower the relay\'s --max-body-bytes',
};

export class Forwarder {
  forwarded = 0;
  connected = false;
  private ws: WebSocket | undefined;
  /** The last spool seq sent on this connection. */
  private sentUpTo = 0;
  private readonly inFlight = new Set<string>();
  private backoff: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Batches still to send one at a time, to find the one the collector refuses by closing the socket. */
  private singly = 0;
  /** Batches the collector answered "retry" on this connection; nothing more is sent until the rest are answered. */
  private failed: { batch: string; error: string }[] = [];
  /** Errors counted against each batch so far (until it is acknowledged or set aside). */
  private readonly errors = new Map<string, number>();

  constructor(private readonly spool: Spool, private readonly options: ForwardOptions, private readonly log: Log) {
    this.backoff = options.minBackoffMs;
    this.connect();
  }

  /** A batch was spooled: send it if the window allows. */
  wake(): void {
    this.pump();
  }

  private connect(): void {
    this.retryTimer = undefined;
    const headers: Record<string, string> = this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
    const ws = new WebSocket(this.options.url, { headers, handshakeTimeout: 10_000, ...this.options.tls });
    this.ws = ws;
    ws.on('open', () => {
      // The backoff is not reset here but on an acknowledgement: a collector that takes the
      // connection and fails every batch is not retried at full speed.
      this.connected = true;
      this.sentUpTo = 0;
      this.inFlight.clear();
      this.failed = [];
      this.log({ level: 'info', event: 'upstream_connected', url: this.options.url, spooled: this.spool.batches });
      this.pump();
    });
    ws.on('message', (data) => this.answer(String(data)));
    ws.on('unexpected-response', (_req, res) => {
      // The collector's answer says why (a token, a Host, plain ws:// to its TLS port): read a little of it, then go.
      let body = '';
      let done = false;
      const refused = () => {
        if (done) return;
        done = true;
        let error: unknown;
        try {
          error = (JSON.parse(body) as { error?: unknown }).error;
        } catch {
          error = body.slice(0, 200) || undefined;
        }
        this.log({ level: 'error', event: 'upstream_refused', url: this.options.url, status: res.statusCode, error,
          hint: res.statusCode === 401 || res.statusCode === 403 ? 'check REDTAIL_UPSTREAM_TOKEN: it needs the ingest scope' : undefined });
        ws.terminate();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.once('end', refused);
      res.once('close', refused);
      res.once('error', refused);
    });
    ws.on('error', (err) => {
      const hint = tlsProblem(err, this.options.url, '--ca FILE (or REDTAIL_CA)');
      if (!this.connected) this.log({ level: hint ? 'error' : 'warn', event: 'upstream_unreachable', url: this.options.url, error: err.message, hint, retry_ms: this.backoff });
    });
    ws.on('close', (code, reason) => {
      if (this.connected) this.log({ level: 'warn', event: 'upstream_lost', code, reason: String(reason), unacknowledged: this.inFlight.size, retry_ms: this.backoff });
      // The collector refused a message by closing. Sent alone, the one that does it again is set
      // aside for good; otherwise it would be sent again and again, holding up the rest.
      const refused = REFUSED[code];
      if (code === CLOSE_CUT) this.cut(String(reason));
      else if (refused !== undefined) {
        const [only] = this.inFlight;
        if (this.singly > 0 && this.inFlight.size === 1 && only !== undefined) {
          this.setAside(only, refused);
          this.singly = 0;
        } else this.singly = Math.max(this.inFlight.size, 1);
      }
      this.connected = false;
      this.ws = undefined;
      this.inFlight.clear();
      if (this.closed) return;
      this.retryTimer = setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs);
    });
  }

  private pump(): void {
    const ws = this.ws;
    if (!this.connected || ws === undefined || ws.readyState !== WebSocket.OPEN || this.failed.length > 0) return;
    const room = (this.singly > 0 ? 1 : this.options.window) - this.inFlight.size;
    if (room <= 0) return;
    for (const b of this.spool.next(this.sentUpTo, room)) {
      ws.send(`{"batch":${JSON.stringify(b.batch)},"records":${b.records}}`);
      this.inFlight.add(b.batch);
      this.sentUpTo = b.seq;
    }
  }

  /** The collector's answer to one batch: an ack, or an error that is for good unless it says retry. */
  private answer(text: string): void {
    let message: { ack?: unknown; error?: unknown; batch?: unknown; retry?: unknown; message?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return this.log({ level: 'warn', event: 'upstream_garbled', text: text.slice(0, 200) });
    }
    if (typeof message.ack === 'string') {
      if (this.inFlight.delete(message.ack)) {
        this.errors.delete(message.ack);
        if (this.spool.take(message.ack)) this.forwarded++;
      }
      this.backoff = this.options.minBackoffMs; // the collector stores again
      if (this.singly > 0) this.singly--; // not this one
    } else if (typeof message.batch === 'string' && this.inFlight.has(message.batch)) {
      const batch = message.batch;
      this.inFlight.delete(batch);
      const error = String(message.message ?? message.error);
      if (message.retry === true) {
        this.log({ level: 'warn', event: 'upstream_retry', batch, error });
        this.failed.push({ batch, error });
      } else this.setAside(batch, error);
    }
    if (this.failed.length > 0 && this.inFlight.size === 0) return this.afterFailures();
    this.pump();
  }

  /**
   * Every batch sent on this connection is answered, and some could not be stored. One alone
   * (the others stored, or none other sent) failed for a reason of its own: that counts against
   * it, and at the limit it is set aside. Several: the collector cannot store anything just now
   * (a full disk, say), so none is counted. Otherwise start over from the oldest after a pause.
   */
  private afterFailures(): void {
    const failed = this.failed;
    this.failed = [];
    if (failed.length === 1) {
      const { batch, error } = failed[0]!;
      if (this.countError(batch, 'the collector failed to store it', error)) return this.pump();
    }
    this.ws?.close(1013, 'retrying');
  }

  /**
   * The collector cut the upload under way (it stalled, or came too slowly): the batch is not at
   * fault, so it is sent again, but a batch cut every time (too big for the link) counts against
   * --max-batch-errors like a failure, so it cannot hold up the rest forever.
   */
  private cut(reason: string): void {
    const [oldest] = this.inFlight;
    if (oldest !== undefined) this.countError(oldest, 'the collector cut its upload', reason);
  }

  /** One more error against a batch; at --max-batch-errors it is set aside (true), saying `what` happened how often. */
  private countError(batch: string, what: string, last: string): boolean {
    const count = (this.errors.get(batch) ?? 0) + 1;
    if (count < this.options.maxBatchErrors) {
      this.errors.set(batch, count);
      return false;
    }
    this.setAside(batch, `${what} ${count} times (the relay's --max-batch-errors), the last: ${last}`);
    return true;
  }

  /** A batch the collector will not store: kept in the spool's rejected table, with why, and the rest go on. */
  private setAside(batch: string, error: string): void {
    this.errors.delete(batch);
    this.spool.reject(batch, error);
    this.log({ level: 'error', event: 'batch_rejected_upstream', batch, error, hint: 'kept in the spool\'s rejected table' });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.ws?.terminate();
  }
}
