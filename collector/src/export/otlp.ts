// The OTLP/HTTP logs encoder: records to an ExportLogsServiceRequest (otlp-request.ts, from the
// mapping in otlp-mapping.ts), written as OTLP/JSON or protobuf, for POST <endpoint>/v1/logs.
import { gzipSync } from 'node:zlib';
import { fail } from '../config-error.js';
import type { Encoder, Payload, Rejected, StoredRecord } from './encoder.js';
import { otlpJson } from './otlp-json.js';
import { otlpProtobuf, otlpProtobufResponse } from './otlp-protobuf.js';
import { exportRequest } from './otlp-request.js';

export interface OtlpOptions {
  encoding: 'json' | 'protobuf';
  /** `gzip`: the body compressed, as OTLP/HTTP allows (`content-encoding: gzip`); default none. */
  compression?: 'gzip' | 'none';
  /** The clock observedTimeUnixNano is read from, in ms (default Date.now). */
  now?: () => number;
}

export const OTLP_LOGS_PATH = '/v1/logs';

const WRITERS = {
  json: { contentType: 'application/json', write: otlpJson },
  protobuf: { contentType: 'application/x-protobuf', write: otlpProtobuf },
};

/** The options as an exporter's config gives them, checked: a ConfigError names the one that is wrong, under `field` (`exporters[1]`). */
export function checkOtlpOptions(options: unknown, { field = 'otlp' }: { field?: string } = {}): OtlpOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(field, 'an object', options);
  const o = options as Record<string, unknown>;
  if (o.encoding !== 'json' && o.encoding !== 'protobuf') fail(`${field}.encoding`, '"json" or "protobuf"', o.encoding);
  if (o.compression !== undefined && o.compression !== 'gzip' && o.compression !== 'none') fail(`${field}.compression`, '"gzip" or "none"', o.compression);
  return { ...(o as Partial<OtlpOptions>), encoding: o.encoding, compression: o.compression };
}

/** Throws a ConfigError naming the option when the options are wrong (see checkOtlpOptions). */
export function otlpEncoder(options: OtlpOptions): Encoder {
  const checked = checkOtlpOptions(options);
  const writer = WRITERS[checked.encoding];
  const gzip = checked.compression === 'gzip';
  const now = checked.now ?? Date.now;
  return {
    rejected: otlpRejected,
    encode(records: StoredRecord[]): Payload {
      const body = writer.write(exportRequest(records, now()));
      const headers: Record<string, string> = { 'content-type': writer.contentType };
      if (!gzip) return { path: OTLP_LOGS_PATH, headers, body };
      return { path: OTLP_LOGS_PATH, headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipSync(body), plain: body.length };
    },
  };
}

/**
 * OTLP's partial success: a receiver that took the request but not all its records says how many
 * it rejected, and why, in an ExportLogsServiceResponse of the request's encoding. An answer that is
 * not one (an empty body, a proxy's page) says nothing.
 */
export function otlpRejected(body: Buffer, contentType: string | undefined): Rejected | undefined {
  let response: unknown;
  try {
    response = /\bjson\b/i.test(contentType ?? '') ? JSON.parse(body.toString('utf8')) : otlpProtobufResponse(body);
  } catch {
    return undefined;
  }
  const partial = (response as { partialSuccess?: { rejectedLogRecords?: unknown; errorMessage?: unknown } } | null)?.partialSuccess;
  const records = Number(partial?.rejectedLogRecords ?? 0);
  const message = typeof partial?.errorMessage === 'string' ? partial.errorMessage : '';
  // A positive count rejected; 0 with a message is a warning the receiver sends with everything kept.
  if (!(Number.isSafeInteger(records) && records > 0) && message === '') return undefined;
  return { records: Number.isSafeInteger(records) && records > 0 ? records : 0, message };
}
