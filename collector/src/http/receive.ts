// Receiving a batch over HTTP, as the filter sends it (POST /v1/ingest): the body read up to a
// limit, the x-redtail-batch id checked, every line validated. The collector and the relay take
// the same contract, so both receive through this one function.
import type http from 'node:http';
import { checkIngestType } from './cross-site.js';
import { send } from './respond.js';
import { type Cut, cutMessage, type PendingBytes, Upload, type UploadLimits } from './upload.js';
import { isBatchId, readBatch } from '../ingest/read.js';
import type { BatchError, Gap, Limits, Row } from '../ingest/validate.js';

/** The producer went away before its batch was whole: nothing to store, nobody to answer. */
export class ProducerGone extends Error {
  readonly event = 'batch_abandoned';
  constructor() {
    super('the producer disconnected mid-batch; nothing of it was stored');
  }
}

/**
 * Read a body up to a limit, its bytes reserved from the pending budget as they arrive (upload.ts):
 * the body, or why not ('too_large' at once when it is declared or found larger, or how its
 * upload was cut). Rejects with ProducerGone when the connection drops before the end.
 */
export function readBody(req: http.IncomingMessage, limits: UploadLimits & { maxBodyBytes: number }, pending: PendingBytes): Promise<Buffer | 'too_large' | Cut> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limits.maxBodyBytes) return resolve('too_large');
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const upload = new Upload(pending, limits, (why) => {
      done = true;
      resolve(why);
    });
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limits.maxBodyBytes) {
        done = true;
        upload.end();
        return resolve('too_large');
      }
      if (upload.add(c.length)) chunks.push(c);
    });
    req.on('end', () => {
      upload.end();
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      upload.end();
      reject(req.complete ? err : new ProducerGone());
    });
    req.on('close', () => upload.end());
  });
}

export type Received =
  | { ok: true; batch: string | undefined; body: Buffer; rows: Row[]; gaps: Gap[] }
  | Refused;

/**
 * The answer to a batch that could not be read for a reason of the collector's own (a fault
 * reading it, not a rule it broke): reading goes the same way each time, so it is final.
 */
export function unreadableBatch(err: unknown, batch: string | undefined): Record<string, unknown> {
  const why = err instanceof Error ? err.message : String(err);
  return { error: `the collector could not read this batch (${why}); it was not stored, and sending it again will not help: keep it and report it`, batch };
}

/** A batch not taken; with `connection: close` in its headers, the rest of its body is not read. */
export type Refused = {
  ok: false; status: number; reason: 'too_large' | 'invalid' | 'unreadable' | 'media_type' | 'busy' | 'stalled'; answer: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Why its upload was cut, when it was. */
  cut?: Cut;
};

const CLOSE = { connection: 'close' };

/** Why a body was not read, as its answer. */
function unread(why: 'too_large' | Cut, limits: UploadLimits & { maxBodyBytes: number }): Refused {
  if (why === 'too_large') return { ok: false, status: 413, reason: 'too_large', answer: { error: `a batch may be at most ${limits.maxBodyBytes} bytes: send smaller batches` }, headers: CLOSE };
  // The filter and the relay send a batch again after a 429, with backoff.
  if (why === 'busy') return { ok: false, status: 429, reason: 'busy', cut: why, answer: { error: cutMessage(why, limits) }, headers: { ...CLOSE, 'retry-after': '1' } };
  return { ok: false, status: 408, reason: 'stalled', cut: why, answer: { error: cutMessage(why, limits), code: why }, headers: CLOSE };
}

/** Answer a batch not taken; a body left unread is not waited for. */
export function answerRefused(req: http.IncomingMessage, res: http.ServerResponse, refused: Refused): void {
  if (refused.headers?.connection === 'close') res.once('finish', () => req.destroy());
  send(res, refused.status, refused.answer, refused.headers);
}

export async function receiveBatch(req: http.IncomingMessage, limits: Limits & UploadLimits & { maxBodyBytes: number }, pending: PendingBytes): Promise<Received> {
  const wrongType = checkIngestType(req);
  if (wrongType) {
    req.resume();
    return { ok: false, status: wrongType.status, reason: 'media_type', answer: { error: wrongType.error, code: wrongType.code } };
  }
  // Past the bound, producers are told to come back and the body is not read into memory.
  if (pending.full) return unread('busy', limits);
  const body = await readBody(req, limits, pending);
  if (!Buffer.isBuffer(body)) return unread(body, limits);
  const header = req.headers['x-redtail-batch'];
  const batch = typeof header === 'string' && header.length > 0 ? header : undefined;
  if (batch !== undefined && !isBatchId(batch)) {
    return { ok: false, status: 400, reason: 'invalid', answer: { error: 'invalid batch id', field: 'x-redtail-batch', expected: 'up to 512 visible ASCII characters, <source>/<seq>' } };
  }
  const read = readBatch(body, 'body', limits);
  if (read.ok) return { ok: true, batch, body, rows: read.rows, gaps: read.gaps };
  if (read.reason === 'invalid') return { ok: false, status: 400, reason: 'invalid', answer: { ...(read.error as BatchError).toJSON(), batch } };
  return { ok: false, status: 422, reason: 'unreadable', answer: unreadableBatch(read.error, batch) };
}
