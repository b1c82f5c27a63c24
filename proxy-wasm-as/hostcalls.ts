// One typed function per host call our guests use, over the raw imports. What the host hands
// over (pointer and size) lands in `Ret`, not in a new object: these run on every request, and
// the caller gives the memory back (Ret.free, or handed.ts's release) when it is done with it.
import * as abi from "./imports";
import { Status } from "./enums";
import { release } from "./handed";

const OUT0 = memory.data(8);
const OUT1 = memory.data(8);
const OUT2 = memory.data(8);

/** The memory the last successful call handed over: owned by the caller until freed. */
export namespace Ret {
  export let ptr: usize = 0;
  export let len: u32 = 0;
  export function free(): void {
    if (ptr != 0) release(ptr);
    ptr = 0;
    len = 0;
  }
}

function took(status: u32): bool {
  if (status != Status.Ok) {
    Ret.ptr = 0;
    Ret.len = 0;
    return false;
  }
  Ret.ptr = load<u32>(OUT0);
  Ret.len = load<u32>(OUT1);
  return true;
}

export function log(level: u32, message: string): void {
  const b = String.UTF8.encode(message);
  abi.proxy_log(level, changetype<usize>(b), b.byteLength);
}

export function nowNanos(): i64 {
  abi.proxy_get_current_time_nanoseconds(OUT0);
  return load<i64>(OUT0);
}

export function setTickPeriod(ms: u32): void {
  abi.proxy_set_tick_period_milliseconds(ms);
}

/** A whole header map, in the pairs encoding, into Ret. */
export function getHeaderPairs(map: u32): bool {
  return took(abi.proxy_get_header_map_pairs(map, OUT0, OUT1));
}

export function getHeaderValue(map: u32, key: ArrayBuffer): bool {
  return took(abi.proxy_get_header_map_value(map, changetype<usize>(key), key.byteLength, OUT0, OUT1));
}

export function getProperty(path: ArrayBuffer): bool {
  return took(abi.proxy_get_property(changetype<usize>(path), path.byteLength, OUT0, OUT1));
}

export function getBuffer(type: u32, start: u32, max: u32): bool {
  return took(abi.proxy_get_buffer_bytes(type, start, max, OUT0, OUT1));
}

/** Why the last httpCall that returned 0 was refused: its status. */
export let httpCallRefusal: u32 = Status.Ok;

/** Start an http call; the token, or 0 when the host refused it (unknown cluster, say: see httpCallRefusal). */
export function httpCall(cluster: ArrayBuffer, headers: ArrayBuffer, body: usize, bodyLen: u32, timeoutMs: u32): u32 {
  const status = abi.proxy_http_call(changetype<usize>(cluster), cluster.byteLength, changetype<usize>(headers), headers.byteLength,
    body, bodyLen, 0, 0, timeoutMs, OUT0);
  if (status == Status.Ok) return load<u32>(OUT0);
  httpCallRefusal = status;
  return 0;
}

/** proxy_get_status: the code, with the message discarded. */
export function lastStatus(): u32 {
  abi.proxy_get_status(OUT2, OUT0, OUT1);
  const p = load<u32>(OUT0);
  if (p != 0) release(p);
  return load<u32>(OUT2);
}

export function defineMetric(type: u32, name: string): u32 {
  const b = String.UTF8.encode(name);
  return abi.proxy_define_metric(type, changetype<usize>(b), b.byteLength, OUT0) == Status.Ok ? load<u32>(OUT0) : 0;
}

export function incrementMetric(id: u32, delta: i64): void {
  if (id != 0 && delta != 0) abi.proxy_increment_metric(id, delta);
}

export function recordMetric(id: u32, value: u64): void {
  if (id != 0) abi.proxy_record_metric(id, value);
}

export function done(): void {
  abi.proxy_done();
}

/** n random bytes as lower-case hex (for a source id that differs across restarts). */
export function randomHex(n: u32): string {
  const buf = new ArrayBuffer(n);
  abi.wasi_random_get(changetype<usize>(buf), n);
  const digits = "0123456789abcdef";
  let out = "";
  const b = Uint8Array.wrap(buf);
  for (let i: i32 = 0; i < <i32>n; i++) out += digits.charAt(b[i] >> 4) + digits.charAt(b[i] & 15);
  return out;
}

/** The VM's environment variable `name` (Envoy hands the VM only those its vm_config lists), or null. */
export function envVar(name: string): string | null {
  if (abi.wasi_environ_sizes_get(OUT0, OUT1) != 0) return null;
  const count = load<u32>(OUT0);
  const size = load<u32>(OUT1);
  if (count == 0) return null;
  const array = new ArrayBuffer(<i32>count * 4);
  const buf = new ArrayBuffer(<i32>size);
  if (abi.wasi_environ_get(changetype<usize>(array), changetype<usize>(buf)) != 0) return null;
  const base = changetype<usize>(buf);
  const end = base + size;
  const prefix = name + "=";
  for (let i: u32 = 0; i < count; i++) {
    const start = <usize>load<u32>(changetype<usize>(array) + <usize>i * 4);
    if (start < base || start >= end) continue;
    let stop = start;
    while (stop < end && load<u8>(stop) != 0) stop++;
    const entry = String.UTF8.decodeUnsafe(start, stop - start);
    if (entry.startsWith(prefix)) return entry.substring(prefix.length);
  }
  return null;
}
