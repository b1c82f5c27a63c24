// A plugin running on one VM: Envoy makes one of these per worker thread. Start it, open a stream
// per request, close it on shutdown. Starting fails with the module's own words when the module
// refuses its configuration.
import type { Host } from './host.js';
import type { ProxyWasmModule } from './module.js';
import type { PropertyMap } from './properties.js';
import { RootContext } from './root-context.js';
import { HttpStream } from './stream.js';
import { Vm, type VmFailure } from './vm.js';

export interface PluginOptions {
  /** Envoy's config.name (default "redtail"). */
  name?: string;
  /** Envoy's root_id / Istio's pluginName (default ""). */
  rootId?: string;
  /** VMs with the same vm_id share data and queues (default ""). */
  vmId?: string;
  /** vm_config.configuration, read in proxy_on_vm_start. */
  vmConfiguration?: string | Uint8Array;
  /** The plugin configuration (Envoy `configuration`, Istio `pluginConfig`), read in proxy_on_configure. */
  configuration?: string | Uint8Array;
  /** When the VM fails: true lets requests through, false (Envoy's default) answers 503. */
  failOpen?: boolean;
  /** Plugin-level attributes (node, listener_direction, …) every context can read. */
  properties?: PropertyMap;
}

export class PluginError extends Error {
  constructor(readonly code: 'start_failed' | 'configure_failed', message: string, readonly guestLogs: string[]) {
    super(message);
  }
}

const bytes = (v: string | Uint8Array | undefined) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v ?? []));

export class Plugin {
  private constructor(readonly vm: Vm, readonly root: RootContext) {}

  static start(host: Host, module: ProxyWasmModule, options: PluginOptions): Plugin {
    const info = { name: options.name ?? 'redtail', rootId: options.rootId ?? '', vmId: options.vmId ?? '', failOpen: options.failOpen ?? false };
    const vm = new Vm(host, module, info.vmId, bytes(options.vmConfiguration));
    const root = new RootContext(vm, vm.newContextId(), info, options.properties);
    const firstLog = host.logs.length;
    const started = root.start(bytes(options.configuration));
    if (!started.ok) {
      const said = host.logs.slice(firstLog).filter((e) => e.source === 'wasm' && e.vmId === vm.vmId && (e.level === 'error' || e.level === 'critical' || e.level === 'warning')).map((e) => e.message);
      const code = started.reason.includes('vm_start') ? 'start_failed' : 'configure_failed';
      throw new PluginError(code, `plugin ${info.name}: ${started.reason}${said.length ? `: ${said.join('; ')}` : ''}`, said);
    }
    return new Plugin(vm, root);
  }

  get failure(): VmFailure | undefined {
    return this.vm.failure;
  }

  /** Reconfigure in place, as Envoy does on a config update that keeps the VM. */
  configure(configuration: string | Uint8Array): void {
    const result = this.root.configure(bytes(configuration));
    if (!result.ok) throw new PluginError('configure_failed', `plugin ${this.root.plugin.name}: ${result.reason}`, []);
  }

  newStream(properties?: PropertyMap): HttpStream {
    return new HttpStream(this.root, this.vm.newContextId(), properties);
  }

  /** Shut down as Envoy drains a plugin; a module deferring on_done gets deferLimitMs to call proxy_done. */
  close(deferLimitMs?: number): Promise<void> {
    return this.root.close(deferLimitMs);
  }
}
