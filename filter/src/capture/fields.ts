// The record's fields as the filter writes them, each name once, in the order they appear in a
// record, as the bytes that open the field. A field's value is a JSON string unless noted; a
// field the proxy has no value for is left out. The collector's record schema lists the same
// names with the same types: a field added here is added there.
import { bytesOf } from "../bytes";

/** `,"name":"`: a string field. */
function text(name: string): ArrayBuffer {
  return bytesOf(",\"" + name + "\":\"");
}

/** `,"name":`: a number (or, with the brace, an object). */
function number(name: string): ArrayBuffer {
  return bytesOf(",\"" + name + "\":");
}

// The request line. start_time opens the record.
export const START_TIME = bytesOf("{\"start_time\":\"");
export const METHOD = text("method");
export const PATH = text("path");
export const PROTOCOL = text("protocol");

// The response.
export const RESPONSE_CODE = number("response_code");
/** Envoy's short codes, comma-separated; "-" for none. */
export const RESPONSE_FLAGS = text("response_flags");
export const RESPONSE_CODE_DETAILS = text("response_code_details");
export const CONNECTION_TERMINATION_DETAILS = text("connection_termination_details");
export const BYTES_RECEIVED = number("bytes_received");
export const BYTES_SENT = number("bytes_sent");
/** Milliseconds. */
export const DURATION = number("duration");
export const UPSTREAM_SERVICE_TIME = text("upstream_service_time");

// From the request's headers.
export const X_FORWARDED_FOR = text("x_forwarded_for");
export const USER_AGENT = text("user_agent");
export const REQUEST_ID = text("request_id");
export const AUTHORITY = text("authority");

// The upstream.
export const UPSTREAM_HOST = text("upstream_host");
export const UPSTREAM_CLUSTER = text("upstream_cluster");
export const UPSTREAM_TRANSPORT_FAILURE_REASON = text("upstream_transport_failure_reason");

// The downstream connection.
export const DOWNSTREAM_LOCAL_ADDRESS = text("downstream_local_address");
export const DOWNSTREAM_REMOTE_ADDRESS = text("downstream_remote_address");
export const REQUESTED_SERVER_NAME = text("requested_server_name");
/** The mTLS peer's URI SAN. */
export const SOURCE_PRINCIPAL = text("source_principal");
export const ROUTE_NAME = text("route_name");

// The trace: lower-case hex.
export const TRACE_ID = text("trace_id");
export const SPAN_ID = text("span_id");

/** Who is logging, in this order (written once per configuration). */
export const IDENTITY: string[] = ["service", "namespace", "workload", "node"];

/** The caller's claims (iss, sub, azp, client_id): as jwt_authn verified them, and as read from the token unchecked. */
export const JWT: ArrayBuffer[] = [text("jwt_issuer"), text("jwt_subject"), text("jwt_client_id"), text("jwt_client_id")];
export const UNVERIFIED_JWT: ArrayBuffer[] = [text("unverified_jwt_issuer"), text("unverified_jwt_subject"),
  text("unverified_jwt_client_id"), text("unverified_jwt_client_id")];

/** The allow-listed headers: objects of name and value. */
export const REQUEST_HEADERS = bytesOf(",\"request_headers\":{");
export const RESPONSE_HEADERS = bytesOf(",\"response_headers\":{");

// The body excerpts, redacted.
export const REQUEST_BODY = text("request_body");
export const RESPONSE_BODY = text("response_body");

/** The summary: an object of rule name and count, for the rules that fired. */
export const REDACTIONS = bytesOf(",\"redactions\":{");
