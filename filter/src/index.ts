// redtail's filter: the proxy-wasm callbacks, routed by context id. The root context is the
// plugin (plugin.ts: configuration, capture at log time, shipping, the tick); every other
// context is a stream, whose state is an Exchange (exchanges.ts) and whose bodies capture/body.ts
// reads. Every stream callback returns Continue: the request path never waits for redtail.
export * from "../../proxy-wasm-as/module";
import { Action, BufferType, MapType } from "../../proxy-wasm-as/enums";
import { nowNanos } from "../../proxy-wasm-as/hostcalls";
import { Exchanges } from "./exchanges";
import { collectEvery } from "./collect";
import { Plugin, readConfig } from "./plugin";

let rootId: u32 = 0;
let plugin: Plugin | null = null;
/** The plugin of a proxy that records: null for a proxy of a skipped namespace (a pass-through). */
let recorder: Plugin | null = null;
const exchanges = new Exchanges();

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
  const config = readConfig(size);
  if (config === null) return 0;
  if (!config.records) {
    // A plugin made before keeps its tick, to send what it holds.
    recorder = null;
    return 1;
  }
  if (plugin === null) plugin = new Plugin(config);
  else plugin!.reconfigure(config);
  recorder = plugin;
  __collect();
  return 1;
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex === null) return Action.Continue;
  ex.startNs = nowNanos();
  if (recorder !== null) recorder!.bodies.starts(ex.request, MapType.RequestHeaders);
  return Action.Continue;
}

export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex !== null && recorder !== null) recorder!.bodies.chunk(ex.request, BufferType.HttpRequestBody, size);
  return Action.Continue;
}

export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex !== null && recorder !== null) recorder!.bodies.starts(ex.response, MapType.ResponseHeaders);
  return Action.Continue;
}

export function proxy_on_response_body(ctx: u32, size: u32, eos: u32): u32 {
  const ex = exchanges.get(ctx);
  if (ex !== null && recorder !== null) recorder!.bodies.chunk(ex.response, BufferType.HttpResponseBody, size);
  return Action.Continue;
}

export function proxy_on_log(ctx: u32): void {
  const ex = exchanges.get(ctx);
  if (ex !== null && recorder !== null) recorder!.log(ex);
}

export function proxy_on_done(ctx: u32): u32 {
  if (ctx != rootId || plugin === null) return 1;
  // Hold the VM until the collector has answered the last batch.
  return plugin!.shutdown() ? 0 : 1;
}

export function proxy_on_delete(ctx: u32): void {
  if (ctx == rootId) return;
  exchanges.close(ctx);
  collectEvery();
}

export function proxy_on_tick(root: u32): void {
  if (plugin !== null) plugin!.tick();
  // The minimal runtime collects only when asked; here nothing managed is on the stack.
  __collect();
}

export function proxy_on_http_call_response(root: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  if (plugin !== null) plugin!.answered(token, headers, bodySize);
}
