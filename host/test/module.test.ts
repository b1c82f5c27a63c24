// Loading modules: what Envoy refuses, the host refuses with a clear error; start functions run.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import binaryen from 'assemblyscript/binaryen';
import { compileModule, Host, ModuleError } from '../src/index.js';
import { wasiImports } from '../src/wasi.js';
import { guestPath, probeHost } from './probe.js';

/** A module from WebAssembly text, for shapes the AssemblyScript guests cannot take. */
function wat(text: string): Uint8Array {
  const m = binaryen.parseText(`(module ${text})`);
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}
const MEM = '(memory (export "memory") 1) (func (export "malloc") (param i32) (result i32) (i32.const 1024))';

const code = (c: string) => (err: unknown) => err instanceof ModuleError && err.code === c;

test('a module read from a file knows its path and size, for the proxy to say what it runs', async () => {
  const file = guestPath('probe');
  const m = await new Host().load(file);
  assert.equal(m.path, resolve(file));
  assert.equal(m.size, statSync(file).size);
  assert.equal(compileModule(readFileSync(file)).path, undefined, 'bytes handed over have no path');
});

test('a module without an ABI version marker is refused', async () => {
  await assert.rejects(new Host().load(guestPath('no-abi-marker')), (err: unknown) => {
    assert.ok(code('no_abi_marker')(err));
    assert.match((err as Error).message, /exports no proxy-wasm ABI version marker .* Envoy would refuse/);
    return true;
  });
});

test('bytes that are not WebAssembly, ABI 0.1.0, no memory, no allocator: each refused by name', () => {
  assert.throws(() => compileModule(Buffer.from('not wasm at all')), code('invalid_wasm'));
  assert.throws(() => compileModule(wat(`${MEM} (func (export "proxy_abi_version_0_1_0"))`)), code('unsupported_abi'));
  assert.throws(() => compileModule(wat('(func (export "proxy_abi_version_0_2_1")) (func (export "malloc") (param i32) (result i32) (i32.const 0))')), code('no_memory'));
  assert.throws(() => compileModule(wat('(memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1"))')), code('no_allocator'));
});

test('an import the host does not offer fails the start, and an env.abort import says how to build', async () => {
  const host = probeHost().host;
  const mod = await host.load(guestPath('env-abort'));
  assert.throws(() => host.startPlugin(mod), (err: unknown) => {
    assert.ok(code('unknown_import')(err));
    assert.match((err as Error).message, /env\.abort \(function\).*--use abort=/);
    return true;
  });
});

test('ABI 0.2.0 modules run, but may not import what only 0.2.1 offers (proxy_get_log_level)', () => {
  const host = probeHost().host;
  const ok = compileModule(wat(`(import "env" "proxy_continue_stream" (func (param i32) (result i32))) ${MEM} (func (export "proxy_abi_version_0_2_0"))`));
  assert.equal(ok.abi, '0.2.0');
  host.startPlugin(ok);
  const bad = compileModule(wat(`(import "env" "proxy_get_log_level" (func (param i32) (result i32))) ${MEM} (func (export "proxy_abi_version_0_2_0"))`));
  assert.throws(() => host.startPlugin(bad), /env\.proxy_get_log_level/);
});

test('the whole WASI set cpp-host offers is offered, under both module names', async () => {
  // FOR_ALL_WASI_FUNCTIONS in proxy-wasm-cpp-host include/proxy-wasm/exports.h
  const cppHost = ['fd_write', 'fd_read', 'fd_seek', 'fd_close', 'fd_fdstat_get', 'fd_fdstat_set_flags',
    'fd_fdstat_set_rights', 'environ_get', 'environ_sizes_get', 'args_get', 'args_sizes_get', 'clock_time_get',
    'clock_res_get', 'fd_advise', 'fd_allocate', 'fd_datasync', 'fd_filestat_set_size', 'fd_filestat_set_times',
    'fd_pread', 'fd_pwrite', 'fd_readdir', 'fd_renumber', 'fd_sync', 'fd_tell', 'path_create_directory',
    'path_filestat_set_times', 'path_link', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
    'path_unlink_file', 'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown', 'random_get', 'sched_yield',
    'poll_oneoff', 'proc_exit', 'path_open', 'fd_prestat_get', 'fd_prestat_dir_name', 'path_filestat_get',
    'fd_filestat_get'];
  const probe = probeHost();
  const plugin = probe.host.startPlugin(await probe.host.load(guestPath('noop')));
  assert.deepEqual(Object.keys(wasiImports(plugin.vm)).sort(), [...cppHost].sort());
  // And a module importing them under both names, with their real signatures, links.
  const mod = compileModule(wat(`
    (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
    (import "wasi_unstable" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
    (import "env" "pthread_equal" (func (param i32 i32) (result i32)))
    ${MEM} (func (export "proxy_abi_version_0_2_1"))`));
  probe.host.startPlugin(mod);
});

test('start functions: the wasm start section, _start, and _initialize followed by main', () => {
  const host = probeHost().host;
  const initMain = compileModule(wat(`${MEM} (global $g (mut i32) (i32.const 0))
    (func (export "_initialize") (global.set $g (i32.const 1)))
    (func (export "main") (param i32 i32) (result i32) (global.set $g (i32.add (i32.mul (global.get $g) (i32.const 10)) (i32.const 2))) (i32.const 0))
    (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.eq (global.get $g) (i32.const 12)))
    (func (export "proxy_abi_version_0_2_1"))`));
  host.startPlugin(initMain); // vm_start returns false, failing the start, unless both ran in order
  const start = compileModule(wat(`${MEM} (global $g (mut i32) (i32.const 0))
    (func (export "_start") (global.set $g (i32.const 7)))
    (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.eq (global.get $g) (i32.const 7)))
    (func (export "proxy_abi_version_0_2_1"))`));
  host.startPlugin(start);
});

test('an AssemblyScript start section runs at instantiation; its host calls get INVALID_MEMORY_ACCESS', async () => {
  const probe = probeHost();
  probe.host.startPlugin(await probe.host.load(guestPath('start-section')));
  assert.ok(probe.lines().includes('start section ran: 42, early log status 6'));
});

test('a trap in _initialize fails the start with the module\'s message', () => {
  const host = probeHost().host;
  const mod = compileModule(wat(`${MEM} (func (export "_initialize") unreachable) (func (export "proxy_abi_version_0_2_1"))`));
  assert.throws(() => host.startPlugin(mod), /_initialize failed: RuntimeError: unreachable/);
});
