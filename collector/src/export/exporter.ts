// One exporter at work: it takes the next batch from the store past its cursor (take.ts), oldest
// shard day first, encodes it, delivers it (delivery.ts), trying again with backoff while the
// receiver cannot take it, and moves its cursor on only once the receiver accepted or refused it
// for good. One request in flight at a time, so memory is one batch. Records arrive in the order
// stored, per shard day; a crash sends the batch in flight again (at least once).
import type { Log } from '../events.js';
import { predicate, type Predicate } from '../query/filters.js';
import type { ExporterConfig } from './config.js';
import { type Cursor, type Position, START } from './cursor.js';
import { AGAIN, backoff, deliver, printable, secretForms, type Outcome } from './delivery.js';
import { ClientTls } from './client-tls.js';
import type { Encoder, Payload, StoredRecord } from './encoder.js';
import { FORMATS } from './formats.js';
import type { Shelf, ShardReader } from './shelf.js';
import { BlockCounts, type Lag, lag } from './lag.js';
import { take, type Taken } from './take.js';

/** What /metrics shows of an exporter's work (its lag is read from its cursor on disk: lag.ts). */
export interface ExporterStats {
  name: string;
  exported: number;
  batchesRefused: number;
  recordsRefused: number;
  retries: number;
  /** Whether the receiver judged the last request's records (accepted or refused them), rather than being out of reach, busy, or not taking requests sent this way. */
  up: boolean;
}

/** What the usual network errors mean, for the log. */
/** How a batch's delivery ended ('done': accepted; 'refused': for good): 'too large' (413) and 'failing' (5xx again and again) for more than one record are sent again in halves. */
type Sent = 'done' | 'refused' | 'too large' | 'failing' | 'stopped';

const DOWN: Record<string, string> = {
  ECONNREFUSED: 'nothing listens at that address and port: is the receiver running, and is the port right?',
  ENOTFOUND: 'the receiver\'s name does not resolve',
  EAI_AGAIN: 'the receiver\'s name could not be resolved (DNS did not answer)',
  ECONNRESET: 'the connection was closed: a receiver restarting, or an http:// endpoint on a port that speaks TLS (then use https://)',
  EHOSTUNREACH: 'no route to the receiver\'s address',
  ETIMEDOUT: 'the connection timed out: a firewall, or the wrong address',
};

/** What a failure to deliver means, for the log; `client`: the exporter shows a client certificate. */
function hint(why: string, client: boolean): string {
  const waits = 'records wait in the store and are sent when it is back';
  // TLS 1.3 refuses a client certificate after the handshake: the client sees a reset.
  if (why === 'ECONNRESET' && client) return `${DOWN[why]}, or a receiver refusing the client certificate (expired, or signed by a CA it does not trust); ${waits}`;
  if (DOWN[why]) return `${DOWN[why]}; ${waits}`;
  if (why.startsWith('no answer within')) return `the receiver did not answer in time: it is down or overloaded, or slower than the exporter's timeout_ms (each try sends the batch again); ${waits}`;
  if (why === 'HTTP 429') return `the receiver is over a limit (its answer says which: for Loki's ingestion burst or message size, lower batch.bytes); ${waits}`;
  if (failing(Number(/^HTTP (\d+)$/.exec(why)?.[1]))) {
    return `the receiver failed (its own log says why): the batch is tried again; after ${SERVER_ERROR_TRIES} failures of one request it is sent in halves, ` +
      `and a single record it fails on ${SERVER_ERROR_TRIES} times is refused for good, so that one record cannot hold back the rest`;
  }
  return `the receiver is busy or out of reach; ${waits}`;
}

/** A 5xx not named as busy (500…): the receiver failed, on this request or on everything. */
const failing = (status: number) => status >= 500 && status < 600 && !AGAIN.includes(status);

/** The first and last request ids of the records of a batch, for the log line that says they were not kept. */
function span(records: StoredRecord[]): { first_request_id?: unknown; last_request_id?: unknown } {
  return { first_request_id: records[0]?.request_id, last_request_id: records.at(-1)?.request_id };
}

/** How often an idle exporter looks at the store, in case a wake-up was missed (a shard made by another route). */
const LOOK_EVERY_MS = 1000;
/**
 * Failures of one request (500, or another 5xx not named in delivery.ts) after which it is sent
 * in halves, and a single record is refused for good: a failure that passes (Loki's ingesters
 * restarting) loses nothing, one that does not (a record the receiver cannot take) costs that
 * record, found by halving, rather than holding back the rest forever; a receiver failing on
 * everything loses its first record only after the halving's tries (some hundred, about ten
 * minutes with the default backoff). As many as Promtail's own retries.
 */
export const SERVER_ERROR_TRIES = 10;
const FAILED_AGAIN_MS = 60_000;

export class Exporter {
  readonly stats: ExporterStats;
  private readonly filter: Predicate;
  private readonly headers: Record<string, string>;
  private stopping = false;
  private woken: (() => void) | undefined;
  private readonly counts = new BlockCounts();
  /** When the records of a batch not yet full were first seen waiting (performance.now(): the wall clock may step back by hours). */
  private waitingSince: number | undefined;

  constructor(readonly config: ExporterConfig, private readonly encoder: Encoder, private readonly shelf: Shelf,
    private readonly cursor: Cursor, private readonly log: Log, private readonly changed: () => void = () => {}) {
    this.stats = { name: config.name, exported: 0, batchesRefused: 0, recordsRefused: 0, retries: 0, up: true };
    this.filter = predicate(config.filter);
    this.headers = Object.fromEntries(config.headers.map((h) => [h.name, h.value]));
    // A format's own header (Loki's tenant) is no secret: masking "team" would garble the answers it is in.
    this.secrets = secretForms(config.headers.filter((h) => h.fromOption === undefined).map((h) => h.value));
    this.url = config.endpoint + FORMATS[config.type]!.path;
    this.tls = new ClientTls(config, (error) => this.log(error === undefined
      ? { level: 'info', event: 'export_tls_reloaded', exporter: config.name, cert: config.client?.cert }
      : { level: 'error', event: 'export_tls_reload_failed', exporter: config.name, cert: config.client?.cert, key: config.client?.key, error,
        hint: 'still showing the certificate loaded before; it is read again once both files are written' }));
    // A new exporter's cursor: every shard from its start, or from past its last block; written before anything is sent.
    if (!cursor.existed) {
      if (config.from === 'now') for (const shard of shelf.shards()) cursor.days.set(shard.day, anchored(shard, { block: shard.last() + 1, records: 0 }));
      this.unsaved = true;
    }
  }

  private readonly url: string;
  /** What of the headers' values an answer shown must not hold (delivery.ts). */
  private readonly secrets: string[];
  /**
   * While a batch is sent in halves to find the records the receiver fails on: each half taken or
   * failed is not logged as back or down (the refusal says what was found), only the end of it.
   */
  private isolating: { quietBack: boolean } | undefined;
  /** Whom an https:// receiver may be signed by, and the client certificate shown to it. */
  private readonly tls: ClientTls;
  /** The cursor moved but is not on disk (new, or its last write failed): nothing more is sent until it is. */
  private unsaved = false;
  /** When the receiver was first found down (or the exporter misdirected), for the log line when it is back. */
  private downSince: number | undefined;
  /** stats.retries when the receiver went down: the tries until it is back, over every batch. */
  private retriesWhenDown = 0;
  /** Records a request takes under batch.bytes, as the last encoding found (encode()). */
  private fits = Infinity;
  /** The last failure logged by run(), and when. */
  private failed: { error: string; at: number } | undefined;

  /** Records were stored: look now rather than at the next round. */
  wake(): void {
    this.woken?.();
  }

  /** Finish the request in flight (its answer moves the cursor), start no other. */
  stop(): void {
    this.stopping = true;
    this.wake();
  }

  /** Until stopped. A failure of the store or the cursor's file is logged and tried again a round later. */
  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (this.unsaved) this.save();
        const sent = await this.round();
        this.failed = undefined;
        if (!sent) await this.sleep(LOOK_EVERY_MS);
      } catch (err) {
        const error = (err as Error).message;
        // The same failure each round (a folder that cannot be written) is said again once a minute, not every second.
        if (error !== this.failed?.error || performance.now() - this.failed.at >= FAILED_AGAIN_MS) {
          this.failed = { error, at: performance.now() };
          this.log({ level: 'error', event: 'export_failed', exporter: this.config.name, error, hint: 'tried again in a moment; records wait in the store' });
        }
        await this.sleep(LOOK_EVERY_MS, { wakes: false });
      }
    }
  }

  /** One batch taken and delivered, or waited for; false when there was none. */
  private async round(): Promise<boolean> {
    const next = this.next();
    if (next === undefined) return false;
    const { shard, taken } = next;
    if (!taken.full && (await this.waitToFill(shard))) return true;
    this.waitingSince = undefined;
    let from = 0;
    // Too large (413): the receiver's limit, kept for the rest of the batch. Failing: the halves of
    // one request, until what it failed on is found; then the rest goes at full size again.
    let most = taken.records.length;
    let half = Infinity;
    try {
      while (from < taken.records.length) {
        const { payload, count } = this.encode(taken, from, Math.min(most, half));
        const sent = payload === undefined ? 'done' : await this.send(payload, taken.records.slice(from, from + count));
        // Stopped while the receiver could not take it: the cursor stays where it is.
        if (sent === 'stopped') return true;
        if (sent === 'too large') {
          most = Math.ceil(count / 2);
          continue;
        }
        if (sent === 'failing') {
          half = Math.ceil(count / 2);
          this.isolating ??= { quietBack: false };
          continue;
        }
        // A record refused for good: what the halves were looking for is found.
        if (sent === 'refused') half = Infinity;
        this.advance(shard, taken.after[from + count - 1]!);
        from += count;
        if (this.stopping) return true;
      }
    } finally {
      const quiet = this.isolating;
      this.isolating = undefined;
      // Back while the halves went: said once, now.
      if (quiet?.quietBack && this.stats.up) this.sayBack();
    }
    this.advance(shard, taken.end);
    return true;
  }

  /** The next batch: from the oldest shard day with records past the cursor. */
  private next(): { shard: ShardReader; taken: Taken } | undefined {
    const shards = this.shelf.shards();
    this.forgetGone();
    for (const shard of shards) {
      const at = this.position(shard);
      if (shard.last() < at.block) continue;
      const taken = take(shard, at, this.filter, this.config.batch, (s) => this.log({ level: 'warn', event: 'export_skipped', exporter: this.config.name, ...s }));
      // Nothing kept (all filtered out): the cursor moves past them, and the next shard is looked at.
      if (taken.records.length === 0) {
        this.advance(shard, taken.end);
        continue;
      }
      return { shard, taken };
    }
    return undefined;
  }

  /**
   * Where the cursor is in a shard. A cursor past its shard's end, or whose last block delivered
   * came in another batch than the shard has there (the shard removed and made again, restored
   * from a copy, or its last commits lost to a power cut, then grown again), starts the day over:
   * sending a day twice, rather than skipping what the shard holds now.
   */
  private position(shard: ShardReader): Position {
    const at = this.cursor.position(shard.day);
    const last = shard.last();
    const found = at.block > last + 1 || at.batch === undefined ? undefined : shard.batchOf(at.records > 0 ? at.block : at.block - 1);
    if (at.block <= last + 1 && found === at.batch) return at;
    this.log({ level: 'warn', event: 'export_cursor_reset', exporter: this.config.name, shard: shard.day, cursor_block: at.block, last_block: last,
      ...(at.block <= last + 1 ? { cursor_batch: at.batch, shard_batch: found ?? null } : {}),
      hint: at.block > last + 1
        ? 'the shard holds fewer blocks than were delivered: it was removed and made again (or lost its last commits); its day is sent from its start'
        : 'the shard holds other blocks than were delivered: it was made again, restored from a copy or lost its last commits, and has grown since; its day is sent from its start' });
    this.cursor.days.set(shard.day, START);
    return START;
  }

  /** Days whose shard retention removed leave the cursor; a shard there but unreadable keeps its place for when it is mended. */
  private forgetGone(): void {
    let changed = false;
    for (const day of [...this.cursor.days.keys()]) {
      if (!this.shelf.present.has(day)) {
        this.cursor.days.delete(day);
        changed = true;
      }
    }
    if (changed) this.save();
  }

  /**
   * A batch not full waits up to batch.wait_ms from when its records were first seen, for more;
   * true when it waited (to be taken again), false when its time is up (to be sent as it is).
   */
  private async waitToFill(shard: ShardReader): Promise<boolean> {
    this.waitingSince ??= performance.now();
    const until = this.waitingSince + this.config.batch.waitMs;
    if (performance.now() >= until) return false;
    while (!this.stopping && performance.now() < until) {
      await this.sleep(until - performance.now());
      // Counting records past the cursor is cheap; reading them again is not.
      if (this.counts.past(shard.db, this.position(shard)).records >= this.config.batch.records) break;
    }
    return true;
  }

  /**
   * The records from `from` on (`most` at most) that fit in one request, cut until the request is
   * under batch.bytes (one record goes as it is). A record the format cannot encode is found by
   * halving too, counted as refused and logged (no payload): it must not hold back the rest.
   */
  private encode(taken: Taken, from: number, most: number): { payload: Payload | undefined; count: number } {
    const limit = this.config.batch.bytes;
    const before = this.fits;
    let count = Math.min(most, taken.records.length - from, this.fits);
    for (;;) {
      let payload: Payload;
      try {
        payload = this.encoder.encode(taken.records.slice(from, from + count));
      } catch (err) {
        if (count > 1) {
          count = Math.ceil(count / 2);
          continue;
        }
        this.stats.batchesRefused++;
        this.stats.recordsRefused++;
        this.log({ level: 'error', event: 'export_unencodable', exporter: this.config.name, type: this.config.type, error: (err as Error).message,
          request_id: taken.records[from]!.request_id, hint: 'the format cannot encode this record: it is counted as refused and skipped' });
        return { payload: undefined, count: 1 };
      }
      // Before compression: a receiver's limit counts the body it reads, and so does memory.
      const size = payload.plain ?? payload.body.length;
      // As many records as fit at this size a record: found in one more encoding rather than by
      // halving, and kept as the next request's first try (records change slowly). Up from a
      // request that fitted, with no margin (a request's fixed part makes that an underestimate, so
      // it fits too: requests grow back after large records); down, with a tenth to spare.
      const fit = (count * limit) / Math.max(size, 1);
      if (size <= limit) {
        this.fits = Math.max(count, Math.floor(fit));
        return { payload, count };
      }
      // One record larger than the limit goes alone, and says nothing of the records after it.
      if (count === 1) {
        this.fits = before;
        return { payload, count };
      }
      count = this.fits = Math.max(1, Math.min(count - 1, Math.floor(fit * 0.9)));
    }
  }

  /**
   * Deliver until accepted or refused for good ('done'; a 413 for more than one record is 'too
   * large', to be cut), or stopped while the receiver cannot take it; the figures told as they change.
   */
  private async send(payload: Payload, records: StoredRecord[]): Promise<Sent> {
    try {
      return await this.attempts(payload, records);
    } finally {
      this.changed();
    }
  }

  private async attempts(payload: Payload, records: StoredRecord[]): Promise<Sent> {
    const count = records.length;
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      const answered = await deliver(this.config.endpoint, payload, this.headers, this.config.timeoutMs, this.tls.agent(), this.secrets);
      const failed = answered.kind === 'refused' && failing(answered.status);
      // Counted over the request's tries: a 503 or a reset between them neither counts nor starts the count again.
      if (failed) failures++;
      if (failures >= SERVER_ERROR_TRIES && count > 1) return 'failing';
      const outcome: Outcome = failed && failures < SERVER_ERROR_TRIES ? { kind: 'again', why: `HTTP ${answered.status}`, answer: answered.answer } : answered;
      // A receiver failing on every try did not judge the record: still down.
      if (outcome.kind !== 'again' && !failed) this.back();
      if (outcome.kind === 'accepted') {
        const rejected = outcome.answer && this.encoder.rejected?.(outcome.answer.body, outcome.answer.contentType);
        const lost = Math.min(rejected?.records ?? 0, count);
        this.stats.exported += count - lost;
        this.stats.recordsRefused += lost;
        if (rejected) {
          this.log({ level: lost ? 'error' : 'warn', event: 'export_partial', exporter: this.config.name, url: this.url, records: count, rejected: lost, message: printable(rejected.message, this.secrets),
            ...span(records), hint: lost ? 'the receiver took the batch but not all its records: those are counted as refused, not sent again' : 'the receiver took every record and says this' });
        }
        return 'done';
      }
      if (outcome.kind === 'refused') {
        if (outcome.status === 413 && count > 1) return 'too large';
        this.stats.batchesRefused++;
        this.stats.recordsRefused += count;
        this.log({ level: 'error', event: 'export_refused', exporter: this.config.name, url: this.url, status: outcome.status, records: count, ...span(records), answer: outcome.answer,
          ...(failed ? { tries: failures } : {}),
          hint: failed
            ? `the receiver failed on this record ${failures} times, alone: it is counted and skipped, the next ones go on; if it fails on every record, look at the receiver's own log`
            : 'the receiver refused this batch for good: it is counted and skipped, the next ones go on' });
        return 'refused';
      }
      if (this.stats.up) this.down(outcome);
      if (this.stopping) return 'stopped';
      this.stats.retries++;
      this.changed();
      await this.sleep(backoff(attempt, this.config.maxBackoffMs, outcome.retryAfter), { wakes: false });
      if (this.stopping) return 'stopped';
    }
  }

  /** The first try that could not be delivered, logged once until the receiver is back. */
  private down(outcome: Extract<Outcome, { kind: 'again' }>): void {
    this.stats.up = false;
    if (this.isolating) return; // down since before the halving, as logged then
    this.downSince = Date.now();
    this.retriesWhenDown = this.stats.retries;
    const { misdirected: m } = outcome;
    if (m) {
      this.log({ level: 'error', event: 'export_misdirected', exporter: this.config.name, url: this.url, status: m.status, error: outcome.why, answer: m.answer,
        ...(m.location ? { location: m.location } : {}),
        hint: 'the receiver does not take requests sent this way: check the exporter\'s endpoint, headers (an expired credential?) and ca; records wait in the store and are sent once it takes them' });
    } else {
      this.log({ level: 'warn', event: 'export_receiver_down', exporter: this.config.name, url: this.url, error: outcome.why, ...(outcome.answer ? { answer: outcome.answer } : {}),
        hint: hint(outcome.why, this.config.client !== undefined) });
    }
  }

  /** The receiver answered: if it was down, say it is back. */
  private back(): void {
    if (this.stats.up) return;
    this.stats.up = true;
    if (this.isolating) this.isolating.quietBack = true;
    else this.sayBack();
  }

  private sayBack(): void {
    this.log({ level: 'info', event: 'export_receiver_back', exporter: this.config.name, url: this.url, down_s: Math.round((Date.now() - (this.downSince ?? Date.now())) / 1000),
      tries: this.stats.retries - this.retriesWhenDown + 1 });
  }

  private advance(shard: ShardReader, to: Position): void {
    this.cursor.days.set(shard.day, anchored(shard, to));
    this.save();
  }

  /** The cursor written; a write that fails throws and holds the exporter where it is (run() tries again). */
  private save(): void {
    this.unsaved = true;
    this.cursor.save();
    this.unsaved = false;
  }

  /** How far behind the receiver is, by the cursor as written. */
  lag(now = Date.now()): Lag {
    return lag(this.counts, this.shelf.shards(), (day) => this.cursor.position(day), now);
  }

  /** Wait `ms`, or less when woken (records stored) or stopped; `wakes: false`, only stopping cuts it short. */
  private sleep(ms: number, { wakes = true }: { wakes?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.woken === wake) self.woken = undefined;
        resolve();
      }
      const wake = () => {
        if (wakes || this.stopping) done();
      };
      this.woken = wake;
    });
  }
}

/** A position with the batch of the block of its last record (the one before it at a block's start), to tell the shard apart later. */
function anchored(shard: ShardReader, to: Position): Position {
  const at = to.records > 0 ? to.block : to.block - 1;
  const batch = at >= 1 ? shard.batchOf(at) : undefined;
  return batch === undefined ? { block: to.block, records: to.records } : { block: to.block, records: to.records, batch };
}
