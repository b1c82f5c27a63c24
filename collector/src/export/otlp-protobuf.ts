// The OTLP/HTTP protobuf encoding, written by protobufjs from the messages of opentelemetry-proto
// that an export of logs uses (collector/logs/v1/logs_service.proto, logs/v1/logs.proto,
// common/v1/common.proto, resource/v1/resource.proto): their names, types and field numbers as
// published, less the fields redtail never sets.
import protobuf from 'protobufjs';
import type { ExportLogsServiceRequest } from './otlp-model.js';

const PROTO = `
syntax = "proto3";
package opentelemetry.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
`;

// severity_number is the enum SeverityNumber in logs.proto: an enum is written as an int32 varint,
// and redtail sets its numbers itself (otlp-mapping.ts), so the enum's names are not needed here.
const { root } = protobuf.parse(PROTO);
const Request = root.lookupType('opentelemetry.proto.ExportLogsServiceRequest');
const Response = root.lookupType('opentelemetry.proto.ExportLogsServiceResponse');

export function otlpProtobuf(request: ExportLogsServiceRequest): Buffer {
  return Buffer.from(Request.encode(request as unknown as Record<string, unknown>).finish());
}

/** An ExportLogsServiceResponse as protobuf, read as OTLP/JSON names it (`partialSuccess`); throws when it is not one. */
export function otlpProtobufResponse(body: Buffer): unknown {
  return Response.toObject(Response.decode(body), { longs: String });
}
