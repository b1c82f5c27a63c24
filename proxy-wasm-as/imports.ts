// The proxy-wasm ABI 0.2.1 host functions, exactly as the host exports them (module "env").
// One raw declaration per host call; the typed layer in hostcalls.ts wraps them.
// Pointers and sizes are u32 (wasm32); every call returns a Status (see enums.ts).

// logging and context
@external("env", "proxy_log") export declare function proxy_log(level: u32, ptr: usize, size: usize): u32;
@external("env", "proxy_get_log_level") export declare function proxy_get_log_level(levelOut: usize): u32;
@external("env", "proxy_set_effective_context") export declare function proxy_set_effective_context(contextId: u32): u32;
@external("env", "proxy_done") export declare function proxy_done(): u32;
@external("env", "proxy_get_status") export declare function proxy_get_status(codeOut: usize, ptrOut: usize, sizeOut: usize): u32;

// time
@external("env", "proxy_get_current_time_nanoseconds") export declare function proxy_get_current_time_nanoseconds(timeOut: usize): u32;
@external("env", "proxy_set_tick_period_milliseconds") export declare function proxy_set_tick_period_milliseconds(ms: u32): u32;

// buffers
@external("env", "proxy_get_buffer_bytes") export declare function proxy_get_buffer_bytes(type: u32, start: u32, maxSize: u32, ptrOut: usize, sizeOut: usize): u32;
@external("env", "proxy_get_buffer_status") export declare function proxy_get_buffer_status(type: u32, lengthOut: usize, flagsOut: usize): u32;
@external("env", "proxy_set_buffer_bytes") export declare function proxy_set_buffer_bytes(type: u32, start: u32, size: u32, ptr: usize, len: usize): u32;

// header maps
@external("env", "proxy_get_header_map_pairs") export declare function proxy_get_header_map_pairs(type: u32, ptrOut: usize, sizeOut: usize): u32;
@external("env", "proxy_set_header_map_pairs") export declare function proxy_set_header_map_pairs(type: u32, ptr: usize, size: usize): u32;
@external("env", "proxy_get_header_map_value") export declare function proxy_get_header_map_value(type: u32, keyPtr: usize, keySize: usize, ptrOut: usize, sizeOut: usize): u32;
@external("env", "proxy_add_header_map_value") export declare function proxy_add_header_map_value(type: u32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_replace_header_map_value") export declare function proxy_replace_header_map_value(type: u32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_remove_header_map_value") export declare function proxy_remove_header_map_value(type: u32, keyPtr: usize, keySize: usize): u32;
@external("env", "proxy_get_header_map_size") export declare function proxy_get_header_map_size(type: u32, sizeOut: usize): u32;

// stream control
@external("env", "proxy_continue_stream") export declare function proxy_continue_stream(type: u32): u32;
@external("env", "proxy_close_stream") export declare function proxy_close_stream(type: u32): u32;
@external("env", "proxy_send_local_response") export declare function proxy_send_local_response(status: u32, detailsPtr: usize, detailsSize: usize, bodyPtr: usize, bodySize: usize, headersPtr: usize, headersSize: usize, grpcStatus: i32): u32;

// calls out
@external("env", "proxy_http_call") export declare function proxy_http_call(clusterPtr: usize, clusterSize: usize, headersPtr: usize, headersSize: usize, bodyPtr: usize, bodySize: usize, trailersPtr: usize, trailersSize: usize, timeoutMs: u32, tokenOut: usize): u32;
@external("env", "proxy_grpc_call") export declare function proxy_grpc_call(servicePtr: usize, serviceSize: usize, serviceNamePtr: usize, serviceNameSize: usize, methodPtr: usize, methodSize: usize, metadataPtr: usize, metadataSize: usize, messagePtr: usize, messageSize: usize, timeoutMs: u32, tokenOut: usize): u32;
@external("env", "proxy_grpc_stream") export declare function proxy_grpc_stream(servicePtr: usize, serviceSize: usize, serviceNamePtr: usize, serviceNameSize: usize, methodPtr: usize, methodSize: usize, metadataPtr: usize, metadataSize: usize, tokenOut: usize): u32;
@external("env", "proxy_grpc_send") export declare function proxy_grpc_send(token: u32, messagePtr: usize, messageSize: usize, endStream: u32): u32;
@external("env", "proxy_grpc_cancel") export declare function proxy_grpc_cancel(token: u32): u32;
@external("env", "proxy_grpc_close") export declare function proxy_grpc_close(token: u32): u32;

// shared data and queues
@external("env", "proxy_get_shared_data") export declare function proxy_get_shared_data(keyPtr: usize, keySize: usize, ptrOut: usize, sizeOut: usize, casOut: usize): u32;
@external("env", "proxy_set_shared_data") export declare function proxy_set_shared_data(keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize, cas: u32): u32;
@external("env", "proxy_register_shared_queue") export declare function proxy_register_shared_queue(namePtr: usize, nameSize: usize, idOut: usize): u32;
@external("env", "proxy_resolve_shared_queue") export declare function proxy_resolve_shared_queue(vmIdPtr: usize, vmIdSize: usize, namePtr: usize, nameSize: usize, idOut: usize): u32;
@external("env", "proxy_enqueue_shared_queue") export declare function proxy_enqueue_shared_queue(id: u32, ptr: usize, size: usize): u32;
@external("env", "proxy_dequeue_shared_queue") export declare function proxy_dequeue_shared_queue(id: u32, ptrOut: usize, sizeOut: usize): u32;

// metrics
@external("env", "proxy_define_metric") export declare function proxy_define_metric(type: u32, namePtr: usize, nameSize: usize, idOut: usize): u32;
@external("env", "proxy_increment_metric") export declare function proxy_increment_metric(id: u32, delta: i64): u32;
@external("env", "proxy_record_metric") export declare function proxy_record_metric(id: u32, value: u64): u32;
@external("env", "proxy_get_metric") export declare function proxy_get_metric(id: u32, valueOut: usize): u32;

// properties and foreign functions
@external("env", "proxy_get_property") export declare function proxy_get_property(pathPtr: usize, pathSize: usize, ptrOut: usize, sizeOut: usize): u32;
@external("env", "proxy_set_property") export declare function proxy_set_property(pathPtr: usize, pathSize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_call_foreign_function") export declare function proxy_call_foreign_function(namePtr: usize, nameSize: usize, argsPtr: usize, argsSize: usize, ptrOut: usize, sizeOut: usize): u32;

// WASI, the calls an AssemblyScript module may want: process exit (a VM failure), stdout/stderr,
// random bytes, and the environment (Envoy's vm_config.environment_variables arrive there).
@external("wasi_snapshot_preview1", "proc_exit") export declare function wasi_proc_exit(code: u32): void;
@external("wasi_snapshot_preview1", "fd_write") export declare function wasi_fd_write(fd: u32, iovs: usize, iovsLen: u32, writtenOut: usize): u32;
@external("wasi_snapshot_preview1", "random_get") export declare function wasi_random_get(ptr: usize, len: u32): u32;
@external("wasi_snapshot_preview1", "environ_sizes_get") export declare function wasi_environ_sizes_get(countOut: usize, sizeOut: usize): u32;
@external("wasi_snapshot_preview1", "environ_get") export declare function wasi_environ_get(arrayOut: usize, bufOut: usize): u32;
