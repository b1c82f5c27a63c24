// Built without "use abort": AssemblyScript then imports env.abort, which Envoy does not offer.
// The host must refuse it with a message that says how to build it.
export * from "../../../proxy-wasm-as/module";
export function proxy_on_vm_start(root: u32, size: u32): u32 { assert(size < 1000, "too big"); return 1; }
