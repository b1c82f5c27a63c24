// Live tail: subscribers on GET /v1/tail (WebSocket) with the same filters as queries; each
// record that matches is sent as soon as its batch has committed. A message is NDJSON: one or
// more records (and drop notices), a line each, so a busy stream is not a frame per record.
// A slow subscriber gets a queue of its own, bounded by bytes (what it holds unsent on its socket
// included): past the bound its oldest records are dropped for it alone and it is told
// {"dropped": N}, so a tail that falls behind in a burst carries on without reconnecting.
// Every subscriber, whatever its filters, is also told of the trail's completeness as the
// collector learns of it ({"notice": …}: a source silent or back, batches missing, records
// dropped by a producer; sources/sources.ts), ahead of records and never dropped for a slow tail
// but past the last MAX_NOTICES, or a quarter of its bytes (a producer decides how many and how
// large: a gap notice per line).
// A subscriber may ask to start with the latest records stored (`backfill`): they are sent, oldest
// first, ahead of anything live, then `{"backfilled": N}`. The caller queries them in the same turn
// of the event loop as it subscribes, and a batch commits and is published in one turn too, so
// no record is in both, and none committed after the backfill is missed.
// Ingest never waits for a tail. A queued record is a copy of its bytes: a record's text may be
// a slice of its whole batch's, which would otherwise stay in memory as long as the record.
import type { WebSocket } from 'ws';
import { fieldsMatch, type Filters, predicate, textMatches } from '../query/filters.js';
import { type Row, rowValue } from '../ingest/validate.js';

export interface TailOptions {
  /** Records queued per subscriber before the oldest are dropped. */
  maxQueue: number;
  /** Bytes held per subscriber, queued and unsent on its socket, before the oldest are dropped. */
  maxBytes: number;
}

/** The most a message carries, unless one record is larger. */
const MESSAGE_BYTES = 256 * 1024;
const NEWLINE = Buffer.from('\n');
/** Notices held for one subscriber; older ones go first (they are few: a source's changes, not its records). */
const MAX_NOTICES = 1000;

type Match = (row: Row) => boolean;

/** The filters' predicate (filters.ts, as queries have it), on the values a row keeps; throws QueryError on a bad filter. */
export function matcher(f: Filters): Match {
  const p = predicate(f);
  return (r) => fieldsMatch(p, (field) => rowValue(r, field)) && textMatches(p, r.json);
}

class Subscriber {
  private queue: Buffer[] = [];
  private notices: Buffer[] = [];
  private noticeBytes = 0;
  private queued = 0;
  private dropped = 0;
  private writing = false;
  /** Records handed to the socket. */
  sent = 0;

  /** Bytes held for this subscriber: records and notices queued, and what its socket has not sent. */
  get held(): number {
    return this.queued + this.noticeBytes + this.socket.bufferedAmount;
  }

  constructor(readonly socket: WebSocket, readonly match: Match, private readonly options: TailOptions, readonly onDrop: (n: number) => void) {}

  /** The socket may hold this much unsent before it is handed more; the rest of the bound is the queue's. */
  private get sendAhead(): number {
    return this.options.maxBytes / 4;
  }

  /**
   * The records stored before this subscriber, oldest first, sent ahead of anything live: the
   * newest of them that fit in half its bound, then `{"backfilled": N}` (and `"left_out"`, those
   * that did not fit). What the socket then holds counts in `held`, so live records queue behind.
   */
  backfill(records: Buffer[]): void {
    let bytes = 0;
    let from = records.length;
    while (from > 0 && bytes + records[from - 1]!.length <= this.options.maxBytes / 2) bytes += records[--from]!.length;
    const lines: Buffer[] = [];
    for (let i = from; i < records.length; i += 1) lines.push(records[i]!, NEWLINE);
    lines.push(Buffer.from(JSON.stringify({ backfilled: records.length - from, ...(from > 0 ? { left_out: from } : {}) })));
    this.sent += records.length - from;
    this.socket.send(Buffer.concat(lines), { binary: false });
  }

  offer(record: Buffer): void {
    this.queue.push(record);
    this.queued += record.length;
    let over = 0;
    while (this.queue.length > 0 && (this.queue.length > this.options.maxQueue || this.held > this.options.maxBytes)) {
      this.queued -= this.queue.shift()!.length;
      over++;
    }
    if (over > 0) {
      this.dropped += over;
      this.onDrop(over);
    }
    this.pump();
  }

  notify(notice: Buffer): void {
    this.notices.push(notice);
    this.noticeBytes += notice.length;
    while (this.notices.length > 1 && (this.notices.length > MAX_NOTICES || this.noticeBytes > this.options.maxBytes / 4)) {
      this.noticeBytes -= this.notices.shift()!.length;
    }
    this.pump();
  }

  /** Called as each frame is written out: resume once the socket has room again. */
  private readonly written = () => {
    if (this.writing && this.socket.bufferedAmount <= this.sendAhead / 2) {
      this.writing = false;
      this.pump();
    }
  };

  /** Hand the socket what it can take without holding more than sendAhead unsent. */
  private pump(): void {
    if (this.writing) return;
    while (this.queue.length > 0 || this.dropped > 0 || this.notices.length > 0) {
      if (this.socket.readyState !== this.socket.OPEN) return;
      if (this.socket.bufferedAmount > this.sendAhead) {
        this.writing = true; // the frames in flight will call `written`
        return;
      }
      // What is queued, up to a message's worth, in one message after any drop notice.
      const lines: Buffer[] = [];
      for (const notice of this.notices) lines.push(notice, NEWLINE);
      this.notices = [];
      this.noticeBytes = 0;
      if (this.dropped > 0) {
        lines.push(Buffer.from(JSON.stringify({ dropped: this.dropped })), NEWLINE);
        this.dropped = 0;
      }
      let size = 0;
      while (this.queue.length > 0 && (size < MESSAGE_BYTES || size === 0)) {
        const record = this.queue.shift()!;
        size += record.length;
        lines.push(record, NEWLINE);
        this.sent++;
      }
      this.queued -= size;
      lines.pop();
      this.socket.send(Buffer.concat(lines), { binary: false }, this.written);
    }
  }
}

/** A record's bytes, copied, so that nothing of its batch stays in memory with it. */
function copyOf(row: Row): Buffer {
  return row.bytes !== undefined ? Buffer.copyBytesFrom(row.bytes, row.start, row.end! - row.start!) : Buffer.from(row.json);
}

export class TailHub {
  private readonly subscribers = new Set<Subscriber>();
  /** Records dropped for subscribers that fell behind. */
  drops = 0;
  /** Subscribers refused because there were as many as allowed. */
  refused = 0;

  constructor(private readonly options: TailOptions) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Bytes held for all subscribers (each within limits.tail_queue_bytes). */
  get held(): number {
    let n = 0;
    for (const sub of this.subscribers) n += sub.held;
    return n;
  }

  /**
   * A subscriber, sent `backfill` first when given (records stored before it, oldest first, queried
   * in this turn of the event loop); `onEnd` is told, once, how many records it was sent when its
   * socket goes.
   */
  subscribe(socket: WebSocket, filters: Filters, { onEnd, backfill }: { onEnd?: (sent: number) => void; backfill?: Buffer[] } = {}): void {
    const sub = new Subscriber(socket, matcher(filters), this.options, (n) => (this.drops += n));
    if (backfill !== undefined) sub.backfill(backfill);
    this.subscribers.add(sub);
    let ended = false;
    const end = () => {
      this.subscribers.delete(sub);
      if (!ended) onEnd?.(sub.sent);
      ended = true;
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  /** Committed records: to every subscriber whose filters they match. */
  publish(rows: Row[]): void {
    if (this.subscribers.size === 0) return;
    for (const row of rows) {
      let copy: Buffer | undefined; // one copy of a record, however many subscribers get it
      for (const sub of this.subscribers) if (sub.match(row)) sub.offer((copy ??= copyOf(row)));
    }
  }

  /** What the collector learnt of the trail's completeness: to every subscriber, as `{"notice": …}`. */
  notify(notices: object[]): void {
    for (const notice of notices) {
      const line = Buffer.from(JSON.stringify({ notice }));
      for (const sub of this.subscribers) sub.notify(line);
    }
  }

  close(): void {
    for (const sub of this.subscribers) sub.socket.close(1001, 'collector stopping');
    this.subscribers.clear();
  }
}
