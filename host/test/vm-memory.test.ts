// The host's gauge of each VM's linear memory, as the proxy's admin serves it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import binaryen from 'assemblyscript/binaryen';
import { compileModule, Host, vmMemoryPrometheus } from '../src/index.js';

/** A guest of two pages whose allocator grows its memory by a page at each call. */
function growingGuest(): Uint8Array {
  const m = binaryen.parseText(`(module (memory (export "memory") 2) (func (export "proxy_abi_version_0_2_1"))
    (func (export "malloc") (param i32) (result i32) (i32.mul (memory.grow (i32.const 1)) (i32.const 65536))))`);
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

test('each VM\'s linear memory is a gauge labelled with its vm id, and follows the memory as it grows', () => {
  const host = new Host({ onLog: () => {} });
  const module = compileModule(growingGuest());
  const a = host.startPlugin(module, { vmId: 'worker-0' });
  const b = host.startPlugin(module, { vmId: 'odd "id"\\' });
  a.vm.memory.handOverText('grow', 0, 4);
  assert.equal(vmMemoryPrometheus([a.vm, b.vm]), [
    '# HELP redtail_host_vm_memory_bytes Bytes of linear memory each VM has grown to (it never shrinks).',
    '# TYPE redtail_host_vm_memory_bytes gauge',
    'redtail_host_vm_memory_bytes{vm="worker-0"} 196608',
    'redtail_host_vm_memory_bytes{vm="odd \\"id\\"\\\\"} 131072',
    '',
  ].join('\n'));
  assert.equal(vmMemoryPrometheus([]), '');
});
