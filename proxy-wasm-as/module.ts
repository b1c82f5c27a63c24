// What every proxy-wasm module built on this SDK exports besides its callbacks:
// the ABI version marker Envoy checks before loading, and the allocator the host calls
// to hand data into guest memory. Importing abort.ts puts the guest's abort into the program
// so that asconfig's `use: abort=...` can find it.
import "./abort";
import { handOut } from "./handed";

export function proxy_abi_version_0_2_1(): void {}

// Memory the host asks for is owned by the guest from then on: it gives it back (handed.ts's
// release) when it is done with the bytes.
export function proxy_on_memory_allocate(size: usize): usize {
  return handOut(size);
}
