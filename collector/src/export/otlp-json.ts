// The OTLP/JSON encoding (OTLP specification, "JSON Protobuf Encoding"): lowerCamelCase names,
// enums as integers, 64-bit integers as decimal strings, and trace and span ids as hex (not the
// base64 of Protobuf's own JSON mapping).
import type { ExportLogsServiceRequest } from './otlp-model.js';

const hex = (id: Uint8Array | undefined) => (id === undefined ? undefined : Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex'));

export function otlpJson(request: ExportLogsServiceRequest): Buffer {
  // Only the ids differ from the model: each log record is copied with them in hex.
  const resourceLogs = request.resourceLogs.map((rl) => ({ ...rl, scopeLogs: rl.scopeLogs.map((sl) => ({
    ...sl, logRecords: sl.logRecords.map((r) => ({ ...r, traceId: hex(r.traceId), spanId: hex(r.spanId) })),
  })) }));
  return Buffer.from(JSON.stringify({ resourceLogs }));
}
