// The relay's configuration: flags over environment variables over defaults. Secrets (tokens)
// come only from the environment, never the command line, where `ps` would show them.
import { ConfigError, DEFAULTS as COLLECTOR, isLoopback, parseHosts, parseTokens, type Scope, type TlsFiles, tlsFiles, trustedCas } from '../../collector/src/index.js';

export interface RelayConfig {
  host: string;
  port: number;
  /** The collector's WebSocket ingest, ws://host:9900/v1/stream or wss://… */
  upstream: string;
  /** The CAs a wss:// collector's certificate may be signed by: the defaults, plus --ca's bundle. */
  upstreamTls: { ca?: string[] };
  /** The certificate and key to serve HTTPS with; undefined: plain HTTP. */
  tls: TlsFiles | undefined;
  /** Bearer token for the collector (ingest scope). */
  upstreamToken: string | undefined;
  /** Tokens sidecars must present; none: loopback only, as for the collector. */
  tokens: { token: string; scopes: Scope[] }[];
  /** Host names the relay answers to; undefined: loopback names when listening on loopback, else any. */
  allowedHosts: string[] | undefined;
  spool: string;
  limits: {
    /** Bytes of batches waiting in the spool: past it, sidecars are answered 429. */
    spoolMaxBytes: number;
    /** Batches sent to the collector and not yet acknowledged. */
    window: number;
    /** Largest batch a sidecar may send; keep it below the collector's max_body_bytes. */
    maxBodyBytes: number;
    /** Collector errors on one batch (its own, not the collector's for every batch) before it is set aside as rejected. */
    maxBatchErrors: number;
    maxRecordBytes: number;
    maxRecords: number;
    maxDepth: number;
    maxClockSkewMs: number;
    /** Bytes of batches being received from sidecars, all together: past it, 429. */
    maxPendingBytes: number;
    /** Longest a batch may take to arrive from its first byte, and go without a byte. */
    bodyTimeoutMs: number;
    bodyIdleMs: number;
    /** Longest a connection may take to send its first request head, its TLS handshake included. */
    firstRequestMs: number;
  };
}

export const RELAY_DEFAULTS: Omit<RelayConfig, 'upstream'> = {
  host: '127.0.0.1',
  upstreamTls: {},
  tls: undefined,
  port: 9901,
  upstreamToken: undefined,
  tokens: [],
  allowedHosts: undefined,
  spool: './spool',
  limits: {
    spoolMaxBytes: 1024 * 1024 * 1024,
    window: 16,
    // Room for the filter's largest batch (its flush.max_bytes at most), and the WebSocket message's few bytes more.
    maxBodyBytes: 9 * 1024 * 1024,
    maxBatchErrors: 10,
    maxRecordBytes: COLLECTOR.limits.maxRecordBytes,
    maxRecords: COLLECTOR.limits.maxRecords,
    maxDepth: COLLECTOR.limits.maxDepth,
    // Times are bounded ahead by the collector's default skew; behind, not here: the collector
    // judges the past when the spool is delivered, with its retention and its skew (raised for
    // the catch-up after a long outage).
    maxClockSkewMs: COLLECTOR.limits.maxClockSkewMs,
    maxPendingBytes: COLLECTOR.limits.maxPendingBytes,
    bodyTimeoutMs: COLLECTOR.limits.bodyTimeoutMs,
    bodyIdleMs: COLLECTOR.limits.bodyIdleMs,
    firstRequestMs: COLLECTOR.limits.firstRequestMs,
  },
};

function fail(field: string, expected: string, got: unknown): never {
  throw new ConfigError(`relay config: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
}

function int(v: string | undefined, field: string, fallback: number, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) fail(field, `an integer from ${min} to ${max}`, v);
  return n;
}

export interface RelayFlags {
  listen?: string;
  host?: string;
  upstream?: string;
  ca?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  spool?: string;
  'spool-max-bytes'?: string;
  window?: string;
  'max-body-bytes'?: string;
  'max-batch-errors'?: string;
  'allowed-hosts'?: string;
  'max-pending-bytes'?: string;
  'body-timeout-ms'?: string;
  'body-idle-ms'?: string;
  'first-request-ms'?: string;
}

export function loadRelayConfig(flags: RelayFlags, env: NodeJS.ProcessEnv): RelayConfig {
  const d = RELAY_DEFAULTS;
  const upstream = flags.upstream ?? env.REDTAIL_UPSTREAM;
  if (!upstream || !/^wss?:\/\/[^/]+/.test(upstream)) fail('--upstream (or REDTAIL_UPSTREAM)', 'the collector\'s WebSocket ingest, ws://collector:9900/v1/stream or wss://…', upstream ?? '');
  const c: RelayConfig = {
    host: flags.host ?? env.REDTAIL_HOST ?? d.host,
    port: int(flags.listen ?? env.REDTAIL_PORT, '--listen (or REDTAIL_PORT)', d.port, 0, 65535),
    upstream,
    upstreamTls: trustedCas({ flag: flags.ca, env: env.REDTAIL_CA }, { program: 'relay config' }),
    tls: tlsFiles(flags['tls-cert'] ?? env.REDTAIL_TLS_CERT, flags['tls-key'] ?? env.REDTAIL_TLS_KEY, { cert: '--tls-cert (or REDTAIL_TLS_CERT)', key: '--tls-key (or REDTAIL_TLS_KEY)' }, { program: 'relay' }),
    upstreamToken: env.REDTAIL_UPSTREAM_TOKEN || undefined,
    tokens: env.REDTAIL_TOKENS ? parseTokens(env.REDTAIL_TOKENS, 'REDTAIL_TOKENS') : [],
    allowedHosts: (flags['allowed-hosts'] ?? env.REDTAIL_ALLOWED_HOSTS) ? parseHosts(flags['allowed-hosts'] ?? env.REDTAIL_ALLOWED_HOSTS, '--allowed-hosts (or REDTAIL_ALLOWED_HOSTS)', { program: 'relay' }) : undefined,
    spool: flags.spool ?? env.REDTAIL_SPOOL ?? d.spool,
    limits: {
      spoolMaxBytes: int(flags['spool-max-bytes'] ?? env.REDTAIL_SPOOL_MAX_BYTES, '--spool-max-bytes', d.limits.spoolMaxBytes, 1024 * 1024, 2 ** 44),
      window: int(flags.window, '--window', d.limits.window, 1, 1024),
      maxBodyBytes: int(flags['max-body-bytes'], '--max-body-bytes', d.limits.maxBodyBytes, 1024, 1024 * 1024 * 1024),
      maxBatchErrors: int(flags['max-batch-errors'], '--max-batch-errors', d.limits.maxBatchErrors, 1, 1000),
      maxRecordBytes: d.limits.maxRecordBytes,
      maxRecords: d.limits.maxRecords,
      maxDepth: d.limits.maxDepth,
      maxClockSkewMs: d.limits.maxClockSkewMs,
      maxPendingBytes: int(flags['max-pending-bytes'], '--max-pending-bytes', d.limits.maxPendingBytes, 1024, 2 ** 34),
      bodyTimeoutMs: int(flags['body-timeout-ms'], '--body-timeout-ms', d.limits.bodyTimeoutMs, 100, 3_600_000),
      bodyIdleMs: int(flags['body-idle-ms'], '--body-idle-ms', d.limits.bodyIdleMs, 100, 3_600_000),
      firstRequestMs: int(flags['first-request-ms'], '--first-request-ms', d.limits.firstRequestMs, 100, 3_600_000),
    },
  };
  if (c.tokens.some((t) => !t.scopes.includes('ingest') && !t.scopes.includes('admin'))) {
    fail('REDTAIL_TOKENS', 'tokens with the ingest scope (the relay only takes batches)', env.REDTAIL_TOKENS?.replace(/[^:;,]{5,}/g, '…'));
  }
  if (!isLoopback(c.host) && c.tokens.length === 0) {
    throw new ConfigError(`relay config: refusing to listen on ${c.host} without tokens: anyone could write into the audit trail. ` +
      'Set REDTAIL_TOKENS="<token>:ingest" (the filter sends it as collector.token), or listen on 127.0.0.1.');
  }
  return c;
}
