// The filter flags redtail query and redtail tail share, and how they become a query string:
// a flag per filtered field of the record's schema (its parameter with - for _), and free text.
import { ConfigError, FILTERED, trustedCas } from '../collector/src/index.js';
import { readFileSync } from 'node:fs';
import { type FlagSpec, UsageError } from './args.js';
import { httpUrl } from './http-url.js';

/** A field's flag: its query parameter, with - for _ as flags are written. */
const flagOf = (param: string) => param.replace(/_/g, '-');

export const FILTER_FLAGS: FlagSpec = {
  url: { value: 'URL', help: 'the collector (default http://127.0.0.1:9900; env REDTAIL_URL)' },
  token: { value: 'TOKEN', help: 'a bearer token with the read scope (env REDTAIL_TOKEN)' },
  'token-file': { value: 'FILE', help: 'read the token from this file, kept out of the shell\'s history and ps (env REDTAIL_TOKEN_FILE)' },
  ca: { value: 'FILE', help: 'PEM CA bundle that signed an https:// collector\'s certificate, added to the default CAs (env REDTAIL_CA)' },
  ...Object.fromEntries(FILTERED.map((f) => [flagOf(f.filter.param), { value: f.filter.value, help: f.filter.help }])),
  q: { value: 'TEXT', help: 'text in the record, exactly, starting where a word starts' },
  json: { value: '', help: 'print NDJSON (one record a line, times in UTC) instead of a table' },
  utc: { value: '', help: 'show times in UTC (default: local time, as TZ sets it, with its offset)' },
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

/** The collector's URL as given: no scheme is http:// (`localhost:9900`), ws:// and wss:// are http:// and https://. */
export function collectorUrl(given: string): string {
  // A port alone would be read as a host (http://39911 is 0.0.155.231).
  const number = /^(?:https?:\/\/)?(\d+)\/*$/i.exec(given)?.[1];
  if (number !== undefined) throw new UsageError(`--url ${given} is a number, not an address: did you mean localhost:${number}?`);
  const url = (/^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `http://${given}`).replace(/\/+$/, '').replace(/^ws/i, 'http');
  const parsed = httpUrl(url);
  if (parsed === undefined) {
    throw new UsageError(`--url must be the collector's address, http://HOST:PORT or https://HOST:PORT (or HOST:PORT), got ${JSON.stringify(given)}`);
  }
  // user:password@ would go out as Basic auth, which the collector does not take, and come back
  // in every error line that names the URL: refused, without repeating what was given.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new UsageError('--url must not carry a user or password (user:password@host): give the collector\'s token with --token-file FILE, --token TOKEN or REDTAIL_TOKEN');
  }
  return url;
}

/** The token: --token, else the file --token-file names (one line), else the environment's. */
function tokenOf(flags: Record<string, string>): string | undefined {
  if (flags.token !== undefined && flags['token-file'] !== undefined) throw new UsageError('give --token or --token-file, not both');
  // An empty --token (an unset variable in `--token "$T"`) would quietly send no token at all.
  if (flags.token !== undefined && flags.token.trim() === '') throw new UsageError('--token is empty: give the token (is the variable it came from set?), or leave --token out');
  const file = flags['token-file'] ?? (flags.token === undefined ? process.env.REDTAIL_TOKEN_FILE : undefined);
  if (file === undefined) return flags.token ?? process.env.REDTAIL_TOKEN;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) throw new UsageError(`the token file ${file} must hold one token on one line`);
  return token;
}

/** From --url, --token (or --token-file) and --ca, or their environment variables; the exit code after saying what is wrong. */
export function target(command: string, flags: Record<string, string>): Target | number {
  const url = collectorUrl(flags.url ?? process.env.REDTAIL_URL ?? 'http://127.0.0.1:9900');
  const token = tokenOf(flags);
  try {
    const tls = trustedCas({ flag: flags.ca, env: process.env.REDTAIL_CA }, { program: `redtail ${command}` });
    return { url, headers: token ? { authorization: `Bearer ${token}` } : {}, tls };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
}
