// The host's own gauge of each VM's linear memory, in the Prometheus text the admin serves beside
// the modules' metrics: a guest's memory only grows, so this is how far each one has grown.
import type { Vm } from './vm.js';

export const VM_MEMORY_METRIC = 'redtail_host_vm_memory_bytes';

/** One gauge line per VM, labelled with its vm_id; empty for no VMs. */
export function vmMemoryPrometheus(vms: readonly Vm[]): string {
  if (vms.length === 0) return '';
  const lines = [`# HELP ${VM_MEMORY_METRIC} Bytes of linear memory each VM has grown to (it never shrinks).`, `# TYPE ${VM_MEMORY_METRIC} gauge`];
  for (const vm of vms) lines.push(`${VM_MEMORY_METRIC}{vm="${labelValue(vm.vmId)}"} ${vm.memory.byteLength}`);
  return lines.join('\n') + '\n';
}

/** A label value escaped as the text format asks: backslash, double quote and newline. */
function labelValue(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
