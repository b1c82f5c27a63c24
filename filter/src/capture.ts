// Capture: at log time (Envoy's access-log step), one record per request, with the field names of
// Istio's default JSON access log, trace ids, the source identity, who called (the mTLS peer and
// the bearer JWT's claims), the allow-listed headers, optional body excerpts and a summary of
// the redactions. Every value goes through the redactor
// on its way into the record. The request's own bytes are read in place; nothing is decoded into
// AssemblyScript strings.
import { MapType } from "../../proxy-wasm-as/enums";
import { release } from "../../proxy-wasm-as/handed";
import { getHeaderPairs, getProperty, nowNanos, Ret } from "../../proxy-wasm-as/hostcalls";
import { Body } from "./body";
import { ByteWriter, bytesOf, eqLower, KeySet, Pairs, statusCode } from "./bytes";
import { Caller } from "./caller";
import { Config } from "./config";
import { Exchange } from "./exchanges";
import { HEX, cls, inRange, splat } from "./redact/chars";
import { keptOfCut } from "./redact/cut";
import { writeEscaped } from "./redact/escape";
import { As, Redactor } from "./redact/redactor";
import { Mode, Rule } from "./redact/rules";
import { writeIsoTime } from "./time";

// Header names the record reads, in a fixed order: their slots in the KeySets below.
const REQUEST_KEYS = [":method", ":path", ":authority", "user-agent", "x-forwarded-for", "x-request-id", "traceparent",
  "x-b3-traceid", "x-b3-spanid", "b3", "authorization"];
const METHOD = 0, PATH = 1, AUTHORITY = 2, USER_AGENT = 3, XFF = 4, REQUEST_ID = 5, TRACEPARENT = 6, B3_TRACE = 7, B3_SPAN = 8, B3 = 9,
  AUTHORIZATION = 10;
const RESPONSE_KEYS = [":status", "x-envoy-upstream-service-time"];
const STATUS = 0, UPSTREAM_TIME = 1;

/** `,"name":"` for a field, made once. */
function field(name: string): ArrayBuffer {
  return bytesOf(",\"" + name + "\":\"");
}
const F_METHOD = field("method");
const F_PATH = field("path");
const F_PROTOCOL = field("protocol");
const F_DETAILS = field("response_code_details");
const F_TERMINATION = field("connection_termination_details");
const F_UPSTREAM_TIME = field("upstream_service_time");
const F_XFF = field("x_forwarded_for");
const F_USER_AGENT = field("user_agent");
const F_REQUEST_ID = field("request_id");
const F_AUTHORITY = field("authority");
const F_UPSTREAM_HOST = field("upstream_host");
const F_CLUSTER = field("upstream_cluster");
const F_TRANSPORT_FAILURE = field("upstream_transport_failure_reason");
const F_LOCAL = field("downstream_local_address");
const F_REMOTE = field("downstream_remote_address");
const F_SNI = field("requested_server_name");
const F_PRINCIPAL = field("source_principal");
const F_ROUTE = field("route_name");
const F_TRACE_ID = field("trace_id");
const F_SPAN_ID = field("span_id");
const F_REQUEST_BODY = field("request_body");
const F_REQUEST_HEADERS = bytesOf(",\"request_headers\":{");
const F_RESPONSE_HEADERS = bytesOf(",\"response_headers\":{");
const F_START = bytesOf("{\"start_time\":\"");
const F_CODE = bytesOf(",\"response_code\":");
const F_FLAGS = bytesOf(",\"response_flags\":\"");
const F_RECEIVED = bytesOf(",\"bytes_received\":");
const F_SENT = bytesOf(",\"bytes_sent\":");
const F_DURATION = bytesOf(",\"duration\":");
const F_RESPONSE_BODY = field("response_body");

const P_PROTOCOL = bytesOf("request\0protocol");
const P_FLAGS = bytesOf("response\0flags");
const P_DETAILS = bytesOf("response\0code_details");
const P_SOURCE = bytesOf("source\0address");
const P_DESTINATION = bytesOf("destination\0address");
const P_UPSTREAM = bytesOf("upstream\0address");
const P_CLUSTER = bytesOf("cluster_name");
const P_ROUTE = bytesOf("route_name");
const P_SNI = bytesOf("connection\0requested_server_name");
const P_PEER_SAN = bytesOf("connection\0uri_san_peer_certificate");
const P_CONNECTION = bytesOf("connection\0id");

/**
 * What stays the same for every request on a downstream connection, read once per connection:
 * a sidecar's connections carry many requests, and each property read is a host call (which in
 * Envoy evaluates an attribute expression). The protocol and the addresses are kept as the JSON
 * they become, redacted once, with the redactions that took: every record still counts them.
 */
class ConnectionValues {
  /** ,"protocol":"…" */
  protocol: ArrayBuffer = new ArrayBuffer(0);
  /** ,"downstream_local_address":"…","downstream_remote_address":"…","requested_server_name":"…","source_principal":"…" */
  addresses: ArrayBuffer = new ArrayBuffer(0);
  /** The redactions in them: pairs of rule and count. */
  redactions: StaticArray<u32> = new StaticArray<u32>(0);
}

const CONNECTIONS_KEPT = 1024;

function read(path: ArrayBuffer): ArrayBuffer | null {
  if (!getProperty(path)) return null;
  const out = new ArrayBuffer(Ret.len);
  memory.copy(changetype<usize>(out), Ret.ptr, Ret.len);
  Ret.free();
  return out;
}
const P_TERMINATION = bytesOf("connection\0termination_details");
const P_TRANSPORT_FAILURE = bytesOf("upstream\0transport_failure_reason");

/** Envoy's response flags, bit by bit (StreamInfo::CoreResponseFlag), as their short codes. */
const FLAG_CODES: string[] = ["LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC",
  "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO", "DR"];

export class Capture {
  readonly request: Pairs = new Pairs();
  readonly response: Pairs = new Pairs();
  private requestKeys: KeySet = new KeySet([]);
  private responseKeys: KeySet = new KeySet([]);
  /** Where the allow-listed headers start among the keys of each KeySet. */
  private requestCaptured: i32 = REQUEST_KEYS.length;
  private responseCaptured: i32 = RESPONSE_KEYS.length;
  private connections: Map<u64, ConnectionValues> = new Map<u64, ConnectionValues>();
  private scratch: ByteWriter = new ByteWriter(256);
  private requestPtr: usize = 0;
  private responsePtr: usize = 0;
  private requestHeaders: ArrayBuffer[] = [];
  private responseHeaders: ArrayBuffer[] = [];
  private denied: ArrayBuffer[] = [];
  /** Per allow-listed header, decided once: how its value is written (HeaderKind). */
  private requestKinds: StaticArray<u8> = new StaticArray<u8>(0);
  private responseKinds: StaticArray<u8> = new StaticArray<u8>(0);
  /** Per allow-listed header, `"name":"` ready to write. */
  private requestLabels: ArrayBuffer[] = [];
  private responseLabels: ArrayBuffer[] = [];

  private caller: Caller;

  constructor(public config: Config, public redactor: Redactor, private identity: ArrayBuffer) {
    this.caller = new Caller(redactor);
    for (let i = 0; i < config.requestHeaders.length; i++) this.requestHeaders.push(bytesOf(config.requestHeaders[i]));
    for (let i = 0; i < config.responseHeaders.length; i++) this.responseHeaders.push(bytesOf(config.responseHeaders[i]));
    for (let i = 0; i < config.deniedHeaders.length; i++) this.denied.push(bytesOf(config.deniedHeaders[i]));
    this.requestKinds = this.kinds(this.requestHeaders);
    this.responseKinds = this.kinds(this.responseHeaders);
    for (let i = 0; i < config.requestHeaders.length; i++) this.requestLabels.push(bytesOf("\"" + config.requestHeaders[i] + "\":\""));
    for (let i = 0; i < config.responseHeaders.length; i++) this.responseLabels.push(bytesOf("\"" + config.responseHeaders[i] + "\":\""));
    const req: ArrayBuffer[] = [];
    for (let i = 0; i < REQUEST_KEYS.length; i++) req.push(bytesOf(REQUEST_KEYS[i]));
    for (let i = 0; i < this.requestHeaders.length; i++) req.push(this.requestHeaders[i]);
    this.requestKeys = new KeySet(req);
    const res: ArrayBuffer[] = [];
    for (let i = 0; i < RESPONSE_KEYS.length; i++) res.push(bytesOf(RESPONSE_KEYS[i]));
    for (let i = 0; i < this.responseHeaders.length; i++) res.push(this.responseHeaders[i]);
    this.responseKeys = new KeySet(res);
  }

  /** Read both header maps (one host call each). */
  readHeaders(): void {
    this.requestPtr = getHeaderPairs(MapType.RequestHeaders) ? Ret.ptr : 0;
    if (!this.request.parse(this.requestPtr, Ret.len)) this.request.reset();
    this.responsePtr = getHeaderPairs(MapType.ResponseHeaders) ? Ret.ptr : 0;
    if (!this.response.parse(this.responsePtr, Ret.len)) this.response.reset();
    this.requestKeys.pick(this.request);
    this.responseKeys.pick(this.response);
  }

  release(): void {
    if (this.requestPtr != 0) release(this.requestPtr);
    if (this.responsePtr != 0) release(this.responsePtr);
    this.requestPtr = 0;
    this.responsePtr = 0;
    this.request.reset();
    this.response.reset();
  }

  /** The response code from :status; 0 when the stream ended before a response (a reset). */
  responseCode(): u32 {
    const i = unchecked(this.responseKeys.found[STATUS]);
    if (i < 0) return 0;
    return statusCode(this.response.valPtr(i), this.response.valLen(i));
  }

  /** The x-request-id bytes, for sampling: [ptr, len] via the return, or len 0. */
  requestIdAt(): i32 {
    return unchecked(this.requestKeys.found[REQUEST_ID]);
  }

  /** Write the whole record at the end of w. Headers must have been read. */
  write(w: ByteWriter, ex: Exchange, code: u32): void {
    const r = this.redactor;
    r.reset();
    w.buf(F_START);
    writeIsoTime(w, ex.startNs);
    w.byte(0x22);
    const rq = this.requestKeys.found;
    const rs = this.responseKeys.found;
    this.header(w, F_METHOD, this.request, unchecked(rq[METHOD]), false);
    this.header(w, F_PATH, this.request, unchecked(rq[PATH]), true);
    const conn = this.connection();
    w.buf(conn.protocol);
    r.add(conn.redactions);
    w.buf(F_CODE);
    w.dec(code);
    const flags = this.flags(w);
    this.property(w, F_DETAILS, P_DETAILS);
    if (flags != 0) this.property(w, F_TERMINATION, P_TERMINATION, true);
    w.buf(F_RECEIVED);
    w.dec(ex.request.bytes);
    w.buf(F_SENT);
    w.dec(ex.response.bytes);
    w.buf(F_DURATION);
    w.dec(<u64>((nowNanos() - ex.startNs) / 1000000));
    this.header(w, F_UPSTREAM_TIME, this.response, unchecked(rs[UPSTREAM_TIME]), false);
    this.header(w, F_XFF, this.request, unchecked(rq[XFF]), false);
    this.header(w, F_USER_AGENT, this.request, unchecked(rq[USER_AGENT]), false);
    this.header(w, F_REQUEST_ID, this.request, unchecked(rq[REQUEST_ID]), false);
    this.header(w, F_AUTHORITY, this.request, unchecked(rq[AUTHORITY]), false);
    const ips = this.redactor.modes[Rule.IP_ADDRESS] != Mode.Off;
    this.property(w, F_UPSTREAM_HOST, P_UPSTREAM, ips);
    this.property(w, F_CLUSTER, P_CLUSTER);
    if (flags != 0) this.property(w, F_TRANSPORT_FAILURE, P_TRANSPORT_FAILURE);
    w.buf(conn.addresses);
    this.property(w, F_ROUTE, P_ROUTE);
    this.trace(w);
    w.buf(this.identity);
    const auth = unchecked(rq[AUTHORIZATION]);
    if (auth >= 0) this.caller.write(w, this.request.valPtr(auth), this.request.valLen(auth));
    this.headers(w, F_REQUEST_HEADERS, this.request, this.requestLabels, this.requestKinds, this.requestKeys, this.requestCaptured);
    this.headers(w, F_RESPONSE_HEADERS, this.response, this.responseLabels, this.responseKinds, this.responseKeys, this.responseCaptured);
    this.body(w, F_REQUEST_BODY, ex.request);
    this.body(w, F_RESPONSE_BODY, ex.response);
    r.summary(w);
    w.byte(0x7d);
  }

  /**
   * ,"request_body":"…": the excerpt, redacted as a form, as JSON or as text. An excerpt the
   * limit cut short ends before the word it cut, so no part of a secret is left at its end.
   */
  private body(w: ByteWriter, name: ArrayBuffer, body: Body): void {
    const b = body.excerpt;
    // A body holding NUL bytes is not UTF-8 text (UTF-16, binary): the scan could not read it, so it is not kept.
    if (b === null || b.len == 0 || holdsNul(b.ptr, b.len)) return;
    const n = body.bytes > <u64>b.len ? keptOfCut(b.ptr, b.len) : b.len;
    w.buf(name);
    if (body.form) this.redactor.query(w, b.ptr, n);
    else this.redactor.text(w, b.ptr, n, body.json ? As.Json : As.Text);
    w.byte(0x22);
  }

  /** ,"name":"value" from header entry i, redacted; nothing when the header is absent (i < 0). */
  private header(w: ByteWriter, name: ArrayBuffer, pairs: Pairs, i: i32, url: bool): void {
    if (i < 0) return;
    w.buf(name);
    if (url) this.redactor.url(w, pairs.valPtr(i), pairs.valLen(i));
    else this.redactor.text(w, pairs.valPtr(i), pairs.valLen(i), As.Value);
    w.byte(0x22);
  }

  /**
   * ,"name":"value" from a string property; nothing when Envoy has none. Values a client can put
   * there (the TLS server name) are scanned; values Envoy makes from its own configuration
   * (cluster and route names, response details, the protocol) are escaped only; addresses are
   * scanned when the IP_ADDRESS rule is on.
   */
  private property(w: ByteWriter, name: ArrayBuffer, path: ArrayBuffer, scan: bool = false): void {
    if (!getProperty(path)) return;
    if (Ret.len > 0) {
      w.buf(name);
      if (scan) this.redactor.text(w, Ret.ptr, Ret.len, As.Value);
      else writeEscaped(w, Ret.ptr, Ret.len);
      w.byte(0x22);
    }
    Ret.free();
  }

  /** The connection's values: from the cache by connection.id, or read (and kept) now. */
  private connection(): ConnectionValues {
    let id: u64 = 0;
    let known = false;
    if (getProperty(P_CONNECTION)) {
      if (Ret.len == 8) {
        id = load<u64>(Ret.ptr);
        known = true;
      }
      Ret.free();
    }
    if (known && this.connections.has(id)) return this.connections.get(id);
    const v = this.readConnection();
    if (known) {
      if (this.connections.size >= CONNECTIONS_KEPT) this.connections.clear();
      this.connections.set(id, v);
    }
    return v;
  }

  /** A connection's values as JSON, redacted (with a tally of their own, not the record's). */
  private readConnection(): ConnectionValues {
    const v = new ConnectionValues();
    const r = this.redactor;
    const w = this.scratch;
    const mark = r.keepFrom();
    const ips = r.modes[Rule.IP_ADDRESS] != Mode.Off;
    w.clear();
    this.value(w, F_PROTOCOL, read(P_PROTOCOL), false);
    v.protocol = w.toBuffer();
    w.clear();
    this.value(w, F_LOCAL, read(P_DESTINATION), ips);
    this.value(w, F_REMOTE, read(P_SOURCE), ips);
    this.value(w, F_SNI, read(P_SNI), true);
    this.value(w, F_PRINCIPAL, read(P_PEER_SAN), true);
    v.addresses = w.toBuffer();
    v.redactions = r.keptSince(mark);
    return v;
  }

  /** ,"name":"value" from a value read before; nothing when there is none. */
  private value(w: ByteWriter, name: ArrayBuffer, v: ArrayBuffer | null, scan: bool): void {
    if (v === null || v.byteLength == 0) return;
    w.buf(name);
    if (scan) this.redactor.text(w, changetype<usize>(v), v.byteLength, As.Value);
    else writeEscaped(w, changetype<usize>(v), v.byteLength);
    w.byte(0x22);
  }

  /** response_flags as Envoy's short codes ("UF,URX"), "-" for none; returns the bits. */
  private flags(w: ByteWriter): u64 {
    let bits: u64 = 0;
    if (getProperty(P_FLAGS)) {
      if (Ret.len == 8) bits = load<u64>(Ret.ptr);
      Ret.free();
    }
    w.buf(F_FLAGS);
    if (bits == 0) w.byte(0x2d);
    // The bits that are set, lowest first (nearly always none).
    let rest = bits;
    let first = true;
    while (rest != 0) {
      const b = <i32>ctz(rest);
      rest &= rest - 1;
      if (b >= FLAG_CODES.length) break;
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
    const rq = this.requestKeys.found;
    let i = unchecked(rq[TRACEPARENT]);
    if (i >= 0 && req.valLen(i) >= 55) {
      const p = req.valPtr(i);
      if (allHex(p + 3, 32) && allHex(p + 36, 16) && load<u8>(p + 2) == 0x2d && load<u8>(p + 35) == 0x2d) {
        hexField(w, F_TRACE_ID, p + 3, 32);
        hexField(w, F_SPAN_ID, p + 36, 16);
        return;
      }
    }
    i = unchecked(rq[B3_TRACE]);
    if (i >= 0) {
      const n = req.valLen(i);
      if ((n == 32 || n == 16) && allHex(req.valPtr(i), n)) hexField(w, F_TRACE_ID, req.valPtr(i), n);
      const s = unchecked(rq[B3_SPAN]);
      if (s >= 0 && req.valLen(s) == 16 && allHex(req.valPtr(s), 16)) hexField(w, F_SPAN_ID, req.valPtr(s), 16);
      return;
    }
    i = unchecked(rq[B3]);
    if (i >= 0) {
      // b3: {TraceId}-{SpanId}[-{Sampled}[-{ParentSpanId}]]
      const p = req.valPtr(i);
      const n = req.valLen(i);
      let dash: u32 = 0;
      while (dash < n && load<u8>(p + dash) != 0x2d) dash++;
      if ((dash == 32 || dash == 16) && allHex(p, dash) && dash + 17 <= n && allHex(p + dash + 1, 16)) {
        hexField(w, F_TRACE_ID, p, dash);
        hexField(w, F_SPAN_ID, p + dash + 1, 16);
      }
    }
  }

  /** "request_headers":{"name":"value",…} for the allow-listed names present, each written as its kind says. */
  private headers(w: ByteWriter, field: ArrayBuffer, pairs: Pairs, labels: ArrayBuffer[], kinds: StaticArray<u8>, keys: KeySet, from: i32): void {
    let opened = false;
    for (let k = 0; k < labels.length; k++) {
      const i = unchecked(keys.found[from + k]);
      if (i < 0) continue;
      if (!opened) w.buf(field);
      else w.byte(0x2c);
      opened = true;
      w.buf(unchecked(labels[k]));
      const kind = unchecked(kinds[k]);
      const p = pairs.valPtr(i);
      const n = pairs.valLen(i);
      if (kind == HeaderKind.Denied) this.redactor.whole(w, Rule.SECRET_HEADER, p, n);
      else if (kind == HeaderKind.Url) this.redactor.url(w, p, n);
      else if (kind == HeaderKind.Authorization) this.redactor.authorization(w, p, n);
      else if (kind == HeaderKind.Cookie) this.redactor.cookie(w, p, n);
      else if (kind == HeaderKind.SetCookie) this.redactor.setCookie(w, p, n);
      else if (holdsUrl(p, n)) this.redactor.url(w, p, n);
      else this.redactor.text(w, p, n, As.Value);
      w.byte(0x22);
    }
    if (opened) w.byte(0x7d);
  }

  private kinds(names: ArrayBuffer[]): StaticArray<u8> {
    const out = new StaticArray<u8>(names.length);
    for (let k = 0; k < names.length; k++) {
      const name = names[k];
      const p = changetype<usize>(name);
      const n = <u32>name.byteLength;
      let denied = this.redactor.secretNames.has(p, n);
      for (let i = 0; i < this.denied.length; i++) if (eqLower(p, n, this.denied[i])) denied = true;
      let kind = HeaderKind.Scanned;
      if (isOneOf(name, AUTHORIZATION_HEADERS)) kind = HeaderKind.Authorization;
      else if (eqLower(p, n, COOKIE)) kind = HeaderKind.Cookie;
      else if (eqLower(p, n, SET_COOKIE)) kind = HeaderKind.SetCookie;
      else if (denied) kind = HeaderKind.Denied;
      else if (isOneOf(name, URL_HEADERS)) kind = HeaderKind.Url;
      out[k] = kind;
    }
    return out;
  }
}

/** How an allow-listed header's value is written. */
namespace HeaderKind {
  /** Scanned by every rule (read as a URL when it holds one). */
  export const Scanned: u8 = 0;
  /** Denied, or named like a secret: replaced whole. */
  export const Denied: u8 = 1;
  /** A URL: its query parameters are redacted by name, as the path's are. */
  export const Url: u8 = 2;
  /** Its scheme kept, its credentials replaced. */
  export const Authorization: u8 = 3;
  /** Cookie names kept, their values replaced. */
  export const Cookie: u8 = 4;
  /** The cookie's name and attributes kept, its value replaced. */
  export const SetCookie: u8 = 5;
}

const URL_HEADERS = [bytesOf("referer"), bytesOf("location"), bytesOf("content-location"), bytesOf("origin")];
const AUTHORIZATION_HEADERS = [bytesOf("authorization"), bytesOf("proxy-authorization")];
const COOKIE = bytesOf("cookie");
const SET_COOKIE = bytesOf("set-cookie");

/** Whether n bytes at p hold a NUL byte: 16 at a time. */
function holdsNul(p: usize, n: u32): bool {
  let i: u32 = 0;
  const readable = <usize>memory.size() << 16;
  for (; i + 16 <= n && p + i + 16 <= readable; i += 16) if (v128.any_true(i8x16.eq(v128.load(p + i), splat(0)))) return true;
  for (; i < n; i++) if (load<u8>(p + i) == 0) return true;
  return false;
}

/** A value that is a request target or a URL (x-envoy-original-path, x-original-uri…): read as one, decoded. */
function holdsUrl(p: usize, n: u32): bool {
  if (n == 0) return false;
  const c = load<u8>(p);
  return c == 0x2f || (n > 8 && (load<u32>(p) | 0x20202020) == 0x70747468 && (load<u8>(p + 4) == 0x3a || load<u8>(p + 5) == 0x3a)); // "/", "http:", "https:"
}

function isOneOf(name: ArrayBuffer, list: ArrayBuffer[]): bool {
  for (let i = 0; i < list.length; i++) if (eqLower(changetype<usize>(name), name.byteLength, list[i])) return true;
  return false;
}

/** Whether n bytes at p are all hex digits: 16 at a time (trace and span ids are 16 or 32). */
function allHex(p: usize, n: u32): bool {
  let i: u32 = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(p + i);
    // Digits as they are; A-F and a-f alike once bit 0x20 is set (nothing else lands on a-f).
    const hex = v128.or(inRange(v, 0x30, 10), inRange(v128.or(v, splat(0x20)), 0x61, 6));
    if (i8x16.bitmask(hex) != 0xffff) return false;
  }
  for (; i < n; i++) if ((cls(load<u8>(p + i)) & HEX) == 0) return false;
  return true;
}

/** ,"name":"hex" in lower case; n is 16 or 32 (trace and span ids), copied 16 bytes at a time. */
function hexField(w: ByteWriter, name: ArrayBuffer, p: usize, n: u32): void {
  w.buf(name);
  w.ensure(n + 1);
  const out = w.ptr + w.len;
  for (let i: u32 = 0; i < n; i += 16) {
    const v = v128.load(p + i);
    // A-F get bit 0x20: their lower-case letters; digits and a-f have it already.
    v128.store(out + i, v128.or(v, v128.and(inRange(v, 0x41, 6), splat(0x20))));
  }
  store<u8>(out + n, 0x22);
  w.len += n + 1;
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
