// WebSocket ingest (GET /v1/stream): each message {"batch": "<source>/<seq>", "records": [...]},
// answered {"ack": id} after commit or {"error", "batch", …} naming what was wrong. A frame that is
// not such an object closes the socket with the reason. Messages are handled one at a time, each
// committed before the next is read, so a producer faster than the disk is slowed by TCP.
import type { WebSocket } from 'ws';
import { NotABatch, readBatch } from '../ingest/read.js';
import type { BatchError } from '../ingest/validate.js';
import { unreadableBatch } from './receive.js';
import { ShardUnopenable } from '../store/store.js';
import type { Parts } from './server.js';

export function streamIngest(parts: Parts, ws: WebSocket): void {
  const { metrics, log } = parts;
  ws.on('message', (data: Buffer) => {
    const started = process.hrtime.bigint();
    const read = readBatch(data, 'message', parts.limits);
    if (!read.ok) {
      if (read.error instanceof NotABatch) {
        metrics.reject('invalid');
        return ws.close(read.error.code, read.error.message);
      }
      if (read.reason === 'invalid') {
        metrics.reject('invalid');
        return ws.send(JSON.stringify({ ...(read.error as BatchError).toJSON(), batch: read.batch }));
      }
      // Reading a batch goes the same way every time: it is refused for good, not retried.
      metrics.reject('unreadable');
      log({ level: 'error', event: 'batch_unreadable', batch: read.batch, error: read.error.message });
      return ws.send(JSON.stringify(unreadableBatch(read.error, read.batch)));
    }
    try {
      const result = parts.accept(read.batch, read, data.length, started);
      ws.send(JSON.stringify({ ack: result.batch, stored: result.stored, duplicate: result.duplicate }));
    } catch (err) {
      // Storing failed (a full disk, say): that may pass, so the producer is told to send it again.
      log({ level: 'error', event: 'stream_write_failed', batch: read.batch, error: (err as Error).message });
      const error = err instanceof ShardUnopenable ? err.message : 'internal error; the batch was not stored, send it again';
      ws.send(JSON.stringify({ error, batch: read.batch, retry: true }));
    }
  });
  ws.on('error', () => {});
}
