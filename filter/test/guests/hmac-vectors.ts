// Runs the filter's HMAC-SHA256 on test vectors: the plugin configuration holds lines of
// "<key hex> <data hex>", and the module logs the MAC of each in hex, for RFC 4231's vectors.
export * from "../../../proxy-wasm-as/module";
import { BufferType, LogLevel } from "../../../proxy-wasm-as/enums";
import { getBuffer, log, Ret } from "../../../proxy-wasm-as/hostcalls";
import { HmacSha256 } from "../../src/redact/hmac";

function unhex(s: string): ArrayBuffer {
  const out = new ArrayBuffer(s.length / 2);
  const b = Uint8Array.wrap(out);
  for (let i = 0; i < b.length; i++) b[i] = <u8>U8.parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  getBuffer(BufferType.PluginConfiguration, 0, size);
  const lines = String.UTF8.decodeUnsafe(Ret.ptr, Ret.len).split("\n");
  Ret.free();
  const out = memory.data(32);
  const digits = "0123456789abcdef";
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i].split(" ");
    if (parts.length != 2) continue;
    const data = unhex(parts[1]);
    new HmacSha256(unhex(parts[0])).mac(changetype<usize>(data), data.byteLength, out);
    let hex = "";
    for (let k = 0; k < 32; k++) hex += digits.charAt(load<u8>(out + k) >> 4) + digits.charAt(load<u8>(out + k) & 15);
    log(LogLevel.Info, hex);
  }
  return 1;
}
