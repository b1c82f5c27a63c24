// Loading a module: compile once, then check what Envoy checks before it will run it (an ABI
// version marker, memory, an allocator). A compiled module is shared by all the VMs made from it.
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ABI_VERSIONS, type AbiVersion } from './abi.js';

export interface ProxyWasmModule {
  name: string;
  compiled: WebAssembly.Module;
  abi: AbiVersion;
  /** Bytes of the module's binary. */
  size: number;
  /** The file it was read from, absolute; none when it was handed over as bytes. */
  path?: string;
}

export class ModuleError extends Error {
  constructor(readonly code: 'invalid_wasm' | 'no_abi_marker' | 'unsupported_abi' | 'no_memory' | 'no_allocator' | 'unknown_import', message: string) {
    super(message);
  }
}

export async function loadModule(source: string | Uint8Array, name?: string): Promise<ProxyWasmModule> {
  if (typeof source === 'string') return { ...compileModule(await readFile(source), name ?? basename(source)), path: resolve(source) };
  return compileModule(source, name ?? 'module');
}

export function compileModule(bytes: Uint8Array, name = 'module'): ProxyWasmModule {
  let compiled: WebAssembly.Module;
  try {
    compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new ModuleError('invalid_wasm', `module ${name}: not a valid WebAssembly module: ${(err as Error).message}`);
  }
  const exports = new Set(WebAssembly.Module.exports(compiled).map((e) => e.name));
  const marker = Object.keys(ABI_VERSIONS).find((m) => exports.has(m)) as keyof typeof ABI_VERSIONS | undefined;
  if (marker === undefined) {
    if (exports.has('proxy_abi_version_0_1_0')) {
      throw new ModuleError('unsupported_abi', `module ${name}: exports proxy_abi_version_0_1_0; this host runs ABI 0.2.1 and 0.2.0 modules: rebuild it with a current proxy-wasm SDK`);
    }
    throw new ModuleError('no_abi_marker', `module ${name}: exports no proxy-wasm ABI version marker (proxy_abi_version_0_2_1 or proxy_abi_version_0_2_0), so Envoy would refuse to load it: is it a proxy-wasm module?`);
  }
  if (!WebAssembly.Module.exports(compiled).some((e) => e.kind === 'memory' && e.name === 'memory')) {
    throw new ModuleError('no_memory', `module ${name}: exports no memory named "memory"`);
  }
  if (!exports.has('malloc') && !exports.has('proxy_on_memory_allocate')) {
    throw new ModuleError('no_allocator', `module ${name}: is missing malloc function (export malloc or proxy_on_memory_allocate)`);
  }
  return { name, compiled, abi: ABI_VERSIONS[marker], size: bytes.byteLength };
}

/** Every import the module needs must be offered, or instantiation fails (as in Envoy). */
export function checkImports(module: ProxyWasmModule, offered: Record<string, Record<string, unknown>>): void {
  const missing = WebAssembly.Module.imports(module.compiled)
    .filter((i) => i.kind !== 'function' || offered[i.module]?.[i.name] === undefined)
    .map((i) => `${i.module}.${i.name} (${i.kind})`);
  if (missing.length === 0) return;
  const hint = missing.some((m) => m.startsWith('env.abort'))
    ? ' AssemblyScript modules: build with --use abort=<your abort function> (Envoy offers no env.abort).'
    : '';
  throw new ModuleError('unknown_import', `module ${module.name}: imports what an ABI ${module.abi} host does not offer: ${missing.join(', ')}.${hint}`);
}
