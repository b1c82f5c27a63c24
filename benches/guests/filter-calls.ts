// The filter's host calls and nothing else: the clock at request headers; at log time both
// header maps, the six properties the filter reads for a request on a known connection, and the
// clock again, each handed-over block freed. The filter bench runs it between the no-op guest
// and the filter, so the filter's cost splits into what these calls cost in this host and
// what the filter's own code costs.
export * from "../../proxy-wasm-as/module";
import { MapType } from "../../proxy-wasm-as/enums";
import { getHeaderPairs, getProperty, nowNanos, Ret } from "../../proxy-wasm-as/hostcalls";

const PATHS = [
  String.UTF8.encode("connection\0id"), String.UTF8.encode("response\0flags"), String.UTF8.encode("response\0code_details"),
  String.UTF8.encode("upstream\0address"), String.UTF8.encode("cluster_name"), String.UTF8.encode("route_name"),
];
let started: i64 = 0;

export function proxy_on_context_create(ctx: u32, parent: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 { return 1; }

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  started = nowNanos();
  return 0;
}

export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 { return 0; }

export function proxy_on_log(ctx: u32): void {
  if (getHeaderPairs(MapType.RequestHeaders)) Ret.free();
  if (getHeaderPairs(MapType.ResponseHeaders)) Ret.free();
  for (let i = 0; i < PATHS.length; i++) if (getProperty(PATHS[i])) Ret.free();
  started = nowNanos() - started;
}

export function proxy_on_done(ctx: u32): u32 { return 1; }
export function proxy_on_delete(ctx: u32): void {}
