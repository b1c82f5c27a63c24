// The "exporters" of the collector's config file: where each sends the records it stores, in what
// format, which records, in what batches. Every mistake is refused at start, naming the field
// (`exporters[1].endpoint`), the value and what was expected; a header's secret is read from the
// environment (`env:NAME`) and never written anywhere.
import { readFileSync } from 'node:fs';
import { readClientPair } from './client-tls.js';
import { ConfigError, fail } from '../config-error.js';
import { predicate, QueryError } from '../query/filters.js';
import { FILTERED, type FilterParam } from '../record/schema.js';
import { FORMATS } from './formats.js';

export interface ExporterConfig {
  /** Unique; names the cursor file (<data>/export/<name>.json) and the metrics' label. */
  name: string;
  /** A key of FORMATS. */
  type: string;
  /** The receiver's base URL; the format's path is appended. */
  endpoint: string;
  /** The format's own fields (FORMATS[type].options), as given. */
  options: Record<string, unknown>;
  /** Sent with every request; `fromEnv` names where a value came from, for the config digest. */
  headers: { name: string; value: string; fromEnv?: string; fromOption?: string }[];
  /** Only the records passing these, written as the query API takes them. */
  filter: { [param in FilterParam]?: string };
  batch: {
    /** Most records in one request. */
    records: number;
    /** Most bytes in one request's body: a larger one is split. */
    bytes: number;
    /** Longest a record waits for a batch to fill, ms. */
    waitMs: number;
  };
  /** Longest one request may take, ms. */
  timeoutMs: number;
  /** Longest wait between tries of a batch the receiver could not take (backoff, Retry-After), ms. */
  maxBackoffMs: number;
  /** Where a new exporter (no cursor file yet) starts: the oldest record kept, or the next one stored. */
  from: 'start' | 'now';
  /** A CA bundle an https:// receiver's certificate may be signed by, besides Node's own CAs: the file named and what it held at start. */
  ca?: { file: string; pem: string };
  /** The PEM files of the certificate and key shown to a receiver that asks for one (mutual TLS); read again when they change. */
  client?: { cert: string; key: string };
}

/** Aimed under receivers' usual request limits (an OpenTelemetry Collector's, Loki's). */
export const EXPORTER_DEFAULTS = { batch: { records: 1000, bytes: 1_000_000, waitMs: 1000 }, timeoutMs: 10_000, maxBackoffMs: 30_000, from: 'start' } as const;

const COMMON = ['name', 'type', 'endpoint', 'headers', 'filter', 'batch', 'timeout_ms', 'max_backoff_ms', 'from', 'ca', 'cert', 'key'];
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const HEADER = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
/**
 * Set by the exporter from its endpoint and payload, not by config; and the headers that change
 * how the request itself is taken rather than what it carries: `expect` (a receiver answers a value
 * it does not know with 417, which would refuse every batch) and the other hop-by-hop headers.
 */
const RESERVED_HEADERS = ['host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection',
  'expect', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `an integer from ${min} to ${max}`, v);
  return v;
}

/** What a value is, to name it in a refusal without showing it: a value in the wrong place may still hold a secret (a header's). */
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

function object(v: unknown, field: string, known: string[] | undefined): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'an object', kind(v));
  if (known) for (const k of Object.keys(v)) if (!known.includes(k)) throw new ConfigError(`collector config: unknown field "${field}.${k}"; known fields are ${known.join(', ')}`);
  return v as Record<string, unknown>;
}

/**
 * A URL as shown in a log line or an error: credentials in it stay out, and so do a query and a
 * fragment (an API key may be in either). The URL standard finds credentials up to the last "@"
 * after the scheme, with or without slashes (or backslashes, tabs) before them; a redirect's
 * Location may also be scheme-relative (//user:pass@host).
 */
export function maskedUrl(v: string): string {
  return v.replace(/^([^:/\\]*:[/\\\t\n\r]*|[/\\]{2}).*@/s, '$1***@').replace(/\?[^#]*/, '?***').replace(/#.*/s, '#***');
}

function endpoint(v: unknown, field: string, path: string): string {
  let url: URL | undefined;
  try {
    url = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    url = undefined;
  }
  const shown = typeof v === 'string' ? maskedUrl(v) : v;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    fail(field, 'an http:// or https:// URL without query, fragment or credentials (give credentials in "headers")', shown);
  }
  const base = url.href.replace(/\/+$/, '');
  // With the path given too, every request would go to <path><path> and be refused (404) for good.
  if (path !== '' && url.pathname.replace(/\/+$/, '').endsWith(path)) {
    fail(field, `the receiver's base address: the exporter adds "${path}" itself (give ${JSON.stringify(base.slice(0, -path.length) || url.origin)})`, shown);
  }
  return base;
}

function headers(v: unknown, field: string, env: NodeJS.ProcessEnv): ExporterConfig['headers'] {
  const given = object(v, field, undefined);
  const seen = new Set<string>();
  return Object.entries(given).map(([name, value]) => {
    if (!HEADER.test(name) || RESERVED_HEADERS.includes(name.toLowerCase())) fail(`${field}`, `header names that are HTTP tokens, not one of ${RESERVED_HEADERS.join(', ')}`, name);
    // Names are case-insensitive: of two, only one would be sent.
    if (seen.has(name.toLowerCase())) fail(`${field}`, 'header names given once (case aside)', name);
    seen.add(name.toLowerCase());
    // Only its type is shown: a value written as a number or a list may still be a secret.
    if (typeof value !== 'string') fail(`${field}.${name}`, 'a string, or "env:NAME" to read it from the environment', kind(value));
    if (value === '') fail(`${field}.${name}`, 'a non-empty string, or "env:NAME" to read it from the environment', value);
    // Other tools' ways of naming a variable would be sent as written, and refused by the receiver.
    const lookalike = /^\$\{(?:env:)?([A-Za-z_]\w*)\}$|^\$([A-Za-z_]\w*)$|^env:\s*$/.exec(value);
    if (lookalike) fail(`${field}.${name}`, `"env:NAME" to read a value from the environment${lookalike[1] ?? lookalike[2] ? ` (here "env:${lookalike[1] ?? lookalike[2]}")` : ''}, or the value itself`, value);
    const from = /^env:(.+)$/.exec(value)?.[1];
    const resolved = from === undefined ? value : env[from];
    if (resolved === undefined || resolved === '') fail(`${field}.${name}`, `an environment variable that is set (${from} is not)`, value);
    // The value itself is never shown: it may be a secret.
    // What HTTP lets a header value hold (Node refuses the rest when sending).
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(resolved)) {
      throw new ConfigError(`collector config: "${field}.${name}" must be a header value of printable characters, without line breaks${from ? ` (from ${from})` : ''}`);
    }
    return from === undefined ? { name, value: resolved } : { name, value: resolved, fromEnv: from };
  });
}

function caBundle(v: unknown, field: string): { file: string; pem: string } {
  if (typeof v !== 'string' || v === '') fail(field, 'the path of a PEM file of CA certificates', v);
  let pem: string;
  try {
    pem = readFileSync(v, 'utf8');
  } catch (err) {
    throw new ConfigError(`collector config: "${field}" names ${v}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) fail(field, 'a PEM file of CA certificates ("-----BEGIN CERTIFICATE-----")', v);
  return { file: v, pem };
}

function clientPair(o: Record<string, unknown>, field: string, endpoint: string): { cert: string; key: string } {
  for (const [k, other] of [['cert', 'key'], ['key', 'cert']] as const) {
    if (o[k] === undefined) fail(`${field}.${k}`, `the path of the PEM file of the ${k === 'cert' ? 'client certificate' : 'client certificate\'s private key'}, given with "${other}"`, undefined);
    if (typeof o[k] !== 'string' || o[k] === '') fail(`${field}.${k}`, `the path of a PEM file`, o[k]);
  }
  if (!endpoint.startsWith('https://')) fail(`${field}.endpoint`, 'an https:// URL, as a client certificate ("cert", "key") is shown over TLS only', endpoint);
  const files = { cert: o.cert as string, key: o.key as string };
  try {
    readClientPair(files);
  } catch (err) {
    throw new ConfigError(`collector config: "${field}.cert" and "${field}.key": ${(err as Error).message}`);
  }
  return files;
}

function filter(v: unknown, field: string): ExporterConfig['filter'] {
  const params: string[] = FILTERED.map((f) => f.filter.param);
  const given = object(v, field, params);
  const out: ExporterConfig['filter'] = {};
  for (const [param, value] of Object.entries(given)) {
    if (typeof value !== 'string' || value === '') fail(`${field}.${param}`, 'a non-empty string, as the query API takes it', value);
    out[param as FilterParam] = value;
  }
  try {
    predicate(out);
  } catch (err) {
    if (err instanceof QueryError) fail(`${field}.${err.field}`, err.expected, err.got);
    throw err;
  }
  return out;
}

function exporter(v: unknown, field: string, env: NodeJS.ProcessEnv): ExporterConfig {
  const o = object(v, field, undefined);
  const type = o.type;
  if (typeof type !== 'string' || !Object.hasOwn(FORMATS, type)) fail(`${field}.type`, `one of ${Object.keys(FORMATS).map((t) => `"${t}"`).join(', ')}`, type);
  const format = FORMATS[type]!;
  object(o, field, [...COMMON, ...format.options]);
  if (typeof o.name !== 'string' || !NAME.test(o.name)) fail(`${field}.name`, 'a name of letters, digits, "-" and "_" (it names the cursor file), at most 64', o.name);
  const c: ExporterConfig = {
    name: o.name, type, endpoint: endpoint(o.endpoint, `${field}.endpoint`, format.path),
    options: Object.fromEntries(format.options.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])),
    headers: o.headers === undefined ? [] : headers(o.headers, `${field}.headers`, env),
    filter: o.filter === undefined ? {} : filter(o.filter, `${field}.filter`),
    batch: { ...EXPORTER_DEFAULTS.batch },
    timeoutMs: o.timeout_ms === undefined ? EXPORTER_DEFAULTS.timeoutMs : int(o.timeout_ms, `${field}.timeout_ms`, 100, 600_000),
    maxBackoffMs: o.max_backoff_ms === undefined ? EXPORTER_DEFAULTS.maxBackoffMs : int(o.max_backoff_ms, `${field}.max_backoff_ms`, 100, 3_600_000),
    from: EXPORTER_DEFAULTS.from,
  };
  if (o.ca !== undefined) c.ca = caBundle(o.ca, `${field}.ca`);
  if (o.cert !== undefined || o.key !== undefined) c.client = clientPair(o, field, c.endpoint);
  if (o.from !== undefined) c.from = o.from === 'start' || o.from === 'now' ? o.from : fail(`${field}.from`, '"start" (the oldest record kept) or "now" (the next record stored)', o.from);
  if (o.batch !== undefined) {
    const b = object(o.batch, `${field}.batch`, ['records', 'bytes', 'wait_ms']);
    if (b.records !== undefined) c.batch.records = int(b.records, `${field}.batch.records`, 1, 100_000);
    if (b.bytes !== undefined) c.batch.bytes = int(b.bytes, `${field}.batch.bytes`, 1024, 64 * 1024 * 1024);
    if (b.wait_ms !== undefined) c.batch.waitMs = int(b.wait_ms, `${field}.batch.wait_ms`, 0, 3_600_000);
  }
  // The format's own refusals name their field under this exporter's.
  format.encoder(c.options, field);
  for (const [name, value] of Object.entries(format.headers?.(c.options, field) ?? {})) {
    const given = c.headers.find((h) => h.name.toLowerCase() === name.toLowerCase());
    if (given) fail(`${field}.headers`, `header names given once (case aside): ${name} is set from ${JSON.stringify(format.headerOptions?.[name])}`, given.name);
    c.headers.push({ name, value, fromOption: format.headerOptions?.[name] });
  }
  return c;
}

/** The exporters of the config file; `env` gives the headers' `env:NAME` values. */
export function parseExporters(v: unknown, env: NodeJS.ProcessEnv): ExporterConfig[] {
  if (!Array.isArray(v)) fail('exporters', 'a list of exporters, each { "name", "type", "endpoint", ... }', kind(v));
  const out = v.map((e, i) => exporter(e, `exporters[${i}]`, env));
  const seen = new Set<string>();
  out.forEach((e, i) => {
    // Names are file names: two that differ only in case would share a cursor on some file systems.
    const key = e.name.toLowerCase();
    if (seen.has(key)) fail(`exporters[${i}].name`, 'a name no other exporter has', e.name);
    seen.add(key);
  });
  return out;
}
