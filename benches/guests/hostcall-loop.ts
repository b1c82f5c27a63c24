// Calls one host function many times inside proxy_on_request_headers, so a bench can time a
// single host call from the guest's side. The plugin configuration says which and how often:
// "get_value 1000", "get_pairs 1000", "get_property 1000", "log 1000" or "none 0".
export * from "../../proxy-wasm-as/module";
import * as abi from "../../proxy-wasm-as/imports";
import { release } from "../../proxy-wasm-as/handed";

const RET0 = memory.data(8);
const RET1 = memory.data(8);
let op = "none";
let count: u32 = 0;
const KEY = String.UTF8.encode("user-agent");
const PATH = String.UTF8.encode("request\0path");
const MSG = String.UTF8.encode("a log line of ordinary length for a filter, about sixty bytes");

export function proxy_on_configure(root: u32, size: u32): u32 {
  abi.proxy_get_buffer_bytes(7, 0, size, RET0, RET1);
  const ptr = load<u32>(RET0);
  const words = String.UTF8.decodeUnsafe(ptr, load<u32>(RET1)).split(" ");
  release(ptr);
  op = words[0];
  count = U32.parseInt(words[1]);
  return 1;
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  if (op == "get_value") {
    for (let i: u32 = 0; i < count; i++) {
      abi.proxy_get_header_map_value(0, changetype<usize>(KEY), KEY.byteLength, RET0, RET1);
      release(load<u32>(RET0));
    }
  } else if (op == "get_pairs") {
    for (let i: u32 = 0; i < count; i++) {
      abi.proxy_get_header_map_pairs(0, RET0, RET1);
      release(load<u32>(RET0));
    }
  } else if (op == "get_property") {
    for (let i: u32 = 0; i < count; i++) {
      abi.proxy_get_property(changetype<usize>(PATH), PATH.byteLength, RET0, RET1);
      release(load<u32>(RET0));
    }
  } else if (op == "log") {
    for (let i: u32 = 0; i < count; i++) abi.proxy_log(2, changetype<usize>(MSG), MSG.byteLength);
  }
  return 0;
}
