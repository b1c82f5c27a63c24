// Reading a batch: its bytes, how they are framed, and the limits, to the rows and gap notices to
// store. Most batches are read straight from their bytes (reader.ts, the wasm module); the rest,
// and every batch the module hands back, the general way (records.ts, validate.ts), which also
// words every error. Callers see one function, whichever way a batch went.
import { messageItems } from './records.js';
import { readLines, readMessage } from './reader.js';
import { BatchError, type Gap, type Limits, parseBatch, parseRecords, type Row } from './validate.js';

/**
 * How a batch is framed: an HTTP body (NDJSON, as the filter sends it, or a JSON array), or a
 * WebSocket message {"batch": "<source>/<seq>", "records": [...]}, which names its batch itself.
 */
export type Framing = 'body' | 'message';

/** A message that is not a batch at all: the socket is closed with this code and reason. */
export class NotABatch extends Error {
  constructor(readonly code: 1007 | 1008, reason: string) {
    super(reason);
  }
}

export type Read =
  | { ok: true; batch: string | undefined; rows: Row[]; gaps: Gap[] }
  /**
   * Not read: a rule broken (invalid, a BatchError naming line and field), not a batch (NotABatch),
   * or a fault of the collector's own reading it (unreadable: final, as reading goes the same way
   * each time). `batch` is the batch's id when it was known before the fault.
   */
  | { ok: false; batch: string | undefined; reason: 'invalid' | 'unreadable'; error: Error };

/** A batch id as producers write it: <source>/<seq>, visible ASCII. */
export const isBatchId = (id: string): boolean => /^[\x21-\x7e]{1,512}$/.test(id);

export function readBatch(bytes: Buffer, framing: Framing, limits: Limits): Read {
  const known: { batch?: string } = {};
  try {
    const read = framing === 'body' ? readBody(bytes, limits) : readStreamed(bytes, limits, known);
    return { ok: true, batch: known.batch, ...read };
  } catch (err) {
    const invalid = err instanceof BatchError || err instanceof NotABatch;
    return { ok: false, batch: known.batch, reason: invalid ? 'invalid' : 'unreadable', error: err as Error };
  }
}

function readBody(body: Buffer, limits: Limits): { rows: Row[]; gaps: Gap[] } {
  // NDJSON is read straight from its bytes unless the reader hands it back; a JSON array the general way.
  const read = body[0] === 0x5b ? undefined : readLines(body, limits);
  return read ?? parseBatch(body.toString('utf8'), limits, body);
}

/** A WebSocket message's records; its batch id into `known` as soon as it is known. */
function readStreamed(data: Buffer, limits: Limits, known: { batch?: string }): { rows: Row[]; gaps: Gap[] } {
  const read = readMessage(data, limits);
  if (read !== undefined && isBatchId(read.batch)) {
    known.batch = read.batch;
    return read.records();
  }
  let items: ReturnType<typeof messageItems>;
  try {
    items = messageItems(data.toString('utf8'), data);
  } catch {
    throw new NotABatch(1007, 'each message must be JSON: {"batch": "<source>/<seq>", "records": [...]}');
  }
  const message = items.message;
  if (typeof message !== 'object' || message === null || typeof message.batch !== 'string' || !isBatchId(message.batch) || !Array.isArray(message.records)) {
    throw new NotABatch(1008, 'each message must be {"batch": "<source>/<seq>", "records": [...]}');
  }
  known.batch = message.batch;
  return parseRecords(message.records, limits, items.items?.texts, items.items?.raws);
}
