// Shipping: records are appended to an NDJSON batch per VM, sealed when the batch reaches its
// record limit, when the next record does not fit in its byte limit, or on the tick, and sent one batch at a time, in order, by proxy_http_call
// POST to the collector cluster. Each batch carries `x-redtail-batch: <source>/<seq>`, so a batch
// sent again after a failure is stored once. A failed or non-2xx call keeps the batch and retries
// with exponential backoff, but for the collector's refusals (400, 413, 422): those are dropped. The buffer is bounded: when it is full the oldest records are dropped
// and counted, and the next batch starts with a gap notice saying how many were lost.
// Nothing here ever makes a request wait.
import { LogLevel } from "../../proxy-wasm-as/enums";
import { httpCall, httpCallRefusal, log, nowNanos, randomHex } from "../../proxy-wasm-as/hostcalls";
import { refusalText, refused } from "./answers";
import { BatchWriter, Blocks, GAP_ROOM } from "./batch";
import { ByteWriter } from "./bytes";
import { Config } from "./config";
import { Metrics } from "./metrics";
import { writeIsoTime } from "./time";

/** A batch source id that differs across restarts, so sequence numbers never collide. */
export function sourceName(base: string): string {
  let clean = "";
  for (let i = 0; i < base.length && clean.length < 64; i++) {
    const c = base.charCodeAt(i);
    clean += (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x2e || c == 0x5f
      ? String.fromCharCode(c) : "_";
  }
  return (clean.length ? clean : "redtail") + "-" + randomHex(6);
}

/** Whether a send waits out the backoff after a failure, or (shutting down) goes now. */
enum Backoff {
  Wait,
  Ignore,
}

/** Why records were dropped, as a gap notice says it: bits, since one notice may cover both. */
const BUFFER_FULL: u32 = 1;
const REFUSED: u32 = 2;

/** A sealed batch: its bytes are `start` to `end` in its block (the gap notice, then the records). */
class Batch {
  constructor(public block: usize, public cap: u32, public start: u32, public end: u32, public records: u32, public seq: u64,
    /** The drops its gap notice reports (0 for none), since when, and why. */
    public gap: u64, public gapSinceNs: i64, public gapWhy: u32) {}

  get size(): u32 {
    return this.end - this.start;
  }
}

export class Shipper {
  private open: BatchWriter;
  private openRecords: u32 = 0;
  /**
   * The blocks batches are built in, one kept when its batch is gone (sent or dropped): blocks
   * this large allocated and freed again and again, among a request's small objects, leave the
   * heap in pieces too small for the next one, and the heap grows.
   */
  private blocks: Blocks;
  /** Where a gap notice is written before it is put in front of its batch's records. */
  private notice: ByteWriter = new ByteWriter(GAP_ROOM);
  private sealed: Batch[] = [];
  /** The memory the sealed batches hold: their blocks. */
  private sealedHeld: u32 = 0;
  private inFlight: Batch | null = null;
  private token: u32 = 0;
  private seq: u64 = 0;
  private failures: u32 = 0;
  private nextAttemptNs: i64 = 0;
  private droppedRecords: u64 = 0;
  private droppedSinceNs: i64 = 0;
  private droppedWhy: u32 = 0;
  /** When the latest batch was sealed: an idle VM's heartbeat is due flush.heartbeat_ms after it. */
  private lastSealNs: i64;
  private cluster: ArrayBuffer;
  private config: Config;
  private source: string;
  /** Set when on_done deferred the shutdown: the next answer (or failure) finishes it. */
  draining: bool = false;

  constructor(config: Config, source: string) {
    this.config = config;
    this.source = source;
    this.cluster = String.UTF8.encode(config.cluster);
    const blocks = new Blocks(config.maxBatchBytes);
    this.blocks = blocks;
    this.open = new BatchWriter(blocks);
    this.lastSealNs = nowNanos();
  }

  /** A new configuration keeps what is buffered. */
  reconfigure(config: Config): void {
    this.config = config;
    this.cluster = String.UTF8.encode(config.cluster);
    this.blocks.resize(config.maxBatchBytes);
  }

  /** The memory the batches hold (their blocks, the open one whole): what `buffer.max_bytes` bounds. */
  get heldBytes(): u32 {
    return this.open.cap + this.sealedHeld + (this.inFlight !== null ? this.inFlight!.cap : 0);
  }

  /**
   * Where the next record is written: straight at the end of the open batch (no copy of it is
   * made on its way to the collector but the proxy's). `commit` takes it, when it is complete.
   */
  next(): ByteWriter {
    const open = this.open;
    open.recordStart = open.len;
    return open;
  }

  /** Take the record written since `next`, making room for it if the buffer is full. */
  commit(): void {
    const open = this.open;
    open.byte(0x0a);
    this.openRecords++;
    const spilled = open.full != 0;
    if (spilled) {
      // It did not fit: the records before it, left in the block it did not fit in, are a batch.
      this.sealed.push(this.batchOf(open.full, open.fullCap, open.fullEnd, this.openRecords - 1));
      open.tookFull();
      this.openRecords = 1;
    }
    this.makeRoom();
    const full = this.openRecords >= this.config.maxRecords || open.len >= this.config.maxBatchBytes;
    if (full) this.seal();
    if (spilled || full) this.send(nowNanos(), Backoff.Wait);
  }

  /**
   * On the tick: seal what is open (or, idle for long enough, a heartbeat) and send if it is time.
   * While batches wait to be sent (the collector down or behind), the open batch fills on instead:
   * sealed now it would go no sooner, and would hold a block of its own, partly empty.
   */
  tick(): void {
    const waiting = this.sealed.length > 0 || this.inFlight !== null;
    if (!waiting) this.seal();
    const now = nowNanos();
    if (!waiting && this.sealed.length == 0 && now - this.lastSealNs >= <i64>this.config.heartbeatMs * 1000000) this.beat();
    this.send(now, Backoff.Wait);
    Metrics.reportBuffer(this.heldBytes);
  }

  /** On shutdown: seal and send now, backoff or not. True if a call is still to be answered. */
  flushNow(): bool {
    this.seal();
    this.send(nowNanos(), Backoff.Ignore);
    return this.inFlight !== null;
  }

  /**
   * Over the limit with the record just taken: drop the oldest records, whole sealed batches
   * (never the one in flight) until the blocks held fit, then, if the records alone still do
   * not, the open batch's before the new one.
   */
  private makeRoom(): void {
    const limit = this.config.bufferMaxBytes;
    while (this.heldBytes > limit && this.sealed.length > 0) {
      const oldest = this.sealed.shift();
      this.sealedHeld -= oldest.cap;
      this.drop(oldest, BUFFER_FULL);
    }
    const open = this.open;
    if (this.heldBytes - open.cap + open.len > limit && this.openRecords > 1) {
      this.noteDropped(this.openRecords - 1, BUFFER_FULL);
      const n = open.len - open.recordStart;
      memory.copy(open.ptr + GAP_ROOM, open.ptr + open.recordStart, n);
      open.len = GAP_ROOM + n;
      open.recordStart = GAP_ROOM;
      this.openRecords = 1;
    }
  }

  /** A batch that will not be sent: its records counted as dropped, its block given back. */
  private drop(batch: Batch, why: u32): void {
    this.noteDropped(batch.records, why);
    if (batch.gap > 0) {
      // Its gap notice goes with it: carry the count on to the next one, not to the metric again.
      this.droppedRecords += batch.gap;
      this.droppedWhy |= batch.gapWhy;
      if (batch.gapSinceNs < this.droppedSinceNs) this.droppedSinceNs = batch.gapSinceNs;
    }
    this.blocks.give(batch.block, batch.cap);
  }

  private noteDropped(records: u32, why: u32): void {
    if (this.droppedRecords == 0) this.droppedSinceNs = nowNanos();
    this.droppedRecords += records;
    this.droppedWhy |= why;
    Metrics.add(Metrics.dropped, records);
  }

  /** Seal the open batch, if it holds records or a gap notice is due. */
  private seal(): void {
    if (this.openRecords == 0 && this.droppedRecords == 0) return;
    const open = this.open;
    const used = open.len - GAP_ROOM;
    if (used < open.cap / 2) {
      // A copy the batch's size: a batch sealed on the tick with a few records must not hold on
      // to a block made for a full one.
      const copy = heap.alloc(open.len);
      memory.copy(copy + GAP_ROOM, open.ptr + GAP_ROOM, used);
      this.sealed.push(this.batchOf(copy, open.len, open.len, this.openRecords));
      open.len = GAP_ROOM;
    } else {
      // A full batch takes the open block as it is; the next one gets the spare, or a new block.
      this.sealed.push(this.batchOf(open.ptr, open.cap, open.len, this.openRecords));
      open.reopen();
    }
    this.openRecords = 0;
  }

  /** The next batch in sequence, of the records in a block up to `end`, led by the gap notice if one is due. */
  private batchOf(block: usize, cap: u32, end: u32, records: u32): Batch {
    const gap = this.droppedRecords;
    const why = this.droppedWhy;
    let start = GAP_ROOM;
    if (gap > 0) {
      const notice = this.notice;
      notice.clear();
      this.writeGap(notice);
      start -= notice.len;
      memory.copy(block + start, notice.ptr, notice.len);
    }
    this.seq++;
    const batch = new Batch(block, cap, start, end, records, this.seq, gap, this.droppedSinceNs, why);
    this.lastSealNs = nowNanos();
    this.sealedHeld += cap;
    return batch;
  }

  /**
   * An empty batch with the next sequence number: the collector learns the source is alive and
   * idle, and keeps telling silence (no batch at all) from quiet (no request to record).
   */
  private beat(): void {
    this.seq++;
    this.sealed.push(new Batch(heap.alloc(0), 0, 0, 0, 0, this.seq, 0, 0, 0));
    this.lastSealNs = nowNanos();
  }

  /** The gap notice: the collector shows operators where records are missing, and why. */
  private writeGap(data: ByteWriter): void {
    data.ascii("{\"gap\":{\"dropped\":");
    data.dec(this.droppedRecords);
    data.ascii(",\"since\":\"");
    writeIsoTime(data, this.droppedSinceNs);
    data.ascii("\",\"until\":\"");
    writeIsoTime(data, nowNanos());
    data.ascii("\",\"source\":\"");
    data.ascii(this.source);
    data.ascii("\",\"reason\":\"");
    const why = this.droppedWhy;
    if (why & BUFFER_FULL) data.ascii("buffer full");
    if (why == (BUFFER_FULL | REFUSED)) data.ascii(", ");
    if (why & REFUSED) data.ascii("refused by the collector");
    data.ascii("\"}}\n");
    this.droppedRecords = 0;
    this.droppedWhy = 0;
  }

  private send(now: i64, backoff: Backoff): void {
    if (this.inFlight !== null || this.sealed.length == 0) return;
    if (backoff == Backoff.Wait && now < this.nextAttemptNs) return;
    const batch = this.sealed[0];
    const headers = this.headersFor(batch);
    const token = httpCall(this.cluster, headers, batch.block + batch.start, batch.size, this.config.timeoutMs);
    if (token == 0) {
      // The proxy refused the call (no such cluster, say): try again later, as for a failure.
      log(LogLevel.Warn, "redtail: " + refusalText(httpCallRefusal, this.config.cluster));
      this.failed(now);
      return;
    }
    this.sealed.shift();
    this.sealedHeld -= batch.cap;
    this.inFlight = batch;
    this.token = token;
  }

  /** The answer to a call: 2xx means stored; 400, 413 or 422 never storable; anything else, or no answer (status 0), means retry. */
  onResponse(token: u32, status: u32): void {
    if (this.inFlight === null || token != this.token) return;
    const batch = this.inFlight!;
    this.inFlight = null;
    const now = nowNanos();
    if (status >= 200 && status < 300) {
      this.blocks.give(batch.block, batch.cap);
      this.failures = 0;
      this.nextAttemptNs = 0;
      Metrics.add(Metrics.batchesSent, 1);
      this.send(now, this.draining ? Backoff.Ignore : Backoff.Wait);
    } else if (refused(status)) {
      // The collector will never store this batch (a record over its limits, say): sent again,
      // it would hold back every batch after it for good. It is dropped, and the next says so.
      Metrics.add(Metrics.batchFailures, 1);
      this.drop(batch, REFUSED);
      this.send(now, this.draining ? Backoff.Ignore : Backoff.Wait);
    } else {
      this.sealed.unshift(batch); // it goes again first: order is kept
      this.sealedHeld += batch.cap;
      this.failed(now);
      if (this.draining) this.draining = false; // no second try while shutting down
    }
    Metrics.reportBuffer(this.heldBytes);
  }

  private failed(now: i64): void {
    Metrics.add(Metrics.batchFailures, 1);
    this.failures++;
    let delay = <u64>this.config.retryInitialMs;
    for (let i: u32 = 1; i < this.failures && delay < <u64>this.config.retryMaxMs; i++) delay *= 2;
    if (delay > <u64>this.config.retryMaxMs) delay = <u64>this.config.retryMaxMs;
    this.nextAttemptNs = now + <i64>delay * 1000000;
  }

  get inFlightNow(): bool {
    return this.inFlight !== null;
  }

  private headersFor(batch: Batch): ArrayBuffer {
    const keys: string[] = [":method", ":path", ":authority", "content-type", "x-redtail-batch", "x-redtail-records"];
    const values: string[] = ["POST", this.config.path, this.config.authority, "application/x-ndjson",
      this.source + "/" + batch.seq.toString(), batch.records.toString()];
    if (this.config.token.length > 0) {
      keys.push("authorization");
      values.push("Bearer " + this.config.token);
    }
    return encodePairs(keys, values);
  }
}

/** The proxy-wasm pairs encoding of keys and values. */
export function encodePairs(keys: string[], values: string[]): ArrayBuffer {
  const k: ArrayBuffer[] = [];
  const v: ArrayBuffer[] = [];
  let size = 4;
  for (let i = 0; i < keys.length; i++) {
    k.push(String.UTF8.encode(keys[i]));
    v.push(String.UTF8.encode(values[i]));
    size += 8 + k[i].byteLength + v[i].byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, keys.length);
  let at = base + 4 + 8 * keys.length;
  for (let i = 0; i < keys.length; i++) {
    store<u32>(base + 4 + 8 * i, k[i].byteLength);
    store<u32>(base + 8 + 8 * i, v[i].byteLength);
    memory.copy(at, changetype<usize>(k[i]), k[i].byteLength);
    at += k[i].byteLength;
    store<u8>(at++, 0);
    memory.copy(at, changetype<usize>(v[i]), v[i].byteLength);
    at += v[i].byteLength;
    store<u8>(at++, 0);
  }
  return out;
}
