// The collector, wired: the store, the live tail, the metrics, the free-text worker (which also
// grows the verifiable log's trees), the checkpoint signer, what is known of each source's
// completeness, and the one HTTP port whose routes (routes.ts) read batches into the store and
// answer queries and tails. Retention, checkpoints and the watch for silent sources run here on
// a schedule; close() takes it all down in order.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import type { CollectorConfig } from '../config.js';
import { type Log, stderrLog } from '../events.js';
import type { Gap, Limits, Row } from '../ingest/validate.js';
import { CollectorMetrics } from '../metrics.js';
import { Checkpointer } from '../log/checkpointer.js';
import { recordDeletions } from '../log/retention.js';
import { readHead, type TreeHead } from '../log/growth.js';
import { loadOrCreateKey, publicKeyFile, type LoadedKey } from '../log/keys.js';
import { Ledger } from '../sources/ledger.js';
import { type Notice, Sources } from '../sources/sources.js';
import { FolderLock } from '../store/lock.js';
import { retentionStart, Store, type WriteResult } from '../store/store.js';
import type { Committed } from '../store/blocks.js';
import { TailHub } from '../tail/tail.js';
import { servedHosts } from './cross-site.js';
import { routes, upgrades } from './routes.js';
import { type Cut, cutMessage, PendingBytes } from './upload.js';

export interface Collector {
  url: string;
  store: Store;
  tail: TailHub;
  server: http.Server;
  close(): Promise<void>;
}

/** What the routes work with. */
export interface Parts {
  config: CollectorConfig;
  /** What batches are checked against: the limits, and the retention (an older record is refused). */
  limits: CollectorConfig['limits'] & Limits;
  store: Store;
  tail: TailHub;
  metrics: CollectorMetrics;
  /** Each source's completeness: batches missing, records dropped, silence. */
  sources: Sources;
  log: Log;
  /** Bytes of batches being received, over HTTP and WebSocket: bounded, so memory is (upload.ts). */
  pending: PendingBytes;
  hosts: ReturnType<typeof servedHosts>;
  sockets: WebSocketServer;
  /** A valid batch, from HTTP or a WebSocket: stored (unless a duplicate), counted, tailed. */
  accept(batch: string | undefined, read: { rows: Row[]; gaps: Gap[] }, bytes: number, started: bigint): WriteResult;
  /** An upload cut short: counted, and logged unless it was for want of room. */
  uploadCut(route: string, why: Cut): void;
}

export async function startCollector(config: CollectorConfig, log: Log = stderrLog): Promise<Collector> {
  const lock = FolderLock.take(config.data);
  let store: Store;
  let key: LoadedKey;
  let ledger: Ledger;
  const keyFile = config.log.keyFile ?? join(config.data, 'log.key');
  try {
    // The key first: refused, it leaves nothing open.
    key = loadOrCreateKey(keyFile, config.log.name ?? `redtail/${hostname()}`);
    store = new Store(config.data);
    try {
      ledger = new Ledger(config.data);
    } catch (err) {
      store.close();
      throw err;
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  for (const [day, bad] of store.unopenable) {
    log({ level: 'error', event: 'shard_unopenable', shard: day, file: bad.file, error: bad.error,
      hint: 'left as it is and out of every answer; batches for that day are refused with 503 until the file is repaired or moved away, and the collector restarted' });
  }
  const tail = new TailHub({ maxQueue: config.limits.tailQueue, maxBytes: config.limits.tailQueueBytes });
  const metrics = new CollectorMetrics();
  const sources = new Sources(ledger, store, config.sources);
  // What is learnt of the trail's completeness: to live tails, and to the collector's own log.
  const tell = (notices: Notice[]) => {
    if (notices.length === 0) return;
    tail.notify(notices);
    for (const n of notices) log({ level: n.kind === 'back' ? 'info' : 'warn', event: `source_${n.kind}`, ...n });
  };
  // Often enough to tell silence within a small part of silent_after; each source's last batch is saved as often.
  const watching = setInterval(() => {
    sources.save();
    tell(sources.check());
  }, Math.min(1000, Math.max(50, config.sources.silentAfterMs / 4)));
  watching.unref();
  // Retention on a schedule: at start, then hourly.
  const prune = () => {
    const keepFrom = retentionStart(config.retentionDays);
    for (const r of store.prune(keepFrom)) log({ level: 'info', event: 'shard_pruned', ...r });
    sources.forget(Date.parse(`${keepFrom}T00:00:00Z`));
    const { failed } = recordDeletions(config.data, keepFrom, key.signer, `retention: ${config.retentionDays} days`);
    for (const f of failed) log({ level: 'error', event: 'deletion_unrecorded', shard: f.epoch, error: f.error, hint: 'tried again at the next pruning; until then redtail verify reports its records missing' });
  };
  prune();
  const pruning = setInterval(prune, 3_600_000);
  pruning.unref();
  const words = wordsWorker(config.data, store, log);
  log({ level: 'info', event: 'log_key', key: key.signer.verifier.text, public_key_file: publicKeyFile(keyFile), created: key.created,
    hint: 'auditors check checkpoints with their own copy of this public key: redtail verify --pubkey FILE' });
  const checkpoints = new Checkpointer(config.data, key.signer, () => treeHeads(store), log);
  checkpoints.sign();
  const signing = setInterval(() => checkpoints.sign(), config.log.checkpointIntervalMs);
  signing.unref();

  const parts: Parts = {
    config, store, tail, metrics, sources, log,
    limits: { ...config.limits, keepDays: config.retentionDays },
    pending: new PendingBytes(config.limits.maxPendingBytes),
    hosts: servedHosts(config.host, config.allowedHosts),
    sockets: new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes }),
    accept(batch, read, bytes, started) {
      const received = Date.now();
      const { file, blocks, ...result } = store.write(batch, read.rows, read.gaps, received);
      if (result.duplicate) metrics.duplicates++;
      else {
        metrics.batches++;
        metrics.records += result.stored;
        metrics.bytes += bytes;
        tell(sources.arrived(batch, read.gaps, received));
        tail.publish(read.rows);
        words.hand(file, blocks);
      }
      metrics.wrote(Number(process.hrtime.bigint() - started) / 1e6);
      return result;
    },
    uploadCut(route, why) {
      metrics.reject(why === 'busy' ? 'busy' : 'stalled');
      if (why !== 'busy') log({ level: 'warn', event: 'upload_cut', route, reason: why, error: cutMessage(why, config.limits) });
    },
  };
  const { sockets, hosts } = parts;
  const server = http.createServer(routes(parts));
  server.on('upgrade', upgrades(parts));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
  } catch (err) {
    clearInterval(pruning);
    clearInterval(signing);
    clearInterval(watching);
    tail.close();
    await words.stop();
    sources.save();
    ledger.close();
    store.close();
    lock.release();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log({ level: 'info', event: 'listening', url, data: config.data, auth: config.tokens.length ? 'tokens' : 'none (loopback only)', hosts: hosts === '*' ? 'any' : hosts });
  return {
    url, store, server, tail,
    // Once: a second call waits for the first.
    close: () => (closing ??= new Promise<void>((resolve) => {
      clearInterval(pruning);
      clearInterval(signing);
      clearInterval(watching);
      tail.close();
      // Producers on /v1/stream hold their sockets open: tell them to go (each message is
      // committed and acknowledged before the next is read, so none is half-done), and cut
      // whoever does not answer the close in time.
      for (const ws of sockets.clients) ws.close(1001, 'the collector is stopping');
      const cut = setTimeout(() => {
        for (const ws of sockets.clients) ws.terminate();
        server.closeAllConnections(); // keep-alive connections a browser holds on to
      }, 2000);
      server.close(() => {
        clearTimeout(cut);
        void words.stop().then(() => {
          // The last checkpoint of this run: the trees as far as they were grown.
          checkpoints.sign();
          sources.save();
          ledger.close();
          store.close();
          lock.release();
          resolve();
        });
      });
      server.closeIdleConnections();
    })),
  };
}

/** Each shard's tree as the words worker has grown it, by day. */
function treeHeads(store: Store): Map<string, TreeHead> {
  return new Map(store.list().map((shard) => [shard.day, readHead(shard.db, 'w')]));
}

/**
 * The free-text index, built behind ingest by a worker thread on the other core (search/): handed
 * each batch's committed blocks, their text moved, not copied; stopped after its current slice.
 */
function wordsWorker(dir: string, store: Store, log: Log): { hand(file: string, blocks: Committed[]): void; stop(): Promise<void> } {
  store.unreadable.onReport = (event) => log({ ...event });
  const words = new Worker(new URL('../search/words-worker.js', import.meta.url), { workerData: { dir } });
  words.on('message', (m: { error?: string; unreadable?: { shard: string; block: number; error: string } }) => {
    if (m.error) log({ level: 'warn', event: 'words_index_failed', error: m.error });
    if (m.unreadable) store.unreadable.block(m.unreadable.shard, m.unreadable.block, m.unreadable.error);
  });
  words.on('error', (err) => log({ level: 'error', event: 'words_index_stopped', error: err.message, hint: 'free-text queries still work, reading unindexed blocks in full' }));
  words.unref();
  const gone = new Promise<void>((r) => words.once('exit', () => r()));
  return {
    hand(file, blocks) {
      if (blocks.length === 0) return;
      const moved = blocks.filter((b) => b.text.byteOffset === 0 && b.text.buffer.byteLength === b.text.length).map((b) => b.text.buffer as ArrayBuffer);
      try {
        words.postMessage({ path: file, blocks }, moved);
      } catch {
        // The worker is gone: it reads blocks back when it runs again.
      }
    },
    stop() {
      // The indexer finishes its slice and closes its files; a stuck one is cut after a grace period.
      words.ref(); // keep the process up until it is done
      words.postMessage('stop');
      const kill = setTimeout(() => void words.terminate(), 2000);
      return gone.then(() => clearTimeout(kill));
    },
  };
}
