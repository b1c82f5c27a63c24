// The filter flags redtail query and redtail tail share, and how they become a query string:
// a flag per filtered field of the record's schema (its parameter with - for _), and free text.
import { ConfigError, FILTERED, trustedCas } from '../collector/src/index.js';
import type { FlagSpec } from './args.js';

/** A field's flag: its query parameter, with - for _ as flags are written. */
const flagOf = (param: string) => param.replace(/_/g, '-');

export const FILTER_FLAGS: FlagSpec = {
  url: { value: 'URL', help: 'the collector (default http://127.0.0.1:9900; env REDTAIL_URL)' },
  token: { value: 'TOKEN', help: 'a bearer token with the read scope (env REDTAIL_TOKEN)' },
  ca: { value: 'FILE', help: 'PEM CA bundle that signed an https:// collector\'s certificate, added to the default CAs (env REDTAIL_CA)' },
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

/** The collector a command reads from: its URL, the token's header, and the CAs its certificate may be signed by. */
export interface Target {
  url: string;
  headers: Record<string, string>;
  tls: { ca?: string[] };
}

/** From --url, --token and --ca (or their environment variables); the exit code after saying what is wrong. */
export function target(command: string, flags: Record<string, string>): Target | number {
  const url = (flags.url ?? process.env.REDTAIL_URL ?? 'http://127.0.0.1:9900').replace(/\/+$/, '');
  if (!/^(https?|wss?):\/\/[^/]/.test(url)) {
    console.error(`redtail ${command}: --url must be the collector's http:// or https:// URL, got ${JSON.stringify(url)}`);
    return 2;
  }
  const token = flags.token ?? process.env.REDTAIL_TOKEN;
  try {
    const tls = trustedCas({ flag: flags.ca, env: process.env.REDTAIL_CA }, { program: `redtail ${command}` });
    // ws:// and wss:// name the same collector as http:// and https://.
    return { url: url.replace(/^ws/, 'http'), headers: token ? { authorization: `Bearer ${token}` } : {}, tls };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
}
