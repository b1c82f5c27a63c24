// The record's fields, once: each one's JSON type and limits, whether the row made of a record
// keeps it, how blocks are indexed by it, and its query and tail filter with the words people see
// (the CLI's flags, the web page's inputs). Validation, the wasm reader's field table, the
// terms, the filters, the CLI and the page derive from this list; a new field is one entry here
// and one in the filter's record writer (a contract test runs the filter and holds the two to it).

/** A field's JSON type; `time` is an ISO 8601 string, `status` an integer from 0 to 999. */
export type JsonType = 'string' | 'integer' | 'object' | 'time' | 'status';

/**
 * How blocks are indexed by a field: `term`, a term per distinct value (terms.ts, with this
 * letter); `status`, a term per code; `path`, the words of the value (for prefixes); `words`,
 * only the free-text index, where ids are found (a term per id would be most of a write).
 */
export type Index = { term: string } | 'status' | 'path' | 'words';

/**
 * How a filter matches: `equals` the value as given (`upper`: upper-cased first, as methods are
 * written), `prefix` of the value, `range` of codes ("5xx", "404", "400-499").
 */
export type Match = 'equals' | 'upper' | 'prefix' | 'range';

export interface Filter {
  /** The query and tail parameter; the CLI flag is the same with `-` for `_`. */
  param: string;
  match: Match;
  /** For people: the label on the page, and the CLI's value name and help. */
  label: string;
  value: string;
  help: string;
  /** What an empty input on the page shows: a hint of what to type that cannot be read as a value (default: the label and "…"). */
  hint?: string;
}

export interface Field {
  name: string;
  type: JsonType;
  /** A record without it is refused. */
  required?: boolean;
  /** Strings: the most characters. */
  max?: number;
  /** The row made of a record (ingest) keeps its value, for terms and the tail: no parsing to read it. */
  kept?: boolean;
  index?: Index;
  filter?: Filter;
}

const text = (name: string, max: number): Field => ({ name, type: 'string', max });
const HOST = 1024;
const ADDRESS = 512;
const NAME = 253; // a DNS label's, a Kubernetes name's
const BODY = 262144;

// In the order people see the filters; the rows' kept fields in the order of their slots.
const ENTRIES = [
  { name: 'service', type: 'string', max: NAME, kept: true, index: { term: 's' },
    filter: { param: 'service', match: 'equals', label: 'service', value: 'NAME', help: 'only this service' } },
  { name: 'namespace', type: 'string', max: NAME, kept: true, index: { term: 'n' },
    filter: { param: 'namespace', match: 'equals', label: 'namespace', value: 'NAME', help: 'only this namespace' } },
  { name: 'workload', type: 'string', max: NAME, kept: true, index: { term: 'w' },
    filter: { param: 'workload', match: 'equals', label: 'workload', value: 'NAME', help: 'only this workload' } },
  { name: 'response_code', type: 'status', required: true, index: 'status',
    filter: { param: 'status', match: 'range', label: 'status', value: 'CODE', help: 'a code (404), a class (5xx) or a range (400-499)', hint: 'status e.g. 5xx' } },
  { name: 'method', type: 'string', max: 32, kept: true, index: { term: 'm' },
    filter: { param: 'method', match: 'upper', label: 'method', value: 'METHOD', help: 'only this method' } },
  { name: 'authority', type: 'string', max: HOST, kept: true, index: { term: 'a' },
    filter: { param: 'authority', match: 'equals', label: 'authority', value: 'HOST', help: 'only this authority (host)' } },
  { name: 'path', type: 'string', max: 8192, kept: true, index: 'path',
    filter: { param: 'path', match: 'prefix', label: 'path', value: 'PREFIX', help: 'paths starting with this', hint: 'path prefix' } },
  { name: 'request_id', type: 'string', max: 256, kept: true, index: 'words',
    filter: { param: 'request_id', match: 'equals', label: 'request id', value: 'ID', help: 'one request' } },
  { name: 'trace_id', type: 'string', max: 32, kept: true, index: 'words',
    filter: { param: 'trace_id', match: 'equals', label: 'trace id', value: 'ID', help: 'one trace' } },
  { name: 'start_time', type: 'time', required: true },
  text('span_id', 16),
  text('protocol', 32),
  text('response_flags', 256),
  text('response_code_details', 1024),
  text('upstream_service_time', 32),
  text('x_forwarded_for', 1024),
  text('user_agent', 2048),
  text('upstream_host', ADDRESS),
  text('upstream_cluster', ADDRESS),
  text('upstream_local_address', ADDRESS),
  text('downstream_local_address', ADDRESS),
  text('downstream_remote_address', ADDRESS),
  text('requested_server_name', HOST),
  text('route_name', ADDRESS),
  text('node', NAME),
  text('connection_termination_details', 1024),
  text('upstream_transport_failure_reason', 1024),
  text('request_body', BODY),
  text('response_body', BODY),
  text('source_principal', 1024),
  text('jwt_issuer', 1024),
  text('jwt_subject', 1024),
  text('jwt_client_id', 1024),
  text('unverified_jwt_issuer', 1024),
  text('unverified_jwt_subject', 1024),
  text('unverified_jwt_client_id', 1024),
  { name: 'bytes_received', type: 'integer' },
  { name: 'bytes_sent', type: 'integer' },
  { name: 'duration', type: 'integer' },
  { name: 'request_headers', type: 'object' },
  { name: 'response_headers', type: 'object' },
  { name: 'redactions', type: 'object' },
] as const satisfies readonly Field[];

export const FIELDS: readonly Field[] = ENTRIES;

type Filtered = Extract<(typeof ENTRIES)[number], { filter: object }>;
/** The query and tail parameters of the fields' filters. */
export type FilterParam = Filtered['filter']['param'];

/** Each field by name. */
export const FIELD = new Map<string, Field>(FIELDS.map((f) => [f.name, f]));

/** The fields each row keeps, in this order (the wasm reader's slots follow it). */
export const KEPT: string[] = FIELDS.filter((f) => f.kept).map((f) => f.name);

/** The fields with a filter, in the order people see them. */
export const FILTERED = FIELDS.filter((f): f is Field & { filter: Filter & { param: FilterParam } } => f.filter !== undefined);

/** What GET /v1/schema answers: each field's name, type and limit, and its filter as people see it. */
export function publicSchema(): { fields: object[] } {
  return { fields: FIELDS.map((f) => ({ name: f.name, type: f.type, max: f.max, required: f.required, filter: f.filter })) };
}
