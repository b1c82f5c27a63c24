// How a stored record becomes an OTLP log record, once: the resource it belongs to, the log
// record's own fields, and its attributes, named as OpenTelemetry's semantic conventions name
// HTTP (stable names: http.*, url.*, client.*, server.*, network.*, user_agent.*) and the rest
// `redtail.<field>`. Both encodings are written from what this gives, and docs/export.md's table is
// checked against it (otlp-mapping.test.ts), as every field of the schema is.
import { FIELDS } from '../record/schema.js';
import type { StoredRecord } from './encoder.js';
import type { AnyValue, KeyValue } from './otlp-model.js';
import { anyValue, headers, host, int, port, protocolVersion, text, urlPath, urlQuery } from './otlp-value.js';

export interface Attribute {
  /** The attribute's name; `<name>` stands for each key of an object field. */
  name: string;
  /** The record's fields it is made from. */
  from: string[];
  /** For people, when it is more than the field's value. */
  how?: string;
  /** Its value, or none to leave it out. */
  value?: (r: StoredRecord) => AnyValue | undefined;
  /** For a name with `<name>`: each key and value. */
  each?: (r: StoredRecord) => [string, AnyValue][];
}

/** What identifies where a record came from: records with the same values share a ResourceLogs. */
export const RESOURCE: Attribute[] = [
  { name: 'service.name', from: ['service'], how: '`unknown_service` when the record has none (OpenTelemetry requires one)', value: (r) => text(r.service) ?? { stringValue: 'unknown_service' } },
  { name: 'service.namespace', from: ['namespace'], value: (r) => text(r.namespace) },
  { name: 'k8s.namespace.name', from: ['namespace'], value: (r) => text(r.namespace) },
  { name: 'k8s.pod.name', from: ['node'], how: 'the filter\'s `identity.node`, the pod\'s name', value: (r) => text(r.node) },
  { name: 'redtail.workload', from: ['workload'], how: 'Istio\'s workload name (a Deployment\'s, a StatefulSet\'s…), whose kind the record does not say', value: (r) => text(r.workload) },
];

const status = (r: StoredRecord): number | undefined => (typeof r.response_code === 'number' ? r.response_code : undefined);
const serverError = (r: StoredRecord): boolean => (status(r) ?? 0) >= 500 && (status(r) ?? 0) <= 599;
const flags = (r: StoredRecord): string | undefined => (typeof r.response_flags === 'string' && r.response_flags !== '-' && r.response_flags !== '' ? r.response_flags : undefined);
/** The first address of X-Forwarded-For: the client behind any proxies, as the conventions ask (a client can write it). */
const forwardedFor = (r: StoredRecord): string | undefined => (typeof r.x_forwarded_for === 'string' ? r.x_forwarded_for.split(',', 1)[0]?.trim() || undefined : undefined);
const scheme = (r: StoredRecord): unknown => (r.request_headers !== null && typeof r.request_headers === 'object' ? (r.request_headers as Record<string, unknown>)['x-forwarded-proto'] : undefined);

const CONVENTIONS: Attribute[] = [
  { name: 'http.request.method', from: ['method'], value: (r) => text(r.method) },
  { name: 'url.path', from: ['path'], how: 'the path before `?`', value: (r) => urlPath(r.path) },
  { name: 'url.query', from: ['path'], how: 'after `?` (redacted as the path is)', value: (r) => urlQuery(r.path) },
  { name: 'url.scheme', from: ['request_headers'], how: 'the `x-forwarded-proto` request header, when captured', value: (r) => text(scheme(r)) },
  { name: 'http.response.status_code', from: ['response_code'], how: 'left out when 0 (no response was sent)', value: (r) => (status(r) ? int(status(r)) : undefined) },
  { name: 'error.type', from: ['response_code', 'response_flags'], how: 'the code of a 5xx; with no response (0), Envoy\'s response flags', value: (r) => text(serverError(r) ? String(status(r)) : status(r) === 0 ? flags(r) : undefined) },
  { name: 'client.address', from: ['x_forwarded_for', 'downstream_remote_address'], how: 'the first X-Forwarded-For address, else the peer\'s', value: (r) => text(forwardedFor(r)) ?? host(r.downstream_remote_address) },
  { name: 'client.port', from: ['downstream_remote_address'], how: 'the peer\'s, when the client address is the peer\'s', value: (r) => (forwardedFor(r) ? undefined : port(r.downstream_remote_address)) },
  { name: 'server.address', from: ['authority'], how: 'the host of `:authority`', value: (r) => host(r.authority) },
  { name: 'server.port', from: ['authority'], how: 'its port, when written', value: (r) => port(r.authority) },
  { name: 'network.peer.address', from: ['downstream_remote_address'], value: (r) => host(r.downstream_remote_address) },
  { name: 'network.peer.port', from: ['downstream_remote_address'], value: (r) => port(r.downstream_remote_address) },
  { name: 'network.local.address', from: ['downstream_local_address'], value: (r) => host(r.downstream_local_address) },
  { name: 'network.local.port', from: ['downstream_local_address'], value: (r) => port(r.downstream_local_address) },
  { name: 'network.protocol.name', from: ['protocol'], how: '`http` for `HTTP/…`', value: (r) => (protocolVersion(r.protocol) ? { stringValue: 'http' } : undefined) },
  { name: 'network.protocol.version', from: ['protocol'], how: '`1.1` for `HTTP/1.1`', value: (r) => protocolVersion(r.protocol) },
  { name: 'user_agent.original', from: ['user_agent'], value: (r) => text(r.user_agent) },
  { name: 'http.request.body.size', from: ['bytes_received'], value: (r) => int(r.bytes_received) },
  { name: 'http.response.body.size', from: ['bytes_sent'], value: (r) => int(r.bytes_sent) },
  { name: 'http.request.header.<name>', from: ['request_headers'], how: 'each captured header, as an array of strings', each: (r) => headers(r.request_headers) },
  { name: 'http.response.header.<name>', from: ['response_headers'], how: 'each captured header, as an array of strings', each: (r) => headers(r.response_headers) },
];

/** What the log record itself carries: its time, severity, ids and body. */
export const LOG_FIELDS: { name: string; from: string[]; how: string }[] = [
  { name: 'timeUnixNano', from: ['start_time'], how: 'when the request began' },
  { name: 'observedTimeUnixNano', from: [], how: 'when the collector encoded it for export (the store keeps when a batch arrived, not each record)' },
  { name: 'severityNumber, severityText', from: ['response_code'], how: '5xx: 17 `ERROR`; 4xx: 13 `WARN`; any other code, 0 included: 9 `INFO`' },
  { name: 'traceId', from: ['trace_id'], how: '16 bytes (hex in JSON); a 16-digit B3 id padded with zeros; left out when absent, not hex or all zeros' },
  { name: 'spanId', from: ['span_id'], how: '8 bytes (hex in JSON); left out likewise' },
  { name: 'body', from: FIELDS.map((f) => f.name), how: 'the whole record as stored, as a key-value list (fields the schema does not know included)' },
];

/** Fields kept whole elsewhere (the resource, the log record, the attributes above), or too big to repeat: only in the body. */
const NOT_REPEATED = new Set(['service', 'namespace', 'workload', 'node', 'start_time', 'trace_id', 'span_id', 'response_code', 'method', 'path', 'authority', 'protocol',
  'user_agent', 'bytes_received', 'bytes_sent', 'downstream_remote_address', 'downstream_local_address', 'request_headers', 'response_headers',
  'request_body', 'response_body']);

/** The conventions' attributes, then `redtail.<field>` for every other field of the schema. */
export const ATTRIBUTES: Attribute[] = [
  ...CONVENTIONS,
  ...FIELDS.filter((f) => !NOT_REPEATED.has(f.name)).map((f): Attribute => ({ name: `redtail.${f.name}`, from: [f.name], how: f.type === 'object' ? 'a key-value list, as the record has it' : undefined, value: (r) => (r[f.name] === undefined || r[f.name] === null ? undefined : anyValue(r[f.name])) })),
];

/** The key-values of a table for a record, in the table's order, those with no value left out. */
export function keyValues(table: Attribute[], r: StoredRecord): KeyValue[] {
  const out: KeyValue[] = [];
  for (const a of table) {
    if (a.each) {
      for (const [name, value] of a.each(r)) out.push({ key: a.name.replace('<name>', name), value });
      continue;
    }
    const value = a.value?.(r);
    if (value !== undefined) out.push({ key: a.name, value });
  }
  return out;
}

/** OpenTelemetry's severity of a response: its status class. */
export function severity(r: StoredRecord): { severityNumber: number; severityText: string } {
  const code = status(r) ?? 0;
  if (serverError(r)) return { severityNumber: 17, severityText: 'ERROR' };
  if (code >= 400 && code <= 499) return { severityNumber: 13, severityText: 'WARN' };
  return { severityNumber: 9, severityText: 'INFO' };
}
