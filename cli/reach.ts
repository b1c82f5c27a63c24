// What went wrong reaching the collector, in words that say what to do: a connection refused
// (nothing listens: is the collector running?), a name that does not resolve, a token refused.
import { printable } from './printable.js';

/** Where the token comes from, for the hints. */
export const TOKEN_SOURCES = '--token TOKEN, --token-file FILE or REDTAIL_TOKEN';

const CONNECT: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is `redtail serve` running, and on that port?)',
  ENOTFOUND: 'no such host (is the name in --url right?)',
  EAI_AGAIN: 'the name could not be resolved now (DNS); try again',
  ETIMEDOUT: 'no answer: the connection timed out (a firewall, or the wrong address?)',
  EHOSTUNREACH: 'the host is unreachable from here',
  ENETUNREACH: 'the network is unreachable from here',
  ECONNRESET: 'the connection was cut before an answer (is --url the collector, and http:// or https:// as it serves?)',
};

/** The line for a connection that failed: `cannot reach the collector at URL: why`. */
export function unreachable(err: unknown, url: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  const why = (code !== undefined && CONNECT[code]) || printable((err as Error).message || String(code));
  return `cannot reach the collector at ${url}: ${why}`;
}

/** A hint for a refusal that a token would change, or ''. */
export function refusalHint(status: number, scope: string): string {
  if (status === 401) return ` (give a token with the ${scope} scope: ${TOKEN_SOURCES})`;
  if (status === 403) return ` (the token given lacks the ${scope} scope: use one that has it, by ${TOKEN_SOURCES})`;
  return '';
}

/** The line for an answer that is not a redtail collector's. */
export function notACollector(url: string, status: number, contentType: string | undefined): string {
  return `${url} is not a redtail collector: it answered HTTP ${status}${contentType ? ` (${printable(contentType.split(';')[0]!)})` : ''}, not the collector's JSON; is --url right?`;
}
