// What a web page on another site could otherwise do through the operator's browser: open a
// WebSocket to the live tail or to ingest (browsers let any page do that, sending its Origin),
// POST records as text/plain (a content type that needs no CORS preflight), or reach the API
// under a name of its own that it points at 127.0.0.1 (DNS rebinding). The checks are those of
// Grafana, Jupyter and Prometheus: the Host header against the names served, the Origin of each
// WebSocket upgrade, and a JSON content type on ingest. Programs (the filter, the relay, the CLI)
// send no Origin and a Host of their choosing, so they are unaffected.
import type http from 'node:http';
import { fail, type Program } from '../config-error.js';

/** Without tokens a server may only listen where nobody else can reach it. */
export const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === '::1' || host === 'localhost';

/** A list of host names (no port), or "*" for any: a server's allowed_hosts. */
export function parseHosts(v: unknown, field: string, where: Program = {}): string[] {
  const list = typeof v === 'string' ? v.split(',').map((h) => h.trim()).filter(Boolean) : v;
  if (!Array.isArray(list) || list.length === 0) fail(field, 'a list of host names such as "collector.example.com" (no port), or "*"', v, where);
  for (const h of list) {
    if (typeof h !== 'string' || !/^(\*|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)$/.test(h)) fail(field, 'host names without port or scheme, such as "collector.example.com" or "[::1]", or "*"', h, where);
  }
  return list as string[];
}

/**
 * The names a server listening on loopback answers to unless told otherwise: the loopback names,
 * and the filter's default authority, which the filter sends to a collector on this machine.
 */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', 'redtail-collector'];

/** The media types of a batch: what the filter and the relay send, and a JSON array. */
export const INGEST_TYPES = ['application/x-ndjson', 'application/json'];

export interface Refusal {
  status: number;
  code: string;
  error: string;
}

/**
 * The Host names a server answers to: the configured list; without one, the loopback names when
 * it listens on loopback, and any name elsewhere (where tokens are required, and a browser
 * holds none it would send by itself).
 */
export function servedHosts(listen: string, allowed: string[] | undefined): string[] | '*' {
  if (allowed !== undefined) return allowed.includes('*') ? '*' : allowed.map((h) => h.toLowerCase());
  return isLoopback(listen) ? LOOPBACK_HOSTS : '*';
}

/** The name in a Host header, without its port, lower case; IPv6 addresses keep their brackets. */
export function hostName(host: string): string {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return name.toLowerCase();
}

/** Refuses a request addressed to a name this server does not serve. No Host at all is not a browser. */
export function checkHost(req: http.IncomingMessage, hosts: string[] | '*', setting: string): Refusal | undefined {
  const host = req.headers.host;
  if (hosts === '*' || host === undefined || hosts.includes(hostName(host))) return undefined;
  return {
    status: 403, code: 'host_not_allowed',
    error: `this server does not answer to the name "${host}" (it answers to ${hosts.join(', ')}): ` +
      `use one of those names, or add this one to ${setting}`,
  };
}

/**
 * Refuses a WebSocket upgrade from a page of another site. Allowed: no Origin (not a browser),
 * a page this server served (its origin's host is the request's Host), or a listed origin.
 */
export function checkOrigin(req: http.IncomingMessage, origins: string[], setting: string): Refusal | undefined {
  const origin = req.headers.origin;
  if (origin === undefined || origins.includes('*') || origins.includes(origin)) return undefined;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined; // "null" (a sandboxed or file: page) and anything else that is not a URL
  }
  if (host !== undefined && req.headers.host !== undefined && host === req.headers.host.toLowerCase()) return undefined;
  return {
    status: 403, code: 'origin_not_allowed',
    error: `a WebSocket from a page at ${origin} is refused: only this server's own page may open one; ` +
      `to let another site's page in, add its origin to ${setting}`,
  };
}

/** Refuses a batch whose content type is not a JSON one (a form or text/plain POST a page could send). */
export function checkIngestType(req: http.IncomingMessage): Refusal | undefined {
  const type = req.headers['content-type'];
  const media = type?.split(';')[0]!.trim().toLowerCase();
  if (media !== undefined && INGEST_TYPES.includes(media)) return undefined;
  return {
    status: 415, code: 'unsupported_media_type',
    error: `send the batch with "content-type: application/x-ndjson" (a record a line) or "application/json" (an array), ` +
      `got ${type === undefined ? 'no content-type' : JSON.stringify(type)}`,
  };
}
