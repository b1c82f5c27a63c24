// The host: what one Envoy process provides to every VM it runs: cluster routing for http calls,
// the stats store, shared data and queues, foreign functions, the clock and the log. Embedders
// (tests, benches, `redtail proxy`) make one Host, load a module, and start plugins on it.
import type https from 'node:https';
import { LOG_LEVEL_NAMES, LogLevel, type LogLevelName } from './abi.js';
import type { Context } from './context.js';
import { clusterAgent } from './http-call.js';
import { MetricStore } from './metrics.js';
import { loadModule, type ProxyWasmModule } from './module.js';
import { Plugin, type PluginOptions } from './plugin.js';
import { SharedData, SharedQueues } from './shared.js';
import type { Vm, VmFailure } from './vm.js';

export interface LogEntry {
  time: Date;
  level: LogLevelName;
  /** "wasm" for what a module logged (proxy_log, stdout, stderr); "host" for the host's own. */
  source: 'wasm' | 'host';
  vmId: string;
  pluginName?: string;
  rootId?: string;
  contextId?: number;
  message: string;
}

export type ForeignFunction = (args: Uint8Array, call: { vm: Vm; context: Context | undefined }) => Uint8Array | number;

export interface HostOptions {
  /** Envoy cluster name → base URL (scheme, host, port) for proxy_http_call. */
  clusters?: Record<string, string>;
  /** The CAs an https:// cluster's certificate may be signed by (PEM certificates), in place of Node's defaults. */
  clusterCas?: string[];
  /** Messages below this level are dropped, and proxy_get_log_level reports it. Default info. */
  logLevel?: LogLevelName;
  /** Where log entries go; default: printed to stderr in Envoy's style. */
  onLog?: (entry: LogEntry) => void;
  foreignFunctions?: Record<string, ForeignFunction>;
  /** Environment variables the VMs see through WASI (Envoy's vm_config.environment_variables). */
  vmEnvironment?: Record<string, string>;
  /** Wall clock in ns since the epoch; tests may fix it. */
  now?: () => bigint;
  /** How many log entries `host.logs` keeps for inspection (at least this many, at most twice; default 1000). */
  keepLogs?: number;
  /**
   * Count and time every callback into a module (host.callbackStats) and every host call it makes
   * (host.callStats): what a filter costs inside the proxy, and how much of that is the host's.
   * Slows each call down a little.
   */
  profileCalls?: boolean;
}

/** Per host call or callback: how often it was called and the time spent in it (ns). */
export type CallStats = Map<string, { calls: number; ns: number }>;

export function levelNumber(name: LogLevelName): LogLevel {
  const i = LOG_LEVEL_NAMES.indexOf(name);
  if (i < 0) throw new Error(`log level must be one of ${LOG_LEVEL_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  return i;
}

export function printLogEntry(e: LogEntry): void {
  const where = e.source === 'wasm' ? `wasm log ${e.pluginName ?? ''} ${e.rootId ?? ''} ${e.vmId}` : `wasm host ${e.vmId}`;
  process.stderr.write(`[${e.time.toISOString()}][${e.level}][wasm] ${where.replace(/ +/g, ' ')}: ${e.message}\n`);
}

export class Host {
  readonly metrics = new MetricStore();
  readonly sharedData = new SharedData();
  readonly sharedQueues = new SharedQueues();
  readonly foreignFunctions: Map<string, ForeignFunction>;
  readonly vmEnvironment: Record<string, string>;
  readonly logs: LogEntry[] = [];
  readonly logLevel: LogLevel;
  onVmFailure: ((vm: Vm, failure: VmFailure) => void) | undefined;
  private readonly clusters = new Map<string, URL>();
  /** For https:// clusters when clusterCas is given. */
  readonly clusterAgent: https.Agent | undefined;
  private readonly onLog: (entry: LogEntry) => void;
  private readonly keepLogs: number;
  readonly now: () => bigint;
  /** Filled when profileCalls is on; a callback's time includes the host calls it made. */
  readonly callStats: CallStats | undefined;
  readonly callbackStats: CallStats | undefined;

  constructor(options: HostOptions = {}) {
    for (const [name, url] of Object.entries(options.clusters ?? {})) this.setCluster(name, url);
    this.clusterAgent = options.clusterCas ? clusterAgent(options.clusterCas) : undefined;
    this.logLevel = levelNumber(options.logLevel ?? 'info');
    this.onLog = options.onLog ?? printLogEntry;
    this.foreignFunctions = new Map(Object.entries(options.foreignFunctions ?? {}));
    this.vmEnvironment = options.vmEnvironment ?? {};
    this.now = options.now ?? wallClock();
    this.keepLogs = options.keepLogs ?? 1000;
    this.callStats = options.profileCalls ? new Map() : undefined;
    this.callbackStats = options.profileCalls ? new Map() : undefined;
  }

  setCluster(name: string, url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`cluster ${name}: ${JSON.stringify(url)} is not a URL; expected e.g. http://127.0.0.1:9900`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`cluster ${name}: only http:// and https:// URLs, got ${url}`);
    this.clusters.set(name, parsed);
  }

  clusterUrl(name: string): URL | undefined {
    return this.clusters.get(name);
  }

  load(source: string | Uint8Array, name?: string): Promise<ProxyWasmModule> {
    return loadModule(source, name);
  }

  /** A new VM running the module, with one plugin (root context) started and configured on it. */
  startPlugin(module: ProxyWasmModule, options: PluginOptions = {}): Plugin {
    return Plugin.start(this, module, options);
  }

  /** The host's own messages. */
  log(level: LogLevelName, vmId: string, message: string): void {
    if (levelNumber(level) < this.logLevel) return;
    this.emit({ time: new Date(), level, source: 'host', vmId, message });
  }

  /** What a module logged, with the plugin and context it came from. */
  guestLog(vm: Vm, context: Context | undefined, level: LogLevel, message: string): void {
    if (level < this.logLevel) return;
    const plugin = context?.root.plugin;
    this.emit({
      time: new Date(), level: LOG_LEVEL_NAMES[level]!, source: 'wasm', vmId: vm.vmId,
      pluginName: plugin?.name, rootId: plugin?.rootId, contextId: context?.id, message,
    });
  }

  private emit(entry: LogEntry): void {
    this.logs.push(entry);
    // Trimmed in batches: shifting the array on every line would cost O(keepLogs) per line.
    if (this.logs.length >= 2 * this.keepLogs) this.logs.splice(0, this.logs.length - this.keepLogs);
    this.onLog(entry);
  }
}

/** Wall-clock ns since the epoch, at Date.now()'s millisecond resolution; the BigInt is made once per ms. */
function wallClock(): () => bigint {
  let ms = -1;
  let ns = 0n;
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      ns = BigInt(now) * 1_000_000n;
    }
    return ns;
  };
}
