// The numbers of the proxy-wasm ABI (0.2.1), as proxy-wasm-cpp-host and Envoy use them.
// One place for every enum, so the host calls and the tests speak the same names.

export const enum Status {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

/** Actions returned by the stream callbacks. Envoy turns Pause on headers into StopAllIterationAndWatermark. */
export const enum Action {
  Continue = 0,
  Pause = 1,
}

export const enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}
export const LOG_LEVEL_NAMES = ['trace', 'debug', 'info', 'warning', 'error', 'critical'] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

export const enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}
export const BUFFER_TYPE_MAX = 8;

export const enum MapType {
  RequestHeaders = 0,
  RequestTrailers = 1,
  ResponseHeaders = 2,
  ResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}
export const MAP_TYPE_MAX = 7;

export const enum StreamType {
  Request = 0,
  Response = 1,
  Downstream = 2,
  Upstream = 3,
}
export const STREAM_TYPE_MAX = 3;

export const enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}
/** Envoy encodes the metric type in the low two bits of a metric id and counts up in fours. */
export const METRIC_TYPE_MASK = 0x3;
export const METRIC_ID_INCREMENT = 0x4;

/** The version markers a module exports; Envoy refuses a module with none of them. */
export const ABI_VERSIONS = {
  proxy_abi_version_0_2_1: '0.2.1',
  proxy_abi_version_0_2_0: '0.2.0',
} as const;
export type AbiVersion = (typeof ABI_VERSIONS)[keyof typeof ABI_VERSIONS];

/** cpp-host's limits on what a module may hand the host (include/proxy-wasm/limits.h). */
export const LIMITS = {
  pairsMaxBytes: 1024 * 1024,
  pairsMaxCount: 1024,
  randomGetMaxBytes: 64 * 1024,
  maxMemoryBytes: 1024 * 1024 * 1024,
} as const;
