// The filter flags redtail query and redtail tail share, and how they become a query string.
import type { FlagSpec } from './args.js';

export const FILTER_FLAGS: FlagSpec = {
  url: { value: 'URL', help: 'the collector (default http://127.0.0.1:9900; env REDTAIL_URL)' },
  token: { value: 'TOKEN', help: 'a bearer token with the read scope (env REDTAIL_TOKEN)' },
  service: { value: 'NAME', help: 'only this service' },
  namespace: { value: 'NAME', help: 'only this namespace' },
  workload: { value: 'NAME', help: 'only this workload' },
  status: { value: 'CODE', help: 'a code (404), a class (5xx) or a range (400-499)' },
  method: { value: 'METHOD', help: 'only this method' },
  authority: { value: 'HOST', help: 'only this authority (host)' },
  path: { value: 'PREFIX', help: 'paths starting with this' },
  'request-id': { value: 'ID', help: 'one request' },
  'trace-id': { value: 'ID', help: 'one trace' },
  q: { value: 'TEXT', help: 'text in the record, exactly, starting where a word starts' },
  json: { value: '', help: 'print NDJSON (one record a line) instead of a table' },
};

const PARAMS: Record<string, string> = { 'request-id': 'request_id', 'trace-id': 'trace_id' };

export function queryString(flags: Record<string, string>, extra: string[] = []): string {
  const p = new URLSearchParams();
  for (const name of ['service', 'namespace', 'workload', 'status', 'method', 'authority', 'path', 'request-id', 'trace-id', 'q', ...extra]) {
    if (flags[name] !== undefined) p.set(PARAMS[name] ?? name, flags[name]!);
  }
  return p.toString();
}

export function target(flags: Record<string, string>): { url: string; headers: Record<string, string> } {
  const url = (flags.url ?? process.env.REDTAIL_URL ?? 'http://127.0.0.1:9900').replace(/\/+$/, '');
  const token = flags.token ?? process.env.REDTAIL_TOKEN;
  return { url, headers: token ? { authorization: `Bearer ${token}` } : {} };
}
