// The conformance probe: a module that logs every callback it gets, with its arguments, and runs
// commands that call the host, logging what each call answered, byte for byte (hex).
//
// Commands come from the plugin configuration, one line per callback ("request_headers: get 0 a"),
// from the VM configuration (for vm_start), and, for stream callbacks, from the request header
// "x-probe-<callback>" (dashes for underscores). Commands are separated by ";", words by spaces;
// %XX in a word is a byte (so %00 is NUL). Each command logs "<command> => <status> <result>".
// Ids a command yields are kept as $http, $queue and $metric for later commands.
export * from "../../../proxy-wasm-as/module";
import * as abi from "../../../proxy-wasm-as/imports";
import { release } from "../../../proxy-wasm-as/handed";

const RET0 = memory.data(8);
const RET1 = memory.data(8);
const RET2 = memory.data(8);
/** One place for every path "propat" asks for: the host must not take one path for another there. */
const FIXED = memory.data(256);
let pluginConfig = "";
log(2, "probe initialized"); // top-level code runs in _initialize, after instantiation
let vars = new Map<string, string>();
let pauseNext = false;
let refuseNext = false;

function log(level: u32, text: string): void {
  const b = String.UTF8.encode(text);
  abi.proxy_log(level, changetype<usize>(b), b.byteLength);
}

function hex(ptr: usize, len: usize): string {
  const digits = "0123456789abcdef";
  let out = "";
  for (let i: usize = 0; i < len; i++) {
    const b = load<u8>(ptr + i);
    out += digits.charAt(b >> 4) + digits.charAt(b & 15);
  }
  return out;
}

/** Hex of what the host handed over at RET0/RET1, then freed. */
function handed(): string {
  const ptr = load<u32>(RET0);
  const len = load<u32>(RET1);
  const out = hex(ptr, len);
  if (ptr != 0) release(ptr);
  return out;
}

function decodeWord(word: string): ArrayBuffer {
  if (word.startsWith("$") && vars.has(word)) word = vars.get(word);
  const src = String.UTF8.encode(word);
  const out = new Uint8Array(src.byteLength);
  const s = Uint8Array.wrap(src);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] == 0x25 && i + 2 < s.length) {
      out[n++] = <u8>U8.parseInt(String.fromCharCode(s[i + 1]) + String.fromCharCode(s[i + 2]), 16);
      i += 2;
    } else out[n++] = s[i];
  }
  return out.buffer.slice(0, n);
}

function num(word: string): u32 {
  if (word.startsWith("$") && vars.has(word)) word = vars.get(word);
  return U32.parseInt(word);
}

function p(b: ArrayBuffer): usize { return changetype<usize>(b); }

/** Encode pairs "k=v,k2=v2" in the proxy-wasm map format, from the guest side. */
function encodePairs(spec: string): ArrayBuffer {
  const items = spec.length ? spec.split(",") : new Array<string>();
  const keys = new Array<ArrayBuffer>();
  const values = new Array<ArrayBuffer>();
  let size = 4;
  for (let i = 0; i < items.length; i++) {
    const eq = items[i].indexOf("=");
    keys.push(decodeWord(items[i].substring(0, eq)));
    values.push(decodeWord(items[i].substring(eq + 1)));
    size += 8 + keys[i].byteLength + values[i].byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, items.length);
  let data = base + 4 + 8 * items.length;
  for (let i = 0; i < items.length; i++) {
    store<u32>(base + 4 + 8 * i, keys[i].byteLength);
    store<u32>(base + 8 + 8 * i, values[i].byteLength);
    memory.copy(data, changetype<usize>(keys[i]), keys[i].byteLength);
    data += keys[i].byteLength;
    store<u8>(data++, 0);
    memory.copy(data, changetype<usize>(values[i]), values[i].byteLength);
    data += values[i].byteLength;
    store<u8>(data++, 0);
  }
  return out;
}

function run(command: string): void {
  const w = command.trim().split(" ");
  const op = w[0];
  if (op.length == 0) return;
  let status: u32 = 0;
  let result = "";
  if (op == "pause") { pauseNext = true; return; }
  if (op == "refuse") { refuseNext = true; return; }
  if (op == "trap") { assert(false, "probe asked to trap"); }
  if (op == "unreachable") { unreachable(); }
  if (op == "exit") { abi.wasi_proc_exit(num(w[1])); }
  if (op == "log") {
    const m = decodeWord(w[2]);
    status = abi.proxy_log(num(w[1]), p(m), m.byteLength);
  } else if (op == "loglevel") {
    status = abi.proxy_get_log_level(RET0);
    result = load<u32>(RET0).toString();
  } else if (op == "time") {
    status = abi.proxy_get_current_time_nanoseconds(RET0);
    result = load<u64>(RET0).toString();
  } else if (op == "tick") {
    status = abi.proxy_set_tick_period_milliseconds(num(w[1]));
  } else if (op == "status") {
    status = abi.proxy_get_status(RET2, RET0, RET1);
    result = load<u32>(RET2).toString() + " " + handed();
  } else if (op == "effective") {
    status = abi.proxy_set_effective_context(num(w[1]));
  } else if (op == "done") {
    status = abi.proxy_done();
  } else if (op == "pairs") {
    status = abi.proxy_get_header_map_pairs(num(w[1]), RET0, RET1);
    result = handed();
  } else if (op == "get") {
    const k = decodeWord(w[2]);
    status = abi.proxy_get_header_map_value(num(w[1]), p(k), k.byteLength, RET0, RET1);
    if (status == 0) result = handed();
  } else if (op == "get-oob") {
    status = abi.proxy_get_header_map_value(num(w[1]), 0xfffffff0, 64, RET0, RET1);
  } else if (op == "add" || op == "replace") {
    const k = decodeWord(w[2]);
    const v = decodeWord(w.length > 3 ? w[3] : "");
    status = op == "add"
      ? abi.proxy_add_header_map_value(num(w[1]), p(k), k.byteLength, p(v), v.byteLength)
      : abi.proxy_replace_header_map_value(num(w[1]), p(k), k.byteLength, p(v), v.byteLength);
  } else if (op == "remove") {
    const k = decodeWord(w[2]);
    status = abi.proxy_remove_header_map_value(num(w[1]), p(k), k.byteLength);
  } else if (op == "size") {
    status = abi.proxy_get_header_map_size(num(w[1]), RET0);
    result = load<u32>(RET0).toString();
  } else if (op == "setpairs") {
    const m = encodePairs(w.length > 2 ? w[2] : "");
    status = abi.proxy_set_header_map_pairs(num(w[1]), p(m), m.byteLength);
  } else if (op == "setpairs-raw") {
    const m = decodeWord(w[2]);
    status = abi.proxy_set_header_map_pairs(num(w[1]), p(m), m.byteLength);
  } else if (op == "buf") {
    status = abi.proxy_get_buffer_bytes(num(w[1]), num(w[2]), num(w[3]), RET0, RET1);
    if (status == 0) result = handed();
  } else if (op == "bufstatus") {
    status = abi.proxy_get_buffer_status(num(w[1]), RET0, RET1);
    result = load<u32>(RET0).toString() + " " + load<u32>(RET1).toString();
  } else if (op == "setbuf") {
    const d = decodeWord(w.length > 4 ? w[4] : "");
    status = abi.proxy_set_buffer_bytes(num(w[1]), num(w[2]), num(w[3]), p(d), d.byteLength);
  } else if (op == "prop") {
    const path = decodeWord(w[1]);
    status = abi.proxy_get_property(p(path), path.byteLength, RET0, RET1);
    if (status == 0) result = handed();
  } else if (op == "propat") {
    const path = decodeWord(w[1]);
    memory.copy(FIXED, p(path), min(path.byteLength, 256));
    status = abi.proxy_get_property(FIXED, path.byteLength, RET0, RET1);
    if (status == 0) result = handed();
  } else if (op == "setprop") {
    const path = decodeWord(w[1]);
    const v = decodeWord(w[2]);
    status = abi.proxy_set_property(p(path), path.byteLength, p(v), v.byteLength);
  } else if (op == "reply") {
    const details = decodeWord(w[3]);
    const body = decodeWord(w[2]);
    const headers = encodePairs("x-probe-reply=yes");
    status = abi.proxy_send_local_response(num(w[1]), p(details), details.byteLength, p(body), body.byteLength, p(headers), headers.byteLength, -1);
  } else if (op == "continue") {
    status = abi.proxy_continue_stream(num(w[1]));
  } else if (op == "close") {
    status = abi.proxy_close_stream(num(w[1]));
  } else if (op == "http") {
    // http <cluster> <headers k=v,...> <body> <timeout ms>
    const cluster = decodeWord(w[1]);
    const headers = encodePairs(w[2]);
    const body = decodeWord(w.length > 3 ? w[3] : "");
    const trailers = encodePairs(w.length > 5 ? w[5] : "");
    status = abi.proxy_http_call(p(cluster), cluster.byteLength, p(headers), headers.byteLength, p(body), body.byteLength,
      p(trailers), trailers.byteLength, w.length > 4 ? num(w[4]) : 0, RET0);
    result = load<u32>(RET0).toString();
    vars.set("$http", result);
  } else if (op == "grpc") {
    const s = decodeWord("svc");
    status = abi.proxy_grpc_call(p(s), s.byteLength, p(s), s.byteLength, p(s), s.byteLength, 0, 0, 0, 0, 1000, RET0);
  } else if (op == "shget") {
    const k = decodeWord(w[1]);
    status = abi.proxy_get_shared_data(p(k), k.byteLength, RET0, RET1, RET2);
    if (status == 0) result = handed() + " " + load<u32>(RET2).toString();
  } else if (op == "shset") {
    const k = decodeWord(w[1]);
    const v = decodeWord(w[2]);
    status = abi.proxy_set_shared_data(p(k), k.byteLength, p(v), v.byteLength, num(w[3]));
  } else if (op == "qreg") {
    const n = decodeWord(w[1]);
    status = abi.proxy_register_shared_queue(p(n), n.byteLength, RET0);
    result = load<u32>(RET0).toString();
    vars.set("$queue", result);
  } else if (op == "qres") {
    const vm = decodeWord(w[1]);
    const n = decodeWord(w[2]);
    status = abi.proxy_resolve_shared_queue(p(vm), vm.byteLength, p(n), n.byteLength, RET0);
    result = load<u32>(RET0).toString();
    if (status == 0) vars.set("$queue", result);
  } else if (op == "qenq") {
    const d = decodeWord(w[2]);
    status = abi.proxy_enqueue_shared_queue(num(w[1]), p(d), d.byteLength);
  } else if (op == "qdeq") {
    status = abi.proxy_dequeue_shared_queue(num(w[1]), RET0, RET1);
    if (status == 0) result = handed();
  } else if (op == "metric") {
    const n = decodeWord(w[2]);
    status = abi.proxy_define_metric(num(w[1]), p(n), n.byteLength, RET0);
    result = load<u32>(RET0).toString();
    vars.set("$metric", result);
  } else if (op == "inc") {
    status = abi.proxy_increment_metric(num(w[1]), I64.parseInt(w[2]));
  } else if (op == "rec") {
    status = abi.proxy_record_metric(num(w[1]), U64.parseInt(w[2]));
  } else if (op == "mget") {
    status = abi.proxy_get_metric(num(w[1]), RET0);
    result = load<u64>(RET0).toString();
  } else if (op == "foreign") {
    const n = decodeWord(w[1]);
    const a = decodeWord(w.length > 2 ? w[2] : "");
    status = abi.proxy_call_foreign_function(p(n), n.byteLength, p(a), a.byteLength, RET0, RET1);
    if (status == 0) result = handed();
  } else if (op == "write") {
    const text = decodeWord(w[2]);
    store<u32>(RET2, changetype<usize>(text));
    store<u32>(RET2 + 4, text.byteLength);
    status = abi.wasi_fd_write(num(w[1]), RET2, 1, RET0);
    result = load<u32>(RET0).toString();
  } else {
    status = 999;
    result = "unknown command";
  }
  log(2, command.trim() + " => " + status.toString() + (result.length ? " " + result : ""));
}

function runAll(commands: string): void {
  const list = commands.split(";");
  for (let i = 0; i < list.length; i++) run(list[i]);
}

/** Commands for a callback: its line of the configuration. */
function commandsFor(callback: string): void {
  const lines = pluginConfig.split("\n");
  const prefix = callback + ":";
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith(prefix)) runAll(lines[i].substring(prefix.length));
  }
}

/** Commands for a stream's callback: its line of the configuration, then its x-probe header. */
function streamCommandsFor(callback: string): void {
  commandsFor(callback);
  const key = String.UTF8.encode("x-probe-" + callback.replaceAll("_", "-"));
  if (abi.proxy_get_header_map_value(0, changetype<usize>(key), key.byteLength, RET0, RET1) == 0) {
    const ptr = load<u32>(RET0);
    const cmds = String.UTF8.decodeUnsafe(ptr, load<u32>(RET1));
    release(ptr);
    runAll(cmds);
  }
}

function readBuffer(type: u32, size: u32): string {
  if (abi.proxy_get_buffer_bytes(type, 0, size, RET0, RET1) != 0) return "";
  const ptr = load<u32>(RET0);
  const out = String.UTF8.decodeUnsafe(ptr, load<u32>(RET1));
  if (ptr != 0) release(ptr);
  return out;
}

function action(): u32 {
  const a: u32 = pauseNext ? 1 : 0;
  pauseNext = false;
  return a;
}

function verdict(): u32 {
  const v: u32 = refuseNext ? 0 : 1;
  refuseNext = false;
  return v;
}

function stream(name: string, ctx: u32, a: u32, b: u32): u32 {
  log(2, "cb " + name + " " + ctx.toString() + " " + a.toString() + " " + b.toString());
  streamCommandsFor(name);
  return action();
}

export function proxy_on_context_create(ctx: u32, parent: u32): void {
  log(2, "cb context_create " + ctx.toString() + " " + parent.toString());
}

export function proxy_on_vm_start(root: u32, size: u32): u32 {
  const config = readBuffer(6, size);
  log(2, "cb vm_start " + root.toString() + " " + size.toString() + " " + config);
  runAll(config);
  return verdict();
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  pluginConfig = readBuffer(7, size);
  log(2, "cb configure " + root.toString() + " " + size.toString());
  commandsFor("configure");
  return verdict();
}

export function proxy_on_tick(root: u32): void {
  log(2, "cb tick " + root.toString());
  commandsFor("tick");
}

export function proxy_on_queue_ready(root: u32, id: u32): void {
  log(2, "cb queue_ready " + root.toString() + " " + id.toString());
  commandsFor("queue_ready");
}

export function proxy_on_http_call_response(root: u32, token: u32, headers: u32, body: u32, trailers: u32): void {
  log(2, "cb http_call_response " + root.toString() + " " + token.toString() + " " + headers.toString() + " " + body.toString() + " " + trailers.toString());
  commandsFor("http_call_response");
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 { return stream("request_headers", ctx, n, eos); }
export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 { return stream("request_body", ctx, size, eos); }
export function proxy_on_request_trailers(ctx: u32, n: u32): u32 { return stream("request_trailers", ctx, n, 0); }
export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 { return stream("response_headers", ctx, n, eos); }
export function proxy_on_response_body(ctx: u32, size: u32, eos: u32): u32 { return stream("response_body", ctx, size, eos); }
export function proxy_on_response_trailers(ctx: u32, n: u32): u32 { return stream("response_trailers", ctx, n, 0); }

export function proxy_on_log(ctx: u32): void {
  log(2, "cb log " + ctx.toString());
  if (ctx != 1) streamCommandsFor("log");
  else commandsFor("log");
}

export function proxy_on_done(ctx: u32): u32 {
  log(2, "cb done " + ctx.toString());
  commandsFor("done");
  return verdict();
}

export function proxy_on_delete(ctx: u32): void {
  log(2, "cb delete " + ctx.toString());
}
