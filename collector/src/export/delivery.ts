// One request to a receiver, and what its answer means for the batch: accepted (2xx), worth
// trying again (429, 502, 503, 504, no answer: the receiver is busy, restarting or out of reach),
// or refused for good (any other status: trying again would be refused again).
import http from 'node:http';
import https from 'node:https';
import type { Payload } from './encoder.js';

export type Outcome =
  | { kind: 'accepted'; status: number }
  | { kind: 'refused'; status: number; answer: string }
  /** `retryAfter`: what the receiver asked for (Retry-After), ms. */
  | { kind: 'again'; why: string; retryAfter?: number };

const AGAIN = [429, 502, 503, 504];
/** Of a refusal's answer, read this much: enough for its first words, not a hostile receiver's endless body. */
const ANSWER_BYTES = 4096;
const SHOWN_CHARS = 200;

/** Connections kept open between requests, to each receiver. */
const AGENTS = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** POST the payload to endpoint + its path; the answer read within `timeoutMs` all told. */
export function deliver(endpoint: string, payload: Payload, headers: Record<string, string>, timeoutMs: number): Promise<Outcome> {
  const url = new URL(endpoint + payload.path);
  const secure = url.protocol === 'https:';
  return new Promise<Outcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (o: Outcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    const req = (secure ? https : http).request(url, {
      method: 'POST', agent: secure ? AGENTS.https : AGENTS.http,
      headers: { ...headers, ...payload.headers, 'content-length': payload.body.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      const answered = () => done(outcome(res.statusCode ?? 0, res.headers['retry-after'], Buffer.concat(chunks)));
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        n += c.length;
        // Enough of the answer to show: the rest is not read.
        if (n >= ANSWER_BYTES) {
          res.destroy();
          answered();
        }
      });
      res.on('end', answered);
      res.on('error', answered);
    });
    timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'timeout' })), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'again', why: err.code === 'timeout' ? err.message : (err.code ?? err.message) }));
    req.end(payload.body);
  });
}

function outcome(status: number, retry: string | string[] | undefined, answer: Buffer): Outcome {
  if (status >= 200 && status < 300) return { kind: 'accepted', status };
  if (AGAIN.includes(status)) return { kind: 'again', why: `HTTP ${status}`, retryAfter: retryAfter(typeof retry === 'string' ? retry : null) };
  return { kind: 'refused', status, answer: printable(answer.subarray(0, ANSWER_BYTES).toString('utf8')) };
}

/** The answer's first characters, control characters as spaces, for one log line. */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim().slice(0, SHOWN_CHARS);
}

/** Retry-After as delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long to wait before try `attempt` (1 for the first retry): exponential backoff with full
 * jitter (a random time up to the bound, so exporters of many collectors do not retry in step),
 * or what the receiver asked for; either way at most `cap`.
 */
export function backoff(attempt: number, cap: number, asked: number | undefined, random = Math.random): number {
  if (asked !== undefined) return Math.min(asked, cap);
  return Math.floor(random() * Math.min(cap, BASE_MS * 2 ** Math.min(attempt, 30)));
}

const BASE_MS = 100;
