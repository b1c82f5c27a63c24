// The collector's WebAssembly modules (collector/wasm/*.ts, built to build/*.wasm): the loops
// that run over every byte a producer sends, where JavaScript costs several times more.
import { readFileSync } from 'node:fs';

/** The exports of build/<name>.wasm, instantiated now (the modules are a few KB and import nothing). */
export function instantiate<T>(name: string): T & { memory: WebAssembly.Memory } {
  const file = new URL(`../../../build/${name}.wasm`, import.meta.url);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new Error(`${file.pathname} is missing: run npm run build`);
  }
  return new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {}).exports as unknown as T & { memory: WebAssembly.Memory };
}
