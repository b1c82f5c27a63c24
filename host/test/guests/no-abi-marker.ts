// A module that forgot the ABI version marker: Envoy refuses it, and so must the host.
import "../../../proxy-wasm-as/abort";
export function proxy_on_memory_allocate(size: usize): usize { return heap.alloc(size); }
export function proxy_on_context_create(ctx: u32, parent: u32): void {}
