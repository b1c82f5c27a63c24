// The plainest format: the records as stored, a JSON object a line (NDJSON), POSTed to the
// endpoint as given. For receivers that take JSON lines over HTTP (Vector's http_server source,
// Fluent Bit's http input, a script of one's own) and for the exporter's own tests.
import type { Encoder, StoredRecord } from './encoder.js';

export const ndjsonEncoder: Encoder = {
  encode: (records: StoredRecord[]) => ({
    path: '', headers: { 'content-type': 'application/x-ndjson' }, body: Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`),
  }),
};
