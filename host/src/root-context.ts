// The root (plugin) context: one per plugin per VM. It owns the configuration buffers, the
// tick timer, the http calls and their responses, and the status proxy_get_status reports.
import { BufferType, MapType, Status } from './abi.js';
import { BodyBuffer } from './buffer.js';
import { Context } from './context.js';
import { HeaderMap } from './headers.js';
import { envoyAnswerFor, type HttpCallError } from './call-failure.js';
import { type HttpCallResponse, performHttpCall } from './http-call.js';
import type { Pair } from './pairs.js';
import type { PropertyMap } from './properties.js';
import type { Vm } from './vm.js';

export interface PluginInfo {
  name: string;
  rootId: string;
  vmId: string;
  /** Envoy's fail_open: when the VM has failed, let streams through instead of answering 503. */
  failOpen: boolean;
}

interface CallResponse {
  headers: HeaderMap;
  body: BodyBuffer;
  trailers: HeaderMap;
}

export class RootContext extends Context {
  readonly root = this;
  status = { code: Status.Ok as number, message: '' };
  private pluginConfig: BodyBuffer | undefined;
  private callResponse: CallResponse | undefined;
  private tickPeriodMs = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private nextCallToken = 1;
  private readonly calls = new Map<number, () => void>();
  private readonly pluginProperties: PropertyMap;
  /** Set while on_done returned false: the module owes a proxy_done() before on_delete. */
  private donePending: (() => void) | undefined;

  constructor(vm: Vm, id: number, readonly plugin: PluginInfo, properties: PropertyMap = {}) {
    super(vm, id);
    this.pluginProperties = {
      plugin_name: plugin.name,
      plugin_root_id: plugin.rootId,
      plugin_vm_id: plugin.vmId,
      ...properties,
    };
  }

  /** Buffers every context can read through its root. */
  sharedBuffer(type: BufferType): BodyBuffer | undefined {
    switch (type) {
      case BufferType.VmConfiguration:
        return this.vm.vmConfiguration;
      case BufferType.PluginConfiguration:
        return this.pluginConfig;
      case BufferType.HttpCallResponseBody:
        return this.callResponse?.body;
      default:
        return undefined;
    }
  }

  sharedHeaderMap(type: MapType): HeaderMap | undefined {
    if (type === MapType.HttpCallResponseHeaders) return this.callResponse?.headers;
    if (type === MapType.HttpCallResponseTrailers) return this.callResponse?.trailers;
    return undefined;
  }

  propertyLayers(): readonly (PropertyMap | undefined)[] {
    return [this.pluginProperties];
  }

  get pluginPropertyMap(): PropertyMap {
    return this.pluginProperties;
  }

  /** proxy_on_vm_start then proxy_on_configure, as Envoy starts a plugin; false if either refuses. */
  start(configuration: Buffer): { ok: true } | { ok: false; reason: string } {
    const vm = this.vm;
    vm.invoke(this, vm.callbacks.proxy_on_context_create, this.id, 0);
    // A callback the module does not export counts as true, as in cpp-host.
    const onStart = vm.callbacks.proxy_on_vm_start;
    const started = onStart ? vm.invoke(this, onStart, this.id, vm.vmConfiguration.size) : 1;
    if (started === null) return { ok: false, reason: `the VM failed in proxy_on_vm_start: ${vm.failure?.message}` };
    if (started === 0) return { ok: false, reason: 'proxy_on_vm_start returned false' };
    return this.configure(configuration);
  }

  configure(configuration: Buffer): { ok: true } | { ok: false; reason: string } {
    const vm = this.vm;
    this.pluginConfig = new BodyBuffer(configuration, false);
    try {
      const validate = vm.callbacks.proxy_validate_configuration;
      if (validate) {
        const valid = vm.invoke(this, validate, this.id, configuration.length);
        if (valid === 0) return { ok: false, reason: 'proxy_validate_configuration returned false' };
      }
      const onConfigure = vm.callbacks.proxy_on_configure;
      const configured = onConfigure ? vm.invoke(this, onConfigure, this.id, configuration.length) : 1;
      if (configured === null) return { ok: false, reason: `the VM failed in proxy_on_configure: ${vm.failure?.message}` };
      if (configured === 0) return { ok: false, reason: 'proxy_on_configure returned false' };
      return { ok: true };
    } finally {
      this.pluginConfig = undefined; // Envoy hands the plugin configuration over only during configure
    }
  }

  /** Envoy re-arms the timer after each tick (a fixed delay, not a fixed rate); 0 stops it. */
  setTickPeriod(ms: number): void {
    this.tickPeriodMs = ms;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    if (ms > 0) this.armTick();
  }

  private armTick(): void {
    this.tickTimer = setTimeout(() => {
      this.tickTimer = undefined;
      this.vm.invoke(this, this.vm.callbacks.proxy_on_tick, this.id);
      if (this.tickPeriodMs > 0 && this.tickTimer === undefined && !this.vm.failure) this.armTick();
    }, this.tickPeriodMs);
    this.tickTimer.unref();
  }

  onQueueReady(queueId: number): void {
    this.vm.invoke(this, this.vm.callbacks.proxy_on_queue_ready, this.id, queueId);
  }

  /** Start a call to a cluster; the token, or why not (unknown cluster, missing pseudo-headers). */
  httpCall(cluster: string, headers: Pair[], body: Uint8Array, trailers: Pair[], timeoutMs: number): { token: number } | { status: Status } {
    const url = this.vm.host.clusterUrl(cluster);
    if (url === undefined) {
      this.vm.host.log('warning', this.vm.vmId, `http call to unknown cluster "${cluster}": map it with clusters: { "${cluster}": "http://host:port" }`);
      return { status: Status.BadArgument };
    }
    const has = (name: string) => headers.some(([k]) => k.toLowerCase() === name);
    if (!has(':method') || !has(':path') || !has(':authority')) return { status: Status.BadArgument };
    const token = this.nextCallToken++;
    const call = performHttpCall({ url, headers: headers.map(([k, v]) => [k.toLowerCase(), v]), body, trailers, timeoutMs, httpsAgent: this.vm.host.clusterAgent });
    this.calls.set(token, call.cancel);
    call.done.then(
      (res) => this.deliver(token, res),
      (err: HttpCallError) => this.deliver(token, envoyAnswerFor(err)),
    );
    return { token };
  }

  private deliver(token: number, res: HttpCallResponse | 'reset'): void {
    if (!this.calls.delete(token)) return; // cancelled by close()
    const vm = this.vm;
    if (res === 'reset') {
      this.status = { code: Status.BrokenConnection, message: 'reset' };
      vm.invoke(this, vm.callbacks.proxy_on_http_call_response, this.id, token, 0, 0, 0);
      return;
    }
    this.status = { code: Status.Ok, message: '' };
    this.callResponse = { headers: HeaderMap.fromPairs(res.headers), body: new BodyBuffer(res.body, false), trailers: HeaderMap.fromPairs(res.trailers) };
    try {
      vm.invoke(this, vm.callbacks.proxy_on_http_call_response, this.id, token, res.headers.length, res.body.length, res.trailers.length);
    } finally {
      this.callResponse = undefined; // readable only inside the callback
    }
  }

  get pendingCalls(): number {
    return this.calls.size;
  }

  /** proxy_done from the module: finishes a close that on_done deferred. */
  done(): Status {
    if (!this.donePending) return Status.NotFound;
    const finish = this.donePending;
    this.donePending = undefined;
    finish();
    return Status.Ok;
  }

  /**
   * Shut the plugin down as Envoy does on a drain: stop the timer, proxy_on_done, and
   * proxy_on_delete once the module agrees (it may defer with proxy_done, and its calls in
   * flight may still answer meanwhile); calls still in flight then are cancelled.
   */
  close(deferLimitMs = 1000): Promise<void> {
    this.setTickPeriod(0);
    const vm = this.vm;
    return new Promise((resolve) => {
      const finish = () => {
        for (const cancel of this.calls.values()) cancel();
        this.calls.clear();
        vm.invoke(this, vm.callbacks.proxy_on_delete, this.id);
        vm.contexts.remove(this);
        resolve();
      };
      const onDone = vm.callbacks.proxy_on_done;
      const done = onDone ? vm.invoke(this, onDone, this.id) : 1;
      if (done !== 0 || vm.failure) return finish();
      const timer = setTimeout(() => this.done(), deferLimitMs);
      this.donePending = () => {
        clearTimeout(timer);
        finish();
      };
    });
  }
}
