// The cheapest possible filter: every callback returns at once. The baseline the benches
// subtract, and the module for measuring the host's own cost per request.
export * from "../../../proxy-wasm-as/module";

export function proxy_on_context_create(ctx: u32, parent: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 { return 1; }
export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 { return 0; }
export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_response_body(ctx: u32, size: u32, eos: u32): u32 { return 0; }
export function proxy_on_log(ctx: u32): void {}
export function proxy_on_done(ctx: u32): u32 { return 1; }
export function proxy_on_delete(ctx: u32): void {}
