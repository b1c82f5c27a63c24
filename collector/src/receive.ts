// Receiving a batch over HTTP, as the filter sends it (POST /v1/ingest): the body read up to a
// limit, the x-redtail-batch id checked, every line validated. The collector and the relay take
// the same contract, so both receive through this one function.
import type http from 'node:http';
import { checkIngestType } from './cross-site.js';
import { readLines } from './reader.js';
import { BatchError, type Gap, type Limits, parseBatch, type Row } from './validate.js';

/** A JSON answer, with its length. */
export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The producer went away before its batch was whole: nothing to store, nobody to answer. */
export class ProducerGone extends Error {
  readonly event = 'batch_abandoned';
  constructor() {
    super('the producer disconnected mid-batch; nothing of it was stored');
  }
}

/**
 * Read a body up to a limit; undefined when it is larger (the caller answers 413). Rejects with
 * ProducerGone when the connection drops before the end.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', (err) => reject(req.complete ? err : new ProducerGone()));
  });
}

/** A batch id as producers write it: <source>/<seq>, visible ASCII. */
export const isBatchId = (id: string): boolean => /^[\x21-\x7e]{1,512}$/.test(id);

export type Received =
  | { ok: true; batch: string | undefined; body: Buffer; rows: Row[]; gaps: Gap[] }
  | { ok: false; status: number; reason: 'too_large' | 'invalid' | 'media_type'; answer: Record<string, unknown> };

export async function receiveBatch(req: http.IncomingMessage, limits: Limits & { maxBodyBytes: number }): Promise<Received> {
  const wrongType = checkIngestType(req);
  if (wrongType) {
    req.resume();
    return { ok: false, status: wrongType.status, reason: 'media_type', answer: { error: wrongType.error, code: wrongType.code } };
  }
  const body = await readBody(req, limits.maxBodyBytes);
  if (body === undefined) {
    return { ok: false, status: 413, reason: 'too_large', answer: { error: `a batch may be at most ${limits.maxBodyBytes} bytes: send smaller batches` } };
  }
  const header = req.headers['x-redtail-batch'];
  const batch = typeof header === 'string' && header.length > 0 ? header : undefined;
  if (batch !== undefined && !isBatchId(batch)) {
    return { ok: false, status: 400, reason: 'invalid', answer: { error: 'invalid batch id', field: 'x-redtail-batch', expected: 'up to 512 visible ASCII characters, <source>/<seq>' } };
  }
  try {
    // NDJSON is read straight from its bytes (reader.ts) unless the reader hands it back.
    const read = body[0] === 0x5b ? undefined : readLines(body, limits);
    return { ok: true, batch, body, ...(read ?? parseBatch(body.toString('utf8'), limits, body)) };
  } catch (err) {
    if (err instanceof BatchError) return { ok: false, status: 400, reason: 'invalid', answer: { ...err.toJSON(), batch } };
    throw err;
  }
}
