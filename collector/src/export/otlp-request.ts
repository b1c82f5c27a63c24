// Records into one ExportLogsServiceRequest: a ResourceLogs per distinct resource (in the order
// each first appears), each with one ScopeLogs of scope `redtail`, its records in the order given.
import { readFileSync } from 'node:fs';
import type { StoredRecord } from './encoder.js';
import { spanId, traceId } from './otlp-ids.js';
import { ATTRIBUTES, keyValues, RESOURCE, severity } from './otlp-mapping.js';
import type { ExportLogsServiceRequest, LogRecord, ResourceLogs } from './otlp-model.js';
import { anyValue } from './otlp-value.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The instrumentation scope of every record redtail exports. */
export const SCOPE = { name: 'redtail', version: VERSION };

/** Nanoseconds since the epoch, as a decimal string; none for a time that does not parse. */
function nanos(ms: number): string | undefined {
  if (!(Number.isFinite(ms) && ms >= 0)) return undefined;
  const whole = Math.round(ms);
  // Six zeros written on, not a BigInt made: this runs twice a record.
  return whole === 0 ? '0' : `${whole}000000`;
}

/** A field left undefined is not written, in either encoding. */
export function logRecord(r: StoredRecord, observedMs: number): LogRecord {
  return {
    timeUnixNano: nanos(typeof r.start_time === 'string' ? Date.parse(r.start_time) : NaN),
    observedTimeUnixNano: nanos(observedMs) ?? '0',
    ...severity(r),
    body: anyValue(r),
    attributes: keyValues(ATTRIBUTES, r),
    traceId: traceId(r.trace_id),
    spanId: spanId(r.span_id),
  };
}

export function exportRequest(records: StoredRecord[], observedMs: number): ExportLogsServiceRequest {
  const resources = new Map<string, ResourceLogs>();
  for (const r of records) {
    const attributes = keyValues(RESOURCE, r);
    const key = JSON.stringify(attributes);
    let resource = resources.get(key);
    if (!resource) {
      resource = { resource: { attributes }, scopeLogs: [{ scope: SCOPE, logRecords: [] }] };
      resources.set(key, resource);
    }
    resource.scopeLogs[0]!.logRecords.push(logRecord(r, observedMs));
  }
  return { resourceLogs: [...resources.values()] };
}
