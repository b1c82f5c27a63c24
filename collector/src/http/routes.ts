// The collector's routes on its one port: GET / (the web page and its files), POST /v1/ingest,
// GET /v1/logs, GET /v1/gaps, GET /v1/completeness, GET /v1/schema, GET /healthz, GET /metrics, and the WebSocket
// upgrades GET /v1/stream (ingest) and GET /v1/tail (live tail). Each request is checked against
// the hosts served and the tokens' scopes; every error is JSON that says what to do.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { filtersFrom, QueryError } from '../query/filters.js';
import { gaps, parseTime, query } from '../query/query.js';
import { completeness } from '../sources/completeness.js';
import { publicSchema } from '../record/schema.js';
import { ShardUnopenable } from '../store/store.js';
import { matcher } from '../tail/tail.js';
import { authorize, deny, type Scope } from './auth.js';
import { checkHost, checkOrigin, type Refusal } from './cross-site.js';
import { servePage } from './page.js';
import { answerRefused, ProducerGone, receiveBatch } from './receive.js';
import { refuseUpgrade, send } from './respond.js';
import type { Parts } from './server.js';
import { streamIngest } from './stream.js';
import { limitStream } from './stream-limits.js';

const HOSTS_SETTING = 'allowed_hosts (REDTAIL_ALLOWED_HOSTS)';

/** The record's fields as GET /v1/schema tells them (the page builds its filters from it); public, as the page is. */
const SCHEMA = publicSchema();

/** The plain HTTP routes. */
export function routes(parts: Parts): http.RequestListener {
  const { config, store, metrics, tail, log } = parts;

  async function ingest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const received = await receiveBatch(req, parts.limits, parts.pending);
    if (!received.ok) {
      if (received.cut !== undefined) parts.uploadCut('POST /v1/ingest', received.cut);
      else metrics.reject(received.reason);
      if (received.reason === 'invalid') log({ level: 'warn', event: 'batch_rejected', batch: received.answer.batch, reason: received.answer.message ?? received.answer.error });
      if (received.reason === 'unreadable') log({ level: 'error', event: 'batch_unreadable', batch: received.answer.batch, error: received.answer.error });
      return answerRefused(req, res, received);
    }
    send(res, 200, parts.accept(received.batch, received, received.body.length, started));
  }

  /** Completeness over since..until (default: all), as the report has it. */
  function complete(url: URL): ReturnType<typeof completeness> {
    const f = filtersFrom(url.searchParams);
    const from = f.since !== undefined ? parseTime(f.since, 'since') : 0;
    const to = f.until !== undefined ? parseTime(f.until, 'until') : Date.now() + 1;
    return completeness(store, { from, to });
  }

  function logs(url: URL, res: http.ServerResponse): void {
    try {
      const f = () => filtersFrom(url.searchParams);
      send(res, 200, url.pathname === '/v1/gaps' ? gaps(store, f()) : url.pathname === '/v1/completeness' ? complete(url) : query(store, f()));
    } catch (err) {
      if (err instanceof QueryError) return send(res, 400, { error: err.message, field: err.field, expected: err.expected });
      throw err;
    }
  }

  return (req, res) => {
    const wrongHost = checkHost(req, parts.hosts, HOSTS_SETTING);
    if (wrongHost) {
      req.resume();
      return send(res, wrongHost.status, { error: wrongHost.error, code: wrongHost.code });
    }
    const url = new URL(req.url ?? '/', 'http://collector');
    const route = `${req.method} ${url.pathname}`;
    const scope: Scope | undefined = route === 'POST /v1/ingest' ? 'ingest' : ['GET /v1/logs', 'GET /v1/gaps', 'GET /v1/completeness'].includes(route) ? 'read' : undefined;
    if (route === 'GET /healthz') return send(res, 200, { ok: true, shards: store.list().length });
    if (route === 'GET /v1/schema') return send(res, 200, SCHEMA);
    if (route === 'GET /metrics') {
      const text = metrics.prometheus(store, tail, parts.sources);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
      return res.end(text);
    }
    // The page is static and holds no data: it asks the API, with the user's token, for records.
    if (req.method === 'GET' && servePage(url.pathname, res)) return;
    if (scope === undefined) return send(res, 404, { error: `no such endpoint: ${route}; see GET / (the web page), POST /v1/ingest, GET /v1/logs, GET /v1/gaps, GET /v1/completeness, GET /v1/tail, GET /v1/schema, GET /metrics, GET /healthz` });
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
      if (res.headersSent) return;
      if (err instanceof ShardUnopenable) {
        res.setHeader('retry-after', '60');
        return send(res, 503, { error: err.message });
      }
      send(res, 500, { error: 'internal error; the batch was not stored, send it again' });
    });
  };
}

/** The WebSocket upgrades: /v1/stream (ingest) and /v1/tail. */
export function upgrades(parts: Parts): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { config, tail, log, sockets } = parts;
  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://collector');
    const refuse = (status: number, message: string, code?: string) => refuseUpgrade(socket, status, message, code);
    const crossSite: Refusal | undefined = checkHost(req, parts.hosts, HOSTS_SETTING) ?? checkOrigin(req, config.allowedOrigins, 'allowed_origins (REDTAIL_ALLOWED_ORIGINS)');
    if (crossSite) {
      log({ level: 'warn', event: 'upgrade_refused', path: url.pathname, origin: req.headers.origin, host: req.headers.host, reason: crossSite.code });
      return refuse(crossSite.status, crossSite.error, crossSite.code);
    }
    if (url.pathname === '/v1/stream') {
      const auth = authorize(config.tokens, req, 'ingest', url);
      if (!auth.ok) return refuse(auth.status, auth.error);
      // Counting starts before the ws library reads a byte, so each message's bytes are reserved as they arrive.
      const limited = limitStream(socket, parts.pending, config.limits, (why) => parts.uploadCut('GET /v1/stream', why));
      return sockets.handleUpgrade(req, socket, head, (ws) => streamIngest(parts, limited(ws)));
    }
    if (url.pathname !== '/v1/tail') return refuse(404, `no WebSocket endpoint at ${url.pathname}; see GET /v1/tail and GET /v1/stream`);
    const auth = authorize(config.tokens, req, 'read', url);
    if (!auth.ok) return refuse(auth.status, auth.error);
    if (tail.size >= config.limits.tailSubscribers) {
      tail.refused++;
      log({ level: 'warn', event: 'tail_refused', subscribers: tail.size, hint: 'close a live tail, or raise limits.tail_subscribers' });
      return refuse(503, `the collector has ${tail.size} live tails, as many as limits.tail_subscribers allows: close one, or raise the limit`, 'too_many_tails');
    }
    const filters = filtersFrom(url.searchParams);
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
  };
}
