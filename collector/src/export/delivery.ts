// One request to a receiver, and what its answer means for the batch: accepted (2xx), worth
// trying again (408, 429, 502, 503, 504, no answer: the receiver is busy, restarting or out of reach;
// or an answer that says the request never reached a receiver that judged its records: a
// redirect, a wrong address, credentials refused, a format or header it does not take), or refused for good (any other status, 400
// above all: the receiver read the records and trying again would be refused again).
import http from 'node:http';
import https from 'node:https';
import { tlsProblem } from '../http/trust.js';
import { clientCertProblem } from './client-tls.js';
import { maskedUrl } from './config.js';
import type { Payload } from './encoder.js';

export type Outcome =
  /** `answer`: the answer's body (its first bytes), when it has one: a format may read a partial acceptance in it. */
  | { kind: 'accepted'; status: number; answer?: { body: Buffer; contentType: string | undefined } }
  | { kind: 'refused'; status: number; answer: string }
  /**
   * `retryAfter`: what the receiver asked for (Retry-After), ms; `answer`: what a busy receiver said
   * (Loki's 429 says which limit); `misdirected`: the answer says the
   * exporter's config is wrong (its address, credentials or CAs), with the answer's first words
   * (or, for a TLS failure, what it means).
   */
  | { kind: 'again'; why: string; retryAfter?: number; answer?: string; misdirected?: { status?: number; answer: string; location?: string } };

/** Busy, restarting or out of reach; 408: the receiver gave up waiting for the request (a slow link), judging none of it. */
export const AGAIN = [408, 429, 502, 503, 504];
/**
 * Wrong path or method, credentials missing, refused or expired, a proxy's refusal, a redirect
 * (not followed: a POST's body is not sent on); or an answer about the request's form rather than
 * its records: a media type the receiver does not take (415: an ndjson exporter pointed at an
 * OpenTelemetry Collector), an expectation (417), a protocol (426), headers too large (431), a
 * method or an HTTP version not implemented (501, 505), a network's login (511). Refusing the
 * records for good on these would drop every one until someone mends the config, so they wait in
 * the store as for a receiver down.
 */
const MISDIRECTED = (status: number) => (status >= 300 && status < 400) || [401, 403, 404, 405, 407, 415, 417, 421, 426, 431, 501, 505, 511].includes(status);
/** Of a refusal's answer, read this much: enough for its first words, not a hostile receiver's endless body. */
const ANSWER_BYTES = 4096;
const SHOWN_CHARS = 200;

/** Connections kept open between requests, to each receiver. */
const AGENTS = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** POST the payload to endpoint + its path; the answer read within `timeoutMs` all told. `agent`: for https, the exporter's own (client-tls.ts). */
export function deliver(endpoint: string, payload: Payload, headers: Record<string, string>, timeoutMs: number, agent?: https.Agent,
  secrets = secretForms(Object.values(headers))): Promise<Outcome> {
  const url = new URL(endpoint + payload.path);
  const secure = url.protocol === 'https:';
  return new Promise<Outcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    /** Set once the status line arrived: the answer to give whatever happens next. */
    let status: (() => void) | undefined;
    const done = (o: Outcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    const req = (secure ? https : http).request(url, {
      method: 'POST', agent: secure ? (agent ?? AGENTS.https) : AGENTS.http,
      headers: { ...headers, ...payload.headers, 'content-length': payload.body.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      // The status is the receiver's answer: a body cut short (the connection lost, the time up) does not undo it.
      const answered = () => done(outcome(res.statusCode ?? 0, res.headers, Buffer.concat(chunks), secrets));
      status = answered;
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
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (status) return status();
      const why = err.code === 'timeout' ? err.message : (err.code ?? err.message);
      // A certificate not trusted, or TLS spoken to a plain port: the config's to mend, as a 401 is.
      const tls = tlsProblem(err, url.href, 'the exporter\'s "ca" (a PEM file)', 'the receiver') ?? clientCertProblem(err);
      done(tls ? { kind: 'again', why, misdirected: { answer: tls } } : { kind: 'again', why });
    });
    req.end(payload.body);
  });
}

function outcome(status: number, headers: http.IncomingHttpHeaders, body: Buffer, secrets: string[]): Outcome {
  if (status >= 200 && status < 300) return body.length ? { kind: 'accepted', status, answer: { body, contentType: headers['content-type'] } } : { kind: 'accepted', status };
  const retry = headers['retry-after'];
  const answer = printable(body.subarray(0, ANSWER_BYTES).toString('utf8'), secrets, body.length >= ANSWER_BYTES);
  if (AGAIN.includes(status)) return { kind: 'again', why: `HTTP ${status}`, retryAfter: retryAfter(typeof retry === 'string' ? retry : null), ...(answer ? { answer } : {}) };
  if (MISDIRECTED(status)) {
    // Where a redirect points is most often the mend (https://, another path): shown, its query and
    // credentials masked as an endpoint's are (a signed URL's key), a header's secret as in the answer.
    // Tabs dropped as a URL parser drops them (so "/\t/user:pass@host" is read, and masked, as "//user:pass@host").
    const location = typeof headers.location === 'string' ? printable(maskedUrl(headers.location.replace(/[\t\n\r]/g, '')), secrets) : undefined;
    return { kind: 'again', why: `HTTP ${status}`, misdirected: location ? { status, answer, location } : { status, answer } };
  }
  return { kind: 'refused', status, answer };
}

/**
 * The answer's first characters, control characters as spaces and `secrets` as ***, for one log
 * line. `cut`: the answer went on past `text`, which may end in a secret's first characters.
 */
export function printable(text: string, secrets: string[] = [], cut = false): string {
  // A short value is masked where it stands alone, not inside a word (a tenant "team" in "teamwork").
  const pattern = secrets.map((s) => (s.length < 8 ? `(?<![A-Za-z0-9])${escapeRegExp(s)}(?![A-Za-z0-9])` : escapeRegExp(s))).join('|');
  let shown = secrets.length ? text.replace(new RegExp(pattern, 'gi'), '***') : text;
  if (cut) {
    shown = shown.replace(/\uFFFD+$/, ''); // a character cut in two
    const lower = shown.toLowerCase();
    for (const s of secrets) {
      for (let k = Math.min(s.length - 1, shown.length); k > 0; k--) {
        if (lower.endsWith(s.slice(0, k).toLowerCase())) {
          shown = shown.slice(0, -k);
          break;
        }
      }
    }
  }
  return shown.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim().slice(0, SHOWN_CHARS);
}

/**
 * What of the headers' values to mask in an answer shown: a receiver may echo what it was sent (a
 * token it refused), whole or a word of it ("Bearer <token>"), as sent or URL-encoded, in any case
 * (printable matches so). Longest first, so a value is masked whole rather than around a word of
 * it. Values of under 4 characters, and words of under 8, are left: masking them would mask
 * ordinary words ("Bearer" in "Bearer token expired").
 */
export function secretForms(values: string[]): string[] {
  const parts = [...values.filter((v) => v.length >= 4), ...values.flatMap((v) => v.split(/\s+/)).filter((w) => w.length >= 8)];
  // As sent; URL-encoded (a component, a form's "+" for a space, a whole URL's); in a JSON string ("\/").
  const forms = new Set(parts.flatMap((p) => [p, encodeURIComponent(p), encodeURIComponent(p).replace(/%20/g, '+'), encodeURI(p), JSON.stringify(p).slice(1, -1).replace(/\//g, '\\/')]));
  return [...forms].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
  // "Retry-After: 0" or a date past would have every exporter retry at once, at once: the backoff then.
  if (asked !== undefined && asked > 0) return Math.min(asked, cap);
  return Math.floor(random() * Math.min(cap, BASE_MS * 2 ** Math.min(attempt, 30)));
}

const BASE_MS = 100;
