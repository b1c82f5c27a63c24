// The `env` imports: one thin function per proxy-wasm host call, mirroring the guest-side
// hostcalls of the SDKs. Each decodes its arguments from guest memory, acts on the VM's active
// context, and answers a Status. Semantics follow proxy-wasm-cpp-host (src/exports.cc) and
// Envoy (source/extensions/common/wasm/context.cc) where the spec leaves room.
import { type AbiVersion, BUFFER_TYPE_MAX, LIMITS, MAP_TYPE_MAX, Status, STREAM_TYPE_MAX } from './abi.js';
import type { Context } from './context.js';
import { callBody } from './http-call.js';
import { InvalidMemoryAccess } from './memory.js';
import { decodePairs, type Pair } from './pairs.js';
import { pathSegments, writeProperty } from './properties.js';
import type { GuestMemory } from './memory.js';
import type { Vm } from './vm.js';

type HostFn = (...args: never[]) => number | void;

const NONE = new Uint8Array(0);

/**
 * Out-of-bounds pointers answer INVALID_MEMORY_ACCESS instead of trapping the module. The
 * wrapper takes exactly as many parameters as the host call: V8 calls an import whose arity
 * matches the wasm signature without an adaptor, and this runs on every host call.
 */
function guarded(fn: HostFn): HostFn {
  const f = fn as (...a: unknown[]) => number | void;
  const fail = (err: unknown) => {
    if (err instanceof InvalidMemoryAccess) return Status.InvalidMemoryAccess;
    throw err;
  };
  type A = unknown;
  switch (f.length) {
    case 0: return (() => { try { return f(); } catch (e) { return fail(e); } }) as HostFn;
    case 1: return ((a: A) => { try { return f(a); } catch (e) { return fail(e); } }) as HostFn;
    case 2: return ((a: A, b: A) => { try { return f(a, b); } catch (e) { return fail(e); } }) as HostFn;
    case 3: return ((a: A, b: A, c: A) => { try { return f(a, b, c); } catch (e) { return fail(e); } }) as HostFn;
    case 4: return ((a: A, b: A, c: A, d: A) => { try { return f(a, b, c, d); } catch (e) { return fail(e); } }) as HostFn;
    case 5: return ((a: A, b: A, c: A, d: A, e: A) => { try { return f(a, b, c, d, e); } catch (x) { return fail(x); } }) as HostFn;
    default: return ((...args: A[]) => { try { return f(...args); } catch (e) { return fail(e); } }) as HostFn;
  }
}

export function hostImports(vm: Vm, abi: AbiVersion): Record<string, HostFn> {
  const mem = vm.memory;
  const host = vm.host;
  const str = (ptr: number, size: number) => mem.string(ptr, size);
  const byteStr = (ptr: number, size: number) => mem.byteString(ptr, size);
  const propertyPath = pathCache(mem);
  const pairsAt = (ptr: number, size: number, what: string): Pair[] => {
    const pairs = decodePairs(mem.view8(ptr, size));
    if (pairs !== undefined) return pairs;
    host.log('warning', vm.vmId, `${what}: the module passed a malformed or oversized map (limit ${LIMITS.pairsMaxCount} pairs, ${LIMITS.pairsMaxBytes} bytes); read as empty`);
    return [];
  };
  /** The context host calls act on; undefined only outside any callback (the start function). */
  const ctx = (): Context | undefined => vm.active;

  const calls: Record<string, HostFn> = {
    // logging and context
    proxy_log(level: number, ptr: number, size: number) {
      if (level >>> 0 > 5) return Status.BadArgument;
      if (level < host.logLevel) {
        mem.bytes(ptr >>> 0, size >>> 0); // still answer INVALID_MEMORY_ACCESS as Envoy would
        return Status.Ok;
      }
      const message = str(ptr, size);
      vm.noteGuestLog(level, message);
      host.guestLog(vm, ctx(), level, message);
      return Status.Ok;
    },
    proxy_set_effective_context(id: number) {
      const target = vm.contexts.get(id >>> 0);
      if (target === undefined) return Status.BadArgument;
      vm.effective = target;
      return Status.Ok;
    },
    proxy_done() {
      const c = ctx();
      return c === undefined ? Status.NotFound : c.root.done();
    },
    proxy_get_status(codeOut: number, ptrOut: number, sizeOut: number) {
      const c = ctx();
      const status = c?.root.status ?? { code: Status.Ok, message: '' };
      mem.setU32(codeOut, status.code);
      mem.handOverText(status.message, ptrOut, sizeOut);
      return Status.Ok;
    },

    // time
    proxy_get_current_time_nanoseconds(out: number) {
      mem.setU64(out, host.now());
      return Status.Ok;
    },
    proxy_set_tick_period_milliseconds(ms: number) {
      const c = ctx();
      if (c === undefined) return Status.BadArgument;
      c.root.setTickPeriod(ms >>> 0);
      return Status.Ok;
    },

    // buffers
    proxy_get_buffer_bytes(type: number, start: number, max: number, ptrOut: number, sizeOut: number) {
      if (type >>> 0 > BUFFER_TYPE_MAX) return Status.BadArgument;
      const buffer = ctx()?.buffer(type);
      if (buffer === undefined) return Status.NotFound;
      start >>>= 0;
      max >>>= 0;
      if (start + max > 0xffffffff) return Status.BadArgument; // cpp-host: start > start + length
      mem.handOver(buffer.read(start, max), ptrOut, sizeOut);
      return Status.Ok;
    },
    proxy_get_buffer_status(type: number, lengthOut: number, flagsOut: number) {
      if (type >>> 0 > BUFFER_TYPE_MAX) return Status.BadArgument;
      const buffer = ctx()?.buffer(type);
      if (buffer === undefined) return Status.NotFound;
      mem.setU32(lengthOut, buffer.size);
      mem.setU32(flagsOut, 0);
      return Status.Ok;
    },
    proxy_set_buffer_bytes(type: number, start: number, length: number, ptr: number, size: number) {
      if (type >>> 0 > BUFFER_TYPE_MAX) return Status.BadArgument;
      const buffer = ctx()?.buffer(type);
      if (buffer === undefined) return Status.NotFound;
      return buffer.write(start >>> 0, length >>> 0, mem.view8(ptr, size));
    },

    // header maps
    proxy_get_header_map_pairs(type: number, ptrOut: number, sizeOut: number) {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = ctx()?.headerMap(type);
      if (map) mem.handOverEncoded(map, ptrOut, sizeOut);
      else mem.handOver(NONE, ptrOut, sizeOut);
      return Status.Ok;
    },
    proxy_set_header_map_pairs(type: number, ptr: number, size: number) {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = ctx()?.mutableHeaderMap(type);
      if (map === undefined) return Status.BadArgument;
      map.setAll(pairsAt(ptr, size, 'proxy_set_header_map_pairs'));
      return Status.Ok;
    },
    proxy_get_header_map_value(type: number, keyPtr: number, keySize: number, ptrOut: number, sizeOut: number) {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = ctx()?.headerMap(type);
      if (map === undefined) return Status.BadArgument;
      const found = map.findEncoded(mem.bytes(keyPtr >>> 0, keySize >>> 0), keyPtr >>> 0, keySize >>> 0);
      if (found === undefined) return Status.NotFound;
      mem.handOverSlice(map.encode(), found[0], found[1], ptrOut, sizeOut);
      return Status.Ok;
    },
    proxy_add_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number) {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = ctx()?.mutableHeaderMap(type);
      if (map === undefined) return Status.BadArgument;
      map.add(byteStr(keyPtr, keySize), byteStr(valuePtr, valueSize));
      return Status.Ok;
    },
    proxy_replace_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number) {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = ctx()?.mutableHeaderMap(type);
      if (map === undefined) return Status.BadArgument;
      map.replace(byteStr(keyPtr, keySize), byteStr(valuePtr, valueSize));
      return Status.Ok;
    },
    proxy_remove_header_map_value(type: number, keyPtr: number, keySize: number) {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = ctx()?.mutableHeaderMap(type);
      if (map === undefined) return Status.BadArgument;
      map.remove(byteStr(keyPtr, keySize));
      return Status.Ok;
    },
    proxy_get_header_map_size(type: number, sizeOut: number) {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = ctx()?.mutableHeaderMap(type);
      if (map === undefined) return Status.BadArgument;
      mem.setU32(sizeOut, map.byteSize); // Envoy answers the map's byte size, not its entry count
      return Status.Ok;
    },

    // stream control
    proxy_continue_stream(type: number) {
      if (type >>> 0 > STREAM_TYPE_MAX) return Status.BadArgument;
      return ctx()?.continueStream(type) ?? Status.BadArgument;
    },
    proxy_close_stream(type: number) {
      if (type >>> 0 > STREAM_TYPE_MAX) return Status.BadArgument;
      return ctx()?.closeStream(type) ?? Status.BadArgument;
    },
    proxy_send_local_response(status: number, detailsPtr: number, detailsSize: number, bodyPtr: number, bodySize: number,
      headersPtr: number, headersSize: number, grpcStatus: number) {
      const c = ctx();
      if (c === undefined) return Status.BadArgument;
      return c.sendLocalResponse({
        status: status >>> 0,
        details: str(detailsPtr, detailsSize),
        body: Buffer.from(mem.copy(bodyPtr, bodySize)),
        headers: pairsAt(headersPtr, headersSize, 'proxy_send_local_response'),
        grpcStatus,
      });
    },

    // calls out
    proxy_http_call(clusterPtr: number, clusterSize: number, headersPtr: number, headersSize: number, bodyPtr: number,
      bodySize: number, trailersPtr: number, trailersSize: number, timeoutMs: number, tokenOut: number) {
      const c = ctx();
      if (c === undefined) return Status.BadArgument;
      const cluster = str(clusterPtr, clusterSize);
      const headers = pairsAt(headersPtr, headersSize, 'proxy_http_call headers');
      const body = callBody(bodySize >>> 0);
      body.set(mem.view8(bodyPtr, bodySize));
      const trailers = pairsAt(trailersPtr, trailersSize, 'proxy_http_call trailers');
      mem.setU32(tokenOut, 0);
      const call = c.root.httpCall(cluster, headers, body, trailers, timeoutMs >>> 0);
      if ('status' in call) return call.status;
      mem.setU32(tokenOut, call.token);
      return Status.Ok;
    },
    // gRPC is not emulated (redtail ships over HTTP); modules get an honest UNIMPLEMENTED.
    proxy_grpc_call: () => Status.Unimplemented,
    proxy_grpc_stream: () => Status.Unimplemented,
    proxy_grpc_send: () => Status.Unimplemented,
    proxy_grpc_cancel: () => Status.Unimplemented,
    proxy_grpc_close: () => Status.Unimplemented,

    // shared data and queues
    proxy_get_shared_data(keyPtr: number, keySize: number, ptrOut: number, sizeOut: number, casOut: number) {
      const entry = host.sharedData.get(vm.vmId, str(keyPtr, keySize));
      if (entry === Status.NotFound) return Status.NotFound;
      mem.handOver(entry.value, ptrOut, sizeOut);
      mem.setU32(casOut, entry.cas);
      return Status.Ok;
    },
    proxy_set_shared_data(keyPtr: number, keySize: number, valuePtr: number, valueSize: number, cas: number) {
      return host.sharedData.set(vm.vmId, str(keyPtr, keySize), mem.view8(valuePtr, valueSize), cas >>> 0);
    },
    proxy_register_shared_queue(namePtr: number, nameSize: number, idOut: number) {
      const c = ctx();
      if (c === undefined) return Status.BadArgument;
      const root = c.root;
      const id = host.sharedQueues.register(vm.vmId, str(namePtr, nameSize), (queueId) => root.onQueueReady(queueId));
      mem.setU32(idOut, id);
      return Status.Ok;
    },
    proxy_resolve_shared_queue(vmIdPtr: number, vmIdSize: number, namePtr: number, nameSize: number, idOut: number) {
      const id = host.sharedQueues.resolve(str(vmIdPtr, vmIdSize), str(namePtr, nameSize));
      if (id === undefined) return Status.NotFound;
      mem.setU32(idOut, id);
      return Status.Ok;
    },
    proxy_enqueue_shared_queue(id: number, ptr: number, size: number) {
      return host.sharedQueues.enqueue(id >>> 0, mem.view8(ptr, size));
    },
    proxy_dequeue_shared_queue(id: number, ptrOut: number, sizeOut: number) {
      const item = host.sharedQueues.dequeue(id >>> 0);
      if (typeof item === 'number') return item;
      mem.handOver(item, ptrOut, sizeOut);
      return Status.Ok;
    },

    // metrics
    proxy_define_metric(type: number, namePtr: number, nameSize: number, idOut: number) {
      const id = vm.metrics.define(type >>> 0, str(namePtr, nameSize));
      if (id === undefined) return Status.BadArgument;
      mem.setU32(idOut, id);
      return Status.Ok;
    },
    proxy_increment_metric(id: number, delta: bigint) {
      return vm.metrics.increment(id >>> 0, delta);
    },
    proxy_record_metric(id: number, value: bigint) {
      return vm.metrics.record(id >>> 0, value);
    },
    proxy_get_metric(id: number, out: number) {
      const value = vm.metrics.get(id >>> 0);
      if (typeof value === 'number') return value;
      mem.setU64(out, value);
      return Status.Ok;
    },

    // properties and foreign functions
    proxy_get_property(pathPtr: number, pathSize: number, ptrOut: number, sizeOut: number) {
      const entry = propertyPath(pathPtr >>> 0, pathSize >>> 0);
      const value = ctx()?.property(entry.path);
      if (value === undefined) return Status.NotFound;
      if (typeof value === 'string') {
        if (value !== entry.text) {
          entry.text = value;
          entry.bytes = Buffer.from(value, 'utf8');
        }
        mem.handOver(entry.bytes, ptrOut, sizeOut);
        return Status.Ok;
      }
      return writeProperty(mem, value, ptrOut, sizeOut);
    },
    proxy_set_property(pathPtr: number, pathSize: number, valuePtr: number, valueSize: number) {
      const c = ctx();
      if (c === undefined) return Status.NotFound;
      return c.setProperty(str(pathPtr, pathSize), mem.view8(valuePtr, valueSize));
    },
    proxy_call_foreign_function(namePtr: number, nameSize: number, argsPtr: number, argsSize: number, ptrOut: number, sizeOut: number) {
      const fn = host.foreignFunctions.get(str(namePtr, nameSize));
      if (fn === undefined) return Status.NotFound;
      const result = fn(mem.copy(argsPtr, argsSize), { vm, context: ctx() });
      if (typeof result === 'number') return result;
      if (ptrOut !== 0) mem.handOver(result, ptrOut, sizeOut);
      return Status.Ok;
    },

    // emscripten leftovers cpp-host offers in env
    pthread_equal: (a: number, b: number) => (a === b ? 1 : 0),
    emscripten_notify_memory_growth: () => {},
  };

  // Registered per ABI version, as cpp-host does: 0.2.0 has no proxy_get_log_level.
  if (abi === '0.2.1') {
    calls.proxy_get_log_level = (out: number) => {
      mem.setU32(out, host.logLevel);
      return Status.Ok;
    };
  }
  for (const name of Object.keys(calls)) calls[name] = guarded(calls[name]!);
  return calls;
}

/**
 * Property paths by where they sit in guest memory: a filter asks for the same few paths, from
 * the same static data, on every request. A hit is checked byte for byte (four at a time), so
 * memory reused for another path is never misread. Slots are picked by the pointer's bits
 * (allocators align to 8 or 16): no hashing. Each path also keeps the bytes of the last text
 * it answered, which the next request nearly always answers again (Envoy holds them as bytes).
 */
class PathEntry {
  text: string | undefined = undefined;
  bytes: Uint8Array = new Uint8Array(0);
  constructor(readonly ptr: number, readonly size: number, readonly words: Uint32Array, readonly path: string[]) {}
}

function pathCache(mem: GuestMemory): (ptr: number, size: number) => PathEntry {
  const slots: (PathEntry | undefined)[] = new Array(256).fill(undefined);
  return (ptr, size) => {
    const slot = ((ptr >>> 3) ^ (ptr >>> 11)) & 255;
    const hit = slots[slot];
    if (hit !== undefined && hit.ptr === ptr && hit.size === size && mem.holds(ptr, size, hit.words)) return hit;
    const words = new Uint32Array((size + 3) >>> 2);
    const bytes = mem.view8(ptr, size);
    for (let i = 0; i < size; i++) words[i >>> 2] = words[i >>> 2]! | (bytes[i]! << (8 * (i & 3)));
    const entry = new PathEntry(ptr, size, words, pathSegments(mem.string(ptr, size)));
    if (size < 256) slots[slot] = entry;
    return entry;
  };
}
