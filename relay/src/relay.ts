// The relay: takes the filter's batches over HTTP on a node or in a cluster (the same
// POST /v1/ingest as the collector), commits each to the spool before answering, and forwards
// the spool to the central collector over one WebSocket. A sidecar told 200 can forget its batch:
// the relay has it on disk until the collector acknowledges it.
import type http from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { answerRefused, authorize, checkHost, createServer, cutMessage, deny, Exposition, PendingBytes, ProducerGone, readTlsFiles, receiveBatch, REJECT_REASONS, send, servedHosts } from '../../collector/src/index.js';
import type { RelayConfig } from './config.js';
import { Forwarder } from './forward.js';
import { Spool } from './spool.js';

type Log = (event: Record<string, unknown>) => void;

export interface Relay {
  url: string;
  spool: Spool;
  forwarder: Forwarder;
  close(): Promise<void>;
}

/** A validated batch body (NDJSON or a JSON array) as one JSON array of records. */
function asArray(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith('[')) return trimmed;
  const lines: string[] = [];
  for (const line of body.split('\n')) {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() !== '') lines.push(text);
  }
  return `[${lines.join(',')}]`;
}

export async function startRelay(config: RelayConfig, log: Log): Promise<Relay> {
  // The certificate first: a missing file or a bad pair is refused before anything is opened.
  if (config.tls) readTlsFiles(config.tls, 'relay');
  const spool = new Spool(config.spool, config.limits.spoolMaxBytes);
  const forwarder = new Forwarder(spool, {
    url: config.upstream, token: config.upstreamToken, tls: config.upstreamTls, window: config.limits.window, minBackoffMs: 100, maxBackoffMs: 5000,
    maxBatchErrors: config.limits.maxBatchErrors,
  }, log);
  // Batches sent without an id get one here, unique to this relay process, so the collector's
  // duplicate check never mistakes a later batch for an earlier one.
  const source = `relay-${hostname()}-${randomBytes(4).toString('hex')}`;
  let unnamed = 0;
  const hosts = servedHosts(config.host, config.allowedHosts);
  /** Bytes of batches being received: bounded, so memory is (the collector's http/upload.ts). */
  const pending = new PendingBytes(config.limits.maxPendingBytes);
  // Times bounded ahead only: the collector judges the past of what the spool delivers (config.ts).
  const limits = { ...config.limits, aheadOnly: true };
  const counts = { received: 0, duplicate: 0, refused: new Map<string, number>() };
  const count = (reason: string) => counts.refused.set(reason, (counts.refused.get(reason) ?? 0) + 1);

  async function ingest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const received = await receiveBatch(req, limits, pending);
    if (!received.ok) {
      count(received.reason);
      if (received.cut !== undefined && received.cut !== 'busy') log({ level: 'warn', event: 'upload_cut', route: 'POST /v1/ingest', reason: received.cut, error: cutMessage(received.cut, config.limits) });
      return answerRefused(req, res, received);
    }
    const batch = received.batch ?? `${source}/${++unnamed}`;
    const outcome = spool.add(batch, asArray(received.body.toString('utf8')));
    if (outcome === 'full') {
      count('spool_full');
      return send(res, 429, { error: 'the relay\'s spool is full (the collector has been unreachable for a while): retry after Retry-After seconds' }, { 'retry-after': '5' });
    }
    if (outcome === 'duplicate') counts.duplicate++;
    else counts.received++;
    forwarder.wake();
    send(res, 200, { batch, spooled: true, duplicate: outcome === 'duplicate', records: received.rows.length });
  }

  function metrics(): string {
    return new Exposition()
      .add('redtail_relay_batches_received_total', 'counter', 'Batches committed to the spool.', counts.received)
      .add('redtail_relay_batches_duplicate_total', 'counter', 'Batches whose id was already waiting in the spool (retries).', counts.duplicate)
      .add('redtail_relay_batches_refused_total', 'counter', 'Batches refused to sidecars, by reason.',
        // The collector's reasons (the relay reads batches as it does), and its own.
        [...REJECT_REASONS, 'spool_full'].map((r) => `redtail_relay_batches_refused_total{reason="${r}"} ${counts.refused.get(r) ?? 0}`))
      .add('redtail_relay_batches_forwarded_total', 'counter', 'Batches the collector acknowledged.', forwarder.forwarded)
      .add('redtail_relay_batches_rejected_upstream', 'gauge', 'Batches the collector refused for good, kept in the spool\'s rejected table.', spool.rejectedCount)
      .add('redtail_relay_spool_batches', 'gauge', 'Batches waiting in the spool.', spool.batches)
      .add('redtail_relay_spool_bytes', 'gauge', 'Bytes of records waiting in the spool.', spool.bytes)
      .add('redtail_relay_upstream_connected', 'gauge', '1 while the WebSocket to the collector is open.', forwarder.connected ? 1 : 0)
      .text();
  }

  const served = createServer((req, res) => {
    const wrongHost = checkHost(req, hosts, '--allowed-hosts (REDTAIL_ALLOWED_HOSTS)');
    if (wrongHost) {
      req.resume();
      return send(res, wrongHost.status, { error: wrongHost.error, code: wrongHost.code });
    }
    const route = `${req.method} ${new URL(req.url ?? '/', 'http://relay').pathname}`;
    if (route === 'GET /healthz') {
      return send(res, 200, { ok: true, upstream: forwarder.connected ? 'connected' : 'disconnected', spooled_batches: spool.batches, spooled_bytes: spool.bytes, rejected_upstream: spool.rejectedCount });
    }
    if (route === 'GET /metrics') {
      const text = metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
      return res.end(text);
    }
    if (route !== 'POST /v1/ingest') return send(res, 404, { error: `no such endpoint: ${route}; the relay takes POST /v1/ingest and answers GET /healthz, GET /metrics` });
    const auth = authorize(config.tokens, req, 'ingest');
    if (!auth.ok) {
      count(auth.status === 401 ? 'unauthorized' : 'forbidden');
      return deny(req, res, auth);
    }
    ingest(req, res).catch((err: Error) => {
      if (err instanceof ProducerGone) return log({ level: 'info', event: err.event, message: err.message });
      log({ level: 'error', event: 'spool_failed', error: err.message });
      // Not spooled (a full disk, say): the sidecar keeps the batch and retries.
      if (!res.headersSent) send(res, 503, { error: `the relay could not spool the batch (${err.message}); send it again` }, { 'retry-after': '5' });
    });
  }, config.tls, { program: 'relay', log, firstRequestMs: config.limits.firstRequestMs });
  const { server } = served;
  let url: string;
  try {
    url = await served.listen(config.port, config.host);
  } catch (err) {
    forwarder.close();
    spool.close();
    throw err;
  }
  log({ level: 'info', event: 'listening', url, upstream: config.upstream, spool: spool.path, spooled: spool.batches, hosts: hosts === '*' ? 'any' : hosts });
  return {
    url, spool, forwarder,
    close: () => new Promise<void>((resolve) => {
      served.stop();
      server.close(() => {
        forwarder.close();
        spool.close();
        resolve();
      });
      server.closeIdleConnections();
    }),
  };
}
