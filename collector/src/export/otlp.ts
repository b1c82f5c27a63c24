// The OTLP/HTTP logs encoder: records to an ExportLogsServiceRequest (otlp-request.ts, from the
// mapping in otlp-mapping.ts), written as OTLP/JSON or protobuf, for POST <endpoint>/v1/logs.
import { gzipSync } from 'node:zlib';
import type { Encoder, Payload, StoredRecord } from './encoder.js';
import { otlpJson } from './otlp-json.js';
import { otlpProtobuf } from './otlp-protobuf.js';
import { exportRequest } from './otlp-request.js';

export interface OtlpOptions {
  encoding: 'json' | 'protobuf';
  /** `gzip`: the body compressed, as OTLP/HTTP allows (`content-encoding: gzip`); default none. */
  compression?: 'gzip' | 'none';
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
  const gzip = options.compression === 'gzip';
  if (!gzip && options.compression !== undefined && options.compression !== 'none') throw new Error(`otlp: "compression" must be "gzip" or "none", got ${JSON.stringify(options.compression)}`);
  const now = options.now ?? Date.now;
  return {
    encode(records: StoredRecord[]): Payload {
      const body = writer.write(exportRequest(records, now()));
      const headers: Record<string, string> = { 'content-type': writer.contentType };
      if (!gzip) return { path: '/v1/logs', headers, body };
      return { path: '/v1/logs', headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipSync(body) };
    },
  };
}
