// The OTLP/JSON encoding (OTLP specification, "JSON Protobuf Encoding"): lowerCamelCase names,
// enums as integers, 64-bit integers as decimal strings, and trace and span ids as hex (not the
// base64 of Protobuf's own JSON mapping).
import type { ExportLogsServiceRequest } from './otlp-model.js';

export function otlpJson(request: ExportLogsServiceRequest): Buffer {
  return Buffer.from(JSON.stringify(request, function (this: Record<string, unknown>, key, value: unknown) {
    // The holder's own value: a Buffer has become {type, data} by its toJSON before this sees it.
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('hex') : value;
  }));
}
