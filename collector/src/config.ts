// The collector's configuration: a JSON file (--config), environment variables and flags, in
// that order of precedence from lowest to highest. Every limit has a safe default; every
// mistake is refused at start with the field, the value and what was expected.
import { readFileSync } from 'node:fs';
import { ConfigError, fail, type Program } from './config-error.js';
import { checkToken, parseTokens, type Token } from './http/auth.js';
import { isLoopback, parseHosts } from './http/cross-site.js';
import type { TlsFiles } from './http/tls.js';
import { type ExporterConfig, parseExporters } from './export/config.js';
import { DEFAULT_MAX_DEPTH, MOST_DEPTH } from './ingest/depth.js';
import { DEFAULT_PAGE_CACHE_BYTES } from './store/page-cache.js';
import { DEFAULT_QUERY_CACHE_BYTES } from './store/shard.js';

export { ConfigError } from './config-error.js';

export interface CollectorConfig {
  /** Where the shards live. */
  data: string;
  host: string;
  port: number;
  /** Bearer tokens and what each may do. None: the collector listens on loopback only. */
  tokens: Token[];
  retentionDays: number;
  /** Host names the server answers to; undefined: loopback names when listening on loopback, else any (cross-site.ts). */
  allowedHosts: string[] | undefined;
  /** The certificate and key to serve HTTPS and WSS with; undefined: plain HTTP. */
  tls: TlsFiles | undefined;
  /** Origins of other sites' pages that may open WebSockets, besides the collector's own page. */
  allowedOrigins: string[];
  limits: {
    /** Largest request body (a batch), bytes: larger is answered 413. */
    maxBodyBytes: number;
    /** Longest record line, bytes. */
    maxRecordBytes: number;
    /** Most records in one batch. */
    maxRecords: number;
    /** How deep a record may nest (objects and arrays), the record itself the first level. */
    maxDepth: number;
    /** How far from the collector's clock a record's time may be, either way, ms (times.ts). */
    maxClockSkewMs: number;
    /** Records queued for one slow tail subscriber before its oldest are dropped. */
    tailQueue: number;
    /** Bytes held for one tail subscriber (queued, and unsent on its socket) before its oldest records are dropped. */
    tailQueueBytes: number;
    /** Live tails at once: past it a new one is refused with 503. */
    tailSubscribers: number;
    /** Bytes of batches being received or waiting to be written, all producers together: past it, 429. */
    maxPendingBytes: number;
    /** Longest a batch (an HTTP body, a WebSocket message) may take to arrive from its first byte. */
    bodyTimeoutMs: number;
    /** Longest a batch may go without a byte before it is whole. */
    bodyIdleMs: number;
    /** Longest a connection may take to send its first request head, its TLS handshake included (http/silent.ts). */
    firstRequestMs: number;
    /** Bytes of refused requests' audit entries written whole a minute; past it they are counted (audit/refusals.ts). */
    auditRefusedBytes: number;
    /** Bytes of blocks kept decompressed for the next queries (store/shard.ts). */
    queryCacheBytes: number;
    /** SQLite's page cache for all shards together, both threads that hold them (store/page-cache.ts). */
    pageCacheBytes: number;
  };
  /** The verifiable log (log/): its signed checkpoints. */
  log: {
    /** How often each open epoch's checkpoint is signed, ms, also when nothing arrived. */
    checkpointIntervalMs: number;
    /** The signing key's file, made on first start; undefined: log.key in the data folder. */
    keyFile: string | undefined;
    /** The log's name, given to a key made on first start; undefined: redtail/<host name>. */
    name: string | undefined;
  };
  /** Completeness (sources/): when a source is silent, and when it leaves /metrics. */
  sources: {
    /** An identity (a workload or node) that sends no batch for this long is silent, ms. */
    silentAfterMs: number;
    /** An identity that sent nothing for this long leaves /metrics, ms (it stays in the report). */
    forgetAfterMs: number;
    /** Most identities /metrics shows, the latest heard: a producer naming a new one per batch cannot grow it without bound. */
    maxIdentities: number;
  };
  /** Where stored records are sent on to (export/): OpenTelemetry, Loki. */
  exporters: ExporterConfig[];
}

/** The retention a collector and `redtail prune` take, in days: at least today, at most ten years. */
export const RETENTION_DAYS = { min: 1, max: 3650 };

/** The widest skew: as far back as the longest retention, so a relay's catch-up of any age can be taken. */
const MOST_SKEW_MS = RETENTION_DAYS.max * 86_400_000;

export const DEFAULTS: CollectorConfig = {
  data: './data',
  host: '127.0.0.1',
  port: 9900,
  tokens: [],
  retentionDays: 30,
  allowedHosts: undefined,
  tls: undefined,
  allowedOrigins: [],
  limits: {
    maxBodyBytes: 16 * 1024 * 1024, maxRecordBytes: 256 * 1024, maxRecords: 20000, maxDepth: DEFAULT_MAX_DEPTH, maxClockSkewMs: 86_400_000,
    tailQueue: 10000, tailQueueBytes: 4 * 1024 * 1024, tailSubscribers: 32, maxPendingBytes: 64 * 1024 * 1024, bodyTimeoutMs: 60_000,
    bodyIdleMs: 10_000, firstRequestMs: 10_000, auditRefusedBytes: 64 * 1024, queryCacheBytes: DEFAULT_QUERY_CACHE_BYTES, pageCacheBytes: DEFAULT_PAGE_CACHE_BYTES,
  },
  log: { checkpointIntervalMs: 60_000, keyFile: undefined, name: undefined },
  sources: { silentAfterMs: 300_000, forgetAfterMs: 86_400_000, maxIdentities: 10_000 },
  exporters: [],
};

function int(v: unknown, field: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(field, `an integer from ${min} to ${max}`, v);
  return n;
}

/** A part of the file that is an object of known fields: the object, or a ConfigError naming what is wrong. */
function section(v: unknown, name: string, known: string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(name, 'an object', v);
  for (const k of Object.keys(v)) if (!known.includes(k)) throw new ConfigError(`collector config: unknown field "${name}.${k}"; known fields are ${known.join(', ')}`);
  return v as Record<string, unknown>;
}

/** A list of web origins (scheme://host[:port]), or "*" for any. */
export function parseOrigins(v: unknown, field: string): string[] {
  const list = typeof v === 'string' ? v.split(',').map((o) => o.trim()).filter(Boolean) : v;
  if (!Array.isArray(list)) fail(field, 'a list of origins such as "https://grafana.example.com"', v);
  for (const o of list) {
    let origin: string | undefined;
    try {
      origin = typeof o === 'string' && o !== '*' ? new URL(o).origin : undefined;
    } catch {
      origin = undefined;
    }
    if (o !== '*' && origin !== o) fail(field, 'origins written as browsers send them, scheme://host[:port] with no path, such as "https://grafana.example.com"', o);
  }
  return list as string[];
}

/** A certificate and key given together, or neither; where each part came from names it in the error. */
export function tlsFiles(cert: unknown, key: unknown, names: { cert: string; key: string }, { program = 'collector' }: Program = {}): TlsFiles | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (typeof cert !== 'string' || cert === '') fail(names.cert, `a PEM certificate file, given with ${names.key}`, cert, { program });
  if (typeof key !== 'string' || key === '') fail(names.key, `a PEM key file, given with ${names.cert}`, key, { program });
  return { cert, key };
}

export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Partial<Pick<CollectorConfig, 'data' | 'host' | 'port'>> & { tlsCert?: string; tlsKey?: string } }): CollectorConfig {
  const c: CollectorConfig = structuredClone(DEFAULTS);
  const env = options.env ?? {};
  if (options.file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(options.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`collector config: cannot read ${options.file}: ${(err as Error).message}`);
    }
    const known = ['data', 'host', 'port', 'tokens', 'retention_days', 'allowed_hosts', 'allowed_origins', 'limits', 'log', 'sources', 'tls', 'exporters'];
    const o = raw as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) fail('the configuration', 'a JSON object', raw);
    for (const k of Object.keys(o)) if (!known.includes(k)) throw new ConfigError(`collector config: unknown field "${k}"; known fields are ${known.join(', ')}`);
    if (o.data !== undefined) c.data = typeof o.data === 'string' && o.data ? o.data : fail('data', 'a folder path', o.data);
    if (o.host !== undefined) c.host = typeof o.host === 'string' && o.host ? o.host : fail('host', 'an address to listen on', o.host);
    if (o.port !== undefined) c.port = int(o.port, 'port', 0, 65535);
    if (o.retention_days !== undefined) c.retentionDays = int(o.retention_days, 'retention_days', RETENTION_DAYS.min, RETENTION_DAYS.max);
    if (o.allowed_hosts !== undefined) c.allowedHosts = parseHosts(o.allowed_hosts, 'allowed_hosts');
    if (o.allowed_origins !== undefined) c.allowedOrigins = parseOrigins(o.allowed_origins, 'allowed_origins');
    if (o.tls !== undefined) {
      const t = o.tls as Record<string, unknown>;
      if (typeof t !== 'object' || t === null || Array.isArray(t)) fail('tls', 'an object { "cert": FILE, "key": FILE }', o.tls);
      for (const k of Object.keys(t)) if (k !== 'cert' && k !== 'key') throw new ConfigError(`collector config: unknown field "tls.${k}"; known fields are cert, key`);
      c.tls = tlsFiles(t.cert, t.key, { cert: 'tls.cert', key: 'tls.key' });
    }
    if (o.tokens !== undefined) {
      if (!Array.isArray(o.tokens)) fail('tokens', 'a list of { "token": …, "scopes": [...] }', o.tokens);
      c.tokens = o.tokens.map((t, i) => checkToken(t, `tokens[${i}]`));
    }
    if (o.limits !== undefined) {
      const l = o.limits as Record<string, unknown>;
      const lk = ['max_body_bytes', 'max_record_bytes', 'max_records', 'max_depth', 'max_clock_skew_ms', 'tail_queue', 'tail_queue_bytes',
        'tail_subscribers', 'max_pending_bytes', 'body_timeout_ms', 'body_idle_ms', 'first_request_ms', 'audit_refused_bytes', 'query_cache_bytes', 'page_cache_bytes'];
      for (const k of Object.keys(l)) if (!lk.includes(k)) throw new ConfigError(`collector config: unknown field "limits.${k}"; known fields are ${lk.join(', ')}`);
      if (l.max_body_bytes !== undefined) c.limits.maxBodyBytes = int(l.max_body_bytes, 'limits.max_body_bytes', 1024, 1024 * 1024 * 1024);
      if (l.max_record_bytes !== undefined) c.limits.maxRecordBytes = int(l.max_record_bytes, 'limits.max_record_bytes', 1024, 16 * 1024 * 1024);
      if (l.max_records !== undefined) c.limits.maxRecords = int(l.max_records, 'limits.max_records', 1, 1_000_000);
      if (l.max_depth !== undefined) c.limits.maxDepth = int(l.max_depth, 'limits.max_depth', 2, MOST_DEPTH);
      if (l.max_clock_skew_ms !== undefined) c.limits.maxClockSkewMs = int(l.max_clock_skew_ms, 'limits.max_clock_skew_ms', 1000, MOST_SKEW_MS);
      if (l.tail_queue !== undefined) c.limits.tailQueue = int(l.tail_queue, 'limits.tail_queue', 1, 1_000_000);
      if (l.tail_queue_bytes !== undefined) c.limits.tailQueueBytes = int(l.tail_queue_bytes, 'limits.tail_queue_bytes', 64 * 1024, 1024 * 1024 * 1024);
      if (l.tail_subscribers !== undefined) c.limits.tailSubscribers = int(l.tail_subscribers, 'limits.tail_subscribers', 1, 10_000);
      if (l.max_pending_bytes !== undefined) c.limits.maxPendingBytes = int(l.max_pending_bytes, 'limits.max_pending_bytes', 1024, 16 * 1024 * 1024 * 1024);
      if (l.body_timeout_ms !== undefined) c.limits.bodyTimeoutMs = int(l.body_timeout_ms, 'limits.body_timeout_ms', 100, 3_600_000);
      if (l.body_idle_ms !== undefined) c.limits.bodyIdleMs = int(l.body_idle_ms, 'limits.body_idle_ms', 100, 3_600_000);
      if (l.first_request_ms !== undefined) c.limits.firstRequestMs = int(l.first_request_ms, 'limits.first_request_ms', 100, 3_600_000);
      if (l.audit_refused_bytes !== undefined) c.limits.auditRefusedBytes = int(l.audit_refused_bytes, 'limits.audit_refused_bytes', 1024, 1024 * 1024 * 1024);
      if (l.query_cache_bytes !== undefined) c.limits.queryCacheBytes = int(l.query_cache_bytes, 'limits.query_cache_bytes', 0, 64 * 1024 * 1024 * 1024);
      if (l.page_cache_bytes !== undefined) c.limits.pageCacheBytes = int(l.page_cache_bytes, 'limits.page_cache_bytes', 1024 * 1024, 64 * 1024 * 1024 * 1024);
    }
    if (o.log !== undefined) {
      const l = section(o.log, 'log', ['checkpoint_interval_ms', 'key_file', 'name']);
      if (l.checkpoint_interval_ms !== undefined) c.log.checkpointIntervalMs = int(l.checkpoint_interval_ms, 'log.checkpoint_interval_ms', 10, 86_400_000);
      if (l.key_file !== undefined) c.log.keyFile = typeof l.key_file === 'string' && l.key_file ? l.key_file : fail('log.key_file', 'a file path', l.key_file);
      if (l.name !== undefined) c.log.name = typeof l.name === 'string' && /^[^\s+]+$/u.test(l.name) ? l.name : fail('log.name', 'a name without spaces or "+", such as "redtail.example.com/prod"', l.name);
    }
    if (o.sources !== undefined) {
      const l = section(o.sources, 'sources', ['silent_after_ms', 'forget_after_ms', 'max_identities']);
      if (l.silent_after_ms !== undefined) c.sources.silentAfterMs = int(l.silent_after_ms, 'sources.silent_after_ms', 100, 7 * 86_400_000);
      if (l.forget_after_ms !== undefined) c.sources.forgetAfterMs = int(l.forget_after_ms, 'sources.forget_after_ms', 1000, 366 * 86_400_000);
      if (l.max_identities !== undefined) c.sources.maxIdentities = int(l.max_identities, 'sources.max_identities', 1, 1_000_000);
    }
    if (o.exporters !== undefined) c.exporters = parseExporters(o.exporters, env);
  }
  if (env.REDTAIL_DATA) c.data = env.REDTAIL_DATA;
  if (env.REDTAIL_HOST) c.host = env.REDTAIL_HOST;
  if (env.REDTAIL_PORT) c.port = int(env.REDTAIL_PORT, 'REDTAIL_PORT', 0, 65535);
  if (env.REDTAIL_RETENTION_DAYS) c.retentionDays = int(env.REDTAIL_RETENTION_DAYS, 'REDTAIL_RETENTION_DAYS', RETENTION_DAYS.min, RETENTION_DAYS.max);
  if (env.REDTAIL_ALLOWED_HOSTS) c.allowedHosts = parseHosts(env.REDTAIL_ALLOWED_HOSTS, 'REDTAIL_ALLOWED_HOSTS');
  if (env.REDTAIL_ALLOWED_ORIGINS) c.allowedOrigins = parseOrigins(env.REDTAIL_ALLOWED_ORIGINS, 'REDTAIL_ALLOWED_ORIGINS');
  if (env.REDTAIL_TOKENS) c.tokens = parseTokens(env.REDTAIL_TOKENS, 'REDTAIL_TOKENS');
  if (env.REDTAIL_LOG_KEY_FILE) c.log.keyFile = env.REDTAIL_LOG_KEY_FILE;
  if (env.REDTAIL_TLS_CERT || env.REDTAIL_TLS_KEY) c.tls = tlsFiles(env.REDTAIL_TLS_CERT, env.REDTAIL_TLS_KEY, { cert: 'REDTAIL_TLS_CERT', key: 'REDTAIL_TLS_KEY' });
  if (options.flags?.tlsCert !== undefined || options.flags?.tlsKey !== undefined) c.tls = tlsFiles(options.flags.tlsCert, options.flags.tlsKey, { cert: '--tls-cert', key: '--tls-key' });
  if (options.flags?.data) c.data = options.flags.data;
  if (options.flags?.host) c.host = options.flags.host;
  if (options.flags?.port !== undefined) c.port = options.flags.port;
  if (!isLoopback(c.host) && c.tokens.length === 0) {
    throw new ConfigError(`collector config: refusing to listen on ${c.host} without tokens: anyone could write and read the audit trail. ` +
      'Set "tokens" in the config file or REDTAIL_TOKENS="<token>:ingest,read", or listen on 127.0.0.1.');
  }
  return c;
}
