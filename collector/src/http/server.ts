// The collector, wired: the store, the live tail, the metrics, the free-text worker (which also
// grows the verifiable log's trees), the exporters' worker, the checkpoint signer, what is known of each source's
// completeness, and the one HTTP port whose routes (routes.ts) read batches into the store and
// answer queries and tails. Retention, checkpoints and the watch for silent sources run here on
// a schedule; close() takes it all down in order.
import type http from 'node:http';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import { configDigest } from '../audit/config-digest.js';
import { auditDeletion } from '../audit/deletion.js';
import { COLLECTOR } from '../audit/entry.js';
import { lastEntry } from '../audit/read.js';
import { AuditRecorder } from '../audit/recorder.js';
import type { CollectorConfig } from '../config.js';
import { type Log, stderrLog } from '../events.js';
import { checkCursors, Exporters } from '../export/exporters.js';
import type { Gap, Limits, Row } from '../ingest/validate.js';
import { CollectorMetrics } from '../metrics.js';
import { Checkpointer } from '../log/checkpointer.js';
import { recordDeletions } from '../log/retention.js';
import { lastDeletedEpoch } from '../log/checkpoints.js';
import { readHead, readRootAt, type TreeHead } from '../log/growth.js';
import type { Hash } from '../log/tree.js';
import { keyFileOf, keyInsideData, loadOrCreateKey, publicKeyFile, type LoadedKey } from '../log/keys.js';
import { type Ledger, openLedger } from '../sources/ledger.js';
import { type Notice, Sources } from '../sources/sources.js';
import { FolderLock } from '../store/lock.js';
import { retentionStart, Store, type WriteResult } from '../store/store.js';
import type { Committed } from '../store/blocks.js';
import { TailHub } from '../tail/tail.js';
import { PROTOCOL } from './auth.js';
import { isLoopback, servedHosts } from './cross-site.js';
import { routes, upgrades } from './routes.js';
import { createServer, readTlsFiles } from './tls.js';
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
  /** What batches are checked against: the limits, the retention and the days it removed (an older record is refused). */
  limits: CollectorConfig['limits'] & Limits;
  store: Store;
  tail: TailHub;
  metrics: CollectorMetrics;
  /** Each source's completeness: batches missing, records dropped, silence. */
  sources: Sources;
  log: Log;
  /** Who read what, and every token refused (audit/). */
  audit: AuditRecorder;
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
  // The certificate first: a missing file or a bad pair is refused before anything is opened.
  if (config.tls) readTlsFiles(config.tls, 'collector');
  const lock = FolderLock.take(config.data);
  let store: Store;
  let key: LoadedKey;
  let audit: AuditRecorder;
  let ledger: Ledger;
  const keyFile = keyFileOf(config);
  try {
    // The key and the exporters' cursors first: refused, they leave nothing open.
    checkCursors(config.data, config.exporters);
    key = loadOrCreateKey(keyFile, config.log.name ?? `redtail/${hostname()}`);
    audit = new AuditRecorder(config.data, key.signer, log, { refusedBytes: config.limits.auditRefusedBytes });
    store = new Store(config.data, { queryCacheBytes: config.limits.queryCacheBytes, pageCacheBytes: config.limits.pageCacheBytes });
    try {
      ledger = openLedger(config.data, {
        unreadable: (err, aside) => log({ level: 'error', event: 'sources_unreadable', error: err.message, moved_to: aside,
          hint: 'a new sources file was begun: batches missing and silences known before are not counted; the old file is left for inspection' }),
      });
    } catch (err) {
      store.close();
      throw err;
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  const digest = configDigest(config);
  // The last run as the audit log tells it: its config, and whether it stopped or was cut off.
  const lastRun = lastEntry(config.data, ['start', 'stop'])?.entry;
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
  const limits: Parts['limits'] = { ...config.limits, keepDays: config.retentionDays };
  // Retention on a schedule: at start, then hourly. Records of the days it removed are refused from then on.
  const prune = () => {
    const keepFrom = retentionStart(config.retentionDays);
    for (const r of store.prune(keepFrom)) log({ level: 'info', event: 'shard_pruned', ...r });
    sources.forget(Date.parse(`${keepFrom}T00:00:00Z`));
    const reason = `retention: ${config.retentionDays} days`;
    const { recorded, failed } = recordDeletions(config.data, keepFrom, key.signer, reason);
    for (const epoch of recorded) auditDeletion(audit, config.data, epoch, key.signer.verifier, { who: COLLECTOR, by: reason });
    audit.thin(keepFrom);
    for (const f of failed) log({ level: 'error', event: 'deletion_unrecorded', shard: f.epoch, error: f.error, hint: 'tried again at the next pruning; until then redtail verify reports its records missing' });
    limits.deletedThrough = lastDeletedEpoch(config.data);
  };
  prune();
  const pruning = setInterval(prune, 3_600_000);
  pruning.unref();
  const words = wordsWorker(config.data, store, log, { pageCacheBytes: config.limits.pageCacheBytes });
  const exporters = new Exporters(config.data, config.exporters, log);
  metrics.exporters = () => exporters.figures(store.list());
  log({ level: 'info', event: 'log_key', key: key.signer.verifier.text, public_key_file: publicKeyFile(keyFile), created: key.created,
    hint: 'auditors check checkpoints with their own copy of this public key: redtail verify --pubkey FILE' });
  if (keyInsideData(keyFile, config.data)) {
    log({ level: 'warn', event: 'log_key_beside_data', key_file: keyFile,
      hint: 'whoever can rewrite the data folder can also re-sign it with this key: keep the key where the data\'s writers cannot reach (log.key_file or REDTAIL_LOG_KEY_FILE)' });
  }
  const checkpoints = new Checkpointer(config.data, key.signer, () => treeHeads(store), log, { rootAt: (epoch, size) => treeRootAt(store, epoch, size) });
  // The audit log is signed right after the records, every time: verify counts on it (audit/verify.ts).
  checkpoints.sign();
  audit.sign();
  const signing = setInterval(() => {
    checkpoints.sign();
    audit.sign();
  }, config.log.checkpointIntervalMs);
  signing.unref();

  const parts: Parts = {
    config, store, tail, metrics, sources, log, audit,
    limits,
    pending: new PendingBytes(config.limits.maxPendingBytes),
    hosts: servedHosts(config.host, config.allowedHosts),
    // A client that offers subprotocols (a browser's, to carry its token: auth.ts) is answered with ours.
    sockets: new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes, handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false) }),
    accept(batch, read, bytes, started) {
      const received = Date.now();
      const { file, blocks, ...result } = store.write(batch, read.rows, read.gaps, received);
      if (result.duplicate) metrics.duplicates++;
      else {
        metrics.batches++;
        metrics.records += result.stored;
        metrics.bytes += bytes;
        // The batch is committed: what is learnt of completeness from it must not turn that into a
        // failure the producer would retry, nor keep it from the tail and the index.
        try {
          tell(sources.arrived(batch, read.gaps, received));
        } catch (err) {
          log({ level: 'error', event: 'sources_failed', batch, error: (err as Error).message,
            hint: 'the batch is stored; what it says of its source\'s completeness is not: the next batch from the source corrects the sequence' });
        }
        tail.publish(read.rows);
        words.hand(file, blocks);
        exporters.wake();
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
  const served = createServer(routes(parts), config.tls, { program: 'collector', log, firstRequestMs: config.limits.firstRequestMs });
  const { server } = served;
  server.on('upgrade', upgrades(parts));
  let url: string;
  try {
    url = await served.listen(config.port, config.host);
  } catch (err) {
    clearInterval(pruning);
    clearInterval(signing);
    clearInterval(watching);
    tail.close();
    await Promise.all([words.stop(), exporters.stop()]);
    sources.save();
    ledger.close();
    store.close();
    lock.release();
    throw err;
  }
  let closing: Promise<void> | undefined;
  log({ level: 'info', event: 'listening', url, data: config.data, auth: config.tokens.length ? 'tokens' : 'none (loopback only)', hosts: hosts === '*' ? 'any' : hosts, tls: config.tls?.cert ?? 'none' });
  if (!config.tls && !isLoopback(config.host)) {
    log({ level: 'warn', event: 'plain_http', host: config.host,
      hint: 'tokens and records cross the network unencrypted unless a mesh encrypts them (Istio mTLS): serve TLS with --tls-cert and --tls-key' });
  }
  const started = Date.now();
  audit.append({ action: 'start', who: COLLECTOR, url, config: digest,
    ...(lastRun !== undefined && lastRun.config !== digest ? { config_changed_from: lastRun.config } : {}),
    ...(lastRun?.action === 'start' ? { unclean_stop: `the run started ${lastRun.time} has no stop entry: it was killed or crashed` } : {}) });
  audit.sign();
  return {
    url, store, server, tail,
    // Once: a second call waits for the first.
    close: () => (closing ??= new Promise<void>((resolve) => {
      served.stop();
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
        void Promise.all([words.stop(), exporters.stop()]).then(() => {
          // The last checkpoint of this run: the trees as far as they were grown.
          checkpoints.sign();
          audit.append({ action: 'stop', who: COLLECTOR, config: digest, ran_ms: Date.now() - started });
          audit.sign();
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

/** A shard's tree's root at an earlier size, as the words worker grew it. */
function treeRootAt(store: Store, day: string, size: number): Hash | undefined {
  const shard = store.list().find((s) => s.day === day);
  return shard && readRootAt(shard.db, size, 'w');
}

/**
 * The free-text index, built behind ingest by a worker thread on the other core (search/): handed
 * each batch's committed blocks, their text moved, not copied; stopped after its current slice.
 */
function wordsWorker(dir: string, store: Store, log: Log, { pageCacheBytes }: { pageCacheBytes: number }): { hand(file: string, blocks: Committed[]): void; stop(): Promise<void> } {
  store.unreadable.onReport = (event) => log({ ...event });
  const words = new Worker(new URL('../search/words-worker.js', import.meta.url), { workerData: { dir, pageCacheBytes } });
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
