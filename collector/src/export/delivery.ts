// One request to a receiver, and what its answer means for the batch: accepted (2xx), worth
// trying again (429, 502, 503, 504, no answer: the receiver is busy, restarting or out of reach),
// or refused for good (any other status: trying again would be refused again).
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

export async function deliver(endpoint: string, payload: Payload, headers: Record<string, string>, timeoutMs: number): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(endpoint + payload.path, {
      method: 'POST', body: payload.body as Uint8Array<ArrayBuffer>, headers: { ...headers, ...payload.headers }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { kind: 'again', why: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message) };
  }
  let answer = '';
  try {
    answer = await firstBytes(res);
  } catch {
    // The status is what counts; the answer is only shown.
  }
  if (res.status >= 200 && res.status < 300) return { kind: 'accepted', status: res.status };
  if (AGAIN.includes(res.status)) return { kind: 'again', why: `HTTP ${res.status}`, retryAfter: retryAfter(res.headers.get('retry-after')) };
  return { kind: 'refused', status: res.status, answer: printable(answer) };
}

/** The first bytes of the answer as text; the rest is not read. */
async function firstBytes(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (n < ANSWER_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.length;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, ANSWER_BYTES).toString('utf8');
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
