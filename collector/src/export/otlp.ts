// The OTLP/HTTP logs encoder: records to an ExportLogsServiceRequest (otlp-request.ts, from the
// mapping in otlp-mapping.ts), written as OTLP/JSON or protobuf, for POST <endpoint>/v1/logs.
import type { Encoder, Payload, StoredRecord } from './encoder.js';
import { otlpJson } from './otlp-json.js';
import { otlpProtobuf } from './otlp-protobuf.js';
import { exportRequest } from './otlp-request.js';

export interface OtlpOptions {
  encoding: 'json' | 'protobuf';
  /** The clock observedTimeUnixNano is read from, in ms (default Date.now). */
  now?: () => number;
}

const WRITERS = {
  json: { contentType: 'application/json', write: otlpJson },
  protobuf: { contentType: 'application/x-protobuf', write: otlpProtobuf },
};

export function otlpEncoder(options: OtlpOptions): Encoder {
  const writer = WRITERS[options.encoding];
  if (!writer) throw new Error(`otlp: "encoding" must be "json" or "protobuf", got ${JSON.stringify(options.encoding)}`);
  const now = options.now ?? Date.now;
  return {
    encode(records: StoredRecord[]): Payload {
      return { path: '/v1/logs', headers: { 'content-type': writer.contentType }, body: writer.write(exportRequest(records, now())) };
    },
  };
}
