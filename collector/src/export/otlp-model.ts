// An OTLP ExportLogsServiceRequest as both writers take it: the field names of the OTLP/JSON
// encoding (lowerCamelCase), which are also protobufjs's names for the official messages, and
// 64-bit integers as decimal strings (JSON wants them so; protobufjs reads them exactly, where a
// number past 2^53 would not be). Ids are raw bytes: hex in JSON, bytes in protobuf.

/** common.proto AnyValue: one of these, or none (an empty value, for a JSON null). */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface LogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  traceId?: Uint8Array;
  spanId?: Uint8Array;
}

export interface ResourceLogs {
  resource: { attributes: KeyValue[] };
  scopeLogs: { scope: { name: string; version: string }; logRecords: LogRecord[] }[];
}

export interface ExportLogsServiceRequest {
  resourceLogs: ResourceLogs[];
}
