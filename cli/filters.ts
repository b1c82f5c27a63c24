// The filter flags redtail query and redtail tail share, and how they become a query string:
// a flag per filtered field of the record's schema (its parameter with - for _), and free text.
import { FILTERED } from '../collector/src/index.js';
import type { FlagSpec } from './args.js';

/** A field's flag: its query parameter, with - for _ as flags are written. */
const flagOf = (param: string) => param.replace(/_/g, '-');

export const FILTER_FLAGS: FlagSpec = {
  url: { value: 'URL', help: 'the collector (default http://127.0.0.1:9900; env REDTAIL_URL)' },
  token: { value: 'TOKEN', help: 'a bearer token with the read scope (env REDTAIL_TOKEN)' },
  ...Object.fromEntries(FILTERED.map((f) => [flagOf(f.filter.param), { value: f.filter.value, help: f.filter.help }])),
  q: { value: 'TEXT', help: 'text in the record, exactly, starting where a word starts' },
  json: { value: '', help: 'print NDJSON (one record a line) instead of a table' },
};

/** The query parameter of each flag that is one. */
const PARAMS: [flag: string, param: string][] = [...FILTERED.map((f): [string, string] => [flagOf(f.filter.param), f.filter.param]), ['q', 'q']];

export function queryString(flags: Record<string, string>, extra: string[] = []): string {
  const p = new URLSearchParams();
  for (const [flag, param] of [...PARAMS, ...extra.map((e): [string, string] => [e, e])]) {
    if (flags[flag] !== undefined) p.set(param, flags[flag]!);
  }
  return p.toString();
}

export function target(flags: Record<string, string>): { url: string; headers: Record<string, string> } {
  const url = (flags.url ?? process.env.REDTAIL_URL ?? 'http://127.0.0.1:9900').replace(/\/+$/, '');
  const token = flags.token ?? process.env.REDTAIL_TOKEN;
  return { url, headers: token ? { authorization: `Bearer ${token}` } : {} };
}
