// Capture: at log time (Envoy's access-log step), one record per request, with the field names of
// Istio's default JSON access log, trace ids, the source identity, the allow-listed headers,
// optional body excerpts and a summary of the redactions. Every value goes through the redactor
// on its way into the record. The request's own bytes are read in place; nothing is decoded into
// AssemblyScript strings.
import { MapType } from "./abi/enums";
import { getHeaderPairs, getProperty, nowNanos, Ret } from "./abi/hostcalls";
import { ByteWriter, bytesOf, eqLower, Pairs } from "./bytes";
import { Config } from "./config";
import { HEX, cls } from "./redact/chars";
import { writeEscaped } from "./redact/escape";
import { Redactor } from "./redact/redactor";
import { Rule } from "./redact/rules";
import { writeIsoTime } from "./time";

/** What a stream remembers between its callbacks. Pooled: one is needed per request in flight. */
export class Exchange {
  startNs: i64 = 0;
  bytesReceived: u64 = 0;
  bytesSent: u64 = 0;
  requestBody: ByteWriter | null = null;
  responseBody: ByteWriter | null = null;
  captureRequestBody: bool = false;
  captureResponseBody: bool = false;
  requestBodyForm: bool = false;
  requestBodyJson: bool = false;
  responseBodyJson: bool = false;
  responseBodyForm: bool = false;

  reset(): void {
    this.startNs = 0;
    this.bytesReceived = 0;
    this.bytesSent = 0;
    if (this.requestBody !== null) this.requestBody!.clear();
    if (this.responseBody !== null) this.responseBody!.clear();
    this.captureRequestBody = false;
    this.captureResponseBody = false;
    this.requestBodyForm = false;
    this.requestBodyJson = false;
    this.responseBodyJson = false;
    this.responseBodyForm = false;
  }
}

const K_METHOD = bytesOf(":method");
const K_PATH = bytesOf(":path");
const K_AUTHORITY = bytesOf(":authority");
const K_STATUS = bytesOf(":status");
const K_USER_AGENT = bytesOf("user-agent");
const K_XFF = bytesOf("x-forwarded-for");
const K_REQUEST_ID = bytesOf("x-request-id");
const K_UPSTREAM_TIME = bytesOf("x-envoy-upstream-service-time");
const K_TRACEPARENT = bytesOf("traceparent");
const K_B3_TRACE = bytesOf("x-b3-traceid");
const K_B3_SPAN = bytesOf("x-b3-spanid");
const K_B3 = bytesOf("b3");

const P_PROTOCOL = bytesOf("request\0protocol");
const P_FLAGS = bytesOf("response\0flags");
const P_DETAILS = bytesOf("response\0code_details");
const P_SOURCE = bytesOf("source\0address");
const P_DESTINATION = bytesOf("destination\0address");
const P_UPSTREAM = bytesOf("upstream\0address");
const P_UPSTREAM_LOCAL = bytesOf("upstream\0local_address");
const P_CLUSTER = bytesOf("cluster_name");
const P_ROUTE = bytesOf("route_name");
const P_SNI = bytesOf("connection\0requested_server_name");
const P_TERMINATION = bytesOf("connection\0termination_details");
const P_TRANSPORT_FAILURE = bytesOf("upstream\0transport_failure_reason");

/** Envoy's response flags, bit by bit (StreamInfo::CoreResponseFlag), as their short codes. */
const FLAG_CODES: string[] = ["LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC",
  "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO", "DR"];

export class Capture {
  readonly record: ByteWriter = new ByteWriter(2048);
  readonly request: Pairs = new Pairs();
  readonly response: Pairs = new Pairs();
  private requestPtr: usize = 0;
  private responsePtr: usize = 0;
  private requestHeaders: ArrayBuffer[] = [];
  private responseHeaders: ArrayBuffer[] = [];
  private denied: ArrayBuffer[] = [];

  constructor(public config: Config, public redactor: Redactor, private identity: ArrayBuffer) {
    for (let i = 0; i < config.requestHeaders.length; i++) this.requestHeaders.push(bytesOf(config.requestHeaders[i]));
    for (let i = 0; i < config.responseHeaders.length; i++) this.responseHeaders.push(bytesOf(config.responseHeaders[i]));
    for (let i = 0; i < config.deniedHeaders.length; i++) this.denied.push(bytesOf(config.deniedHeaders[i]));
  }

  /** Read both header maps (one host call each). */
  readHeaders(): void {
    this.requestPtr = getHeaderPairs(MapType.RequestHeaders) ? Ret.ptr : 0;
    if (!this.request.parse(this.requestPtr, Ret.len)) this.request.reset();
    this.responsePtr = getHeaderPairs(MapType.ResponseHeaders) ? Ret.ptr : 0;
    if (!this.response.parse(this.responsePtr, Ret.len)) this.response.reset();
  }

  release(): void {
    if (this.requestPtr != 0) heap.free(this.requestPtr);
    if (this.responsePtr != 0) heap.free(this.responsePtr);
    this.requestPtr = 0;
    this.responsePtr = 0;
    this.request.reset();
    this.response.reset();
  }

  /** The response code from :status; 0 when the stream ended before a response (a reset). */
  responseCode(): u32 {
    const i = this.response.find(K_STATUS);
    if (i < 0) return 0;
    let code: u32 = 0;
    const p = this.response.valPtr(i);
    for (let k: u32 = 0; k < this.response.valLen(i) && k < 3; k++) code = code * 10 + (load<u8>(p + k) - 0x30);
    return code;
  }

  /** The x-request-id bytes, for sampling: [ptr, len] via the return, or len 0. */
  requestIdAt(): i32 {
    return this.request.find(K_REQUEST_ID);
  }

  /** Write the whole record into `record`. Headers must have been read. */
  write(ex: Exchange, code: u32): void {
    const w = this.record;
    const r = this.redactor;
    w.clear();
    r.reset();
    w.ascii("{\"start_time\":\"");
    writeIsoTime(w, ex.startNs);
    w.byte(0x22);
    this.header(w, "method", this.request, K_METHOD, false);
    this.header(w, "path", this.request, K_PATH, true);
    this.property(w, "protocol", P_PROTOCOL);
    w.ascii(",\"response_code\":");
    w.dec(code);
    const flags = this.flags(w);
    this.property(w, "response_code_details", P_DETAILS);
    if (flags != 0) this.property(w, "connection_termination_details", P_TERMINATION);
    w.ascii(",\"bytes_received\":");
    w.dec(ex.bytesReceived);
    w.ascii(",\"bytes_sent\":");
    w.dec(ex.bytesSent);
    w.ascii(",\"duration\":");
    w.dec(<u64>((nowNanos() - ex.startNs) / 1000000));
    this.header(w, "upstream_service_time", this.response, K_UPSTREAM_TIME, false);
    this.header(w, "x_forwarded_for", this.request, K_XFF, false);
    this.header(w, "user_agent", this.request, K_USER_AGENT, false);
    this.header(w, "request_id", this.request, K_REQUEST_ID, false);
    this.header(w, "authority", this.request, K_AUTHORITY, false);
    this.property(w, "upstream_host", P_UPSTREAM);
    this.property(w, "upstream_cluster", P_CLUSTER);
    this.property(w, "upstream_local_address", P_UPSTREAM_LOCAL);
    if (flags != 0) this.property(w, "upstream_transport_failure_reason", P_TRANSPORT_FAILURE);
    this.property(w, "downstream_local_address", P_DESTINATION);
    this.property(w, "downstream_remote_address", P_SOURCE);
    this.property(w, "requested_server_name", P_SNI);
    this.property(w, "route_name", P_ROUTE);
    this.trace(w);
    w.buf(this.identity);
    this.headers(w, "request_headers", this.request, this.requestHeaders);
    this.headers(w, "response_headers", this.response, this.responseHeaders);
    if (ex.requestBody !== null && ex.requestBody!.len > 0) {
      w.ascii(",\"request_body\":\"");
      const b = ex.requestBody!;
      if (ex.requestBodyForm) r.query(w, b.ptr, b.len);
      else r.text(w, b.ptr, b.len, false, false, ex.requestBodyJson);
      w.byte(0x22);
    }
    if (ex.responseBody !== null && ex.responseBody!.len > 0) {
      w.ascii(",\"response_body\":\"");
      const b = ex.responseBody!;
      if (ex.responseBodyForm) r.query(w, b.ptr, b.len);
      else r.text(w, b.ptr, b.len, false, false, ex.responseBodyJson);
      w.byte(0x22);
    }
    r.summary(w);
    w.byte(0x7d);
  }

  /** ,"name":"value" from a header, redacted; nothing when the header is absent. */
  private header(w: ByteWriter, name: string, pairs: Pairs, key: ArrayBuffer, url: bool): void {
    const i = pairs.find(key);
    if (i < 0) return;
    w.ascii(",\"");
    w.ascii(name);
    w.ascii("\":\"");
    if (url) this.redactor.url(w, pairs.valPtr(i), pairs.valLen(i));
    else this.redactor.text(w, pairs.valPtr(i), pairs.valLen(i), false, false, false);
    w.byte(0x22);
  }

  /** ,"name":"value" from a string property, redacted; nothing when Envoy has none. */
  private property(w: ByteWriter, name: string, path: ArrayBuffer): void {
    if (!getProperty(path)) return;
    if (Ret.len > 0) {
      w.ascii(",\"");
      w.ascii(name);
      w.ascii("\":\"");
      this.redactor.text(w, Ret.ptr, Ret.len, false, false, false);
      w.byte(0x22);
    }
    Ret.free();
  }

  /** response_flags as Envoy's short codes ("UF,URX"), "-" for none; returns the bits. */
  private flags(w: ByteWriter): u64 {
    let bits: u64 = 0;
    if (getProperty(P_FLAGS)) {
      if (Ret.len == 8) bits = load<u64>(Ret.ptr);
      Ret.free();
    }
    w.ascii(",\"response_flags\":\"");
    if (bits == 0) w.byte(0x2d);
    let first = true;
    for (let b = 0; b < FLAG_CODES.length; b++) {
      if ((bits & (<u64>1 << b)) == 0) continue;
      if (!first) w.byte(0x2c);
      first = false;
      w.ascii(FLAG_CODES[b]);
    }
    w.byte(0x22);
    return bits;
  }

  /** trace_id and span_id from W3C traceparent, else B3 (multi or single header); lower-case hex. */
  private trace(w: ByteWriter): void {
    const req = this.request;
    let i = req.find(K_TRACEPARENT);
    if (i >= 0 && req.valLen(i) >= 55) {
      const p = req.valPtr(i);
      if (allHex(p + 3, 32) && allHex(p + 36, 16) && load<u8>(p + 2) == 0x2d && load<u8>(p + 35) == 0x2d) {
        hexField(w, "trace_id", p + 3, 32);
        hexField(w, "span_id", p + 36, 16);
        return;
      }
    }
    i = req.find(K_B3_TRACE);
    if (i >= 0) {
      const n = req.valLen(i);
      if ((n == 32 || n == 16) && allHex(req.valPtr(i), n)) hexField(w, "trace_id", req.valPtr(i), n);
      const s = req.find(K_B3_SPAN);
      if (s >= 0 && req.valLen(s) == 16 && allHex(req.valPtr(s), 16)) hexField(w, "span_id", req.valPtr(s), 16);
      return;
    }
    i = req.find(K_B3);
    if (i >= 0) {
      // b3: {TraceId}-{SpanId}[-{Sampled}[-{ParentSpanId}]]
      const p = req.valPtr(i);
      const n = req.valLen(i);
      let dash: u32 = 0;
      while (dash < n && load<u8>(p + dash) != 0x2d) dash++;
      if ((dash == 32 || dash == 16) && allHex(p, dash) && dash + 17 <= n && allHex(p + dash + 1, 16)) {
        hexField(w, "trace_id", p, dash);
        hexField(w, "span_id", p + dash + 1, 16);
      }
    }
  }

  /** "request_headers":{"name":"value",…} for the allow-listed names present; denied ones redacted whole. */
  private headers(w: ByteWriter, field: string, pairs: Pairs, names: ArrayBuffer[]): void {
    let opened = false;
    for (let k = 0; k < names.length; k++) {
      const i = pairs.find(names[k]);
      if (i < 0) continue;
      if (!opened) {
        w.ascii(",\"");
        w.ascii(field);
        w.ascii("\":{");
      } else w.byte(0x2c);
      w.byte(0x22);
      opened = true;
      w.buf(names[k]);
      w.ascii("\":\"");
      if (this.isDenied(names[k])) this.redactor.whole(w, Rule.SECRET_HEADER, pairs.valPtr(i), pairs.valLen(i));
      else if (isUrlHeader(names[k])) this.redactor.url(w, pairs.valPtr(i), pairs.valLen(i));
      else this.redactor.text(w, pairs.valPtr(i), pairs.valLen(i), false, false, false);
      w.byte(0x22);
    }
    if (opened) w.byte(0x7d);
  }

  private isDenied(name: ArrayBuffer): bool {
    for (let i = 0; i < this.denied.length; i++) if (eqLower(changetype<usize>(name), name.byteLength, this.denied[i])) return true;
    return false;
  }
}

const URL_HEADERS = [bytesOf("referer"), bytesOf("location"), bytesOf("content-location"), bytesOf("origin")];

/** Headers that hold a URL: their query parameters are redacted by name, as the path's are. */
function isUrlHeader(name: ArrayBuffer): bool {
  for (let i = 0; i < URL_HEADERS.length; i++) if (eqLower(changetype<usize>(name), name.byteLength, URL_HEADERS[i])) return true;
  return false;
}

function allHex(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if ((cls(load<u8>(p + i)) & HEX) == 0) return false;
  return true;
}

function hexField(w: ByteWriter, name: string, p: usize, n: u32): void {
  w.ascii(",\"");
  w.ascii(name);
  w.ascii("\":\"");
  for (let i: u32 = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c >= 0x41 && c <= 0x46) c += 32;
    w.byte(c);
  }
  w.byte(0x22);
}

/** The identity fields, escaped once at configure: ,"service":"…","namespace":"…",… */
export function identityJson(service: string, namespace: string, workload: string, node: string): ArrayBuffer {
  const w = new ByteWriter(256);
  const names = ["service", "namespace", "workload", "node"];
  const values = [service, namespace, workload, node];
  for (let i = 0; i < 4; i++) {
    if (values[i].length == 0) continue;
    w.ascii(",\"");
    w.ascii(names[i]);
    w.ascii("\":\"");
    const b = String.UTF8.encode(values[i]);
    writeEscaped(w, changetype<usize>(b), b.byteLength);
    w.byte(0x22);
  }
  const out = w.toBuffer();
  heap.free(w.ptr);
  return out;
}
