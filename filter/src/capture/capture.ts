// Capture: at log time (Envoy's access-log step), one record per request, with the field names of
// Istio's default JSON access log, trace ids, the source identity, who called (the mTLS peer and
// the bearer JWT's claims), the allow-listed headers, optional body excerpts and a summary of
// the redactions (fields.ts lists them all, in order). Every value goes through the redactor on
// its way into the record. The request's own bytes are read in place; nothing is decoded into
// AssemblyScript strings.
import { MapType } from "../../../proxy-wasm-as/enums";
import { nowNanos } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter, bytesOf, statusCode } from "../bytes";
import { Config } from "../config";
import { Exchange } from "../exchanges";
import { Redactor } from "../redact/redactor";
import { Mode, Rule } from "../redact/rules";
import { writeIsoTime } from "../time";
import { writeBody } from "./body";
import { Caller } from "./caller";
import { ConnectionValues, Connections } from "./connection";
import * as F from "./fields";
import { fit } from "./bounds";
import { writeFlags } from "./flags";
import { Headers } from "./headers";
import { Repeats } from "./repeats";
import { writeTrace } from "./trace";
import { Value, writeProperty, writeString } from "./value";

// The headers the record's fields read, in a fixed order: their slots in Headers.at.
const REQUEST_KEYS = [":method", ":path", ":authority", "user-agent", "x-forwarded-for", "x-request-id", "traceparent",
  "x-b3-traceid", "x-b3-spanid", "b3", "authorization"];
const METHOD = 0, PATH = 1, AUTHORITY = 2, USER_AGENT = 3, XFF = 4, REQUEST_ID = 5, TRACEPARENT = 6, B3_TRACE = 7, B3_SPAN = 8, B3 = 9,
  AUTHORIZATION = 10;
const RESPONSE_KEYS = [":status", "x-envoy-upstream-service-time"];
const STATUS = 0, UPSTREAM_TIME = 1;
// The fields whose values repeat from request to request (Repeats keeps each one's last).
const SEEN_METHOD = 0, SEEN_XFF = 1, SEEN_USER_AGENT = 2, SEEN_AUTHORITY = 3, SEEN = 4;

const P_DETAILS = bytesOf("response\0code_details");
const P_TERMINATION = bytesOf("connection\0termination_details");
const P_UPSTREAM = bytesOf("upstream\0address");
const P_CLUSTER = bytesOf("cluster_name");
const P_TRANSPORT_FAILURE = bytesOf("upstream\0transport_failure_reason");
const P_ROUTE = bytesOf("route_name");

export class Capture {
  readonly request: Headers;
  readonly response: Headers;
  private connections: Connections;
  private caller: Caller;
  private repeats: Repeats = new Repeats(SEEN);
  /** Values Envoy takes from the peer (addresses) are scanned when the IP_ADDRESS rule is on. */
  private addresses: Value;

  constructor(config: Config, public redactor: Redactor, private identity: ArrayBuffer) {
    const denied: ArrayBuffer[] = [];
    for (let i = 0; i < config.deniedHeaders.length; i++) denied.push(bytesOf(config.deniedHeaders[i]));
    this.request = new Headers(MapType.RequestHeaders, F.REQUEST_HEADERS, REQUEST_KEYS, config.requestHeaders, denied, redactor.secretNames);
    this.response = new Headers(MapType.ResponseHeaders, F.RESPONSE_HEADERS, RESPONSE_KEYS, config.responseHeaders, denied, redactor.secretNames);
    this.connections = new Connections(redactor);
    this.caller = new Caller(redactor);
    this.addresses = redactor.modes[Rule.IP_ADDRESS] != Mode.Off ? Value.Scanned : Value.Escaped;
  }

  /**
   * A new configuration replaced it: give back what its parts hold outside the collected heap
   * (the collector frees only the objects, and they are built again at every configuration).
   */
  free(): void {
    this.connections.free();
    this.caller.free();
    this.repeats.free();
    this.request.free();
    this.response.free();
    this.redactor.free();
  }

  /** Read both header maps (one host call each). */
  readHeaders(): void {
    this.request.read();
    this.response.read();
  }

  release(): void {
    this.request.release();
    this.response.release();
  }

  /** The response code from :status; 0 when the stream ended before a response (a reset). */
  responseCode(): u32 {
    const i = this.response.at(STATUS);
    if (i < 0) return 0;
    return statusCode(this.response.pairs.valPtr(i), this.response.pairs.valLen(i));
  }

  /** The x-request-id entry among the request's headers (for sampling), or -1. */
  requestIdAt(): i32 {
    return this.request.at(REQUEST_ID);
  }

  /** Write the whole record at the end of w, one group of fields after another. Headers must have been read. */
  write(w: ByteWriter, ex: Exchange, code: u32): void {
    const r = this.redactor;
    r.reset();
    const conn = this.requestLine(w, ex);
    const flags = this.result(w, ex, code);
    this.fromRequest(w);
    this.upstream(w, flags);
    w.buf(conn.addresses);
    writeProperty(w, r, F.ROUTE_NAME, P_ROUTE, Value.Escaped);
    const rq = this.request;
    writeTrace(w, rq.pairs, rq.at(TRACEPARENT), rq.at(B3_TRACE), rq.at(B3_SPAN), rq.at(B3));
    w.buf(this.identity);
    const auth = rq.at(AUTHORIZATION);
    if (auth >= 0) this.caller.write(w, rq.pairs.valPtr(auth), rq.pairs.valLen(auth));
    rq.write(w, r);
    this.response.write(w, r);
    writeBody(w, r, F.REQUEST_BODY, ex.request);
    writeBody(w, r, F.RESPONSE_BODY, ex.response);
    r.summary(w);
    w.byte(0x7d);
  }

  /** start_time, method, path and protocol; returns the connection's values, which the protocol is one of. */
  private requestLine(w: ByteWriter, ex: Exchange): ConnectionValues {
    w.buf(F.START_TIME);
    writeIsoTime(w, ex.startNs);
    w.byte(0x22);
    this.repeated(w, F.METHOD, METHOD, SEEN_METHOD);
    this.header(w, F.PATH, this.request, PATH, Value.Url);
    const conn = this.connections.current();
    w.buf(conn.protocol);
    this.redactor.add(conn.redactions);
    return conn;
  }

  /** What came of the request: code, flags, details, sizes, duration and the upstream's time; returns the flags' bits. */
  private result(w: ByteWriter, ex: Exchange, code: u32): u64 {
    const r = this.redactor;
    w.buf(F.RESPONSE_CODE);
    w.dec(code);
    const flags = writeFlags(w);
    writeProperty(w, r, F.RESPONSE_CODE_DETAILS, P_DETAILS, Value.Escaped);
    if (flags != 0) writeProperty(w, r, F.CONNECTION_TERMINATION_DETAILS, P_TERMINATION, Value.Scanned);
    w.buf(F.BYTES_RECEIVED);
    w.dec(ex.request.bytes);
    w.buf(F.BYTES_SENT);
    w.dec(ex.response.bytes);
    w.buf(F.DURATION);
    w.dec(<u64>((nowNanos() - ex.startNs) / 1000000));
    this.header(w, F.UPSTREAM_SERVICE_TIME, this.response, UPSTREAM_TIME, Value.Scanned);
    return flags;
  }

  /** The request's own headers that have fields: x_forwarded_for, user_agent, request_id, authority. */
  private fromRequest(w: ByteWriter): void {
    const rq = this.request;
    this.repeated(w, F.X_FORWARDED_FOR, XFF, SEEN_XFF);
    this.repeated(w, F.USER_AGENT, USER_AGENT, SEEN_USER_AGENT);
    this.header(w, F.REQUEST_ID, rq, REQUEST_ID, Value.Scanned);
    this.repeated(w, F.AUTHORITY, AUTHORITY, SEEN_AUTHORITY);
  }

  /** upstream_host, upstream_cluster, and why the upstream failed when a flag says it did. */
  private upstream(w: ByteWriter, flags: u64): void {
    const r = this.redactor;
    writeProperty(w, r, F.UPSTREAM_HOST, P_UPSTREAM, this.addresses);
    writeProperty(w, r, F.UPSTREAM_CLUSTER, P_CLUSTER, Value.Escaped);
    if (flags != 0) writeProperty(w, r, F.UPSTREAM_TRANSPORT_FAILURE_REASON, P_TRANSPORT_FAILURE, Value.Escaped);
  }

  /** ,"name":"value" from the request header in slot k, scanned, or as it was when that value came last. */
  private repeated(w: ByteWriter, name: ArrayBuffer, k: i32, seen: i32): void {
    const rq = this.request;
    const i = rq.at(k);
    if (i < 0) return;
    w.buf(name);
    const start = w.len;
    this.repeats.text(w, this.redactor, seen, rq.pairs.valPtr(i), rq.pairs.valLen(i));
    fit(w, this.redactor, name, start);
    w.byte(0x22);
  }

  /** ,"name":"value" from the header in slot k, redacted; nothing when the header is absent. */
  private header(w: ByteWriter, name: ArrayBuffer, headers: Headers, k: i32, how: Value): void {
    const i = headers.at(k);
    if (i < 0) return;
    writeString(w, this.redactor, name, headers.pairs.valPtr(i), headers.pairs.valLen(i), how);
  }
}
