// The record's fields as the filter writes them, each name once, in the order they appear in a
// record, as the bytes that open the field. A field's value is a JSON string unless noted; a
// field the proxy has no value for is left out. The collector's record schema lists the same
// names with the same types: a field added here is added there.
import { bytesOf } from "../bytes";

/** Each string field's bound, by the bytes that open it. */
export const BOUNDS = new Map<usize, u32>();

/**
 * `,"name":"`: a string field, of at most max characters (the collector's record schema's `max`
 * for it: a test holds each to it; bounds.ts cuts a longer value).
 */
function text(name: string, max: u32): ArrayBuffer {
  const open = bytesOf(",\"" + name + "\":\"");
  BOUNDS.set(changetype<usize>(open), max);
  return open;
}

/** `,"name":`: a number (or, with the brace, an object). */
function number(name: string): ArrayBuffer {
  return bytesOf(",\"" + name + "\":");
}

// The request line. start_time opens the record.
export const START_TIME = bytesOf("{\"start_time\":\"");
export const METHOD = text("method", 32);
export const PATH = text("path", 8192);
export const PROTOCOL = text("protocol", 32);

// The response.
export const RESPONSE_CODE = number("response_code");
/** Envoy's short codes, comma-separated; "-" for none. */
export const RESPONSE_FLAGS = text("response_flags", 256);
export const RESPONSE_CODE_DETAILS = text("response_code_details", 1024);
export const CONNECTION_TERMINATION_DETAILS = text("connection_termination_details", 1024);
export const BYTES_RECEIVED = number("bytes_received");
export const BYTES_SENT = number("bytes_sent");
/** Milliseconds. */
export const DURATION = number("duration");
export const UPSTREAM_SERVICE_TIME = text("upstream_service_time", 32);

// From the request's headers.
export const X_FORWARDED_FOR = text("x_forwarded_for", 1024);
export const USER_AGENT = text("user_agent", 2048);
export const REQUEST_ID = text("request_id", 256);
export const AUTHORITY = text("authority", 1024);

// The upstream.
export const UPSTREAM_HOST = text("upstream_host", 512);
export const UPSTREAM_CLUSTER = text("upstream_cluster", 512);
export const UPSTREAM_TRANSPORT_FAILURE_REASON = text("upstream_transport_failure_reason", 1024);

// The downstream connection.
export const DOWNSTREAM_LOCAL_ADDRESS = text("downstream_local_address", 512);
export const DOWNSTREAM_REMOTE_ADDRESS = text("downstream_remote_address", 512);
export const REQUESTED_SERVER_NAME = text("requested_server_name", 1024);
/** The mTLS peer's URI SAN. */
export const SOURCE_PRINCIPAL = text("source_principal", 1024);
export const ROUTE_NAME = text("route_name", 512);

// The trace: lower-case hex.
export const TRACE_ID = text("trace_id", 32);
export const SPAN_ID = text("span_id", 16);

/** Who is logging, in this order (written once per configuration). */
export const IDENTITY: string[] = ["service", "namespace", "workload", "node"];

/** The caller's claims (iss, sub, azp, client_id): as jwt_authn verified them, and as read from the token unchecked. */
export const JWT: ArrayBuffer[] = [text("jwt_issuer", 1024), text("jwt_subject", 1024), text("jwt_client_id", 1024), text("jwt_client_id", 1024)];
export const UNVERIFIED_JWT: ArrayBuffer[] = [text("unverified_jwt_issuer", 1024), text("unverified_jwt_subject", 1024),
  text("unverified_jwt_client_id", 1024), text("unverified_jwt_client_id", 1024)];

/** The allow-listed headers: objects of name and value. */
export const REQUEST_HEADERS = bytesOf(",\"request_headers\":{");
export const RESPONSE_HEADERS = bytesOf(",\"response_headers\":{");

// The body excerpts, redacted.
export const REQUEST_BODY = text("request_body", 262144);
export const RESPONSE_BODY = text("response_body", 262144);

/** The summary: an object of rule name and count, for the rules that fired. */
export const REDACTIONS = bytesOf(",\"redactions\":{");
