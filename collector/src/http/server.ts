// The collector's one HTTP port: the web page, POST /v1/ingest, GET /v1/logs, GET /healthz. Each request is
// checked against the tokens' scopes; every error is JSON that says what to do.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import type { CollectorConfig, Scope } from '../config.js';
import { gaps, query, QueryError, type Filters } from '../query/query.js';
import { CollectorMetrics } from '../metrics.js';
import { retentionStart, Store } from '../store/store.js';
import { matcher, TailHub } from '../tail/tail.js';
import { messageItems } from '../ingest/records.js';
import { readMessage } from '../ingest/reader.js';
import { BatchError, type Gap, parseRecords, type Row } from '../ingest/validate.js';
import { authorize, deny } from './auth.js';
import { checkHost, checkOrigin, type Refusal, servedHosts } from './cross-site.js';
import { servePage } from './page.js';
import { answerRefused, isBatchId, ProducerGone, receiveBatch, send, unreadableBatch } from './receive.js';
import { limitStream } from './stream-limits.js';
import { type Cut, cutMessage, PendingBytes } from './upload.js';

export interface Collector {
  url: string;
  store: Store;
  tail: TailHub;
  server: http.Server;
  close(): Promise<void>;
}

type Log = (event: Record<string, unknown>) => void;

/** Structured logs of the collector's own, one JSON object a line, to stderr. */
export const stderrLog: Log = (event) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);

/** The query-string filters shared by /v1/logs and /v1/tail. */
function filtersOf(url: URL): Filters {
  const p = url.searchParams;
  const get = (k: string) => p.get(k) ?? undefined;
  const limit = get('limit');
  return {
    service: get('service'), namespace: get('namespace'), workload: get('workload'), status: get('status'),
    method: get('method'), authority: get('authority'), path: get('path'), requestId: get('request_id'),
    traceId: get('trace_id'), text: get('q'), since: get('since'), until: get('until'), cursor: get('cursor'),
    limit: limit === undefined ? undefined : Number(limit),
  };
}

export async function startCollector(config: CollectorConfig, log: Log = stderrLog): Promise<Collector> {
  const store = new Store(config.data);
  // What batches are checked against: the limits, and the retention (an older record is refused).
  const limits = { ...config.limits, keepDays: config.retentionDays };
  const tail = new TailHub({ maxQueue: config.limits.tailQueue, maxBytes: config.limits.tailQueueBytes });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes });
  const metrics = new CollectorMetrics();
  const hosts = servedHosts(config.host, config.allowedHosts);
  const hostsSetting = 'allowed_hosts (REDTAIL_ALLOWED_HOSTS)';
  // Retention on a schedule: at start, then hourly.
  const prune = () => {
    for (const r of store.prune(retentionStart(config.retentionDays))) log({ level: 'info', event: 'shard_pruned', ...r });
  };
  prune();
  const pruning = setInterval(prune, 3_600_000);
  pruning.unref();
  // The free-text index is built behind ingest by a worker thread, on the other core (words.ts).
  store.unreadable.onReport = (event) => log({ ...event });
  const words = new Worker(new URL('../search/words-worker.js', import.meta.url), { workerData: { dir: config.data } });
  words.on('message', (m: { error?: string; unreadable?: { shard: string; block: number; error: string } }) => {
    if (m.error) log({ level: 'warn', event: 'words_index_failed', error: m.error });
    if (m.unreadable) store.unreadable.block(m.unreadable.shard, m.unreadable.block, m.unreadable.error);
  });
  words.on('error', (err) => log({ level: 'error', event: 'words_index_stopped', error: err.message, hint: 'free-text queries still work, reading unindexed blocks in full' }));
  words.unref();
  // Each batch's blocks go to the worker as they commit, their text moved, not copied.
  store.onBlocks = (path, blocks) => {
    const moved = blocks.filter((b) => b.text.byteOffset === 0 && b.text.buffer.byteLength === b.text.length).map((b) => b.text.buffer as ArrayBuffer);
    try {
      words.postMessage({ path, blocks }, moved);
    } catch {
      // The worker is gone: it reads blocks back when it runs again.
    }
  };
  const wordsGone = new Promise<void>((r) => words.once('exit', () => r()));

  /** A valid batch, from HTTP or a WebSocket: stored (unless a duplicate), counted, tailed. */
  function accept(batch: string | undefined, parsed: { rows: Row[]; gaps: Gap[] }, bytes: number, started: bigint) {
    const result = store.write(batch, parsed.rows, parsed.gaps);
    if (result.duplicate) metrics.duplicates++;
    else {
      metrics.batches++;
      metrics.records += result.stored;
      metrics.bytes += bytes;
      tail.publish(parsed.rows);
    }
    metrics.wrote(Number(process.hrtime.bigint() - started) / 1e6);
    return result;
  }

  /** Bytes of batches being received, over HTTP and WebSocket: bounded, so memory is (upload.ts). */
  const pending = new PendingBytes(config.limits.maxPendingBytes);
  const uploadCut = (route: string, why: Cut) => {
    metrics.reject(why === 'busy' ? 'busy' : 'stalled');
    if (why !== 'busy') log({ level: 'warn', event: 'upload_cut', route, reason: why, error: cutMessage(why, config.limits) });
  };

  async function ingest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const received = await receiveBatch(req, limits, pending);
    if (!received.ok) {
      if (received.cut !== undefined) uploadCut('POST /v1/ingest', received.cut);
      else metrics.reject(received.reason);
      if (received.reason === 'invalid') log({ level: 'warn', event: 'batch_rejected', batch: received.answer.batch, reason: received.answer.message ?? received.answer.error });
      if (received.reason === 'unreadable') log({ level: 'error', event: 'batch_unreadable', batch: received.answer.batch, error: received.answer.error });
      return answerRefused(req, res, received);
    }
    send(res, 200, accept(received.batch, received, received.body.length, started));
  }

  function logs(url: URL, res: http.ServerResponse): void {
    try {
      send(res, 200, url.pathname === '/v1/gaps' ? gaps(store, filtersOf(url)) : query(store, filtersOf(url)));
    } catch (err) {
      if (err instanceof QueryError) return send(res, 400, { error: err.message, field: err.field, expected: err.expected });
      throw err;
    }
  }

  const server = http.createServer((req, res) => {
    const wrongHost = checkHost(req, hosts, hostsSetting);
    if (wrongHost) {
      req.resume();
      return send(res, wrongHost.status, { error: wrongHost.error, code: wrongHost.code });
    }
    const url = new URL(req.url ?? '/', 'http://collector');
    const route = `${req.method} ${url.pathname}`;
    const scope: Scope | undefined = route === 'POST /v1/ingest' ? 'ingest' : route === 'GET /v1/logs' || route === 'GET /v1/gaps' ? 'read' : undefined;
    if (route === 'GET /healthz') return send(res, 200, { ok: true, shards: store.list().length });
    if (route === 'GET /metrics') {
      const text = metrics.prometheus(store, tail);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
      return res.end(text);
    }
    // The page is static and holds no data: it asks the API, with the user's token, for records.
    if (req.method === 'GET' && servePage(url.pathname, res)) return;
    if (scope === undefined) return send(res, 404, { error: `no such endpoint: ${route}; see GET / (the web page), POST /v1/ingest, GET /v1/logs, GET /v1/gaps, GET /v1/tail, GET /metrics, GET /healthz` });
    const auth = authorize(config.tokens, req, scope);
    if (!auth.ok) {
      if (scope === 'ingest') metrics.reject(auth.status === 401 ? 'unauthorized' : 'forbidden');
      return deny(req, res, auth);
    }
    // Async either way, so that any failure lands in the catch below, never outside a handler.
    const handled = scope === 'ingest' ? ingest(req, res) : (async () => logs(url, res))();
    handled.catch((err: Error) => {
      if (err instanceof ProducerGone) return log({ level: 'info', event: err.event, message: err.message });
      log({ level: 'error', event: 'request_failed', route, error: err.message });
      if (!res.headersSent) send(res, 500, { error: 'internal error; the batch was not stored, send it again' });
    });
  });
  /**
   * WebSocket ingest: each message {"batch": "<source>/<seq>", "records": [...]}, answered
   * {"ack": id} after commit or {"error", "batch", …} naming what was wrong. A frame that is not
   * such an object closes the socket with the reason. Messages are handled one at a time, each
   * committed before the next is read, so a producer faster than the disk is slowed by TCP.
   */
  function stream(ws: import('ws').WebSocket): void {
    ws.on('message', (data: Buffer) => {
      const started = process.hrtime.bigint();
      const message: { batch?: string } = {};
      let parsed: { rows: Row[]; gaps: Gap[] } | undefined;
      try {
        parsed = readStreamed(ws, data, message);
      } catch (err) {
        if (err instanceof BatchError) {
          metrics.reject('invalid');
          return ws.send(JSON.stringify({ ...err.toJSON(), batch: message.batch }));
        }
        // Reading a batch goes the same way every time: it is refused for good, not retried.
        metrics.reject('unreadable');
        log({ level: 'error', event: 'batch_unreadable', batch: message.batch, error: (err as Error).message });
        return ws.send(JSON.stringify(unreadableBatch(err, message.batch)));
      }
      if (parsed === undefined) return; // not a batch: the socket is closed, with the reason
      try {
        ack(accept(message.batch!, parsed, data.length, started));
      } catch (err) {
        // Storing failed (a full disk, say): that may pass, so the producer is told to send it again.
        log({ level: 'error', event: 'stream_write_failed', batch: message.batch, error: (err as Error).message });
        ws.send(JSON.stringify({ error: 'internal error; the batch was not stored, send it again', batch: message.batch, retry: true }));
      }
    });
    const ack = (result: { batch: string; stored: number; duplicate: boolean }) => ws.send(JSON.stringify({ ack: result.batch, stored: result.stored, duplicate: result.duplicate }));
    ws.on('error', () => {});
  }

  /**
   * A WebSocket message's batch id (into `out`, as soon as it is known) and records, or undefined
   * when the message is not a batch at all (the socket is then closed with the reason).
   */
  function readStreamed(ws: import('ws').WebSocket, data: Buffer, out: { batch?: string }): { rows: Row[]; gaps: Gap[] } | undefined {
    // Most messages are read straight from their bytes (reader.ts); the rest the general way.
    const read = readMessage(data, limits);
    if (read !== undefined && isBatchId(read.batch)) {
      out.batch = read.batch;
      return read.records();
    }
    let items: ReturnType<typeof messageItems>;
    try {
      items = messageItems(data.toString('utf8'), data);
    } catch {
      metrics.reject('invalid');
      ws.close(1007, 'each message must be JSON: {"batch": "<source>/<seq>", "records": [...]}');
      return undefined;
    }
    const message = items.message;
    if (typeof message !== 'object' || message === null || typeof message.batch !== 'string' || !isBatchId(message.batch) || !Array.isArray(message.records)) {
      metrics.reject('invalid');
      ws.close(1008, 'each message must be {"batch": "<source>/<seq>", "records": [...]}');
      return undefined;
    }
    out.batch = message.batch;
    return parseRecords(message.records, limits, items.items?.texts, items.items?.raws);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://collector');
    const refuse = (status: number, message: string, code?: string) => {
      const body = JSON.stringify({ error: message, code });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    const crossSite: Refusal | undefined = checkHost(req, hosts, hostsSetting) ?? checkOrigin(req, config.allowedOrigins, 'allowed_origins (REDTAIL_ALLOWED_ORIGINS)');
    if (crossSite) {
      log({ level: 'warn', event: 'upgrade_refused', path: url.pathname, origin: req.headers.origin, host: req.headers.host, reason: crossSite.code });
      return refuse(crossSite.status, crossSite.error, crossSite.code);
    }
    if (url.pathname === '/v1/stream') {
      const auth = authorize(config.tokens, req, 'ingest', url);
      if (!auth.ok) return refuse(auth.status, auth.error);
      // Counting starts before the ws library reads a byte, so each message's bytes are reserved as they arrive.
      const limited = limitStream(socket, pending, config.limits, (why) => uploadCut('GET /v1/stream', why));
      return sockets.handleUpgrade(req, socket, head, (ws) => stream(limited(ws)));
    }
    if (url.pathname !== '/v1/tail') return refuse(404, `no WebSocket endpoint at ${url.pathname}; see GET /v1/tail and GET /v1/stream`);
    const auth = authorize(config.tokens, req, 'read', url);
    if (!auth.ok) return refuse(auth.status, auth.error);
    if (tail.size >= config.limits.tailSubscribers) {
      tail.refused++;
      log({ level: 'warn', event: 'tail_refused', subscribers: tail.size, hint: 'close a live tail, or raise limits.tail_subscribers' });
      return refuse(503, `the collector has ${tail.size} live tails, as many as limits.tail_subscribers allows: close one, or raise the limit`, 'too_many_tails');
    }
    const filters = filtersOf(url);
    try {
      matcher(filters); // refuse bad filters before the upgrade, with a readable 400
    } catch (err) {
      if (err instanceof QueryError) return refuse(400, err.message);
      throw err;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      tail.subscribe(ws, filters);
      // Browsers send the token in the address: it stays out of the logs.
      const shown = new URLSearchParams(url.searchParams);
      shown.delete('token');
      log({ level: 'info', event: 'tail_subscribed', filters: shown.toString(), subscribers: tail.size });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
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
        // The indexer finishes its slice and closes its files; a stuck one is cut after 2 s.
        words.ref(); // keep the process up until it is done
        words.postMessage('stop');
        const kill = setTimeout(() => void words.terminate(), 2000);
        void wordsGone.then(() => {
          clearTimeout(kill);
          store.close();
          resolve();
        });
      });
      server.closeIdleConnections();
    })),
  };
}
