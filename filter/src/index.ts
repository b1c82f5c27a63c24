// redtail's filter: the proxy-wasm callbacks, routed to the steps of the data path:
// configure (config.ts), capture at log time (capture.ts) with redaction (redact/), sampling
// (sample.ts) and shipping (ship.ts). Every stream callback returns Continue: the request path
// never waits for redtail.
export * from "../../proxy-wasm-as/module";
import { Action, BufferType, LogLevel, MapType } from "../../proxy-wasm-as/enums";
import { done, getBuffer, getHeaderValue, log, nowNanos, randomHex, Ret, setTickPeriod } from "../../proxy-wasm-as/hostcalls";
import { ByteWriter, bytesOf, holdsLower, startsLower } from "./bytes";
import { Body, Capture, identityJson } from "./capture";
import { Config, parseConfig } from "./config";
import { Exchanges } from "./exchanges";
import { identityOf } from "./identity";
import { Metrics } from "./metrics";
import { hintGroups } from "./redact/candidates";
import { KeyList, SecretNames } from "./redact/names";
import { Redactor } from "./redact/redactor";
import { keep } from "./sample";
import { Shipper } from "./ship";

let rootId: u32 = 0;
let config: Config | null = null;
let capture: Capture | null = null;
let shipper: Shipper | null = null;
const exchanges = new Exchanges();
const K_CONTENT_TYPE = bytesOf("content-type");

export function proxy_on_context_create(ctx: u32, parent: u32): void {
  if (parent == 0) {
    rootId = ctx;
    return;
  }
  exchanges.open(ctx);
}

export function proxy_on_vm_start(root: u32, size: u32): u32 {
  return 1;
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  let text = "";
  if (size > 0 && getBuffer(BufferType.PluginConfiguration, 0, size)) {
    text = String.UTF8.decodeUnsafe(Ret.ptr, Ret.len);
    Ret.free();
  }
  const result = parseConfig(text);
  if (result.config === null) {
    log(LogLevel.Error, "redtail: filter config: " + result.error);
    return 0;
  }
  const c = result.config!;
  const id = identityOf(c);
  Metrics.define();
  const names = new SecretNames(c.secretNames);
  hintGroups(names.groups());
  const redactor = new Redactor(c.modes, c.hmacKey, c.hmacKeyId, names, new KeyList(c.cookiesKept.map<ArrayBuffer>((k) => String.UTF8.encode(k))));
  capture = new Capture(c, redactor, identityJson(id.service, id.namespace, id.workload, id.node));
  if (shipper === null) shipper = new Shipper(c, sourceName(id.workload.length ? id.workload : id.node));
  else shipper!.reconfigure(c);
  config = c;
  bodyTypes = c.bodyContentTypes.map<ArrayBuffer>((t) => bytesOf(t));
  setTickPeriod(c.flushIntervalMs);
  log(LogLevel.Info, "redtail: configured; shipping to cluster " + c.cluster + " every " + c.flushIntervalMs.toString() + " ms");
  __collect();
  return 1;
}

/** A batch source id that differs across restarts, so sequence numbers never collide. */
function sourceName(base: string): string {
  let clean = "";
  for (let i = 0; i < base.length && clean.length < 64; i++) {
    const c = base.charCodeAt(i);
    clean += (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x2e || c == 0x5f
      ? String.fromCharCode(c) : "_";
  }
  return (clean.length ? clean : "redtail") + "-" + randomHex(6);
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex === null) return Action.Continue;
  ex.startNs = nowNanos();
  bodyStarts(ex.request, MapType.RequestHeaders);
  return Action.Continue;
}

export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex !== null) bodyChunk(ex.request, BufferType.HttpRequestBody, size);
  return Action.Continue;
}

export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex !== null) bodyStarts(ex.response, MapType.ResponseHeaders);
  return Action.Continue;
}

export function proxy_on_response_body(ctx: u32, size: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex !== null) bodyChunk(ex.response, BufferType.HttpResponseBody, size);
  return Action.Continue;
}

/** With body capture on: whether this body's content type is one to keep, and how to read it. */
function bodyStarts(body: Body, headers: u32): void {
  if (config === null || !config!.bodyEnabled || !getHeaderValue(headers, K_CONTENT_TYPE)) return;
  const p = Ret.ptr;
  const n = Ret.len;
  for (let i = 0; i < bodyTypes.length && !body.capture; i++) body.capture = startsLower(p, n, unchecked(bodyTypes[i]));
  body.form = holdsLower(p, n, FORM);
  body.json = holdsLower(p, n, JSON_TYPE);
  Ret.free();
}

/** Count the chunk; keep up to the configured excerpt size of it. */
function bodyChunk(body: Body, type: u32, size: u32): void {
  body.bytes += size;
  if (!body.capture) return;
  if (body.excerpt === null) body.excerpt = new ByteWriter(256);
  const w = body.excerpt!;
  const room = config!.bodyMaxBytes > w.len ? config!.bodyMaxBytes - w.len : 0;
  if (room > 0 && size > 0 && getBuffer(type, 0, min(room, size))) {
    w.copy(Ret.ptr, Ret.len);
    Ret.free();
  }
}

/** The content types whose bodies are kept (prefixes, lower case), and those read as a form or as JSON. */
let bodyTypes: ArrayBuffer[] = [];
const FORM = bytesOf("application/x-www-form-urlencoded");
const JSON_TYPE = bytesOf("json");

export function proxy_on_log(ctx: u32): void {
  const ex = exchanges.get(ctx);
  if (capture === null || shipper === null || ex === null) return;
  const cap = capture!;
  cap.readHeaders();
  const code = cap.responseCode();
  const id = cap.requestIdAt();
  const kept = keep(code, config!.successRate, id >= 0 ? cap.request.valPtr(id) : 0, id >= 0 ? cap.request.valLen(id) : 0);
  if (kept) {
    cap.write(shipper!.next(), ex, code);
    if (cap.redactor.fired > 0) {
      for (let i = 0; i < cap.redactor.counts.length; i++) unchecked(Metrics.pendingRedactions[i] += unchecked(cap.redactor.counts[i]));
    }
    Metrics.pendingCaptured++;
    shipper!.commit();
  } else {
    Metrics.pendingSampledOut++;
  }
  cap.release();
}

export function proxy_on_done(ctx: u32): u32 {
  if (ctx != rootId || shipper === null) return 1;
  Metrics.flush();
  // Shutting down: send what is buffered, and hold the VM until the collector has answered.
  if (shipper!.flushNow()) {
    shipper!.draining = true;
    return 0;
  }
  return 1;
}

export function proxy_on_delete(ctx: u32): void {
  if (ctx != rootId) exchanges.close(ctx);
}

export function proxy_on_tick(root: u32): void {
  if (shipper !== null) shipper!.tick();
  Metrics.flush();
  // The minimal runtime collects only when asked; here nothing managed is on the stack.
  __collect();
}

const K_STATUS = bytesOf(":status");

export function proxy_on_http_call_response(root: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  if (shipper === null) return;
  let status: u32 = 0;
  if (headers > 0 && getHeaderValue(MapType.HttpCallResponseHeaders, K_STATUS)) {
    for (let i: u32 = 0; i < Ret.len && i < 3; i++) status = status * 10 + (load<u8>(Ret.ptr + i) - 0x30);
    Ret.free();
  }
  if (status < 200 || status >= 300) {
    log(LogLevel.Warn, "redtail: the collector answered " + (status == 0 ? "nothing (the call failed)" : status.toString()) + "; the batch is kept and retried");
  }
  const wasDraining = shipper!.draining;
  shipper!.onResponse(token, status);
  if (wasDraining && !shipper!.inFlightNow) {
    shipper!.draining = false;
    done();
  }
}
