// Runs the filter's redaction over a body many times inside one callback, to time the scanner
// alone (no host calls): the VM configuration is the body, the plugin configuration the count.
export * from "../../proxy-wasm-as/module";
import { BufferType } from "../../proxy-wasm-as/enums";
import { getBuffer, Ret } from "../../proxy-wasm-as/hostcalls";
import { ByteWriter } from "../../filter/src/bytes";
import { Config } from "../../filter/src/config";
import { hintGroups } from "../../filter/src/redact/candidates";
import { KeyList, SecretNames } from "../../filter/src/redact/names";
import { As, Redactor } from "../../filter/src/redact/redactor";

let body: usize = 0;
let bodyLen: u32 = 0;
let count: u32 = 0;
let redactor: Redactor | null = null;
const out = new ByteWriter(16384);

export function proxy_on_vm_start(root: u32, size: u32): u32 {
  getBuffer(BufferType.VmConfiguration, 0, size);
  body = Ret.ptr;
  bodyLen = Ret.len;
  return 1;
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  getBuffer(BufferType.PluginConfiguration, 0, size);
  count = U32.parseInt(String.UTF8.decodeUnsafe(Ret.ptr, Ret.len));
  Ret.free();
  const c = new Config();
  const names = new SecretNames(c.secretNames);
  hintGroups(names.groups());
  redactor = new Redactor(c.modes, "", "k1", names, new KeyList([]));
  return 1;
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  const r = redactor!;
  for (let i: u32 = 0; i < count; i++) {
    out.clear();
    r.reset();
    r.text(out, body, bodyLen, As.Json);
  }
  return 0;
}
