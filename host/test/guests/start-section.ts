// Built without --exportStart: AssemblyScript puts its top-level code in the wasm start section,
// which runs inside instantiation, before the host can read memory. The host must run such a
// module; host calls made from the start section get INVALID_MEMORY_ACCESS (no memory yet).
export * from "../../../proxy-wasm-as/module";
import { proxy_log } from "../../../proxy-wasm-as/imports";

function answer(): u32 { return 41 + 1; }
const initialized: u32 = answer();
const earlyStatus: u32 = proxy_log(2, 0, 0);

export function proxy_on_vm_start(root: u32, size: u32): u32 {
  const text = String.UTF8.encode("start section ran: " + initialized.toString() + ", early log status " + earlyStatus.toString());
  proxy_log(2, changetype<usize>(text), text.byteLength);
  return 1;
}
