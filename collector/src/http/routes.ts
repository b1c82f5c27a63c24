// The collector's routes on its one port: GET / (the web page and its files), POST /v1/ingest,
// GET /v1/logs, GET /v1/gaps, GET /v1/completeness, GET /v1/audit, GET /v1/schema, GET /healthz,
// GET /metrics, and the WebSocket upgrades GET /v1/stream (ingest) and GET /v1/tail (live tail).
// Each request is checked against the hosts served and the tokens' scopes; every error is JSON
// that says what to do. Every read, and every token refused, is written to the audit log (audit/).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuditAction } from '../audit/entry.js';
import { readAudit } from '../audit/read.js';
import { type Filters, filtersFrom, QueryError } from '../query/filters.js';
import { gaps, MAX_LIMIT, parseTime, query } from '../query/query.js';
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

/** A request's parameters as the audit log writes them: a token given in the address left out. */
function asked(url: URL): Record<string, string> {
  const shown = Object.fromEntries(url.searchParams);
  delete shown.token;
  return shown;
}

/** Write an audit entry for a request: who (a token's name), from where, what. */
function audited(parts: Parts, req: http.IncomingMessage, action: AuditAction, who: string, details: Record<string, unknown>): void {
  parts.audit.append({ action, who, client: clientOf(req), ...details });
}

/** The client's address, read while its socket is open (a closed one has none). */
const clientOf = (req: http.IncomingMessage): string | undefined => req.socket.remoteAddress;

/** A token refused: answered by the caller, written here with what it asked for. */
function refused(parts: Parts, req: http.IncomingMessage, url: URL, auth: { status: number; error: string; who: string }): void {
  parts.metrics.auditRefused++;
  parts.audit.refused({ who: auth.who, client: clientOf(req), status: auth.status, route: `${req.method} ${url.pathname}`, asked: asked(url), error: auth.error });
}

/** GET /v1/audit: the audit log's entries from `since` to `until`, oldest first. */
function auditEntries(parts: Parts, url: URL): { entries: ReturnType<typeof readAudit> } {
  const p = url.searchParams;
  const limit = p.get('limit') === null ? undefined : Number(p.get('limit'));
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new QueryError('limit', 'a positive integer', String(p.get('limit')));
  const since = p.get('since');
  const until = p.get('until');
  // What is queued is written first, so a listing shows every read before it.
  parts.audit.flush();
  return { entries: readAudit(parts.config.data, { since: since === null ? undefined : parseTime(since, 'since'), until: until === null ? undefined : parseTime(until, 'until'), limit }) };
}

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

  function logs(req: http.IncomingMessage, url: URL, res: http.ServerResponse, who: string): void {
    try {
      const filters = { asked: asked(url) };
      if (url.pathname === '/v1/audit') {
        const found = auditEntries(parts, url);
        audited(parts, req, 'audit', who, { ...filters, results: found.entries.length });
        return send(res, 200, found);
      }
      if (url.pathname === '/v1/gaps') {
        const found = gaps(store, filtersFrom(url.searchParams));
        audited(parts, req, 'gaps', who, { ...filters, results: found.gaps.length });
        return send(res, 200, found);
      }
      if (url.pathname === '/v1/completeness') {
        const found = complete(url);
        audited(parts, req, 'completeness', who, { ...filters, results: found.missing.length + found.silences.length });
        return send(res, 200, found);
      }
      const found = query(store, filtersFrom(url.searchParams));
      audited(parts, req, 'query', who, { ...filters, results: found.records.length });
      send(res, 200, found);
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
    const scope: Scope | undefined = route === 'POST /v1/ingest' ? 'ingest' : ['GET /v1/logs', 'GET /v1/gaps', 'GET /v1/completeness'].includes(route) ? 'read'
      : route === 'GET /v1/audit' ? 'admin' : undefined;
    if (route === 'GET /healthz') return send(res, 200, { ok: true, shards: store.list().length });
    if (route === 'GET /v1/schema') return send(res, 200, SCHEMA);
    if (route === 'GET /metrics') {
      const text = metrics.prometheus(store, tail, parts.sources, { audited: parts.audit.written });
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
      return res.end(text);
    }
    // The page is static and holds no data: it asks the API, with the user's token, for records.
    // HEAD as GET: node leaves the body out.
    if ((req.method === 'GET' || req.method === 'HEAD') && servePage(url.pathname, res)) return;
    if (scope === undefined) return send(res, 404, { error: `no such endpoint: ${route}; see GET / (the web page), POST /v1/ingest, GET /v1/logs, GET /v1/gaps, GET /v1/completeness, GET /v1/audit, GET /v1/tail, GET /v1/schema, GET /metrics, GET /healthz` });
    const auth = authorize(config.tokens, req, scope, url);
    if (!auth.ok) {
      if (scope === 'ingest') metrics.reject(auth.status === 401 ? 'unauthorized' : 'forbidden');
      refused(parts, req, url, auth);
      return deny(req, res, auth);
    }
    // Async either way, so that any failure lands in the catch below, never outside a handler.
    const handled = scope === 'ingest' ? ingest(req, res) : (async () => logs(req, url, res, auth.who))();
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

/** `backfill=N` on a tail: the latest N records the filters (and `since`, `until`) find, oldest first; undefined when not asked. */
function backfillOf(store: Parts['store'], url: URL, filters: Filters): Buffer[] | undefined {
  const given = url.searchParams.get('backfill');
  if (given === null) return undefined;
  // Digits only: Number() would also take "", " 5", "1e3" and "0x10".
  const n = /^[0-9]{1,7}$/.test(given) ? Number(given) : NaN;
  if (!(n <= MAX_LIMIT)) throw new QueryError('backfill', `an integer from 0 to ${MAX_LIMIT}, in digits`, given);
  if (n === 0) return [];
  return query(store, { ...filters, limit: n, cursor: undefined }).records.reverse().map((r) => Buffer.from(JSON.stringify(r)));
}

/** The WebSocket upgrades: /v1/stream (ingest) and /v1/tail. */
export function upgrades(parts: Parts): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { config, tail, log, sockets, store } = parts;
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
      if (!auth.ok) {
        refused(parts, req, url, auth);
        return refuse(auth.status, auth.error);
      }
      // Counting starts before the ws library reads a byte, so each message's bytes are reserved as they arrive.
      const limited = limitStream(socket, parts.pending, config.limits, (why) => parts.uploadCut('GET /v1/stream', why));
      return sockets.handleUpgrade(req, socket, head, (ws) => streamIngest(parts, limited(ws)));
    }
    if (url.pathname !== '/v1/tail') return refuse(404, `no WebSocket endpoint at ${url.pathname}; see GET /v1/tail and GET /v1/stream`);
    const auth = authorize(config.tokens, req, 'read', url);
    if (!auth.ok) {
      refused(parts, req, url, auth);
      return refuse(auth.status, auth.error);
    }
    if (tail.size >= config.limits.tailSubscribers) {
      tail.refused++;
      log({ level: 'warn', event: 'tail_refused', subscribers: tail.size, hint: 'close a live tail, or raise limits.tail_subscribers' });
      return refuse(503, `the collector has ${tail.size} live tails, as many as limits.tail_subscribers allows: close one, or raise the limit`, 'too_many_tails');
    }
    const filters = filtersFrom(url.searchParams);
    let backfill: Buffer[] | undefined;
    try {
      matcher(filters); // refuse bad filters before the upgrade, with a readable 400
      // The latest records stored, queried in the turn that subscribes (handleUpgrade calls back in it): see tail.ts.
      backfill = backfillOf(store, url, filters);
    } catch (err) {
      if (err instanceof QueryError) return refuse(400, err.message);
      if (err instanceof ShardUnopenable) return refuse(503, err.message);
      throw err;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      // A token given in the address (which is refused) stays out of the logs.
      const shown = asked(url);
      const started = Date.now();
      const client = clientOf(req);
      audited(parts, req, 'tail_start', auth.who, { asked: shown });
      tail.subscribe(ws, filters, { backfill, onEnd: (sent) => parts.audit.append({ action: 'tail_end', who: auth.who, client, asked: shown, sent, duration_ms: Date.now() - started }) });
      log({ level: 'info', event: 'tail_subscribed', filters: new URLSearchParams(shown).toString(), subscribers: tail.size });
    });
  };
}
