// Live tail: subscribers on GET /v1/tail (WebSocket) with the same filters as queries; each
// record that matches is sent as soon as its batch has committed. A message is NDJSON: one or
// more records (and drop notices), a line each, so a busy stream is not a frame per record.
// A slow subscriber gets a bounded queue of its own: past the bound the oldest records are
// dropped for that subscriber alone and it is told {"dropped": N}. Ingest never waits for a tail.
import type { WebSocket } from 'ws';
import { holdsText, parseStatus, type Filters } from './query.js';
import type { Row } from './validate.js';

export interface TailOptions {
  /** Records queued per subscriber before the oldest are dropped. */
  maxQueue: number;
  /** Bytes the socket may hold unsent before we stop handing it more. */
  maxBuffered: number;
}

export const TAIL_DEFAULTS: TailOptions = { maxQueue: 10000, maxBuffered: 1024 * 1024 };

type Match = (row: Row) => boolean;

/** A predicate for the filters a tail can use (all but time range, limit and cursor). */
export function matcher(f: Filters): Match {
  const tests: Match[] = [];
  const eq = (value: string | undefined, get: (r: Row) => string | null) => {
    if (value !== undefined) tests.push((r) => get(r) === value);
  };
  eq(f.service, (r) => r.service);
  eq(f.namespace, (r) => r.namespace);
  eq(f.workload, (r) => r.workload);
  eq(f.method?.toUpperCase(), (r) => r.method);
  eq(f.authority, (r) => r.authority);
  eq(f.requestId, (r) => r.requestId);
  eq(f.traceId, (r) => r.traceId);
  if (f.status !== undefined) {
    const [lo, hi] = parseStatus(f.status);
    tests.push((r) => r.status >= lo && r.status <= hi);
  }
  if (f.path !== undefined) {
    const prefix = f.path;
    tests.push((r) => r.path !== null && r.path.startsWith(prefix));
  }
  if (f.text !== undefined) {
    const text = f.text;
    tests.push((r) => holdsText(r.json, text));
  }
  return (r) => tests.every((t) => t(r));
}

class Subscriber {
  private queue: string[] = [];
  private dropped = 0;
  private writing = false;

  constructor(readonly socket: WebSocket, readonly match: Match, private readonly options: TailOptions, readonly onDrop: (n: number) => void) {}

  offer(json: string): void {
    this.queue.push(json);
    if (this.queue.length > this.options.maxQueue) {
      const over = this.queue.length - this.options.maxQueue;
      this.queue.splice(0, over);
      this.dropped += over;
      this.onDrop(over);
    }
    this.pump();
  }

  /** Called as each frame is written out: resume once the socket has room again. */
  private readonly written = () => {
    if (this.writing && this.socket.bufferedAmount <= this.options.maxBuffered / 2) {
      this.writing = false;
      this.pump();
    }
  };

  /** Hand the socket what it can take without holding more than maxBuffered unsent. */
  private pump(): void {
    if (this.writing) return;
    while (this.queue.length > 0 || this.dropped > 0) {
      if (this.socket.readyState !== this.socket.OPEN) return;
      if (this.socket.bufferedAmount > this.options.maxBuffered) {
        this.writing = true; // the frames in flight will call `written`
        return;
      }
      // Everything queued (up to about 256 KiB) in one message, after any drop notice.
      const lines: string[] = [];
      let size = 0;
      if (this.dropped > 0) {
        lines.push(JSON.stringify({ dropped: this.dropped }));
        this.dropped = 0;
      }
      let n = 0;
      while (n < this.queue.length && (size < 256 * 1024 || n === 0)) size += this.queue[n++]!.length + 1;
      lines.push(...this.queue.splice(0, n));
      this.socket.send(lines.join('\n'), this.written);
    }
  }
}

export class TailHub {
  private readonly subscribers = new Set<Subscriber>();
  drops = 0;

  constructor(private readonly options: TailOptions = TAIL_DEFAULTS) {}

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(socket: WebSocket, filters: Filters): void {
    const sub = new Subscriber(socket, matcher(filters), this.options, (n) => (this.drops += n));
    this.subscribers.add(sub);
    socket.on('close', () => this.subscribers.delete(sub));
    socket.on('error', () => this.subscribers.delete(sub));
  }

  /** Committed records: to every subscriber whose filters they match. */
  publish(rows: Row[]): void {
    if (this.subscribers.size === 0) return;
    for (const sub of this.subscribers) {
      for (const row of rows) if (sub.match(row)) sub.offer(row.json);
    }
  }

  close(): void {
    for (const sub of this.subscribers) sub.socket.close(1001, 'collector stopping');
    this.subscribers.clear();
  }
}
