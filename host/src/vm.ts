// One instance of a module: Envoy runs one per worker thread, each with its own memory and
// contexts. The VM routes every callback to its context, remembers which context is active for
// the host calls the module makes meanwhile, and turns a trap into a VM failure: logged with
// the module's own last words, reported, and never thrown into the embedder.
import { LogLevel } from './abi.js';
import { BodyBuffer } from './buffer.js';
import { type Context, ContextTable } from './context.js';
import type { CallStats, Host } from './host.js';
import { hostImports } from './hostcalls.js';
import { GuestMemory } from './memory.js';
import { MetricIds } from './metrics.js';
import { checkImports, type ProxyWasmModule } from './module.js';
import { ProcExit, wasiImports } from './wasi.js';

type Callback = (...args: number[]) => number;

/** The module's callbacks we call; any may be missing (the host then does the default). */
const CALLBACKS = [
  'proxy_on_context_create', 'proxy_on_vm_start', 'proxy_validate_configuration', 'proxy_on_configure',
  'proxy_on_tick', 'proxy_on_queue_ready', 'proxy_on_http_call_response', 'proxy_on_foreign_function',
  'proxy_on_request_headers', 'proxy_on_request_body', 'proxy_on_request_trailers',
  'proxy_on_response_headers', 'proxy_on_response_body', 'proxy_on_response_trailers',
  'proxy_on_done', 'proxy_on_log', 'proxy_on_delete',
] as const;
export type Callbacks = { [K in (typeof CALLBACKS)[number]]: Callback | undefined };

export interface VmFailure {
  /** The callback (or start function) that trapped. */
  callback: string;
  message: string;
  /** What the module logged at error or critical level just before (its abort message). */
  guestMessage: string | undefined;
}

export class Vm {
  readonly memory = new GuestMemory();
  readonly contexts = new ContextTable();
  readonly metrics: MetricIds;
  readonly callbacks: Callbacks;
  readonly vmConfiguration: BodyBuffer;
  failure: VmFailure | undefined;
  /** The context whose callback is running, and the one the module may have chosen instead. */
  current: Context | undefined;
  effective: Context | undefined;
  lastGuestError: string | undefined;
  private nextContextId = 1;
  private readonly exports: WebAssembly.Exports;
  /** Each callback's entry in host.callbackStats, when the host profiles. */
  private readonly timed: Map<Callback, { calls: number; ns: number }> | undefined;

  constructor(readonly host: Host, readonly module: ProxyWasmModule, readonly vmId: string, vmConfiguration: Buffer) {
    this.metrics = new MetricIds(host.metrics);
    this.vmConfiguration = new BodyBuffer(vmConfiguration, false);
    const env = hostImports(this, module.abi);
    if (host.callStats) profiled(env, host.callStats);
    const wasi = wasiImports(this);
    const imports = { env, wasi_unstable: wasi, wasi_snapshot_preview1: wasi };
    checkImports(module, imports);
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module.compiled, imports);
    } catch (err) {
      // The start section runs inside instantiation; a trap there fails the VM before it exists.
      throw new Error(`module ${module.name}: the start function failed: ${(err as Error).message}${this.lastGuestError ? ` (module said: ${this.lastGuestError})` : ''}`);
    }
    this.exports = instance.exports;
    const memory = this.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error(`module ${module.name} exports no memory`);
    const allocate = (this.exports.malloc ?? this.exports.proxy_on_memory_allocate) as Callback | undefined;
    this.memory.attach(memory, allocate);
    this.callbacks = Object.fromEntries(CALLBACKS.map((name) => [name, this.exports[name] as Callback | undefined])) as Callbacks;
    if (host.callbackStats) this.timed = timedCallbacks(this.callbacks, host.callbackStats);
    this.runStart();
  }

  /** Like cpp-host: `_initialize` (then `main` if exported), else `_start`. */
  private runStart(): void {
    const fn = (name: string) => this.exports[name] as ((...a: number[]) => number) | undefined;
    const steps: [string, () => unknown][] = [];
    const initialize = fn('_initialize');
    if (initialize) {
      steps.push(['_initialize', initialize]);
      const main = fn('main') ?? fn('__main_void');
      if (main) steps.push(['main', () => main(0, 0)]);
    } else {
      const start = fn('_start');
      if (start) steps.push(['_start', start]);
    }
    for (const [name, run] of steps) {
      try {
        run();
      } catch (err) {
        if (err instanceof ProcExit && err.code === 0 && name === '_start') continue; // a WASI command that exits 0
        this.fail(name, err);
        throw new Error(`module ${this.module.name}: ${name} failed: ${this.failure!.message}${this.failure!.guestMessage ? ` (module said: ${this.failure!.guestMessage})` : ''}`);
      }
    }
  }

  newContextId(): number {
    return this.nextContextId++;
  }

  /** The context host calls act on. */
  get active(): Context | undefined {
    return this.effective ?? this.current;
  }

  /**
   * Call a module callback for a context: its result (0 for a void callback or one the module
   * does not export; callers that need another default check first), or null when the VM has
   * failed, now or before.
   */
  invoke(context: Context, callback: Callback | undefined, a?: number, b?: number, c?: number, d?: number, e?: number): number | null {
    if (this.failure) return null;
    if (callback === undefined) return 0;
    const previous = this.current;
    const previousEffective = this.effective;
    this.current = context;
    this.effective = undefined;
    // Only the outermost callback is timed: one the module's host calls cause is inside its time.
    const t0 = this.timed !== undefined && previous === undefined ? process.hrtime.bigint() : 0n;
    try {
      return (callback(a!, b!, c!, d!, e!) as number | undefined) ?? 0;
    } catch (err) {
      this.fail(callback.name ? nameOf(this.exports, callback) : 'callback', err);
      return null;
    } finally {
      this.current = previous;
      this.effective = previousEffective;
      if (t0 !== 0n) {
        const entry = this.timed!.get(callback)!;
        entry.ns += Number(process.hrtime.bigint() - t0);
        entry.calls++;
      }
    }
  }

  private fail(callback: string, err: unknown): void {
    const message = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
    this.failure = { callback, message, guestMessage: this.lastGuestError };
    this.host.log('critical', this.vmId, `VM failed in ${callback}: ${message}${this.lastGuestError ? ` (module said: ${this.lastGuestError})` : ''}; ` +
      'the VM takes no more calls; its streams fail open or closed as the plugin says');
    this.host.onVmFailure?.(this, this.failure);
  }

  /** Remember the module's last error, to name it when a trap follows. */
  noteGuestLog(level: number, message: string): void {
    if (level >= LogLevel.Error) this.lastGuestError = message;
  }
}

function nameOf(exports: WebAssembly.Exports, fn: Function): string {
  for (const [name, value] of Object.entries(exports)) if (value === fn) return name;
  return 'callback';
}

/** Each exported callback's entry in the stats, by its function (found once, not per call). */
function timedCallbacks(callbacks: Callbacks, stats: CallStats): Map<Callback, { calls: number; ns: number }> {
  const timed = new Map<Callback, { calls: number; ns: number }>();
  for (const [name, fn] of Object.entries(callbacks)) {
    if (fn === undefined) continue;
    let entry = stats.get(name);
    if (entry === undefined) stats.set(name, (entry = { calls: 0, ns: 0 }));
    timed.set(fn, entry);
  }
  return timed;
}

/** Wrap each host call to count it and time it. */
function profiled(env: Record<string, (...a: never[]) => unknown>, stats: NonNullable<Host['callStats']>): void {
  for (const [name, fn] of Object.entries(env)) {
    const f = fn as (...a: unknown[]) => unknown;
    let entry = stats.get(name);
    if (entry === undefined) stats.set(name, (entry = { calls: 0, ns: 0 }));
    const e = entry;
    env[name] = ((...args: unknown[]) => {
      const t0 = process.hrtime.bigint();
      try {
        return f(...args);
      } finally {
        e.ns += Number(process.hrtime.bigint() - t0);
        e.calls++;
      }
    }) as (...a: never[]) => unknown;
  }
}
